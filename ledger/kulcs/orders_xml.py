"""U2 order download: the <megrendelesek> document Kulcs pulls, whole or one order at a time."""
from __future__ import annotations

from collections.abc import Iterable, Iterator

from lxml import etree

from ledger.domain.orders import Line, PlacedOrder
from ledger.domain.values import BUDAPEST, money, quantity
from ledger.kulcs.xml_text import writable

HEADER = b"<?xml version='1.0' encoding='UTF-8'?>\n<megrendelesek>"
FOOTER = b"</megrendelesek>"

_CUSTOMER_FIELDS = (("nev", "name"), ("email", "email"), ("telefon", "phone"), ("adoszam", "tax_number"))
_ADDRESS_FIELDS = (("nev", "name"), ("irsz", "zip"), ("varos", "city"), ("utca", "street"), ("orszag", "country"))


def render_orders(orders: Iterable[tuple[PlacedOrder, list[Line]]]) -> bytes:
    return b"".join(render_orders_chunks(orders))


def render_orders_chunks(orders: Iterable[tuple[PlacedOrder, list[Line]]]) -> Iterator[bytes]:
    """The document in pieces, so a long list of orders never has to sit in memory as one tree."""
    yield HEADER
    for order, lines in orders:
        yield etree.tostring(_order_element(order, lines), encoding="UTF-8")
    yield FOOTER


def _order_element(order: PlacedOrder, lines: list[Line]) -> etree._Element:
    element = etree.Element("megrendeles")
    _child(element, "azonosito", order.order_id)
    _child(element, "datum", order.placed_at.astimezone(BUDAPEST).isoformat(timespec="seconds"))
    _child(element, "fizetesimod", order.payment_method)
    _child(element, "szallitasimod", order.shipping_method)
    _child(element, "fizetesihatarido", order.payment_due_days)
    _child(element, "penznem", order.currency)
    _child(element, "megjegyzes", order.comment)
    customer = etree.SubElement(element, "vevo")
    for tag, key in _CUSTOMER_FIELDS:
        _child(customer, tag, order.customer.get(key))
    _address(customer, "szamlazasi_cim", order.billing_address)
    _address(customer, "szallitasi_cim", order.shipping_address)
    items = etree.SubElement(element, "tetelek")
    for line in lines:
        item = etree.SubElement(items, "tetel")
        _child(item, "termekkod", line.sku)
        _child(item, "nev", line.name)
        _child(item, "mennyiseg", quantity(line.quantity))
        _child(item, "mee", line.unit)
        _child(item, "nettoegysegar", money(line.net_unit_price))
        _child(item, "afakulcs", line.vat)
    return element


def _address(parent, tag: str, address: dict) -> None:
    element = etree.SubElement(parent, tag)
    for child_tag, key in _ADDRESS_FIELDS:
        _child(element, child_tag, address.get(key))


def _child(parent, tag: str, value) -> None:
    element = etree.SubElement(parent, tag)
    element.text = "" if value is None else writable(str(value))
