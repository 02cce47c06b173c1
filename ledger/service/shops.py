"""Shops: registration and settings changes, each an event naming who made it."""
from __future__ import annotations

import re

from datetime import datetime, timezone

from ledger.domain.ids import MAX_KEY_CHARS, shop_id
from ledger.domain.shop import PLAIN_SETTINGS, SYNC_TYPES, Shop
from ledger.service.ledger_app import LedgerApp, retry_on_conflict
from ledger.service.secrets import hash_secret
from ledger.storage.state_writes import write_shop_row


class ShopError(ValueError):
    def __init__(self, message: str, status: int = 400, detail=None) -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail


ITEM_CODES = ("shipping_sku", "payment_fee_sku", "coupon_sku")
MAX_ITEM_CODE_CHARS = MAX_KEY_CHARS  # what a product's SKU may be
# U2 sends these to Kulcs as line SKUs: a control character there turned into U+FFFD (another code), and
# spaces around one made a code no product the shop names could have.
_NOT_IN_AN_ITEM_CODE = re.compile(r"[\x00-\x1f\x7f\ufffe\uffff]")

DEFAULTS = {"sync_type": "stock_price", "shipping_sku": None, "payment_fee_sku": None,
            "coupon_sku": None, "manage_categories": False, "payment_due_days": None}


def validate_settings(values: dict, *, partial: bool) -> dict:
    for name, value in values.items():
        if isinstance(value, str) and "\x00" in value:
            raise ShopError(f"{name} must not contain NUL characters")
    unknown = set(values) - set(PLAIN_SETTINGS) - {"password", "import_password", "webshopid"}
    if unknown:
        raise ShopError(f"unknown settings: {', '.join(sorted(unknown))}")
    if "sync_type" in values and values["sync_type"] not in SYNC_TYPES:
        raise ShopError("sync_type must be 'stock_price' or 'full'")
    for name in ITEM_CODES:
        code = values.get(name)
        if code is not None and (not isinstance(code, str) or not code.strip() or code != code.strip()
                                 or len(code) > MAX_ITEM_CODE_CHARS or _NOT_IN_AN_ITEM_CODE.search(code)):
            raise ShopError(f"{name} must be null or an item code: 1 to {MAX_ITEM_CODE_CHARS} characters,"
                            " no spaces around it, no control characters")
    if "manage_categories" in values and not isinstance(values["manage_categories"], bool):
        raise ShopError("manage_categories must be true or false")
    days = values.get("payment_due_days")
    if days is not None and (not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 365):
        raise ShopError("payment_due_days must be an integer from 0 to 365")
    for secret in ("password", "import_password"):
        if secret in values and values[secret] is not None and (
                not isinstance(values[secret], str) or len(values[secret]) < 4):
            raise ShopError(f"{secret} must be a string of at least 4 characters")
    if not partial and not values.get("password"):
        raise ShopError("password is required")
    return values


_NOT_IN_A_WEBSHOPID = re.compile(r"[/?#%\\\x00-\x1f\x7f]")  # it is a path segment of the Kulcs URLs


def create_shop(app: LedgerApp, values: dict, actor: str) -> None:
    webshopid = values.get("webshopid")
    if (not isinstance(webshopid, str) or not 1 <= len(webshopid) <= 64 or webshopid != webshopid.strip()
            or _NOT_IN_A_WEBSHOPID.search(webshopid) or webshopid in (".", "..")):
        raise ShopError("webshopid is required: 1 to 64 characters, no spaces around it, none of / ? # % \\"
                        " or control characters, not . or .. (it is a path segment of the Kulcs URLs)")
    validate_settings(values, partial=False)
    if app.fetch("SELECT 1 FROM shops WHERE webshopid = %s", (webshopid,)):
        raise ShopError(f"shop {webshopid} already exists", status=409)
    settings = {k: values.get(k, DEFAULTS[k]) for k in PLAIN_SETTINGS}
    now = datetime.now(timezone.utc)
    password_hash = hash_secret(values["password"])
    import_hash = hash_secret(values["import_password"]) if values.get("import_password") else None
    event = Shop.Created(
        originator_id=shop_id(webshopid), originator_version=1, timestamp=now,
        originator_topic=Shop.TOPIC, webshopid=webshopid, settings=settings,
        password_hash=password_hash, import_password_hash=import_hash, actor=actor,
    )
    row = {"webshopid": webshopid, "shop_id": shop_id(webshopid), "version": 1, **settings,
           "password_hash": password_hash, "import_password_hash": import_hash,
           "created_at": now, "updated_at": now}
    app.save_events(event, state_writes=[write_shop_row(row)])


def change_shop(app: LedgerApp, webshopid: str, values: dict, actor: str) -> dict:
    validate_settings(values, partial=True)
    if "webshopid" in values and values["webshopid"] != webshopid:
        raise ShopError("webshopid cannot be changed")
    return retry_on_conflict(lambda: _change_once(app, webshopid, values, actor))


def _change_once(app, webshopid, values, actor):
    rows = app.fetch("SELECT * FROM shops WHERE webshopid = %s", (webshopid,))
    if not rows:
        raise ShopError(f"no shop {webshopid}", status=404)
    current = rows[0]
    changes = {k: {"old": current[k], "new": values[k]}
               for k in PLAIN_SETTINGS if k in values and values[k] != current[k]}
    password_hash = import_hash = None
    if values.get("password"):
        password_hash = hash_secret(values["password"])
        changes["password"] = {"old": "set", "new": "changed"}
    if "import_password" in values:
        if values["import_password"]:
            import_hash = hash_secret(values["import_password"])
            changes["import_password"] = {"old": "set" if current["import_password_hash"] else None,
                                          "new": "changed"}
        elif current["import_password_hash"]:
            import_hash = ""
            changes["import_password"] = {"old": "set", "new": None}
    if not changes:
        return {}
    now = datetime.now(timezone.utc)
    event = Shop.SettingsChanged(
        originator_id=current["shop_id"], originator_version=current["version"] + 1, timestamp=now,
        webshopid=webshopid, changes=changes, password_hash=password_hash, import_password_hash=import_hash, actor=actor,
    )
    row = {**{k: current[k] for k in current}, **{k: c["new"] for k, c in changes.items()
                                                  if k in PLAIN_SETTINGS},
           "version": current["version"] + 1, "updated_at": now}
    if password_hash:
        row["password_hash"] = password_hash
    if import_hash is not None:
        row["import_password_hash"] = import_hash or None
    app.save_events(event, state_writes=[write_shop_row(row)])
    return changes
