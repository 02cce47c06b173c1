"""What the command line says when it cannot run: one line naming the problem and exit status 2, never
a Python traceback (an unreachable DATABASE_URL, a data folder that is a file, a bad setting, a port
already taken)."""
from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys

import pytest

from ledger.cli import main
from tests.pg import with_database


@pytest.fixture(autouse=True)
def _root_handlers_restored():
    """main() sends library log records to the stderr of its moment (here, a captured one)."""
    before = list(logging.getLogger().handlers)
    yield
    logging.getLogger().handlers[:] = before


def refused_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"postgresql://postgres@127.0.0.1:{port}/postgres"


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.startswith("kulcs-ledger: ") and err.count("\n") == 1, err
    return err


@pytest.mark.parametrize("argv", [["migrate"], ["projections", "status"], ["verify"],
                                  ["token", "create", "--role", "auditor"]])
def test_an_unreachable_database_url_is_one_line_and_status_2(monkeypatch, capsys, argv):
    monkeypatch.setenv("DATABASE_URL", refused_url())
    assert main(argv) == 2
    one_line_error(capsys)


def test_a_database_that_does_not_exist_is_one_line_and_status_2(monkeypatch, capsys, pg_server):
    monkeypatch.setenv("DATABASE_URL", with_database(pg_server.url, "no_such_database_here"))
    assert main(["projections", "status"]) == 2
    assert "no_such_database_here" in one_line_error(capsys)


def test_a_data_dir_that_is_a_file_is_one_line_and_status_2(monkeypatch, capsys, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("x")
    assert main(["migrate", "--data-dir", str(a_file)]) == 2
    assert str(a_file) in one_line_error(capsys)


@pytest.mark.parametrize("name, value", [("KULCS_LEDGER_MAX_ROWS", "lots"),
                                         ("KULCS_LEDGER_WRITE_THREADS", "0"),
                                         ("KULCS_LEDGER_MAX_BODY_BYTES", "-1"),
                                         ("KULCS_LEDGER_TRUSTED_PROXIES", "10.0.0.1, proxy.example.hu")])
def test_a_bad_setting_in_the_environment_is_named(monkeypatch, capsys, name, value):
    monkeypatch.setenv("DATABASE_URL", refused_url())
    monkeypatch.setenv(name, value)
    assert main(["migrate"]) == 2
    assert name in one_line_error(capsys)


def test_serve_on_a_port_already_taken_is_one_line_and_status_2(db_url):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "DATABASE_URL": db_url}
        result = subprocess.run([sys.executable, "-m", "ledger.cli", "serve", "--port", str(port)],
                                env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("kulcs-ledger: ") and str(port) in last, result.stderr


@pytest.mark.parametrize("argv", [["history", "nosuch", "A"], ["verify", "nosuch"]])
def test_history_and_verify_of_a_shop_that_is_not_registered_are_refused(monkeypatch, capsys, db_url, argv):
    """As the JSON API answers 404 "no shop nosuch": not an empty history, not "ok": true."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert main(argv) == 2
    assert capsys.readouterr().err == "kulcs-ledger: no shop nosuch\n"


def test_history_of_a_sku_the_shop_never_had_is_refused(monkeypatch, capsys, db_url):
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert main(["shop", "create", "bolt", "--password", "kulcs-jelszo-123"]) == 0
    capsys.readouterr()
    assert main(["history", "bolt", "KS-1"]) == 2
    assert capsys.readouterr().err == "kulcs-ledger: no product KS-1 in shop bolt\n"


@pytest.mark.parametrize("name, field", [("KULCS_LEDGER_MAX_ROWS", "max_rows"),
                                         ("KULCS_LEDGER_WRITE_THREADS", "write_threads"),
                                         ("KULCS_LEDGER_MAX_BODY_BYTES", "max_body_bytes")])
def test_a_setting_set_to_nothing_is_its_default_as_for_the_other_settings(monkeypatch, name, field):
    """Compose files and systemd units often carry `NAME=` for a setting left alone."""
    from ledger.config import Settings

    monkeypatch.setenv(name, "")
    assert getattr(Settings.from_env(), field) == getattr(Settings(), field)
