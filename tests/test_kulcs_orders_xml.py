"""U2 order download: the <megrendelesek> document, element for element as the protocol shows it."""
from datetime import datetime, timezone
from decimal import Decimal

from lxml import etree

from ledger.domain.orders import Coupon, Fee, ItemCodes, Line, PlacedOrder, kulcs_lines
from ledger.kulcs.orders_xml import render_orders, render_orders_chunks

# The U2 example of kulcs-protocol.md, as published.
PROTOCOL_EXAMPLE = """
<megrendelesek>
  <megrendeles>
    <azonosito>100234</azonosito>
    <datum>2026-11-20T13:40:00+01:00</datum>
    <fizetesimod>Utánvét</fizetesimod>
    <szallitasimod>Futárszolgálat</szallitasimod>
    <fizetesihatarido>8</fizetesihatarido>
    <penznem>HUF</penznem>
    <megjegyzes>…</megjegyzes>
    <vevo>
      <nev>Minta Kft.</nev><email>vevo@example.hu</email><telefon>+36301234567</telefon>
      <adoszam>12345678-2-41</adoszam>
      <szamlazasi_cim><nev/><irsz>1111</irsz><varos>Budapest</varos><utca>Fő u. 1.</utca><orszag>HU</orszag></szamlazasi_cim>
      <szallitasi_cim><nev/><irsz>1111</irsz><varos>Budapest</varos><utca>Fő u. 1.</utca><orszag>HU</orszag></szallitasi_cim>
    </vevo>
    <tetelek>
      <tetel><termekkod>KS-1001</termekkod><nev>Példa termék</nev><mennyiseg>2</mennyiseg><mee>db</mee>
             <nettoegysegar>10000</nettoegysegar><afakulcs>27</afakulcs></tetel>
      <tetel><termekkod>SZALLITAS</termekkod><nev>Szállítási díj</nev><mennyiseg>1</mennyiseg><mee>db</mee>
             <nettoegysegar>1575</nettoegysegar><afakulcs>27</afakulcs></tetel>
      <tetel><termekkod>KUPON</termekkod><nev>Kupon: NYAR10</nev><mennyiseg>1</mennyiseg><mee>db</mee>
             <nettoegysegar>-2000</nettoegysegar><afakulcs>27</afakulcs></tetel>
    </tetelek>
  </megrendeles>
</megrendelesek>
"""

CODES = ItemCodes(shipping="SZALLITAS", payment_fee="UTANVET", coupon="KUPON")
ADDRESS = {"name": "", "zip": "1111", "city": "Budapest", "street": "Fő u. 1.", "country": "HU"}


def example_order(**changes) -> PlacedOrder:
    fields = dict(
        order_id="100234", placed_at=datetime(2026, 11, 20, 12, 40, tzinfo=timezone.utc), currency="HUF",
        customer={"name": "Minta Kft.", "email": "vevo@example.hu", "phone": "+36301234567",
                  "tax_number": "12345678-2-41"},
        billing_address=ADDRESS, shipping_address=ADDRESS, payment_method="Utánvét",
        shipping_method="Futárszolgálat",
        lines=(Line(sku="KS-1001", name="Példa termék", quantity=Decimal(2), unit="db",
                    net_unit_price=Decimal(10000), vat="27"),),
        shipping_fee=Fee(gross=Decimal("2000.25"), vat="27"), payment_fee=None,
        coupon=Coupon(code="NYAR10", gross=Decimal(2540)), comment="…", payment_due_days=8)
    fields.update(changes)
    return PlacedOrder(**fields)


def rendered(order: PlacedOrder, lines=None) -> etree._Element:
    return etree.fromstring(render_orders([(order, kulcs_lines(order, CODES) if lines is None else lines)]))


def tag_paths(root: etree._Element) -> list[str]:
    return ["/".join(ancestor.tag for ancestor in reversed([el, *el.iterancestors()])) for el in root.iter()]


def texts(root: etree._Element) -> dict[str, list[str]]:
    by_path: dict[str, list[str]] = {}
    for path, element in zip(tag_paths(root), root.iter()):
        if not len(element):
            by_path.setdefault(path, []).append(element.text or "")
    return by_path


def test_elements_come_in_the_protocols_names_and_order():
    example = etree.fromstring(PROTOCOL_EXAMPLE.encode(), etree.XMLParser(remove_blank_text=True))
    assert tag_paths(rendered(example_order())) == tag_paths(example)


def test_every_value_reads_back_as_the_protocol_writes_it():
    values = texts(rendered(example_order()))
    item = "megrendelesek/megrendeles/tetelek/tetel/"
    assert values["megrendelesek/megrendeles/azonosito"] == ["100234"]
    assert values["megrendelesek/megrendeles/datum"] == ["2026-11-20T13:40:00+01:00"]
    assert values["megrendelesek/megrendeles/fizetesimod"] == ["Utánvét"]
    assert values["megrendelesek/megrendeles/szallitasimod"] == ["Futárszolgálat"]
    assert values["megrendelesek/megrendeles/fizetesihatarido"] == ["8"]
    assert values["megrendelesek/megrendeles/penznem"] == ["HUF"]
    assert values["megrendelesek/megrendeles/megjegyzes"] == ["…"]
    assert values["megrendelesek/megrendeles/vevo/nev"] == ["Minta Kft."]
    assert values["megrendelesek/megrendeles/vevo/email"] == ["vevo@example.hu"]
    assert values["megrendelesek/megrendeles/vevo/telefon"] == ["+36301234567"]
    assert values["megrendelesek/megrendeles/vevo/adoszam"] == ["12345678-2-41"]
    for address in ("szamlazasi_cim", "szallitasi_cim"):
        prefix = f"megrendelesek/megrendeles/vevo/{address}/"
        assert [values[prefix + tag] for tag in ("nev", "irsz", "varos", "utca", "orszag")] == [
            [""], ["1111"], ["Budapest"], ["Fő u. 1."], ["HU"]]
    assert values[item + "termekkod"] == ["KS-1001", "SZALLITAS", "KUPON"]
    assert values[item + "nev"] == ["Példa termék", "Szállítási díj", "Kupon: NYAR10"]
    assert values[item + "mennyiseg"] == ["2", "1", "1"]
    assert values[item + "mee"] == ["db", "db", "db"]
    assert values[item + "nettoegysegar"] == ["10000.00", "1575.00", "-2000.00"]
    assert values[item + "afakulcs"] == ["27", "27", "27"]


def test_prices_keep_their_decimals_and_quantities_drop_trailing_zeros():
    lines = [Line(sku="K", name="Kábel", quantity=Decimal("2.500"), unit="m", net_unit_price=Decimal("1574.0157"),
                  vat="5"),
             Line(sku="D", name="Doboz", quantity=Decimal("3.000"), unit="db", net_unit_price=Decimal("12.5"),
                  vat="AAM")]
    values = texts(rendered(example_order(), lines))
    item = "megrendelesek/megrendeles/tetelek/tetel/"
    assert values[item + "mennyiseg"] == ["2.5", "3"]
    assert values[item + "nettoegysegar"] == ["1574.0157", "12.50"]
    assert values[item + "afakulcs"] == ["5", "AAM"]
    assert values[item + "mee"] == ["m", "db"]


def test_the_date_is_budapest_time_with_its_summer_offset():
    order = example_order(placed_at=datetime(2026, 7, 1, 6, 5, 9, 999_999, tzinfo=timezone.utc))
    assert rendered(order).findtext("megrendeles/datum") == "2026-07-01T08:05:09+02:00"


def test_absent_optional_values_are_empty_elements():
    order = example_order(customer={}, billing_address={}, payment_due_days=None, comment=None,
                          payment_method="")
    root = rendered(order)
    for path in ("megrendeles/fizetesihatarido", "megrendeles/megjegyzes", "megrendeles/fizetesimod",
                 "megrendeles/vevo/nev", "megrendeles/vevo/adoszam", "megrendeles/vevo/szamlazasi_cim/varos"):
        assert root.find(path) is not None and root.findtext(path) == "", path
    assert root.findtext("megrendeles/vevo/szallitasi_cim/varos") == "Budapest"


def test_hungarian_characters_survive_as_utf8():
    order = example_order(customer={"name": "Őrző Ügyvédi Iroda", "email": "ugyved@example.hu"},
                          comment="Kérem, hívjon előtte: árvíztűrő tükörfúrógép")
    body = render_orders([(order, kulcs_lines(order, CODES))])
    assert body.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert "Őrző Ügyvédi Iroda".encode("utf-8") in body
    root = etree.fromstring(body)
    assert root.findtext("megrendeles/vevo/nev") == "Őrző Ügyvédi Iroda"
    assert root.findtext("megrendeles/megjegyzes") == "Kérem, hívjon előtte: árvíztűrő tükörfúrógép"


def test_characters_xml_cannot_carry_are_replaced_and_markup_is_escaped():
    order = example_order(comment="csengő\x07 nem <működik> & kész\ufffe")
    root = rendered(order)
    assert root.findtext("megrendeles/megjegyzes") == "csengő\ufffd nem <működik> & kész\ufffd"


def test_several_orders_come_in_the_order_given():
    orders = [example_order(order_id=order_id) for order_id in ("3", "1", "2")]
    root = etree.fromstring(render_orders((order, kulcs_lines(order, CODES)) for order in orders))
    assert [element.findtext("azonosito") for element in root] == ["3", "1", "2"]


def test_no_pending_orders_is_an_empty_document():
    root = etree.fromstring(render_orders([]))
    assert (root.tag, len(root)) == ("megrendelesek", 0)


def test_the_chunks_are_a_header_one_per_order_and_a_footer_that_join_to_the_whole():
    orders = [(order, kulcs_lines(order, CODES)) for order in (example_order(order_id=str(n)) for n in range(3))]
    chunks = list(render_orders_chunks(iter(orders)))
    assert len(chunks) == 5
    assert b"".join(chunks) == render_orders(orders)
    assert [etree.fromstring(chunk).findtext("azonosito") for chunk in chunks[1:-1]] == ["0", "1", "2"]
