"""Deterministic aggregate ids: the same shop and SKU always name the same product."""
from uuid import UUID, uuid5

NAMESPACE = UUID("6a3c0f0e-8c55-4d1e-9a57-4b8e1c7f2d10")
# A SKU, a category's Kulcs id and its name are index keys, and PostgreSQL refuses an index entry
# over ~2.7 KB: a longer value would fail the whole write (a 503, retried for ever) rather than the
# value. 255 characters are at most ~1 KB of UTF-8.
MAX_KEY_CHARS = 255


def shop_id(webshopid: str) -> UUID:
    return uuid5(NAMESPACE, f"shop:{webshopid}")


def product_id(shop: str, sku: str) -> UUID:
    return uuid5(NAMESPACE, f"product:{shop}:{sku}")


def category_id(shop: str, category_key: str) -> UUID:
    return uuid5(NAMESPACE, f"category:{shop}:{category_key}")


def order_id(shop: str, webshop_order_id: str) -> UUID:
    return uuid5(NAMESPACE, f"order:{shop}:{webshop_order_id}")
