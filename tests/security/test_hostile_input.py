"""Hostile Kulcs documents: each answered with a clear 4xx (400, or 413 over the size limit), the request
recorded as a rejected sync when it is within the limit (its exact bytes given back), nothing applied,
never a 500. Numbers that are not numbers reject their row only. Property tests of the parser through
the HTTP endpoint and of the sale-price rules."""
from __future__ import annotations

import asyncio
import base64
import gzip
import http.server
import threading
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from uuid import uuid4

import aiohttp
import pytest
from hypothesis import HealthCheck, assume, given, settings as hypothesis_settings, strategies as st
from lxml import etree

from ledger.config import Settings
from ledger.domain.categories import CategoryBook
from ledger.domain.product_push import ProductState, SyncContext, decide_push
from ledger.domain.sale_prices import KULCS_PRIORITY, effective_sale_price, is_active, kulcs_sale_price
from ledger.domain.values import money
from ledger.http.keys import POOL
from ledger.kulcs.product_upload import parse_product_upload
from ledger.logs import configure_logging
from tests.counts import report_count
from tests.conftest import ADMIN, ADMIN_TOKEN
from tests.http.helpers import basic, get_json, make_shop, settled
from tests.kulcs_docs import product_xml
from tests.order_payloads import order_payload

MAX_BODY = 2 * 1024 * 1024
MAX_ROWS = 50
KULCS = basic("bolt", "kulcs-jelszo")
XML_HEADERS = {**KULCS, "Content-Type": "text/xml"}


@pytest.fixture
def settings(tmp_path):
    """A small body limit (2 MiB: room for 100,000-deep nesting and a 1 MB string) and row limit."""
    configure_logging()
    return Settings(admin_token=ADMIN_TOKEN, data_dir=tmp_path / "data", max_body_bytes=MAX_BODY,
                    max_rows=MAX_ROWS)


@pytest.fixture
async def shop(client):
    await make_shop(client, sync_type="full")
    return client


class Fetches:
    """A local HTTP server that counts every request made to it: external entities and DTDs point
    here, and it must never be asked for anything."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        fetches = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                fetches.paths.append(self.path)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b'<!ENTITY leaked "LEAKED-FROM-NETWORK">')

            def log_message(self, *_args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fetches():
    server = Fetches()
    yield server
    server.close()


def row_doc(inner: str, declaration: str = '<?xml version="1.0" encoding="utf-8"?>') -> bytes:
    return f"{declaration}{inner}".encode()


BILLION_LAUGHS = row_doc(
    '<!DOCTYPE termekek [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + ']><termekek><termek><termekkod>A</termekkod><nev>&lol9;</nev></termek></termekek>')


def hostile_documents(network: str) -> dict[str, tuple[bytes, str]]:
    """name -> (body, a word (or words, any of which) the refusal names)."""
    return {
        "billion laughs": (BILLION_LAUGHS, ("DTD", "entity")),
        "quadratic blowup": (row_doc(f'<!DOCTYPE termekek [<!ENTITY a "{"x" * 50_000}">]><termekek><termek>'
                                     f'<termekkod>A</termekkod><nev>{"&a;" * 20_000}</nev></termek></termekek>'),
                             ("DTD", "entity")),
        "external entity file": (row_doc(
            '<!DOCTYPE termekek [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            "<termekek><termek><termekkod>A</termekkod><nev>&xxe;</nev></termek></termekek>"), ("DTD", "entity")),
        "external entity http": (row_doc(
            f'<!DOCTYPE termekek [<!ENTITY xxe SYSTEM "{network}/entity">]>'
            "<termekek><termek><termekkod>A</termekkod><nev>&xxe;</nev></termek></termekek>"), ("DTD", "entity")),
        "external entity closed port": (row_doc(
            '<!DOCTYPE termekek [<!ENTITY xxe SYSTEM "http://127.0.0.1:1/x">]>'
            "<termekek><termek><termekkod>A</termekkod><nev>&xxe;</nev></termek></termekek>"), ("DTD", "entity")),
        "external parameter entity": (row_doc(
            f'<!DOCTYPE termekek [<!ENTITY % p SYSTEM "{network}/param"> %p;]>'
            "<termekek><termek><termekkod>A</termekkod><nev>&leaked;</nev></termek></termekek>"), ("DTD", "entity")),
        "external DTD": (row_doc(
            f'<!DOCTYPE termekek SYSTEM "{network}/doc.dtd">'
            "<termekek><termek><termekkod>A</termekkod></termek></termekek>"), ("DTD", "entity")),
        "internal DTD without entities": (row_doc(
            "<!DOCTYPE termekek [<!ELEMENT termekek ANY>]>"
            "<termekek><termek><termekkod>A</termekkod></termek></termekek>"), ("DTD", "entity")),
        "undeclared entity": (row_doc("<termekek><termek><termekkod>A</termekkod><nev>&xxe;</nev></termek>"
                                      "</termekek>"), "XML"),
        "100,000-deep nesting": (row_doc("<termekek><termek><termekkod>A</termekkod><nev>"
                                         + "<a>" * 100_000 + "</a>" * 100_000 + "</nev></termek></termekek>"),
                                 "XML"),
        "invalid UTF-8": (b'<?xml version="1.0" encoding="utf-8"?><termekek><termek><termekkod>A\xff\xfe'
                          b"</termekkod></termek></termekek>", "XML"),
        "undefined windows-1250 byte": (b'<?xml version="1.0" encoding="windows-1250"?><termekek><termek>'
                                        b"<termekkod>A\x98</termekkod></termek></termekek>", "XML"),
        "high byte declared us-ascii": (b'<?xml version="1.0" encoding="us-ascii"?><termekek><termek>'
                                        b"<termekkod>\xe9</termekkod></termek></termekek>", "XML"),
        "NUL character reference": (b"<termekek><termek><termekkod>A&#0;</termekkod></termek></termekek>", "XML"),
        "wrong root": (row_doc("<megrendelesek><termek><termekkod>A</termekkod></termek></megrendelesek>"),
                       "megrendelesek"),
        "declaration only": (row_doc(""), "XML"),
        "empty body": (b"", "üres"),
        "more rows than the limit": (product_xml([{"termekkod": f"R-{n}", "ar": "1"}
                                                  for n in range(MAX_ROWS + 1)]), str(MAX_ROWS)),
    }


HOSTILE = list(hostile_documents("http://127.0.0.1:9").keys())


def answer_of(body: bytes) -> dict:
    root = etree.fromstring(body)
    return {child.tag: child.text for child in root if child.tag != "hibak"} | {
        "hibak": [(h.get("sor"), h.get("termekkod"), h.text) for h in root.iterfind("hibak/hiba")]}


async def product_event_count(client) -> int:
    async with client.server.app[POOL].acquire() as conn:
        return await conn.fetchval("SELECT count(*) FROM ledger_events WHERE topic LIKE 'kulcs-ledger:Product.%'")


async def send(client, body: bytes, transport: str):
    if transport == "raw":
        return await client.post("/kulcs/bolt/products", data=body, headers=XML_HEADERS)
    if transport == "form field":
        form = aiohttp.FormData({"xml": body.decode("latin-1")}, charset="latin-1")
        return await client.post("/kulcs/bolt/products", data=form, headers=KULCS)
    form = aiohttp.FormData()
    form.add_field("file", body, filename="termekek.xml", content_type="text/xml")
    return await client.post("/kulcs/bolt/products", data=form, headers=KULCS)


async def refusal_problems(client, name: str, body: bytes, named, transport: str, fetches) -> list[str]:
    response = await send(client, body, transport)
    text = await response.read()
    if response.status != 400:
        return [f"answered {response.status}: {text[:200]!r}"]
    answer = answer_of(text)
    problems = []
    if answer["eredmeny"] != "HIBA" or not answer["uzenet"]:
        problems.append(f"not a clear refusal: {answer}")
    words = (named,) if isinstance(named, str) else named
    if transport == "raw" and not any(w.lower() in answer["uzenet"].lower() for w in words):
        problems.append(f"the reason does not say why: {answer['uzenet']}")
    if b"root:" in text or b"LEAKED" in text:
        problems.append("the answer leaks an external resource")
    if fetches.paths:
        problems.append(f"the parser fetched {fetches.paths}")
    await settled(client)
    mine = [s for s in await get_json(client, "/api/shops/bolt/syncs") if s["sync_id"] == answer["szinkron"]]
    if not mine or (mine[0]["outcome"], mine[0]["kind"]) != ("rejected", "products"):
        problems.append(f"not recorded as a rejected sync: {mine}")
    stored = await client.get(f"/api/shops/bolt/syncs/{answer['szinkron']}/request", headers=ADMIN)
    if transport == "raw" and await stored.read() != body:
        problems.append("the recorded request is not the bytes sent")
    if await product_event_count(client):
        problems.append("product events were written")
    return problems


@pytest.mark.parametrize("transport", ["raw", "form field", "multipart file"])
async def test_hostile_documents_are_refused_with_400_recorded_and_apply_nothing(shop, fetches, transport):
    """Every document of hostile_documents(), sent as a raw body, a form field and a multipart file."""
    failures = {}
    for name, (body, named) in hostile_documents(fetches.url).items():
        if problems := await refusal_problems(shop, name, body, named, transport, fetches):
            failures[name] = problems
    assert not failures, failures
    assert await product_event_count(shop) == 0


async def test_body_over_the_size_limit_is_refused_413_before_it_is_read(shop):
    """Content-Length over the limit: 413 at once, without waiting for a single body byte."""
    client = shop
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    head = (f"POST /kulcs/bolt/products HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n"
            f"Authorization: {KULCS['Authorization']}\r\nContent-Length: {MAX_BODY * 10}\r\n\r\n")
    writer.write(head.encode() + b"<termekek>")
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), timeout=10)
    writer.close()
    assert status_line.split()[1] == b"413", status_line
    assert await get_json(client, "/api/shops/bolt/syncs") == [], "nothing recorded over the limit"


async def test_chunked_body_over_the_size_limit_is_refused_413_while_it_is_still_being_sent(shop):
    """No Content-Length: the server counts while it reads and answers 413 once past the limit, while
    the client is still sending (the body's last chunk is never sent)."""
    client = shop
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    writer.write(f"POST /kulcs/bolt/products HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n"
                 f"Authorization: {KULCS['Authorization']}\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
    answer = asyncio.create_task(reader.readline())
    chunk = b"<termekek>" + b" " * (64 * 1024 - 10)
    sent = 0
    while not answer.done() and sent < MAX_BODY * 4:
        writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        sent += len(chunk)
        try:
            await writer.drain()
        except ConnectionError:
            break
        await asyncio.sleep(0.001)
    try:
        status_line = await asyncio.wait_for(answer, timeout=10)
    finally:
        writer.close()
    assert status_line.split()[1] == b"413", status_line
    assert sent < MAX_BODY * 4, "answered before the client stopped sending"
    report_count(f"\nchunked body: 413 after {sent} bytes sent (limit {MAX_BODY})")
    assert await get_json(client, "/api/shops/bolt/syncs") == []


async def test_xinclude_is_not_processed(shop):
    client = shop
    body = row_doc('<termekek xmlns:xi="http://www.w3.org/2001/XInclude"><termek><termekkod>A</termekkod>'
                   '<nev><xi:include href="file:///etc/passwd" parse="text"/></nev></termek></termekek>')
    response = await client.post("/kulcs/bolt/products", data=body, headers=XML_HEADERS)
    assert response.status == 200
    await settled(client)
    assert "root:" not in ((await get_json(client, "/api/shops/bolt/products/A"))["name"] or "")


async def test_gzip_bomb_is_refused_413_once_its_inflated_size_passes_the_limit(shop):
    client = shop
    inflated = b'<?xml version="1.0"?><termekek>' + b" " * (64 * 1024 * 1024) + b"</termekek>"
    bomb = gzip.compress(inflated, compresslevel=9)
    assert len(bomb) < MAX_BODY // 10
    response = await client.post("/kulcs/bolt/products", data=bomb,
                                 headers={**XML_HEADERS, "Content-Encoding": "gzip"})
    assert response.status in (400, 413), response.status
    assert await product_event_count(client) == 0
    report_count(f"\ngzip bomb of {len(bomb)} bytes ({len(inflated)} inflated): {response.status}")


NUMBERS = {  # text -> what the row's <ar> becomes: a price, or None when the row is rejected
    "1e309": None, "NaN": None, "nan": None, "Infinity": None, "-Infinity": None, "12,34,56": None,
    "1e3": None, "0x10": None, "1.2.3": None, "--5": None, "+-1": None, "١٢٣": None, "１２３": None,
    "1_000": None, "9" * 19: None, "1." + "1" * 7: None, "": "absent",
    "-0": "0.00", "+0": "0.00", "0,00": "0.00", "1 234,50": "1234.50", "1.234.567,8": "1234567.80",
    "1,234,567.8": "1234567.80", "12,34": "12.34",
}


async def test_numbers_that_are_not_numbers_reject_only_their_row_and_minus_zero_is_zero(shop):
    client = shop
    rows = [{"termekkod": f"N-{i}", "ar": text} for i, text in enumerate(NUMBERS)]
    rows.append({"termekkod": "STOCK", "szabadraktar": "-0", "arakcios": "-0"})
    response = await client.post("/kulcs/bolt/products", data=product_xml(rows), headers=XML_HEADERS)
    assert response.status == 200
    answer = answer_of(await response.read())
    rejected = {sku for _, sku, _ in answer["hibak"]}
    expected_rejected = {f"N-{i}" for i, value in enumerate(NUMBERS.values()) if value is None}
    assert answer["eredmeny"] == "RESZLEGES" and rejected == expected_rejected, answer["hibak"]
    assert all(reason.startswith("ar:") for _, _, reason in answer["hibak"])
    await settled(client)
    for i, (text, value) in enumerate(NUMBERS.items()):
        found = await client.get(f"/api/shops/bolt/products/N-{i}", headers=ADMIN)
        if value is None:
            assert found.status == 404, f"{text!r} created a product"
        else:
            product = await found.json()
            assert product["base_price"] == (None if value == "absent" else value), (text, product)
    stock = await get_json(client, "/api/shops/bolt/products/STOCK")
    assert (stock["stock1"], stock["sale_prices"]) == ("0", [])
    report_count(f"\nnumbers tried: {len(NUMBERS)}, rejected rows: {len(rejected)}")


MEGABYTE = 1024 * 1024


@pytest.mark.parametrize("element", ["nev", "termekkod", "tmegjegyzes", "kat", "mee", "ismeretlen"])
async def test_a_megabyte_string_is_rejected_or_kept_whole_never_a_500(shop, element):
    client = shop
    big = "ő" * (MEGABYTE // 2) if element != "termekkod" else "K" * MEGABYTE
    row = {"termekkod": "BIG", element: big} if element != "termekkod" else {"termekkod": big, "ar": "1"}
    rows = [row, {"termekkod": "SMALL", "ar": "5"}]
    response = await client.post("/kulcs/bolt/products", data=product_xml(rows), headers=XML_HEADERS)
    assert response.status == 200, response.status
    answer = answer_of(await response.read())
    await settled(client)
    assert (await get_json(client, "/api/shops/bolt/products/SMALL"))["base_price"] == "5.00"
    if answer["hibak"]:
        assert answer["hibak"][0][0] == "1" and "túl hosszú" in answer["hibak"][0][2], answer["hibak"]
    elif element == "nev":
        assert (await get_json(client, "/api/shops/bolt/products/BIG"))["name"] == big


async def test_a_megabyte_image_that_is_no_image_rejects_its_row(shop):
    client = shop
    not_an_image = base64.b64encode(b"\0" * MEGABYTE).decode()
    rows = [{"termekkod": "IMG", "kep": not_an_image}, {"termekkod": "OK", "ar": "1"}]
    response = await client.post("/kulcs/bolt/products", data=product_xml(rows), headers=XML_HEADERS)
    answer = answer_of(await response.read())
    assert response.status == 200 and [(s, r) for _, s, r in answer["hibak"]] == [("IMG", "kep: nem JPEG vagy PNG")]


# --- property tests: the parser through the HTTP endpoint -----------------------------------------

HTTP_EXAMPLES = hypothesis_settings(max_examples=25, deadline=None,
                                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                           HealthCheck.too_slow])
FIELDS = ["termekkod", "ar", "arakcios", "szabadraktar", "nev", "mee", "afakulcs", "kep", "kat", "tmegjegyzes"]
tried = {"bytes": 0, "documents": 0}


async def refused_is_recorded(client, response, sent: bytes) -> None:
    answer = answer_of(await response.read())
    assert answer["eredmeny"] == "HIBA"
    stored = await client.get(f"/api/shops/bolt/syncs/{answer['szinkron']}/request", headers=ADMIN)
    assert await stored.read() == sent


@HTTP_EXAMPLES
@given(body=st.one_of(st.binary(max_size=2000),
                      st.binary(max_size=500).map(lambda b: b"<termekek><termek>" + b)))
async def test_arbitrary_bytes_through_http_answer_200_or_400_never_500(shop, body):
    response = await shop.post("/kulcs/bolt/products", data=body, headers=XML_HEADERS)
    tried["bytes"] += 1
    assert response.status in (200, 400), response.status
    if response.status == 400:
        await refused_is_recorded(shop, response, body)


@HTTP_EXAMPLES
@given(rows=st.lists(st.dictionaries(st.sampled_from(FIELDS), st.text(max_size=40), min_size=1),
                     max_size=5),
       encoding=st.sampled_from(["utf-8", "windows-1250", "iso-8859-2"]))
async def test_arbitrary_element_text_through_http_answers_200_or_400_never_500(shop, rows, encoding):
    try:
        body = product_xml(rows, encoding)
    except UnicodeEncodeError:
        assume(False)
    response = await shop.post("/kulcs/bolt/products", data=body, headers=XML_HEADERS)
    tried["documents"] += 1
    assert response.status in (200, 400), response.status
    if response.status == 400:
        await refused_is_recorded(shop, response, body)
    else:
        answer = answer_of(await response.read())
        assert int(answer["fogadott"]) == len(rows)
        assert int(answer["letrehozott"]) + int(answer["modositott"]) + int(answer["valtozatlan"]) + int(
            answer["kihagyott"]) == len(rows)


@hypothesis_settings(max_examples=150, deadline=None)
@given(rows=st.lists(st.dictionaries(st.one_of(st.sampled_from(FIELDS), st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_]{0,8}",
                                                                                  fullmatch=True)),
                                     st.text(max_size=60), min_size=1), max_size=6))
def test_arbitrary_element_names_and_text_parse_to_rows_or_a_document_error(rows):
    from ledger.kulcs.xml_safety import DocumentError

    try:
        upload = parse_product_upload(product_xml(rows))
    except DocumentError:
        return
    assert len(upload.rows) == len(rows)
    for row in upload.rows:
        assert row.errors or row.sku, "a row without a SKU is rejected"
        for name, value in row.values.items():
            assert name in FIELDS


@pytest.fixture(scope="module", autouse=True)
def report_counts():
    yield
    report_count(f"\nhostile inputs: {len(HOSTILE)} documents x 3 transports, {len(NUMBERS)} numbers; property "
          f"examples through HTTP: {tried['bytes']} byte strings, {tried['documents']} documents")


# --- property tests: the sale-price rules ---------------------------------------------------------

DAY0 = date(2026, 1, 1)
prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999999.99"), places=2)
arakcios = st.one_of(st.just(Decimal(0)), prices)
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
sale_price = st.builds(
    lambda price, start, length, source: {
        "price": money(price), "valid_from": None if start is None else start.isoformat(),
        "valid_to": None if length is None or start is None else (start + timedelta(days=length)).isoformat(),
        "source": source},
    prices, st.one_of(st.none(), days), st.one_of(st.none(), st.integers(0, 400)),
    st.sampled_from(["shop", "kulcs"]))
kulcs_history = st.lists(st.tuples(st.integers(0, 40), arakcios), max_size=12)


def after_kulcs_sends(current, value, today):
    new = kulcs_sale_price(current, value, today)
    return current if new is None else new


def reachable_kulcs_price(history) -> tuple[dict | None, date]:
    """The priority-10 sale price after Kulcs sent these arakcios values on these (rising) days."""
    current, today = None, DAY0
    for gap, value in history:
        today += timedelta(days=gap)
        current = after_kulcs_sends(current, value, today)
    return current, today


@given(current=st.one_of(st.none(), sale_price), value=arakcios, today=days)
def test_sending_the_same_arakcios_twice_in_a_row_changes_nothing_the_second_time(current, value, today):
    once = after_kulcs_sends(current, value, today)
    assert kulcs_sale_price(once, value, today) is None


@given(current=st.one_of(st.none(), sale_price), today=days)
def test_sending_zero_never_leaves_a_priority_10_price_active_today(current, today):
    assert not (after := after_kulcs_sends(current, Decimal(0), today)) or not is_active(after, today)


@given(history=kulcs_history, value=prices, gap=st.integers(0, 40))
def test_sending_a_price_makes_it_the_active_priority_10_price_today(history, value, gap):
    current, today = reachable_kulcs_price(history)
    today += timedelta(days=gap)
    after = after_kulcs_sends(current, value, today)
    assert is_active(after, today) and after["price"] == money(value)


@given(current=st.one_of(st.none(), sale_price), value=arakcios, today=days)
def test_kulcs_sale_price_only_ever_answers_its_own_priority_10_price(current, value, today):
    """Either nothing changes, or the answer is Kulcs's new price from today with no end, or (for 0) the
    current priority-10 price itself with only its end moved to yesterday: never any other price."""
    new = kulcs_sale_price(current, value, today)
    if new is None:
        return
    if value:
        assert new == {"price": money(value), "valid_from": today.isoformat(), "valid_to": None,
                       "source": "kulcs"}
    else:
        assert current is not None
        assert new == {**current, "valid_to": (today - timedelta(days=1)).isoformat()}


@given(others=st.dictionaries(st.integers(0, 1000).filter(lambda p: p != KULCS_PRIORITY).map(str), sale_price,
                              max_size=4),
       kulcs=st.one_of(st.none(), sale_price), value=arakcios, today=days)
def test_a_kulcs_push_never_touches_a_sale_price_of_another_priority(others, kulcs, value, today):
    sale_prices = dict(others)
    if kulcs is not None:
        sale_prices[str(KULCS_PRIORITY)] = kulcs
    state = ProductState(product_id=uuid4(), version=3, fields={}, sale_prices=sale_prices)
    noon = datetime(today.year, today.month, today.day, 11, tzinfo=timezone.utc)
    ctx = SyncContext("bolt", uuid4(), noon, "test")
    rows = parse_product_upload(product_xml([{"termekkod": "A", "arakcios": format(value, "f")}])).rows
    decision = decide_push(ctx, "stock_price", rows, {"A": state}, CategoryBook("bolt"))
    for event in decision.events:
        assert set(event.sale_price_changes) <= {str(KULCS_PRIORITY)}
    after = decision.changed_states.get("A", state).sale_prices
    assert {p: sp for p, sp in after.items() if p != str(KULCS_PRIORITY)} == others


@given(sale_prices=st.dictionaries(st.integers(0, 1000).map(str), sale_price, max_size=6), today=days)
def test_the_effective_sale_price_is_an_active_one_with_the_lowest_priority_then_price(sale_prices, today):
    effective = effective_sale_price(sale_prices, today)
    active = {int(p): sp for p, sp in sale_prices.items() if is_active(sp, today)}
    if not active:
        assert effective is None
        return
    priority, chosen = effective
    assert active.get(priority) == chosen
    assert priority == min(active)
    assert Decimal(chosen["price"]) == min(Decimal(sp["price"]) for p, sp in sale_prices.items()
                                           if int(p) == priority and is_active(sp, today))


# --- hostile values on the JSON API and in query strings (each of these is a service bug today) ----

async def shop_token(client) -> dict:
    from ledger.service.tokens import create_token

    async with client.server.app[POOL].acquire() as conn:
        return {"Authorization": f"Bearer {await create_token(conn, 'shop', 'bolt')}"}


NUL_REQUESTS = {  # name -> (method, path, JSON body or None, who)
    "shop id in the path": ("GET", "/api/shops/%00", None, "admin"),
    "SKU in the path": ("GET", "/api/shops/bolt/products/%00", None, "admin"),
    "order id in the path": ("GET", "/api/shops/bolt/orders/%00", None, "admin"),
    "after= in the query": ("GET", "/api/shops/bolt/products?after=%00", None, "admin"),
    "kind= in the query": ("GET", "/api/shops/bolt/syncs?kind=%00", None, "admin"),
    "webshopid of a new shop": ("POST", "/api/shops", {"webshopid": "a\u0000b", "password": "titkos"}, "admin"),
    "a shop setting": ("PATCH", "/api/shops/bolt", {"shipping_sku": "SZ\u0000"}, "admin"),
    "an order id": ("POST", "/api/shops/bolt/orders", order_payload("1\u00002"), "shop"),
    "an order line's SKU": ("POST", "/api/shops/bolt/orders", order_payload("3", lines=[
        {"sku": "KS\u0000", "name": "Szék", "quantity": "1", "net_unit_price": "1", "vat": "27"}]), "shop"),
    "shop id in a Kulcs URL (before auth)": ("POST", "/kulcs/%00/products", None, "nobody"),
}


@pytest.mark.parametrize("name", list(NUL_REQUESTS))
async def test_a_nul_character_in_a_name_or_id_is_refused_with_4xx_not_500(shop, name):
    method, path, body, who = NUL_REQUESTS[name]
    headers = {"admin": ADMIN, "shop": await shop_token(shop), "nobody": {}}[who]
    if body is None and method == "POST":
        response = await shop.post(path, data=product_xml([{"termekkod": "A"}]), headers=XML_HEADERS)
    else:
        response = await shop.request(method, path, headers=headers, **({"json": body} if body else {}))
    assert 400 <= response.status < 500, response.status


@pytest.mark.parametrize("price", ["1e100", "9" * 40, 1e300])
async def test_a_sale_price_too_large_to_be_money_is_refused_with_400(shop, price):
    await shop.post("/kulcs/bolt/products", data=product_xml([{"termekkod": "KS-1", "ar": "1"}]),
                    headers=XML_HEADERS)
    response = await shop.put("/api/shops/bolt/products/KS-1/sale-prices/5", json={"price": price},
                              headers=await shop_token(shop))
    assert response.status == 400, response.status


@pytest.mark.parametrize("valid_to", [{}, [], 0, False, ""])
async def test_a_sale_price_date_that_is_not_a_date_is_refused_with_400(shop, valid_to):
    await shop.post("/kulcs/bolt/products", data=product_xml([{"termekkod": "KS-1", "ar": "1"}]),
                    headers=XML_HEADERS)
    response = await shop.put("/api/shops/bolt/products/KS-1/sale-prices/5",
                              json={"price": "90", "valid_to": valid_to}, headers=await shop_token(shop))
    assert response.status == 400, response.status


OUT_OF_RANGE_TIMES = {  # valid ISO 8601 for Python, outside PostgreSQL's timestamptz once in UTC
    "products changed_since": "/api/shops/bolt/products?changed_since=0001-01-01T00:00:00%2B23:59",
    "syncs from": "/api/shops/bolt/syncs?from=9999-12-31T23:59:59-23:59",
    "price-list as_of": "/api/shops/bolt/price-list?as_of=0001-01-01T00:00:00%2B23:59",
}


@pytest.mark.parametrize("name", list(OUT_OF_RANGE_TIMES))
async def test_a_time_outside_the_database_range_in_a_query_is_refused_with_400(shop, name):
    response = await shop.get(OUT_OF_RANGE_TIMES[name], headers=ADMIN)
    assert response.status == 400, response.status


async def test_kulcs_product_download_since_an_out_of_range_time_answers_400(shop):
    response = await asyncio.wait_for(shop.get(
        "/kulcs/bolt/products?modositva_ota=0001-01-01T00:00:00%2B23:59", headers=KULCS), 5)
    assert response.status == 400
    await asyncio.wait_for(response.read(), 5)


async def test_an_order_placed_at_an_offset_postgres_cannot_store_never_stalls_the_projections(shop):
    from ledger.http.keys import PROJECTOR

    response = await shop.post("/api/shops/bolt/orders", json=order_payload("1", placed_at="2026-11-20T13:40:00+16:00"),
                               headers=await shop_token(shop))
    assert response.status in (201, 400), response.status
    await shop.post("/kulcs/bolt/products", data=product_xml([{"termekkod": "KS-1", "ar": "1"}]),
                    headers=XML_HEADERS)
    async with shop.server.app[POOL].acquire() as conn:
        head = await conn.fetchval("SELECT max(notification_id) FROM ledger_events")
    assert await shop.server.app[PROJECTOR].wait_for(head, timeout=3), "projections stalled"
