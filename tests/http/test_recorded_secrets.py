"""A Kulcs call's password and import password never reach the stored request, whichever way they
came: a form-encoded body or multipart form fields (the query is masked in test_kulcs_product_upload,
Basic auth is not recorded). Everything else is stored as received, and verify and replay still work."""
from __future__ import annotations

import asyncio
import hashlib
import io
from datetime import datetime, timezone
from urllib.parse import quote_plus
from uuid import uuid4

import aiohttp
import psycopg
import pytest

from ledger.http.keys import LEDGER, POOL
from ledger.service.calls import ReceivedCall
from ledger.service.product_upload import handle_product_upload
from ledger.service.tokens import create_token
from tests.http.helpers import get_json, make_shop, settled
from tests.kulcs_docs import product_xml

PASSWORD = "Titkos-Kulcs&Jelszo=é-7f3a"  # & = and é must be percent-encoded in a form body
IMPORT_KEY = "Import-Titok-9c2e"
FORM = "application/x-www-form-urlencoded"


async def bearer(client, role: str) -> dict:
    async with client.server.app[POOL].acquire() as conn:
        return {"Authorization": f"Bearer {await create_token(conn, role, None)}"}


def form_body(xml: bytes, *, password_field: str = "jelszo", key_field: str = "key") -> tuple[bytes, bytes]:
    """A form-encoded U1 carrying both secrets, and the same bytes with the two values masked."""
    head = f"webshopid=bolt&{password_field}="
    middle = f"&{key_field}="
    tail = "&xml=" + quote_plus(xml.decode("utf-8"))
    sent = head + quote_plus(PASSWORD) + middle + quote_plus(IMPORT_KEY) + tail
    masked = head + "***" + middle + "***" + tail
    return sent.encode("ascii"), masked.encode("ascii")


def multipart_body(xml: bytes) -> tuple[aiohttp.MultipartWriter, str]:
    """A multipart U1 (credentials as fields, the XML as a file) and its Content-Type."""
    writer = aiohttp.MultipartWriter("form-data")
    for name, value in (("webshopid", "bolt"), ("jelszo", PASSWORD), ("key", IMPORT_KEY)):
        writer.append(value).set_content_disposition("form-data", name=name)
    writer.append(xml, {"Content-Type": "text/xml"}).set_content_disposition(
        "form-data", name="file", filename="termekek.xml")
    return writer, writer.headers["Content-Type"]


async def serialized(writer) -> bytes:
    class Sink(io.BytesIO):
        async def write(self, data):  # aiohttp's writers await their stream's write
            io.BytesIO.write(self, data)
    sink = Sink()
    await writer.write(sink)
    return sink.getvalue()


def secret_forms() -> list[bytes]:
    return [s.encode() for s in (PASSWORD, IMPORT_KEY, quote_plus(PASSWORD), quote_plus(IMPORT_KEY))]


async def stored_request(client, db_url, sync_id: str) -> tuple[bytes, dict, dict]:
    """The stored request as the auditor downloads it, and its kulcs_requests row as stored."""
    response = await client.get(f"/api/shops/bolt/syncs/{sync_id}/request",
                                headers=await bearer(client, "auditor"))
    assert response.status == 200, await response.text()
    body = await response.read()
    with psycopg.connect(db_url) as conn:
        row = conn.execute("SELECT body, body_compression, body_sha256, query, headers::text"
                           " FROM kulcs_requests WHERE sync_id = %s", (sync_id,)).fetchone()
    stored = dict(zip(("body", "body_compression", "body_sha256", "query", "headers"), row))
    return body, dict(response.headers), stored


def assert_no_secret(body: bytes, stored: dict) -> None:
    for secret in secret_forms():
        assert secret not in body
        assert secret not in bytes(stored["body"])  # small bodies are stored as they are
        assert secret.decode() not in stored["query"] + stored["headers"]


async def only_sync(client) -> dict:
    await settled(client)
    (sync,) = await get_json(client, "/api/shops/bolt/syncs")
    return sync


async def verify_and_replay(client, sync_id: str, pushed_name: str) -> None:
    """verify is ok; after another push renames the product, a real replay of `sync_id` brings the
    pushed name back (so the XML was read again from the stored body), and is recorded masked too."""
    verified = await get_json(client, "/api/shops/bolt/audit/verify", headers=await bearer(client, "auditor"))
    assert verified["ok"], verified["problems"]
    rename = await client.post("/kulcs/bolt/products", data=product_xml([{"termekkod": "S-1", "nev": "Más"}]),
                               headers={"Content-Type": "text/xml"},
                               params={"webshopid": "bolt", "jelszo": PASSWORD, "key": IMPORT_KEY})
    assert rename.status == 200, await rename.text()
    replayed = await client.post(f"/api/shops/bolt/syncs/{sync_id}/replay", json={"dry_run": False},
                                 headers=await bearer(client, "support"))
    assert replayed.status == 201, await replayed.text()
    assert (await replayed.json())["outcome"] == "applied"
    await settled(client)
    assert (await get_json(client, "/api/shops/bolt/products/S-1"))["name"] == pushed_name
    verified = await get_json(client, "/api/shops/bolt/audit/verify", headers=await bearer(client, "auditor"))
    assert verified["ok"], verified["problems"]


async def applied_and_stored_as(client, db_url, expected: bytes):
    """The only sync applied, its request stored (and served to auditors) as `expected`, every other
    byte, field and encoding as received, with the SHA-256 of what is stored."""
    sync = await only_sync(client)
    assert sync["outcome"] == "applied"
    body, headers, stored = await stored_request(client, db_url, sync["sync_id"])
    assert_no_secret(body, stored)
    assert body == expected
    assert headers["X-Kulcs-Body-SHA256"] == stored["body_sha256"] == hashlib.sha256(expected).hexdigest()
    return sync, stored


@pytest.mark.parametrize("names", [("jelszo", "key"), ("jels%7Ao", "KEY")],
                         ids=["plain field names", "encoded and upper-case field names"])
async def test_form_encoded_upload_is_stored_with_password_and_import_password_masked(client, db_url, names):
    await make_shop(client, password=PASSWORD, import_password=IMPORT_KEY, sync_type="full")
    xml = product_xml([{"termekkod": "S-1", "nev": "Szék & asztal", "ar": "100"}])
    sent, expected = form_body(xml, password_field=names[0], key_field="key")
    if names[1] == "KEY":  # the import password must be `key` to authenticate; mask KEY as well
        sent, expected = sent + b"&KEY=" + quote_plus(IMPORT_KEY).encode(), expected + b"&KEY=***"
    response = await client.post("/kulcs/bolt/products", data=sent, headers={"Content-Type": FORM})
    assert response.status == 200, await response.text()
    sync, stored = await applied_and_stored_as(client, db_url, expected)
    assert stored["body_compression"] is None and bytes(stored["body"]) == expected
    assert (await get_json(client, f"/api/shops/bolt/syncs/{sync['sync_id']}"))["request_sha256"] == (
        stored["body_sha256"])
    assert (await get_json(client, "/api/shops/bolt/products/S-1"))["name"] == "Szék & asztal"
    await verify_and_replay(client, sync["sync_id"], "Szék & asztal")


async def test_multipart_upload_is_stored_with_password_and_import_password_fields_masked(client, db_url):
    await make_shop(client, password=PASSWORD, import_password=IMPORT_KEY, sync_type="full")
    xml = product_xml([{"termekkod": "S-1", "nev": "Ékszer", "ar": "100"}], "windows-1250")
    writer, content_type = multipart_body(xml)
    sent = await serialized(writer)
    assert PASSWORD.encode() in sent and IMPORT_KEY.encode() in sent
    expected = sent.replace(PASSWORD.encode(), b"***").replace(IMPORT_KEY.encode(), b"***")
    response = await client.post("/kulcs/bolt/products", data=sent, headers={"Content-Type": content_type})
    assert response.status == 200, await response.text()
    sync, _ = await applied_and_stored_as(client, db_url, expected)
    assert (await get_json(client, "/api/shops/bolt/products/S-1"))["name"] == "Ékszer"
    await verify_and_replay(client, sync["sync_id"], "Ékszer")


async def test_large_compressed_form_upload_is_stored_masked_and_verifies(client, db_url):
    await make_shop(client, password=PASSWORD, import_password=IMPORT_KEY, sync_type="full")
    rows = [{"termekkod": f"L-{i}", "nev": f"Termék {i} hosszú név", "ar": str(i + 1)} for i in range(4000)]
    sent, expected = form_body(product_xml(rows))
    assert len(sent) > 256 * 1024  # stored zlib-compressed (ledger/storage/request_bodies.py)
    response = await client.post("/kulcs/bolt/products", data=sent, headers={"Content-Type": FORM})
    assert response.status == 200, await response.text()
    sync = await only_sync(client)
    assert sync["outcome"] == "applied" and sync["counts"]["created"] == 4000
    body, _headers, stored = await stored_request(client, db_url, sync["sync_id"])
    assert stored["body_compression"] == "zlib"
    assert body == expected and stored["body_sha256"] == hashlib.sha256(expected).hexdigest()
    verified = await get_json(client, "/api/shops/bolt/audit/verify", headers=await bearer(client, "auditor"))
    assert verified["ok"], verified["problems"]


@pytest.mark.parametrize("path", ["/kulcs/bolt/products", "/kulcs/bolt/categories", "/kulcs/bolt/orders/confirm"],
                         ids=["U1", "U5", "U3"])
async def test_rejected_form_encoded_document_is_stored_with_secrets_masked(client, db_url, path):
    await make_shop(client, password=PASSWORD, import_password=IMPORT_KEY, sync_type="full",
                    manage_categories=True)
    sent, expected = form_body(b"<nem-xml")
    response = await client.post(path, data=sent, headers={"Content-Type": FORM})
    assert response.status == 400, await response.text()
    sync = await only_sync(client)
    assert sync["outcome"] == "rejected"
    body, _headers, stored = await stored_request(client, db_url, sync["sync_id"])
    assert_no_secret(body, stored)
    assert body == expected


async def test_replay_of_a_form_body_recorded_before_masking_records_it_masked(client, db_url):
    await make_shop(client, password=PASSWORD, import_password=IMPORT_KEY, sync_type="full")
    xml = product_xml([{"termekkod": "S-1", "nev": "Régi", "ar": "100"}])
    sent, expected = form_body(xml)
    old = ReceivedCall(sync_id=uuid4(), shop="bolt", kind="products", received_at=datetime.now(timezone.utc),
                       method="POST", path="/kulcs/bolt/products", query="", content_type=FORM, headers={},
                       remote="127.0.0.1", body=sent)  # as the unmasked recording stored it
    await asyncio.to_thread(handle_product_upload, client.server.app[LEDGER], old, "full", max_rows=100, xml=xml)
    replayed = await client.post(f"/api/shops/bolt/syncs/{old.sync_id}/replay", json={"dry_run": False},
                                 headers=await bearer(client, "support"))
    assert replayed.status == 201, await replayed.text()
    body, _headers, stored = await stored_request(client, db_url, (await replayed.json())["sync_id"])
    assert_no_secret(body, stored)
    assert body == expected and stored["body_sha256"] == hashlib.sha256(expected).hexdigest()
