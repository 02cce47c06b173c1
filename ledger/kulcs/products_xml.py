"""U4: the shop's products in U1's element names, rendered in chunks so a catalogue streams."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from lxml import etree

from ledger.domain.sale_prices import KULCS_PRIORITY, is_active
from ledger.kulcs.xml_text import writable

HEADER = b"<?xml version='1.0' encoding='UTF-8'?>\n<termekek>\n"
FOOTER = b"</termekek>\n"


def _text(value) -> str:
    return format(value, "f") if isinstance(value, Decimal) else writable(str(value))


def render_products(rows, today: date) -> bytes:
    """`rows`: mappings with sku, base_price, sale_prices, stock1, name, unit, vat, image, description
    and category_label (the Kulcs id of the category, or its name)."""
    chunk = []
    for row in rows:
        element = etree.Element("termek")
        kulcs_sale = row["sale_prices"].get(str(KULCS_PRIORITY))
        values = {
            "termekkod": row["sku"], "ar": row["base_price"],
            "arakcios": kulcs_sale["price"] if kulcs_sale and is_active(kulcs_sale, today) else "0",
            "szabadraktar": row["stock1"], "nev": row["name"], "mee": row["unit"],
            "afakulcs": row["vat"], "kep": (row["image"] or {}).get("value"),
            "kat": row["category_label"], "tmegjegyzes": row["description"],
        }
        for tag, value in values.items():
            if value is not None:
                etree.SubElement(element, tag).text = _text(value)
        chunk.append(etree.tostring(element, encoding="UTF-8") + b"\n")
    return b"".join(chunk)
