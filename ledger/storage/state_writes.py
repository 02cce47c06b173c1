"""SQL that keeps the write-side state tables in step with the events (run inside the recorder)."""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import orjson
from psycopg import Cursor
from psycopg.types.json import Jsonb


@dataclass(frozen=True)
class RecordedRequest:
    sync_id: UUID
    shop: str
    kind: str
    received_at: datetime
    method: str
    path: str
    query: str
    content_type: str | None
    headers: dict[str, str]
    remote: str | None
    body: bytes  # as stored: see ledger/storage/request_bodies.py
    body_compression: str | None
    body_sha256: str


@dataclass(frozen=True, slots=True)  # one per product of a catalogue push, all alive until its write
class ProductStateRow:
    shop: str
    sku: str
    product_id: UUID
    version: int
    fields: dict
    sale_prices: dict
    fingerprint: bytes | None = None


@dataclass(frozen=True)
class CategoryStateRow:
    shop: str
    category_key: str
    category_id: UUID
    version: int
    kulcs_id: str | None
    name: str
    parent_key: str | None
    active: bool


@dataclass(frozen=True)
class StoredImage:
    sha256: str
    media_type: str
    data: bytes
    first_sync: UUID


def write_request(request: RecordedRequest):
    def write(curs: Cursor, _ids: Sequence[int]) -> None:
        curs.execute(_INSERT_REQUEST if request.body_compression is None else _INSERT_REQUEST_ONCE, (
            request.sync_id, request.shop, request.kind, request.received_at, request.method, request.path,
            request.query, request.content_type, json.dumps(request.headers), request.remote, request.body,
            request.body_compression, request.body_sha256))
    write.payload_bytes = len(request.body)  # read by the recorder: large bodies are not pipelined
    return write


_REQUEST_COLUMNS = ("sync_id, shop, kind, received_at, method, path, query, content_type, headers, remote,"
                    " body, body_compression, body_sha256")
_INSERT_REQUEST = (f"INSERT INTO kulcs_requests ({_REQUEST_COLUMNS})"
                   " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s, %b, %s, %s)")  # %b: bytes as binary
# A large body the shop has sent before is stored once (migration 0015): the row of the earlier call
# that holds those bytes is looked up in the same statement, so a pipelined group waits for no result.
# Only a row holding these very bytes (zlib at one level compresses the same body the same way): its
# body_sha256 column is not checked by verify, and a damaged held row must not take every later call's
# bytes with it.
_INSERT_REQUEST_ONCE = (
    f"INSERT INTO kulcs_requests ({_REQUEST_COLUMNS}, body_stored_with)"
    " SELECT v.sync_id, v.shop, v.kind, v.received_at, v.method, v.path, v.query, v.content_type, v.headers,"
    " v.remote, CASE WHEN held.sync_id IS NULL THEN v.body ELSE ''::bytea END,"
    " CASE WHEN held.sync_id IS NULL THEN v.body_compression END, v.body_sha256, held.sync_id"
    " FROM (VALUES (%s::uuid, %s::text, %s::text, %s::timestamptz, %s::text, %s::text, %s::text, %s::text,"
    " %s::jsonb, %s::text, %b::bytea, %s::text, %s::text)) AS v (sync_id, shop, kind, received_at, method,"
    " path, query, content_type, headers, remote, body, body_compression, body_sha256)"
    " LEFT JOIN LATERAL (SELECT r.sync_id FROM kulcs_requests r WHERE r.shop = v.shop"
    " AND r.body_sha256 = v.body_sha256 AND r.body_compression IS NOT NULL AND r.body = v.body LIMIT 1)"
    " AS held ON true")


def write_product_state(rows: Sequence[ProductStateRow]):
    def write(curs: Cursor, _ids: Sequence[int]) -> None:
        if not rows:
            return
        if len(rows) <= SMALL_WRITE:
            _upsert_few_products(curs, rows)
            return
        # Binary COPY into a scratch table, then one upsert: array parameters would be dumped as text.
        curs.execute("CREATE TEMP TABLE IF NOT EXISTS product_state_in (LIKE product_state)"
                     " ON COMMIT DELETE ROWS")
        with curs.copy("COPY product_state_in (shop, sku, product_id, version, fields, sale_prices,"
                       " fingerprint) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["text", "text", "uuid", "int8", "jsonb", "jsonb", "bytea"])
            for r in sorted(rows, key=lambda r: r.sku):
                copy.write_row((r.shop, r.sku, r.product_id, r.version, _jsonb(r.fields),
                                _jsonb(r.sale_prices), r.fingerprint))
        curs.execute(
            "INSERT INTO product_state (shop, sku, product_id, version, fields, sale_prices, fingerprint)"
            " SELECT shop, sku, product_id, version, fields, sale_prices, fingerprint FROM product_state_in"
            " ORDER BY sku" + _PRODUCT_UPSERT_TAIL)
    return write


SMALL_WRITE = 20


def _jsonb(value) -> Jsonb:
    """orjson: a catalogue's product states were encoded in twice its time by json.dumps (jsonb is
    parsed by PostgreSQL, so only the value counts, not how it is spelled)."""
    return Jsonb(value, dumps=orjson.dumps)
_PRODUCT_UPSERT_TAIL = (" ON CONFLICT (shop, sku) DO UPDATE SET version = EXCLUDED.version,"
                        " fields = EXCLUDED.fields, sale_prices = EXCLUDED.sale_prices,"
                        " fingerprint = EXCLUDED.fingerprint")


def _upsert_few_products(curs: Cursor, rows: Sequence[ProductStateRow]) -> None:
    """A small sync's rows in one plain statement: cheaper than a scratch table under the lock."""
    ordered = sorted(rows, key=lambda r: r.sku)
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(ordered))
    params = [v for r in ordered for v in (r.shop, r.sku, r.product_id, r.version, _jsonb(r.fields),
                                           _jsonb(r.sale_prices), r.fingerprint)]
    curs.execute("INSERT INTO product_state (shop, sku, product_id, version, fields, sale_prices,"
                 f" fingerprint) VALUES {values}" + _PRODUCT_UPSERT_TAIL, params)


def write_fingerprints(shop: str, fingerprints: dict[str, bytes | None]):
    """Rows that changed nothing but were sent in other words ("10 000" for "10000")."""
    def write(curs: Cursor, _ids: Sequence[int]) -> None:
        if not fingerprints:
            return
        curs.execute("CREATE TEMP TABLE IF NOT EXISTS fingerprint_in (sku text, fingerprint bytea)"
                     " ON COMMIT DELETE ROWS")
        with curs.copy("COPY fingerprint_in (sku, fingerprint) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["text", "bytea"])
            for sku, fingerprint in sorted(fingerprints.items()):
                copy.write_row((sku, fingerprint))
        curs.execute("UPDATE product_state p SET fingerprint = f.fingerprint FROM fingerprint_in f"
                     " WHERE p.shop = %s AND p.sku = f.sku", (shop,))
    return write


def write_category_state(rows: Sequence[CategoryStateRow]):
    def write(curs: Cursor, _ids: Sequence[int]) -> None:
        for r in sorted(rows, key=lambda r: r.category_key):
            curs.execute(
                "INSERT INTO category_state (shop, category_key, category_id, version, kulcs_id, name,"
                " parent_key, active) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (shop, category_key) DO UPDATE SET version = EXCLUDED.version,"
                " kulcs_id = EXCLUDED.kulcs_id, name = EXCLUDED.name,"
                " parent_key = EXCLUDED.parent_key, active = EXCLUDED.active",
                (r.shop, r.category_key, r.category_id, r.version, r.kulcs_id, r.name,
                 r.parent_key, r.active),
            )
    return write


def write_images(images: Iterable[StoredImage]):
    def write(curs: Cursor, _ids: Sequence[int]) -> None:
        for image in images:
            curs.execute(
                "INSERT INTO images (sha256, media_type, data, first_sync) VALUES (%s, %s, %b, %s)"
                " ON CONFLICT (sha256) DO NOTHING",
                (image.sha256, image.media_type, image.data, image.first_sync),
            )
    return write


def write_shop_row(row: dict):
    columns = list(row)
    def write(curs: Cursor, _ids: Sequence[int]) -> None:
        placeholders = ", ".join(["%s"] * len(columns))
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c not in ("webshopid", "created_at"))
        curs.execute(
            f"INSERT INTO shops ({', '.join(columns)}) VALUES ({placeholders})"
            f" ON CONFLICT (webshopid) DO UPDATE SET {updates}",
            [row[c] for c in columns],
        )
    return write
