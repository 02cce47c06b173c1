"""`kulcs-ledger token list` and `token revoke ID`: an admin sees every token (never its secret or its
digest) and can revoke one without SQL; each create and revoke leaves a log line naming who did it."""
from __future__ import annotations

import asyncio
import json
import logging

import asyncpg
import pytest

from ledger.cli import main
from ledger.logs import configure_logging
from ledger.service.tokens import principal_for


@pytest.fixture(autouse=True)
def _logging_restored():
    """main() points the logs at the stderr of its moment (here, a captured one)."""
    before = list(logging.getLogger().handlers)
    yield
    logging.getLogger().handlers[:] = before
    configure_logging()


@pytest.fixture
def cli(monkeypatch, capsys, db_url):
    """Runs a command on the test database: (exit status, stdout, stderr)."""
    monkeypatch.setenv("DATABASE_URL", db_url)

    def run(*argv: str) -> tuple[int, str, str]:
        status = main(list(argv))
        out, err = capsys.readouterr()
        return status, out, err
    return run


def fetch(db_url: str, query: str, *args):
    async def go():
        conn = await asyncpg.connect(db_url)
        try:
            return [dict(r) for r in await conn.fetch(query, *args)]
        finally:
            await conn.close()
    return asyncio.run(go())


def still_valid(db_url: str, token: str) -> bool:
    async def go():
        conn = await asyncpg.connect(db_url)
        try:
            return await principal_for(conn, token) is not None
        finally:
            await conn.close()
    return asyncio.run(go())


def created(cli, *argv: str) -> str:
    status, out, err = cli("token", "create", *argv)
    assert status == 0, err
    return out.rstrip("\n").splitlines()[-1]


def test_token_list_shows_id_role_shop_created_and_revoked_but_never_the_secret_or_its_digest(cli, db_url):
    assert cli("shop", "create", "bolt", "--password", "kulcs-jelszo-123")[0] == 0
    auditor = created(cli, "--role", "auditor")
    shop = created(cli, "--role", "shop", "--shop", "bolt")
    status, out, _ = cli("token", "list")
    assert status == 0
    listed = json.loads(out)
    assert [set(t) for t in listed] == [{"token_id", "name", "role", "shop", "created_at", "revoked_at"}] * 2
    assert [(t["token_id"], t["role"], t["shop"], t["revoked_at"]) for t in listed] == [
        (auditor.split("_")[1], "auditor", None, None), (shop.split("_")[1], "shop", "bolt", None)]
    assert all(t["created_at"] for t in listed)
    for token in (auditor, shop):
        assert token.split("_", 2)[2] not in out, "never the secret"
    for row in fetch(db_url, "SELECT salt, digest FROM api_tokens"):
        for stored in (row["salt"], row["digest"]):
            assert bytes(stored).hex() not in out.lower() and repr(bytes(stored)) not in out


def test_an_empty_token_list_is_an_empty_json_list(cli):
    status, out, _ = cli("token", "list")
    assert status == 0 and json.loads(out) == []


def test_token_revoke_refuses_the_token_at_once_and_revoking_it_again_is_harmless(cli, db_url):
    kept, revoked = created(cli, "--role", "support"), created(cli, "--role", "auditor")
    revoked_id = revoked.split("_")[1]
    status, out, err = cli("token", "revoke", revoked_id)
    assert status == 0, err
    assert revoked_id in out
    assert not still_valid(db_url, revoked) and still_valid(db_url, kept), "only that token, at once"
    first = fetch(db_url, "SELECT revoked_at FROM api_tokens WHERE token_id = $1", revoked_id)[0]["revoked_at"]
    assert first is not None

    status, out, err = cli("token", "revoke", revoked_id)
    assert status == 0, err
    assert "already" in out
    again = fetch(db_url, "SELECT revoked_at FROM api_tokens WHERE token_id = $1", revoked_id)[0]["revoked_at"]
    assert again == first, "a second revoke keeps when it was first revoked"
    listed = {t["token_id"]: t for t in json.loads(cli("token", "list")[1])}
    assert listed[revoked_id]["revoked_at"] == first.isoformat()
    assert listed[kept.split("_")[1]]["revoked_at"] is None


def test_revoking_an_unknown_token_id_is_one_line_and_status_2(cli):
    created(cli, "--role", "auditor")
    status, out, err = cli("token", "revoke", "0123456789ab")
    assert status == 2 and out == ""
    assert err.startswith("kulcs-ledger: ") and err.count("\n") == 1 and "0123456789ab" in err, err
    assert "Traceback" not in err


def test_a_whole_token_given_to_revoke_is_refused_without_echoing_its_secret(cli, db_url):
    """Pasting the token instead of its id must neither revoke nothing silently nor print the secret."""
    token = created(cli, "--role", "auditor")
    status, out, err = cli("token", "revoke", token)
    assert status == 2
    assert token.split("_", 2)[2] not in out + err
    assert still_valid(db_url, token)


def test_creating_and_revoking_a_token_log_one_line_each_with_the_actor_and_the_id_never_the_secret(cli):
    status, out, err = cli("token", "create", "--role", "auditor")
    token = out.rstrip("\n").splitlines()[-1]
    token_id, secret = token.split("_")[1], token.split("_", 2)[2]
    lines = [json.loads(line) for line in err.splitlines()]
    create_lines = [line for line in lines if line.get("event") == "token_created"]
    assert len(create_lines) == 1, lines
    assert create_lines[0]["token_id"] == token_id and create_lines[0]["role"] == "auditor"
    assert create_lines[0]["actor"].startswith("cli")
    status, _, err = cli("token", "revoke", token_id)
    revoke_lines = [json.loads(line) for line in err.splitlines()
                    if json.loads(line).get("event") == "token_revoked"]
    assert len(revoke_lines) == 1 and revoke_lines[0]["token_id"] == token_id
    assert revoke_lines[0]["actor"].startswith("cli")
    assert secret not in err


def test_a_token_created_with_a_name_is_listed_and_logged_with_it(cli):
    """A label for audits: which integration or person a token id in `replayed_by` belongs to."""
    named = created(cli, "--role", "support", "--name", "Kovács Éva (ügyfélszolgálat)")
    unnamed = created(cli, "--role", "auditor")
    listed = {t["token_id"]: t for t in json.loads(cli("token", "list")[1])}
    assert listed[named.split("_")[1]]["name"] == "Kovács Éva (ügyfélszolgálat)"
    assert listed[unnamed.split("_")[1]]["name"] is None
    status, out, err = cli("token", "create", "--role", "auditor", "--name", "importer")
    assert [json.loads(line)["name"] for line in err.splitlines()
            if json.loads(line).get("event") == "token_created"] == ["importer"]


@pytest.mark.parametrize("name", ["", "   ", "a\nb", "x" * 101])
def test_a_token_name_that_is_blank_too_long_or_has_control_characters_is_refused(cli, name):
    status, out, err = cli("token", "create", "--role", "auditor", "--name", name)
    assert status == 2 and out == "" and err.startswith("kulcs-ledger: ") and err.count("\n") == 1, err
    assert json.loads(cli("token", "list")[1]) == []
