"""A webshop order, validated, and the lines Kulcs gets for it (fees and coupon as ordinary lines)."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from ledger.domain.values import CONTROL_CHARACTERS, NOT_SENDABLE_TO_KULCS, money

MAX_ORDER_ID_CHARS = 64
MAX_INTEGER_DIGITS = 15
MAX_FRACTION_DIGITS = 6
MAX_PAYMENT_DUE_DAYS = 365
DEFAULT_FEE_VAT = "27"
DEFAULT_UNIT = "db"
SHIPPING_FEE_NAME = "Szállítási díj"
PAYMENT_FEE_NAME = "Fizetési illeték"

# The same codes ledger.kulcs.numbers accepts in an upload (a test keeps the two lists equal); the domain
# may not import the Kulcs layer.
VAT_CODES = frozenset(
    {"AAM", "TAM", "EU", "EUK", "MAA", "KBAET", "KBAUK", "EUFAD37", "EUFADE", "EUE", "HO", "ATK",
     "FAD", "NAM", "ÁKK"}
)

_CENT = Decimal("0.01")
_NET_PRECISIONS = (Decimal("0.01"), Decimal("0.0001"))
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
_CURRENCY = re.compile(r"[A-Za-z]{3}")


class OrderInvalid(ValueError):
    """The order JSON is not acceptable; str() names the field, .detail carries it for the API answer."""

    def __init__(self, message: str, detail: dict | None = None):
        super().__init__(message)
        self.detail = detail


class OrderNotExpressible(ValueError):
    """A valid order that Kulcs cannot be given as it stands, e.g. a fee without an item code."""


@dataclass(frozen=True)
class Line:
    sku: str
    name: str
    quantity: Decimal
    unit: str
    net_unit_price: Decimal
    vat: str  # a percent such as "27" or "5.5", or a Hungarian VAT code such as "AAM"


@dataclass(frozen=True)
class Fee:
    gross: Decimal
    vat: str


@dataclass(frozen=True)
class Coupon:
    code: str
    gross: Decimal  # the discount, positive


@dataclass(frozen=True)
class PlacedOrder:
    order_id: str
    placed_at: datetime
    currency: str
    customer: dict
    billing_address: dict
    shipping_address: dict
    payment_method: str
    shipping_method: str
    lines: tuple[Line, ...]
    shipping_fee: Fee | None
    payment_fee: Fee | None
    coupon: Coupon | None
    comment: str | None
    payment_due_days: int | None


@dataclass(frozen=True)
class ItemCodes:
    """The shop's item codes (cikkszám) under which Kulcs books the fees and the coupon."""
    shipping: str | None
    payment_fee: str | None
    coupon: str | None


# --- money ---------------------------------------------------------------------------------------

def vat_rate(vat: str) -> Decimal:
    """The percent a VAT value stands for; a VAT code (exempt, reverse charge, …) adds no VAT."""
    return Decimal(vat) if _PLAIN_NUMBER.fullmatch(vat) else Decimal(0)


def line_gross(line: Line) -> Decimal:
    return _to_filler(line.quantity * line.net_unit_price * _gross_factor(line.vat))


def gross_total(order: PlacedOrder) -> Decimal:
    fees = sum((fee.gross for fee in (order.shipping_fee, order.payment_fee) if fee), Decimal(0))
    coupon = order.coupon.gross if order.coupon else Decimal(0)
    return _to_filler(sum((line_gross(line) for line in order.lines), Decimal(0)) + fees - coupon)


def kulcs_lines(order: PlacedOrder, codes: ItemCodes) -> list[Line]:
    lines = list(order.lines)
    if order.shipping_fee:
        if not codes.shipping:
            raise OrderNotExpressible(
                f"shipping fee {money(order.shipping_fee.gross)} but the shop has no shipping item code")
        lines.append(_fee_line(codes.shipping, SHIPPING_FEE_NAME, order.shipping_fee))
    if order.payment_fee:
        if not codes.payment_fee:
            raise OrderNotExpressible(
                f"payment fee {money(order.payment_fee.gross)} but the shop has no payment fee item code")
        lines.append(_fee_line(codes.payment_fee, PAYMENT_FEE_NAME, order.payment_fee))
    if order.coupon:
        if not codes.coupon:
            raise OrderNotExpressible(
                f"coupon {order.coupon.code} of {money(order.coupon.gross)} but the shop has no coupon item code")
        lines.extend(_coupon_lines(codes.coupon, order))
    return lines


def _fee_line(sku: str, name: str, fee: Fee) -> Line:
    return Line(sku=sku, name=name, quantity=Decimal(1), unit=DEFAULT_UNIT,
                net_unit_price=_net_for_gross(fee.gross, fee.vat), vat=fee.vat)


def _coupon_lines(sku: str, order: PlacedOrder) -> list[Line]:
    coupon = order.coupon
    return [
        Line(sku=sku, name=f"Kupon: {coupon.code}", quantity=Decimal(1), unit=DEFAULT_UNIT,
             net_unit_price=_net_for_gross(-share, vat), vat=vat)
        for vat, share in _coupon_shares(order).items()
        if share
    ]


def _coupon_shares(order: PlacedOrder) -> dict[str, Decimal]:
    """The coupon's gross per VAT rate: split over the products in proportion to their gross; what
    exceeds the products' gross (a coupon that also covers shipping, or one on free products) comes
    off the fees, so no rate is discounted below zero. parse_order keeps the coupon within the order's
    gross, so every accepted order has a split."""
    products = _gross_by_vat((line.vat, line_gross(line)) for line in order.lines)
    products_gross = sum(products.values())
    if order.coupon.gross <= products_gross:
        return _split_in_proportion(order.coupon.gross, products)
    fees = _gross_by_vat((fee.vat, fee.gross) for fee in (order.shipping_fee, order.payment_fee) if fee)
    shares = dict(products)
    for vat, share in _split_in_proportion(order.coupon.gross - products_gross, fees).items():
        shares[vat] = shares.get(vat, Decimal(0)) + share
    return shares


def _gross_by_vat(grosses) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for vat, gross in grosses:
        totals[vat] = totals.get(vat, Decimal(0)) + gross
    return totals


def _split_in_proportion(amount: Decimal, weights: dict[str, Decimal]) -> dict[str, Decimal]:
    """Fillér shares of amount (at most the weights' total) that add up to it exactly, none below 0 or
    above its weight; the rounding remainder goes to the largest share."""
    total = sum(weights.values())
    shares = {key: _to_filler(amount * weight / total) for key, weight in weights.items()}
    remainder = amount - sum(shares.values())
    # Rounding many tiny shares up can overshoot by more than the largest share holds, and rounding them
    # down can leave more missing than the largest share's weight has room for; the rest of the remainder
    # then goes to the next largest, so no share turns into a surcharge or discounts its rate below 0.
    for key in sorted(shares, key=shares.__getitem__, reverse=True):
        if not remainder:
            break
        adjusted = min(max(shares[key] + remainder, Decimal(0)), weights[key])
        remainder -= adjusted - shares[key]
        shares[key] = adjusted
    return shares


def _net_for_gross(gross: Decimal, vat: str) -> Decimal:
    """The net unit price (2 decimals if they suffice, else 4) whose gross for quantity 1 is exactly `gross`."""
    factor = _gross_factor(vat)
    for step in _NET_PRECISIONS:
        nearest = (gross / factor).quantize(step, ROUND_HALF_UP)
        for candidate in (nearest, nearest - step, nearest + step):
            if _to_filler(candidate * factor) == gross:
                return candidate
    # With a rate of at most 100% a 4-decimal step moves the gross by at most 0.0002, so this never runs.
    raise ArithmeticError(f"no net price gives gross {gross} at VAT {vat}")


def _gross_factor(vat: str) -> Decimal:
    return 1 + vat_rate(vat) / 100


def _to_filler(value: Decimal) -> Decimal:
    return value.quantize(_CENT, ROUND_HALF_UP)


# --- parsing the API's JSON ----------------------------------------------------------------------

def parse_order(payload: dict) -> PlacedOrder:
    if not isinstance(payload, dict):
        raise OrderInvalid("the order must be a JSON object")
    order = PlacedOrder(
        order_id=_order_id(payload.get("order_id")),
        placed_at=_placed_at(payload.get("placed_at")),
        currency=_currency(payload.get("currency", "HUF")),
        customer=_mapping(payload.get("customer"), "customer"),
        billing_address=_mapping(payload.get("billing_address"), "billing_address"),
        shipping_address=_mapping(payload.get("shipping_address"), "shipping_address"),
        payment_method=_optional_text(payload.get("payment_method"), "payment_method") or "",
        shipping_method=_optional_text(payload.get("shipping_method"), "shipping_method") or "",
        lines=_lines(payload.get("lines")),
        shipping_fee=_fee(payload.get("shipping_fee"), "shipping_fee"),
        payment_fee=_fee(payload.get("payment_fee"), "payment_fee"),
        coupon=_coupon(payload.get("coupon")),
        comment=_optional_text(payload.get("comment"), "comment"),
        payment_due_days=_payment_due_days(payload.get("payment_due_days")),
    )
    total = gross_total(order)
    if total < 0:
        raise _invalid("coupon.amount", f"({money(order.coupon.gross)}) exceeds the order's gross "
                                        f"({money(total + order.coupon.gross)})")
    if payload.get("total") is not None:
        given = _number(payload["total"], "total", max_fraction_digits=2)
        if given != total:
            raise OrderInvalid(
                f"total {money(given)} does not match the lines, fees and coupon ({money(total)})",
                detail={"field": "total", "given": money(given), "computed": money(total)})
    return order


def _invalid(field: str, requirement: str) -> OrderInvalid:
    return OrderInvalid(f"{field} {requirement}", detail={"field": field})


def _order_id(value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _invalid("order_id", "is required and must be a non-empty string")
    if len(value) > MAX_ORDER_ID_CHARS:
        raise _invalid("order_id", f"must be at most {MAX_ORDER_ID_CHARS} characters")
    if value != value.strip() or CONTROL_CHARACTERS.search(value):  # U3's <azonosito> comes back trimmed
        raise _invalid("order_id", "must not begin or end with spaces nor hold control characters")
    return value


def _placed_at(value) -> datetime:
    if not isinstance(value, str):
        raise _invalid("placed_at", "is required and must be an ISO 8601 time with an offset")
    try:
        placed_at = datetime.fromisoformat(value)
    except ValueError:
        raise _invalid("placed_at", "must be an ISO 8601 time with an offset") from None
    offset = placed_at.utcoffset()
    if offset is None:
        raise _invalid("placed_at", "must carry a UTC offset (e.g. +01:00)")
    if abs(offset) >= timedelta(hours=16) or not 1900 <= placed_at.year <= 2999:
        raise _invalid("placed_at", "must be a real time (offset within ±15:59, year 1900–2999)")
    return placed_at


def _currency(value) -> str:
    if not isinstance(value, str) or not _CURRENCY.fullmatch(value):
        raise _invalid("currency", "must be a 3-letter currency code")
    return value.upper()


def _mapping(value, field: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _invalid(field, "must be an object")
    for key, text in value.items():
        if isinstance(text, str):
            _sendable(text, f"{field}.{key}")
    return value


def _optional_text(value, field: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise _invalid(field, "must be a string")
    return value if value is None else _sendable(value, field)


def _required_text(value, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _invalid(field, "is required and must be a non-empty string")
    return _sendable(value, field)


def _sendable(text: str, field: str) -> str:
    if NOT_SENDABLE_TO_KULCS.search(text):
        raise _invalid(field, "must not contain control characters other than tab and line breaks")
    return text


def _payment_due_days(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PAYMENT_DUE_DAYS:
        raise _invalid("payment_due_days", f"must be a whole number of days from 0 to {MAX_PAYMENT_DUE_DAYS}")
    return value


def _lines(value) -> tuple[Line, ...]:
    if not isinstance(value, list) or not value:
        raise _invalid("lines", "must be a non-empty list")
    return tuple(_line(item, f"lines[{index}]") for index, item in enumerate(value))


def _line(item, field: str) -> Line:
    if not isinstance(item, dict):
        raise _invalid(field, "must be an object")
    quantity = _number(item.get("quantity"), f"{field}.quantity")
    if quantity <= 0:
        raise _invalid(f"{field}.quantity", "must be a positive number")
    net_unit_price = _number(item.get("net_unit_price"), f"{field}.net_unit_price")
    if net_unit_price < 0:
        raise _invalid(f"{field}.net_unit_price", "must be a number >= 0")
    unit = item.get("unit", DEFAULT_UNIT)
    return Line(
        sku=_required_text(item.get("sku"), f"{field}.sku"),
        name=_required_text(item.get("name"), f"{field}.name"),
        quantity=quantity,
        unit=DEFAULT_UNIT if unit is None else _required_text(unit, f"{field}.unit"),
        net_unit_price=net_unit_price,
        vat=_vat(item.get("vat"), f"{field}.vat"),
    )


def _fee(value, field: str) -> Fee | None:
    if value is None:
        return None
    if isinstance(value, dict):
        gross = _number(value.get("gross"), f"{field}.gross", max_fraction_digits=2)
        vat = _vat(value.get("vat", DEFAULT_FEE_VAT), f"{field}.vat")
        gross_field = f"{field}.gross"
    else:
        gross = _number(value, field, max_fraction_digits=2)
        vat, gross_field = DEFAULT_FEE_VAT, field
    if gross < 0:
        raise _invalid(gross_field, "must be a gross amount >= 0")
    return Fee(gross=gross, vat=vat) if gross else None


def _coupon(value) -> Coupon | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _invalid("coupon", "must be an object with code and amount")
    code = _required_text(value.get("code"), "coupon.code")
    amount = _number(value.get("amount"), "coupon.amount", max_fraction_digits=2)
    if amount < 0:
        raise _invalid("coupon.amount", "must be a gross discount >= 0")
    # A coupon of 0 (a free-shipping code, say) is no coupon, as a fee of 0 is no fee: Kulcs gets no
    # line for it, and the code stays in the order as accepted.
    return Coupon(code=code, gross=amount) if amount else None


def _vat(value, field: str) -> str:
    if isinstance(value, str) and value.strip().upper() in VAT_CODES:
        return value.strip().upper()
    if isinstance(value, str):
        value = value.strip().removesuffix("%").strip().replace(",", ".")
    try:
        rate = _number(value, field)
    except OrderInvalid:
        rate = None
    if rate is None or not 0 <= rate <= 100:
        raise _invalid(field, "must be a VAT percent from 0 to 100 or a Hungarian VAT code (AAM, TAM, …)")
    return format(rate.normalize(), "f")


def _number(value, field: str, *, max_fraction_digits: int = MAX_FRACTION_DIGITS) -> Decimal:
    """An exact decimal from a JSON number or a decimal string; a float goes through its shortest repr."""
    if isinstance(value, float) and math.isfinite(value):
        number = Decimal(str(value))
    elif isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        number = Decimal(value)
    elif isinstance(value, str) and _PLAIN_NUMBER.fullmatch(value.strip()):
        number = Decimal(value.strip())
    else:
        raise _invalid(field, "must be a number")
    if not number.is_finite():
        raise _invalid(field, "must be a number")
    integer, _, fraction = format(number, "f").lstrip("+-").partition(".")
    if len(integer) > MAX_INTEGER_DIGITS or len(fraction.rstrip("0")) > max_fraction_digits:
        raise _invalid(field, f"must be a number with at most {MAX_INTEGER_DIGITS} digits before "
                              f"and {max_fraction_digits} after the decimal point")
    return number + 0  # + 0 turns -0 into 0
