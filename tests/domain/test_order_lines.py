"""A webshop order: validating its JSON, and the lines Kulcs gets for it (fees and coupon included)."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.domain.orders import (
    VAT_CODES,
    Coupon,
    Fee,
    ItemCodes,
    Line,
    OrderInvalid,
    OrderNotExpressible,
    PlacedOrder,
    gross_total,
    kulcs_lines,
    line_gross,
    parse_order,
)
from ledger.kulcs import numbers

CODES = ItemCodes(shipping="SZALLITAS", payment_fee="UTANVET", coupon="KUPON")


def payload(**overrides) -> dict:
    order = {
        "order_id": "100234",
        "placed_at": "2026-11-20T13:40:00+01:00",
        "lines": [{"sku": "KS-1001", "name": "Példa termék", "quantity": 2, "net_unit_price": "10000",
                   "vat": "27"}],
    }
    order.update(overrides)
    return order


def product(sku="KS-1", quantity="1", net="1000", vat="27") -> Line:
    return Line(sku=sku, name=f"Termék {sku}", quantity=Decimal(quantity), unit="db",
                net_unit_price=Decimal(net), vat=vat)


def order_of(lines, shipping=None, payment=None, coupon=None) -> PlacedOrder:
    return PlacedOrder(
        order_id="1", placed_at=datetime(2026, 11, 20, 12, 40, tzinfo=timezone.utc), currency="HUF",
        customer={}, billing_address={}, shipping_address={}, payment_method="", shipping_method="",
        lines=tuple(lines), shipping_fee=shipping, payment_fee=payment, coupon=coupon, comment=None,
        payment_due_days=None)


def invalid_field(**overrides) -> str:
    with pytest.raises(OrderInvalid) as raised:
        parse_order(payload(**overrides))
    return raised.value.detail["field"]


# --- parse_order ---------------------------------------------------------------------------------

def test_minimal_order_gets_the_documented_defaults():
    order = parse_order(payload())
    assert order.order_id == "100234"
    assert order.placed_at == datetime(2026, 11, 20, 12, 40, tzinfo=timezone.utc)
    assert order.currency == "HUF"
    assert (order.customer, order.billing_address, order.shipping_address) == ({}, {}, {})
    assert (order.payment_method, order.shipping_method, order.comment) == ("", "", None)
    assert (order.shipping_fee, order.payment_fee, order.coupon, order.payment_due_days) == (None, None, None, None)
    assert order.lines == (Line(sku="KS-1001", name="Példa termék", quantity=Decimal(2), unit="db",
                                net_unit_price=Decimal(10000), vat="27"),)


def test_full_order_keeps_every_field():
    order = parse_order(payload(
        currency="eur", customer={"name": "Minta Kft."}, billing_address={"city": "Budapest"},
        shipping_address={"city": "Győr"}, payment_method="Utánvét", shipping_method="Futárszolgálat",
        shipping_fee="1575.00", payment_fee={"gross": 300, "vat": "27%"},
        coupon={"code": "NYAR10", "amount": 2000},
        comment="Kapucsengő: 12", payment_due_days=8))
    assert order.currency == "EUR"
    assert order.customer == {"name": "Minta Kft."}
    assert (order.billing_address, order.shipping_address) == ({"city": "Budapest"}, {"city": "Győr"})
    assert (order.payment_method, order.shipping_method) == ("Utánvét", "Futárszolgálat")
    assert order.shipping_fee == Fee(gross=Decimal("1575.00"), vat="27")
    assert order.payment_fee == Fee(gross=Decimal(300), vat="27")
    assert order.coupon == Coupon(code="NYAR10", gross=Decimal(2000))
    assert (order.comment, order.payment_due_days) == ("Kapucsengő: 12", 8)


def test_numbers_arrive_as_json_numbers_or_decimal_strings_and_floats_stay_exact():
    line = {"sku": "S", "name": "Kábel", "quantity": 0.1, "net_unit_price": 1234.56, "vat": 27}
    (parsed,) = parse_order(payload(lines=[line])).lines
    assert parsed.quantity == Decimal("0.1") and parsed.net_unit_price == Decimal("1234.56")
    assert isinstance(parsed.quantity, Decimal) and isinstance(parsed.net_unit_price, Decimal)


@pytest.mark.parametrize("given, expected", [
    ("27", "27"), ("27%", "27"), (27, "27"), ("27.00", "27"), ("27,00", "27"), (5.5, "5.5"), ("0", "0"),
    ("aam", "AAM"), ("TAM", "TAM"), (100, "100"),
])
def test_vat_is_normalised_to_a_percent_or_an_upper_case_code(given, expected):
    (line,) = parse_order(payload(lines=[{"sku": "S", "name": "N", "quantity": 1, "net_unit_price": 1,
                                          "vat": given}])).lines
    assert line.vat == expected


def test_the_domain_accepts_the_same_vat_codes_as_the_kulcs_parser():
    assert VAT_CODES == numbers.VAT_CODES


def test_placed_at_without_an_offset_is_refused():
    with pytest.raises(OrderInvalid, match="placed_at must carry a UTC offset"):
        parse_order(payload(placed_at="2026-11-20T13:40:00"))


@pytest.mark.parametrize("overrides, field", [
    ({"order_id": ""}, "order_id"),
    ({"order_id": "x" * 65}, "order_id"),
    ({"order_id": 100234}, "order_id"),
    ({"placed_at": "tegnap"}, "placed_at"),
    ({"placed_at": None}, "placed_at"),
    ({"currency": "FORINT"}, "currency"),
    ({"customer": ["Minta"]}, "customer"),
    ({"shipping_address": "Budapest"}, "shipping_address"),
    ({"payment_method": 3}, "payment_method"),
    ({"lines": []}, "lines"),
    ({"lines": None}, "lines"),
    ({"lines": ["KS-1"]}, "lines[0]"),
    ({"shipping_fee": "-1"}, "shipping_fee"),
    ({"shipping_fee": "12.345"}, "shipping_fee"),
    ({"payment_fee": {"gross": "abc"}}, "payment_fee.gross"),
    ({"payment_fee": {"gross": 300, "vat": "XYZ"}}, "payment_fee.vat"),
    ({"coupon": {"code": "NYAR10", "amount": -1}}, "coupon.amount"),
    ({"coupon": {"amount": 100}}, "coupon.code"),
    ({"coupon": "NYAR10"}, "coupon"),
    ({"comment": ["a"]}, "comment"),
    ({"payment_due_days": 366}, "payment_due_days"),
    ({"payment_due_days": -1}, "payment_due_days"),
    ({"payment_due_days": True}, "payment_due_days"),
    ({"payment_due_days": "8"}, "payment_due_days"),
])
def test_each_invalid_order_field_is_named(overrides, field):
    assert invalid_field(**overrides) == field


@pytest.mark.parametrize("change, field", [
    ({"sku": ""}, "lines[1].sku"),
    ({"name": None}, "lines[1].name"),
    ({"quantity": 0}, "lines[1].quantity"),
    ({"quantity": "-1"}, "lines[1].quantity"),
    ({"quantity": True}, "lines[1].quantity"),
    ({"quantity": float("nan")}, "lines[1].quantity"),
    ({"net_unit_price": "-0.01"}, "lines[1].net_unit_price"),
    ({"net_unit_price": "1e3"}, "lines[1].net_unit_price"),
    ({"net_unit_price": "10" * 10}, "lines[1].net_unit_price"),
    ({"unit": ""}, "lines[1].unit"),
    ({"vat": "101"}, "lines[1].vat"),
    ({"vat": "-5"}, "lines[1].vat"),
    ({"vat": None}, "lines[1].vat"),
])
def test_an_invalid_line_is_named_by_its_index_and_field(change, field):
    good = {"sku": "S", "name": "N", "quantity": 1, "net_unit_price": 1, "vat": "27"}
    assert invalid_field(lines=[good, {**good, **change}]) == field


def test_a_quantity_of_zero_reads_as_a_sentence_naming_the_line():
    good = {"sku": "S", "name": "N", "quantity": 1, "net_unit_price": 1, "vat": "27"}
    with pytest.raises(OrderInvalid) as raised:
        parse_order(payload(lines=[good, {**good, "quantity": 0}]))
    assert str(raised.value) == "lines[1].quantity must be a positive number"


def test_a_zero_or_absent_fee_is_no_fee():
    order = parse_order(payload(shipping_fee=0, payment_fee={"gross": "0.00"}))
    assert (order.shipping_fee, order.payment_fee) == (None, None)


def test_a_zero_coupon_is_accepted_and_sends_no_line_like_a_zero_fee():
    # a free-shipping coupon code comes with amount 0: the order stands, and Kulcs gets no coupon line,
    # so no coupon item code is needed for it either
    order = parse_order(payload(coupon={"code": "INGYENSZALLITAS", "amount": "0.00"}, total="25400.00"))
    assert order.coupon is None
    assert kulcs_lines(order, ItemCodes(None, None, None)) == list(order.lines)


def test_a_plain_fee_is_gross_at_27_percent():
    assert parse_order(payload(shipping_fee=1990)).shipping_fee == Fee(gross=Decimal(1990), vat="27")


def test_a_matching_total_is_accepted():
    # 2 × 10000 net at 27% = 25400, shipping 1990, coupon 1000
    order = parse_order(payload(shipping_fee=1990, coupon={"code": "K", "amount": 1000}, total="26390.00"))
    assert gross_total(order) == Decimal("26390.00")


def test_a_total_that_does_not_match_names_both_amounts():
    with pytest.raises(OrderInvalid) as raised:
        parse_order(payload(total=25400.01))
    assert str(raised.value) == "total 25400.01 does not match the lines, fees and coupon (25400.00)"
    assert raised.value.detail == {"field": "total", "given": "25400.01", "computed": "25400.00"}


def test_a_coupon_larger_than_the_whole_order_is_refused():
    assert invalid_field(shipping_fee=600, coupon={"code": "K", "amount": "26000.01"}) == "coupon.amount"


# --- line_gross and gross_total ------------------------------------------------------------------

def test_line_gross_rounds_half_up_to_the_filler():
    # 3 × 0.35 × 1.05 = 1.1025 → 1.10;  1 × 0.5 × 1.27 = 0.635 → 0.64
    assert line_gross(product(quantity="3", net="0.35", vat="5")) == Decimal("1.10")
    assert line_gross(product(net="0.5", vat="27")) == Decimal("0.64")


def test_a_vat_code_counts_as_no_vat():
    assert line_gross(product(quantity="2", net="1000", vat="AAM")) == Decimal("2000.00")


def test_fractional_quantities_are_priced_exactly():
    # 1.25 kg × 1999.99 net × 1.18 = 2949.98525 → 2949.99
    assert line_gross(product(quantity="1.25", net="1999.99", vat="18")) == Decimal("2949.99")


def test_gross_total_adds_fees_and_takes_off_the_coupon():
    order = order_of([product(quantity="2", net="10000")], shipping=Fee(Decimal("1575"), "27"),
                     payment=Fee(Decimal("300"), "27"), coupon=Coupon("NYAR10", Decimal("2000")))
    assert gross_total(order) == Decimal("25275.00")


# --- kulcs_lines ---------------------------------------------------------------------------------

def test_product_lines_go_to_kulcs_as_they_are():
    lines = [product("A", "2", "10000"), product("B", "0.5", "999.99", "5")]
    assert kulcs_lines(order_of(lines), CODES) == lines


def test_shipping_fee_is_one_line_under_the_shipping_item_code():
    order = order_of([product()], shipping=Fee(Decimal("2000"), "27"))
    fee_line = kulcs_lines(order, CODES)[-1]
    assert fee_line == Line(sku="SZALLITAS", name="Szállítási díj", quantity=Decimal(1), unit="db",
                            net_unit_price=Decimal("1574.80"), vat="27")
    assert line_gross(fee_line) == Decimal("2000.00")


def test_payment_fee_is_one_line_under_the_payment_fee_item_code():
    order = order_of([product()], payment=Fee(Decimal("390"), "27"))
    fee_line = kulcs_lines(order, CODES)[-1]
    assert (fee_line.sku, fee_line.name, fee_line.vat) == ("UTANVET", "Fizetési illeték", "27")
    assert line_gross(fee_line) == Decimal("390.00")


def test_fees_come_after_the_products_shipping_first():
    order = order_of([product()], shipping=Fee(Decimal("1575"), "27"), payment=Fee(Decimal("300"), "27"))
    assert [line.sku for line in kulcs_lines(order, CODES)] == ["KS-1", "SZALLITAS", "UTANVET"]


def test_a_fee_of_zero_sends_no_line():
    order = parse_order(payload(shipping_fee="0", payment_fee=0))
    assert [line.sku for line in kulcs_lines(order, CODES)] == ["KS-1001"]


def test_a_net_price_takes_4_decimals_when_2_cannot_hit_the_gross():
    # 1999/1.27: 1574.02 gives 1998.99 and 1574.03 gives 1999.02, so no 2-decimal net reaches 1999.00
    order = order_of([product()], shipping=Fee(Decimal("1999"), "27"))
    fee_line = kulcs_lines(order, CODES)[-1]
    assert fee_line.net_unit_price == Decimal("1574.0157")
    assert line_gross(fee_line) == Decimal("1999.00")


def test_a_fee_at_a_vat_code_has_its_gross_as_net():
    order = order_of([product()], shipping=Fee(Decimal("1500"), "TAM"))
    assert kulcs_lines(order, CODES)[-1].net_unit_price == Decimal("1500.00")


def test_a_coupon_on_a_single_rate_is_one_negative_line():
    order = order_of([product(quantity="2", net="10000")], coupon=Coupon("NYAR10", Decimal("2540")))
    coupon_line = kulcs_lines(order, CODES)[-1]
    assert coupon_line == Line(sku="KUPON", name="Kupon: NYAR10", quantity=Decimal(1), unit="db",
                               net_unit_price=Decimal("-2000.00"), vat="27")


def test_a_coupon_is_split_across_vat_rates_in_proportion_to_their_gross():
    # product gross: 27% → 12700, 5% → 2100, 18% → 2360;  total 17160
    lines = [product("A", "1", "10000", "27"), product("B", "2", "1000", "5"), product("C", "1", "2000", "18")]
    order = order_of(lines, coupon=Coupon("TEL", Decimal("1000")))
    coupon_lines = kulcs_lines(order, CODES)[3:]
    assert [line.vat for line in coupon_lines] == ["27", "5", "18"]
    # 1000 × 12700/17160 = 740.093…, × 2100/17160 = 122.377…, × 2360/17160 = 137.529…
    assert [line_gross(line) for line in coupon_lines] == [Decimal("-740.09"), Decimal("-122.38"),
                                                          Decimal("-137.53")]
    assert {line.name for line in coupon_lines} == {"Kupon: TEL"}


def test_the_coupon_rounding_remainder_goes_to_the_largest_share():
    # three equal rates: 100/3 = 33.33 each, the missing fillér goes to the first of the largest
    lines = [product("A", "1", "100", "27"), product("B", "1", "127", "0"), product("C", "1", "120.95", "5")]
    order = order_of(lines, coupon=Coupon("K", Decimal("100")))
    shares = [-line_gross(line) for line in kulcs_lines(order, CODES)[3:]]
    assert shares == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]


def test_tiny_coupon_shares_that_round_up_never_become_a_surcharge():
    # four equal rates each take 0.005 → 0.01, overshooting 0.02 by two fillér
    lines = [product("A", "1", "100", "27"), product("B", "1", "127", "0"),
             product("C", "1", "120.95", "5"), product("D", "1", "107.63", "18")]
    assert {line_gross(line) for line in lines} == {Decimal("127.00")}
    order = order_of(lines, coupon=Coupon("K", Decimal("0.02")))
    coupon_lines = kulcs_lines(order, CODES)[4:]
    assert all(line.net_unit_price < 0 for line in coupon_lines)
    assert sum(line_gross(line) for line in coupon_lines) == Decimal("-0.02")


def test_rounding_never_gives_a_rate_more_coupon_than_its_gross():
    # 0.24 in proportion to 0.05, 0.04, 0.04, 0.05, 0.05, 0.05 (0.28) rounds to 0.04, 0.03, 0.03, 0.04,
    # 0.04, 0.04 (0.22); the missing 0.02 all went to the first largest share: 0.06 off a rate of 0.05
    grosses = dict(zip(("0", "AAM", "TAM", "EU", "EUK", "MAA"), ("0.05", "0.04", "0.04", "0.05", "0.05", "0.05")))
    lines = [product(f"P{vat}", "1", net, vat) for vat, net in grosses.items()]
    order = order_of(lines, coupon=Coupon("K", Decimal("0.24")))
    coupon_lines = kulcs_lines(order, CODES)[6:]
    assert sum(line_gross(line) for line in coupon_lines) == Decimal("-0.24")
    assert all(-line_gross(line) <= Decimal(grosses[line.vat]) for line in coupon_lines)


def test_a_coupon_line_per_vat_code_too():
    lines = [product("A", "1", "1000", "27"), product("B", "1", "1000", "AAM")]
    order = order_of(lines, coupon=Coupon("K", Decimal("227")))
    assert [(line.vat, line_gross(line)) for line in kulcs_lines(order, CODES)[2:]] == [
        ("27", Decimal("-127.00")), ("AAM", Decimal("-100.00"))]


@pytest.mark.parametrize("order, codes, message", [
    (order_of([product()], shipping=Fee(Decimal("1575"), "27")), ItemCodes(None, "UTANVET", "KUPON"),
     "shipping fee 1575.00 but the shop has no shipping item code"),
    (order_of([product()], payment=Fee(Decimal("300"), "27")), ItemCodes("SZALLITAS", "", "KUPON"),
     "payment fee 300.00 but the shop has no payment fee item code"),
    (order_of([product()], coupon=Coupon("NYAR10", Decimal("100"))), ItemCodes("SZALLITAS", "UTANVET", None),
     "coupon NYAR10 of 100.00 but the shop has no coupon item code"),
])
def test_a_fee_or_coupon_without_an_item_code_is_not_expressible(order, codes, message):
    with pytest.raises(OrderNotExpressible) as raised:
        kulcs_lines(order, codes)
    assert str(raised.value) == message


def test_missing_item_codes_do_not_matter_when_there_is_nothing_to_book_under_them():
    order = order_of([product()])
    assert kulcs_lines(order, ItemCodes(None, None, None)) == [product()]


def test_a_coupon_beyond_the_products_gross_comes_off_the_fees_and_no_rate_goes_negative():
    # products 1050 gross at 5%, shipping 1270 at 27%: a coupon of 2000 takes the products' 1050 and
    # 950 of the shipping; at 5% alone it would leave that rate at -950
    order = order_of([product(net="1000", vat="5")], shipping=Fee(Decimal("1270"), "27"),
                     coupon=Coupon("K", Decimal("2000")))
    coupon_lines = kulcs_lines(order, CODES)[2:]
    assert [(line.vat, line_gross(line)) for line in coupon_lines] == [
        ("5", Decimal("-1050.00")), ("27", Decimal("-950.00"))]


def test_a_coupon_on_free_products_comes_off_the_fee():
    order = order_of([product(net="0")], shipping=Fee(Decimal("1500"), "18"), coupon=Coupon("K", Decimal("100")))
    assert [(line.sku, line.vat, line_gross(line)) for line in kulcs_lines(order, CODES)[2:]] == [
        ("KUPON", "18", Decimal("-100.00"))]


# --- the invariant: Kulcs's lines add up to the order's gross ------------------------------------

RATES = st.sampled_from(["27", "18", "5", "0", "AAM"])
AMOUNTS = st.decimals(min_value=0, max_value=500_000, places=2)
product_lines = st.builds(
    lambda sku, quantity, net, vat: product(sku, str(quantity), str(net), vat),
    st.text(alphabet="ABC123", min_size=1, max_size=4),
    st.decimals(min_value=Decimal("0.001"), max_value=1000, places=3),
    st.decimals(min_value=0, max_value=100_000, places=4),
    RATES,
)
fees = st.none() | st.builds(Fee, st.decimals(min_value=Decimal("0.01"), max_value=50_000, places=2), RATES)


@st.composite
def placed_orders(draw) -> PlacedOrder:
    lines = draw(st.lists(product_lines, min_size=1, max_size=8))
    order = order_of(lines, shipping=draw(fees), payment=draw(fees))
    if gross_total(order) > 0 and draw(st.booleans()):
        amount = draw(st.decimals(min_value=Decimal("0.01"), max_value=gross_total(order), places=2))
        order = order_of(lines, shipping=order.shipping_fee, payment=order.payment_fee,
                         coupon=Coupon("HYPO", amount))
    return order


@settings(max_examples=400, deadline=None)
@given(placed_orders())
def test_kulcs_lines_add_up_to_the_order_gross_exactly(order):
    lines = kulcs_lines(order, CODES)
    assert sum(line_gross(line) for line in lines) == gross_total(order)
    for line in lines[len(order.lines):]:
        assert line.quantity == 1
        assert -line.net_unit_price.as_tuple().exponent <= 4
        assert (line.net_unit_price < 0) == (line.sku == "KUPON")


@settings(max_examples=400, deadline=None)
@given(placed_orders())
def test_no_vat_rate_of_an_order_goes_below_zero(order):
    by_vat: dict[str, Decimal] = {}
    for line in kulcs_lines(order, CODES):
        by_vat[line.vat] = by_vat.get(line.vat, Decimal(0)) + line_gross(line)
    assert all(gross >= 0 for gross in by_vat.values()), by_vat


@settings(max_examples=200, deadline=None)
@given(amount=AMOUNTS.filter(bool), vat=RATES)
def test_a_fee_line_carries_exactly_the_fee_gross(amount, vat):
    order = order_of([product()], shipping=Fee(amount, vat))
    assert line_gross(kulcs_lines(order, CODES)[-1]) == amount


def test_placed_at_keeps_its_instant_whatever_the_offset():
    order = parse_order(payload(placed_at="2026-06-01T08:00:00-04:00"))
    assert order.placed_at == datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
    assert order.placed_at.utcoffset() == timedelta(hours=-4)
