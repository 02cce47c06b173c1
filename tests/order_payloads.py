"""Webshop orders as the shop's plugin would send them to POST /api/shops/{shop}/orders."""
from __future__ import annotations


def order_payload(order_id: str, placed_at: str = "2026-11-20T13:40:00+01:00", **extra) -> dict:
    payload = {
        "order_id": order_id, "placed_at": placed_at, "currency": "HUF",
        "customer": {"name": "Minta Kft.", "email": "vevo@example.hu", "phone": "+36301234567",
                     "tax_number": "12345678-2-41"},
        "billing_address": {"zip": "1111", "city": "Budapest", "street": "Fő u. 1.", "country": "HU"},
        "shipping_address": {"zip": "1111", "city": "Budapest", "street": "Fő u. 1.", "country": "HU"},
        "payment_method": "Utánvét", "shipping_method": "Futárszolgálat",
        "lines": [{"sku": "KS-1", "name": "Kerti szék", "quantity": "2", "unit": "db",
                   "net_unit_price": "10000", "vat": "27"}],
    }
    payload.update(extra)
    return payload


MIXED_VAT_LINES = [
    {"sku": "KS-1", "name": "Kerti szék", "quantity": "2", "unit": "db", "net_unit_price": "10000", "vat": "27"},
    {"sku": "KONYV-1", "name": "Könyv", "quantity": "1", "unit": "db", "net_unit_price": "4761.90", "vat": "5"},
    {"sku": "KENYER", "name": "Kenyér", "quantity": "1.5", "unit": "kg", "net_unit_price": "847.46", "vat": "18"},
]
