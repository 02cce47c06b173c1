"""The OpenAPI 3.0 description of the JSON API (api.md), served at GET /api/openapi.json without auth.

Built as a plain dict: every /api route with its parameters, request body and answers, including the
error shape {"error", "detail"} and the 401/403/404/429/503 answers every authenticated route can give.
Each operation names the roles that may call it in `x-roles` (api_auth.py enforces them).
"""
from __future__ import annotations

import copy

from aiohttp import web

from ledger.domain.order import ORDER_STATUSES
from ledger.domain.sync import KINDS

PATH = "/api/openapi.json"

ALL_ROLES = ["admin", "support", "auditor", "shop"]
READERS = ALL_ROLES
AUDITORS = ["admin", "support", "auditor"]
SUPPORT = ["support"]
ADMIN = ["admin"]
SHOP = ["shop"]


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict) -> dict:
    if "$ref" in schema:
        return {"allOf": [schema], "nullable": True}
    return {**schema, "nullable": True}


def _object(properties: dict, required=(), **extra) -> dict:
    schema = {"type": "object", "properties": properties, **extra}
    if required:
        schema["required"] = list(required)
    return schema


def _array(items: dict) -> dict:
    return {"type": "array", "items": items}


STRING = {"type": "string"}
BOOLEAN = {"type": "boolean"}
INTEGER = {"type": "integer"}
UUID = {"type": "string", "format": "uuid"}
TIME = {"type": "string", "format": "date-time", "description": "ISO 8601 with offset"}
DATE = {"type": "string", "format": "date"}
ANY = {"description": "any JSON value"}
DECIMAL = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$", "example": "8990.00",
           "description": "an exact decimal as a string"}
SYNC_KINDS = list(KINDS)
OUTCOMES = ["applied", "partial", "rejected", "ignored", "duplicate"]

SCHEMAS = {
    "Error": _object({"error": {"type": "string", "description": "what went wrong, in a sentence"},
                      "detail": {"description": "more about it (any JSON value), or null"}},
                     required=("error", "detail")),
    "IntegrationUrls": _object({name: {"type": "string", "format": "uri"} for name in (
        "products_upload", "orders_download", "orders_confirm", "products_download", "categories_upload")},
        required=("products_upload", "orders_download", "orders_confirm", "products_download",
                  "categories_upload")),
    "Shop": _object({
        "webshopid": STRING,
        "sync_type": {"type": "string", "enum": ["stock_price", "full"]},
        "shipping_sku": _nullable(STRING), "payment_fee_sku": _nullable(STRING),
        "coupon_sku": _nullable(STRING), "manage_categories": BOOLEAN,
        "payment_due_days": _nullable(INTEGER),
        "import_password_set": BOOLEAN, "version": INTEGER, "created_at": TIME, "updated_at": TIME,
        "integration_urls": _ref("IntegrationUrls"),
    }, required=("webshopid", "sync_type", "manage_categories", "import_password_set", "version",
                 "integration_urls"), description="A shop's settings; never its secrets."),
    "ShopChanged": {"allOf": [_ref("Shop"), _object({"changes": {
        "type": "object", "description": "setting -> {old, new}; secrets shown as 'changed'",
        "additionalProperties": _object({"old": ANY, "new": ANY})}}, required=("changes",))]},
    "ShopCreate": _object({
        "webshopid": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": r"^[^/]*[^/\s][^/]*$"},
        "password": {"type": "string", "minLength": 4, "description": "the Kulcs password (stored hashed)"},
        "sync_type": {"type": "string", "enum": ["stock_price", "full"], "default": "stock_price"},
        "import_password": _nullable({"type": "string", "minLength": 4}),
        "shipping_sku": _nullable({"type": "string", "pattern": r"\S"}),
        "payment_fee_sku": _nullable({"type": "string", "pattern": r"\S"}),
        "coupon_sku": _nullable({"type": "string", "pattern": r"\S"}),
        "manage_categories": BOOLEAN,
        "payment_due_days": _nullable({"type": "integer", "minimum": 0, "maximum": 365}),
    }, required=("webshopid", "password"), additionalProperties=False),
    "ShopPatch": _object({
        "password": _nullable({"type": "string", "minLength": 4, "description": "null leaves it as it is"}),
        "sync_type": {"type": "string", "enum": ["stock_price", "full"]},
        "import_password": _nullable({"type": "string", "minLength": 4, "description": "null removes it"}),
        "shipping_sku": _nullable({"type": "string", "pattern": r"\S"}),
        "payment_fee_sku": _nullable({"type": "string", "pattern": r"\S"}),
        "coupon_sku": _nullable({"type": "string", "pattern": r"\S"}),
        "manage_categories": BOOLEAN,
        "payment_due_days": _nullable({"type": "integer", "minimum": 0, "maximum": 365}),
    }, additionalProperties=False),
    "SalePrice": _object({"priority": INTEGER, "price": DECIMAL, "valid_from": _nullable(DATE),
                          "valid_to": _nullable(DATE), "source": STRING},
                         required=("priority", "price", "valid_from", "valid_to")),
    "Product": _object({
        "sku": STRING, "name": _nullable(STRING), "unit": _nullable(STRING), "vat": _nullable(STRING),
        "base_price": _nullable(DECIMAL), "sale_prices": _array(_ref("SalePrice")),
        "effective_sale_price": _nullable(DECIMAL), "stock1": _nullable(DECIMAL),
        "category": _nullable(_object({"key": STRING, "name": STRING, "kulcs_id": _nullable(STRING),
                                       "active": BOOLEAN}, required=("key",))),
        "image": _nullable({"type": "object"}), "description": _nullable(STRING),
        "version": INTEGER, "updated_at": TIME, "last_sync": _nullable(UUID),
    }, required=("sku", "name", "unit", "vat", "base_price", "sale_prices", "effective_sale_price",
                 "stock1", "category", "image", "description", "version", "updated_at", "last_sync")),
    "FieldChange": _object({
        "at": TIME, "field": STRING, "old": ANY, "new": ANY, "sync_id": _nullable(UUID),
        "source": {"type": "string", "enum": ["kulcs", "shop", "replay"]}, "event_position": INTEGER,
    }, required=("at", "field", "old", "new", "sync_id", "source", "event_position")),
    "PricePoint": _object({
        "at": TIME, "base_price": _nullable(DECIMAL), "effective_sale_price": _nullable(DECIMAL),
        "sale_prices": {"type": "object"}, "sync_id": _nullable(UUID), "source": STRING,
        "event_position": INTEGER,
        "window": _nullable(_object({
            "priority": INTEGER, "edge": {"type": "string", "enum": ["start", "end"]},
            "valid_from": _nullable(DATE), "valid_to": _nullable(DATE),
        }, required=("priority", "edge", "valid_from", "valid_to"), description=(
            "set where the effective sale price changed because this sale price's validity window"
            " began or ended; sync_id, source and event_position are then of the event that set it"))),
    }, required=("at", "base_price", "effective_sale_price", "sync_id", "source", "event_position", "window")),
    "SalePriceSet": _object({
        "price": {"type": "string", "pattern": r"^[0-9]{1,12}(\.[0-9]{1,2})?$"},
        "valid_from": _nullable(DATE), "valid_to": _nullable(DATE),
    }, required=("price",), additionalProperties=False),
    "ShopProduct": _object({
        "name": STRING, "unit": STRING, "description": STRING,
        "vat": {"type": "string", "description": "a rate from 0 to 100 (\"27\") or a VAT code (\"AAM\")"},
        "base_price": {"type": "string", "pattern": r"^[0-9]{1,12}(\.[0-9]{1,4})?$"},
        "stock1": {"type": "string", "pattern": r"^-?[0-9]{1,12}(\.[0-9]{1,4})?$"},
    }, minProperties=1, additionalProperties=False),
    "ShopProductResult": _object({"action_id": _nullable(UUID), "created": BOOLEAN,
                                  "product": _nullable(_ref("Product"))},
                                 required=("action_id", "created", "product")),
    "SalePriceSetResult": _object({"action_id": _nullable(UUID), "product": _nullable(_ref("Product"))},
                                  required=("action_id", "product")),
    "Sync": _object({
        "sync_id": UUID, "kind": {"type": "string", "enum": SYNC_KINDS}, "received_at": TIME,
        "outcome": {"type": "string", "enum": OUTCOMES}, "counts": {"type": "object"},
        "event_position": INTEGER, "replay_of": UUID, "replayed_by": STRING, "message": STRING,
    }, required=("sync_id", "kind", "received_at", "outcome", "counts")),
    "SyncDetail": {"allOf": [_ref("Sync"), _object({
        "parser_version": _nullable(STRING), "request_sha256": _nullable(STRING),
        "errors": _array({"type": "object"}),
        "changes": _array(_object({"sku": STRING, "field": STRING, "old": ANY, "new": ANY,
                                   "event_position": INTEGER})),
        "category_changes": _array(_object({"category": STRING, "field": STRING, "old": ANY, "new": ANY,
                                            "event_position": INTEGER})),
        "order_changes": _array(_object({"order_id": STRING, "field": STRING, "old": ANY, "new": ANY,
                                         "event_position": INTEGER})),
    }, required=("errors", "changes", "category_changes", "order_changes"))]},
    "SyncDiff": _object({
        "sync_id": UUID, "against": UUID, "counts": {"type": "object"},
        **{group: _array(_object({"sku": STRING, "field": STRING, "this": ANY, "other": ANY},
                                 required=("sku", "field")))
           for group in ("same", "different", "only_this", "only_other")},
        "syncs": _object({"this": {"type": "object"}, "other": {"type": "object"}}),
    }, required=("sync_id", "against", "counts", "same", "different", "only_this", "only_other")),
    "Replay": _object({"dry_run": {"type": "boolean", "default": True}}),
    "ReplayResult": _object({
        "dry_run": BOOLEAN, "replay_of": UUID, "sync_id": _nullable(UUID), "kind": STRING,
        "outcome": {"type": "string", "enum": OUTCOMES}, "counts": {"type": "object"},
        "errors": _array({"type": "object"}), "message": _nullable(STRING), "changes": _array({}),
    }, required=("dry_run", "replay_of", "sync_id", "kind", "outcome", "counts")),
    "PriceList": _object({"as_of": TIME, "products": _array(_object({
        "sku": STRING, "base_price": _nullable(DECIMAL), "effective_sale_price": _nullable(DECIMAL),
        "effective_priority": _nullable(INTEGER), "set_at": TIME, "sync_id": _nullable(UUID),
        "source": STRING}, required=("sku", "base_price", "effective_sale_price")))},
        required=("as_of", "products")),
    "Category": _object({
        "key": STRING, "kulcs_id": _nullable(STRING), "name": STRING, "parent": _nullable(STRING),
        "active": BOOLEAN, "updated_at": TIME, "last_sync": _nullable(UUID),
        "history": _array({"type": "object"}), "children": _array(_ref("Category")),
    }, required=("key", "kulcs_id", "name", "parent", "active", "children")),
    "OrderLine": _object({
        "sku": {"type": "string", "pattern": r"\S"}, "name": {"type": "string", "pattern": r"\S"},
        "quantity": DECIMAL, "unit": STRING, "net_unit_price": DECIMAL, "vat": STRING,
    }, required=("sku", "name", "quantity", "net_unit_price", "vat")),
    "OrderCreate": _object({
        "order_id": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": r"\S"},
        "placed_at": {**TIME, "pattern": r"(Z|[+-](0[0-9]|1[0-5]):[0-5][0-9])$",
                      "description": "ISO 8601 with an offset within +-15:59"},
        "currency": {"type": "string", "pattern": "^[A-Za-z]{3}$"},
        "customer": {"type": "object"}, "billing_address": {"type": "object"},
        "shipping_address": {"type": "object"}, "payment_method": STRING, "shipping_method": STRING,
        "lines": {**_array(_ref("OrderLine")), "minItems": 1},
        "shipping_fee": _nullable(DECIMAL), "payment_fee": _nullable(DECIMAL),
        "coupon": _nullable(_object({"code": STRING, "amount": DECIMAL}, required=("code", "amount"))),
        "comment": _nullable(STRING), "payment_due_days": _nullable({"type": "integer", "minimum": 0,
                                                                     "maximum": 365}),
        "total": _nullable(DECIMAL),
    }, required=("order_id", "placed_at", "lines")),
    "Order": _object({
        "order_id": STRING, "status": {"type": "string", "enum": list(ORDER_STATUSES)},
        "placed_at": TIME, "total": DECIMAL, "blocked": _nullable(STRING),
        "downloaded": _nullable({"type": "object"}), "downloads": _array({"type": "object"}),
        "confirmed": _nullable(_object({"at": TIME, "sync_id": _nullable(UUID),
                                        "document_number": _nullable(STRING)})),
        "kulcs_status": _nullable(STRING), "cancelled_at": _nullable(TIME), "order": {"type": "object"},
    }, required=("order_id", "status", "placed_at", "total", "downloads", "confirmed", "order")),
    "Token": _object({
        "token_id": {"type": "string", "pattern": "^[0-9a-f]{12}$",
                     "description": "the 12 characters after kl_; replayed_by names it as token:<id>"},
        "name": _nullable(STRING),
        "role": {"type": "string", "enum": ["admin", "support", "auditor", "shop"]},
        "shop": _nullable(STRING), "created_at": TIME, "revoked_at": _nullable(TIME),
    }, required=("token_id", "name", "role", "shop", "created_at", "revoked_at"),
        description="An API token as listed: never the token itself or its digest."),
    "TokenCreated": {"allOf": [_ref("Token"), _object({"token": {
        "type": "string", "description": "the bearer token, shown this once (only its digest is kept)"}},
        required=("token",))]},
    "TokenCreate": _object({
        "role": {"type": "string", "enum": ["admin", "support", "auditor", "shop"]},
        "shop": _nullable({"type": "string", "minLength": 1,
                           "description": "the shop it is tied to; required for the shop role"}),
        "name": _nullable({"type": "string", "minLength": 1, "maxLength": 100, "pattern": r"\S",
                           "description": "a label for the token list (who or what holds it); printable"}),
    }, required=("role",), additionalProperties=False),
    "Verification": _object({"ok": BOOLEAN, "checked": {"type": "object"},
                             "problems": _array({"type": "object"}),
                             "first_broken_link": _nullable({"type": "object"})},
                            required=("ok", "checked", "problems")),
    "ProjectionStatus": _object({"name": STRING, "position": INTEGER, "head": INTEGER, "lag": INTEGER,
                                 "rebuild_running": BOOLEAN},
                                required=("name", "position", "head", "lag", "rebuild_running")),
    "Rebuild": {"type": "object", "description": "what the rebuild did (events replayed, position)"},
    "Health": _object({"status": STRING}, required=("status",)),
    "Readiness": _object({"status": STRING, "database": STRING,
                          "pending_migrations": _array(STRING),
                          "projections": _array({"type": "object"}), "error": STRING},
                         required=("status", "database")),
}


def _json(schema: dict, description: str, headers: dict | None = None) -> dict:
    answer = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        answer["headers"] = headers
    return answer


RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before trying again",
                               "schema": {"type": "string"}}}
RESPONSES = {
    "BadRequest": _json(_ref("Error"), "The request is not acceptable: the error says why."),
    "Unauthorized": _json(_ref("Error"), "No bearer token, or an unknown or revoked one."),
    "Forbidden": _json(_ref("Error"), "The token's role (or shop) may not do this."),
    "NotFound": _json(_ref("Error"), "No such shop, product, sync, order or token."),
    "Conflict": _json(_ref("Error"), "It exists already with different content."),
    "TooLarge": _json(_ref("Error"), "The JSON body is over 1 MiB."),
    "Unavailable": _json(_ref("Error"), "The database is unreachable: retry later.", RETRY_AFTER),
    "TooManyFailures": _json(_ref("Error"), "Too many failed tokens from this address (an IPv6 one: its /64;"
                             " five in a minute, on the API and the sign-in page together): refused, right"
                             " token or wrong, until Retry-After has passed.", RETRY_AFTER),
}


def _error(name: str) -> dict:
    return {"$ref": f"#/components/responses/{name}"}


def _param(name: str, where: str, schema: dict, description: str = "", required: bool = False) -> dict:
    parameter = {"name": name, "in": where, "required": required or where == "path", "schema": schema,
                 **({"description": description} if description else {})}
    if where == "query" and not required:
        parameter["allowEmptyValue"] = True  # an empty value counts as absent
    return parameter


SHOP_P = _param("shop", "path", {"type": "string", "minLength": 1}, "the shop's Webshopid")
SKU_P = _param("sku", "path", {"type": "string", "minLength": 1}, "the product's SKU (cikkszám)")
SYNC_P = _param("sync_id", "path", UUID, "the sync id Kulcs got in <szinkron>")
ORDER_P = _param("order_id", "path", {"type": "string", "minLength": 1})
PRIORITY_P = _param("priority", "path", {"type": "integer", "minimum": 0, "maximum": 1000},
                    "the sale price's priority; 10 is Kulcs's and refused")
LIMIT_P = _param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100})
FORMAT_P = _param("format", "query", {"type": "string", "example": "csv"},
                  "csv for a spreadsheet; anything else answers JSON")


def _operation(summary: str, roles: list[str] | None, responses: dict, *, parameters=(), body=None,
               errors=("401", "403", "404", "503"), tag: str = "") -> dict:
    operation = {"summary": summary, "responses": dict(responses)}
    if tag:
        operation["tags"] = [tag]
    if parameters:
        operation["parameters"] = list(parameters)
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
        errors = ("400", "413", *errors)
    if roles is None:
        operation["security"] = []
    else:
        operation["x-roles"] = roles
        operation["description"] = f"Roles: {', '.join(roles)}."
    names = {"400": "BadRequest", "401": "Unauthorized", "403": "Forbidden", "404": "NotFound",
             "409": "Conflict", "413": "TooLarge", "429": "TooManyFailures", "503": "Unavailable"}
    if "401" in errors:  # a bearer token is checked: so is how many wrong ones came from the address
        errors = (*errors, "429")
    for code in errors:
        operation["responses"].setdefault(code, _error(names[code]))
    return operation


def _paths() -> dict:
    shop, product, sync = "/api/shops/{shop}", "/api/shops/{shop}/products/{sku}", "/api/shops/{shop}/syncs/{sync_id}"
    return {
        "/api/shops": {
            "post": _operation("Register a shop", ADMIN, {"201": _json(_ref("Shop"), "The shop, with its"
                               " integration URLs (with the import password, this once).")},
                               body=_ref("ShopCreate"), errors=("401", "403", "409", "503"), tag="shops"),
            "get": _operation("Every shop", ADMIN, {"200": _json(_array(_ref("Shop")), "The shops.")},
                              errors=("401", "403", "503"), tag="shops"),
        },
        shop: {
            "parameters": [SHOP_P],
            "get": _operation("A shop's settings", READERS, {"200": _json(_ref("Shop"), "The shop.")},
                              tag="shops"),
            "patch": _operation("Change a shop's settings (each change is an event)", ADMIN,
                                {"200": _json(_ref("ShopChanged"), "The shop and what changed.")},
                                body=_ref("ShopPatch"), tag="shops"),
        },
        f"{shop}/products": {
            "parameters": [SHOP_P],
            "get": _operation("Current products, paged by SKU", READERS,
                              {"200": _json(_array(_ref("Product")), "The products.")},
                              parameters=[_param("changed_since", "query", TIME), LIMIT_P,
                                          _param("after", "query", STRING, "the last SKU of the previous page")],
                              errors=("400", "401", "403", "404", "503"), tag="products"),
        },
        product: {
            "parameters": [SHOP_P, SKU_P],
            "get": _operation("One product now, or as it was at `as_of` (from the events)", READERS,
                              {"200": _json(_ref("Product"), "The product.")},
                              parameters=[_param("as_of", "query", TIME)],
                              errors=("400", "401", "403", "404", "503"), tag="products"),
            "put": _operation("Create the shop's own product, or change the fields given (source shop)",
                              SHOP, {"200": _json(_ref("ShopProductResult"), "Changed, or already so."),
                                     "201": _json(_ref("ShopProductResult"), "Created.")},
                              body=_ref("ShopProduct"), errors=("401", "403", "503"), tag="products"),
        },
        f"{product}/history": {
            "parameters": [SHOP_P, SKU_P],
            "get": _operation("Every change of the product, oldest first", READERS, {"200": {
                "description": "The changes (CSV with format=csv; an image's value as its JSON).",
                "content": {"application/json": {"schema": _array(_ref("FieldChange"))},
                            "text/csv": {"schema": STRING}}}}, parameters=[FORMAT_P], tag="products"),
        },
        f"{product}/price-history": {
            "parameters": [SHOP_P, SKU_P],
            "get": _operation("Base price and effective sale price over time", READERS, {"200": {
                "description": "The price points (CSV with format=csv).",
                "content": {"application/json": {"schema": _array(_ref("PricePoint"))},
                            "text/csv": {"schema": STRING}}}}, parameters=[FORMAT_P], tag="products"),
        },
        f"{product}/sale-prices/{{priority}}": {
            "parameters": [SHOP_P, SKU_P, PRIORITY_P],
            "put": _operation("Set the shop's own sale price of a priority (not 10)", SHOP,
                              {"200": _json(_ref("SalePriceSetResult"), "The action and the product.")},
                              body=_ref("SalePriceSet"), tag="products"),
        },
        f"{shop}/categories": {
            "parameters": [SHOP_P],
            "get": _operation("The category tree with Kulcs ids, names, parents, active flags", READERS,
                              {"200": _json(_array(_ref("Category")), "The root categories.")},
                              errors=("401", "403", "404", "503"), tag="categories"),
        },
        f"{shop}/price-list": {
            "parameters": [SHOP_P],
            "get": _operation("Every product's prices at a moment", AUDITORS, {"200": {
                "description": "The price list (CSV with format=csv).",
                "content": {"application/json": {"schema": _ref("PriceList")},
                            "text/csv": {"schema": STRING}}}},
                parameters=[_param("as_of", "query", TIME, required=True), FORMAT_P],
                errors=("400", "401", "403", "404", "503"), tag="audit"),
        },
        f"{shop}/syncs": {
            "parameters": [SHOP_P],
            "get": _operation("The sync log, newest first", READERS,
                              {"200": _json(_array(_ref("Sync")), "The syncs.")},
                              parameters=[_param("kind", "query", STRING, "one of " + ", ".join(SYNC_KINDS)),
                                          _param("from", "query", TIME), _param("to", "query", TIME),
                                          _param("after", "query", {"type": "integer", "minimum": 0,
                                                                    "maximum": 2 ** 62},
                                                 "the event_position of the previous page's last sync"),
                                          LIMIT_P],
                              errors=("400", "401", "403", "404", "503"), tag="syncs"),
        },
        sync: {
            "parameters": [SHOP_P, SYNC_P],
            "get": _operation("One sync: its counts, row errors and every change it made", READERS,
                              {"200": _json(_ref("SyncDetail"), "The sync.")}, tag="syncs"),
        },
        f"{sync}/request": {
            "parameters": [SHOP_P, SYNC_P],
            "get": _operation("The request as received (jelszo and key masked)", AUDITORS, {"200": {
                "description": "The body bytes; method, path, query in X-Kulcs-* headers.",
                "headers": {h: {"schema": STRING} for h in (
                    "X-Kulcs-Method", "X-Kulcs-Path", "X-Kulcs-Query", "X-Kulcs-Received-At",
                    "X-Kulcs-Body-SHA256")},
                "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}}}, tag="syncs"),
        },
        f"{sync}/diff": {
            "parameters": [SHOP_P, SYNC_P],
            "get": _operation("What this sync changed differently from another", AUDITORS,
                              {"200": _json(_ref("SyncDiff"), "The comparison.")},
                              parameters=[_param("against", "query", UUID, required=True)],
                              errors=("400", "401", "403", "404", "503"), tag="audit"),
        },
        f"{sync}/replay": {
            "parameters": [SHOP_P, SYNC_P],
            "post": _operation("Re-apply a recorded request now (dry run by default)", SUPPORT, {
                "200": _json(_ref("ReplayResult"), "What a dry run would change."),
                "201": _json(_ref("ReplayResult"), "The new sync, replay_of the original.")},
                body=_ref("Replay"), tag="audit"),
        },
        f"{shop}/audit/verify": {
            "parameters": [SHOP_P],
            "get": _operation("Replay the events against the state and projections; check the hash chain",
                              AUDITORS, {"200": _json(_ref("Verification"), "The report.")},
                              errors=("401", "403", "404", "409", "503"), tag="audit"),
        },
        f"{shop}/orders": {
            "parameters": [SHOP_P],
            "post": _operation("Place an order (the same order id again is idempotent)", SHOP, {
                "201": _json(_ref("Order"), "The new order."),
                "200": _json(_ref("Order"), "The order, placed before with the same content.")},
                body=_ref("OrderCreate"), errors=("401", "403", "404", "409", "503"), tag="orders"),
        },
        f"{shop}/orders/{{order_id}}": {
            "parameters": [SHOP_P, ORDER_P],
            "get": _operation("An order, with when Kulcs downloaded and confirmed it", READERS,
                              {"200": _json(_ref("Order"), "The order.")}, tag="orders"),
        },
        f"{shop}/orders/{{order_id}}/cancel": {
            "parameters": [SHOP_P, ORDER_P],
            "post": _operation("Cancel an order (refused with 409 once Kulcs has confirmed it: cancel it in"
                               " Kulcs)", SHOP, {"200": _json(_ref("Order"), "The order.")},
                               errors=("400", "401", "403", "404", "409", "503"), tag="orders"),
        },
        "/api/tokens": {
            "get": _operation("Every API token, revoked ones too (never the token or its digest)", ADMIN,
                              {"200": _json(_array(_ref("Token")), "The tokens, oldest first.")},
                              errors=("401", "403", "503"), tag="tokens"),
            "post": _operation("Create an API token (as kulcs-ledger token create)", ADMIN,
                               {"201": _json(_ref("TokenCreated"), "The token, shown this once.")},
                               body=_ref("TokenCreate"), errors=("401", "403", "404", "503"), tag="tokens"),
        },
        "/api/tokens/{token_id}": {
            "parameters": [_param("token_id", "path", {"type": "string", "minLength": 1},
                                  "the token's id, as the list shows it")],
            "delete": _operation("Revoke a token: refused at once by the API and its web sessions; again:"
                                 " harmless", ADMIN, {"204": {"description": "Revoked (or already)."}},
                                 tag="tokens"),
        },
        "/api/projections": {
            "get": _operation("Position and lag of the projections", AUDITORS,
                              {"200": _json(_array(_ref("ProjectionStatus")), "The projections.")},
                              errors=("401", "403", "503"), tag="operations"),
        },
        "/api/projections/rebuild": {
            "post": _operation("Rebuild the read models from the events without downtime", SUPPORT,
                               {"200": _json(_ref("Rebuild"), "What was rebuilt.")},
                               errors=("401", "403", "409", "503"), tag="operations"),
        },
        PATH: {
            "get": _operation("This document", None, {"200": _json({"type": "object"}, "OpenAPI 3.0.")},
                              errors=(), tag="operations"),
        },
        "/healthz": {
            "get": _operation("The process is up", None, {"200": _json(_ref("Health"), "Up.")},
                              errors=(), tag="operations"),
        },
        "/readyz": {
            "get": _operation("Database reachable, migrations applied, projection lag", None, {
                "200": _json(_ref("Readiness"), "Ready."),
                "503": _json(_ref("Readiness"), "Not ready (database unreachable or migrations pending).",
                             RETRY_AFTER)}, errors=(), tag="operations"),
        },
        "/metrics": {
            "get": _operation("Prometheus metrics", None, {"200": {
                "description": "Prometheus text format.", "content": {"text/plain": {"schema": STRING}}}},
                errors=(), tag="operations"),
        },
    }


def document() -> dict:
    """A fresh copy of the OpenAPI document."""
    return copy.deepcopy({
        "openapi": "3.0.3",
        "info": {"title": "kulcs-ledger JSON API", "version": "1.0.0", "description": (
            "The event-sourced sync ledger of the Kulcs-Soft webshop integration. Times are ISO 8601 "
            "with offset; money and quantities are decimal strings; every error is "
            '{"error": "...", "detail": ...}. Kulcs\'s own URLs (/kulcs/...) speak XML and are '
            "described in kulcs-protocol.md, not here.")},
        "security": [{"bearer": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "an API token; roles admin, support, auditor, shop"}},
            "schemas": SCHEMAS,
            "responses": RESPONSES,
        },
    })


DOCUMENT = document()


async def openapi_json(_request: web.Request) -> web.Response:
    return web.json_response(DOCUMENT)


def add_routes(app: web.Application) -> None:
    """GET /api/openapi.json, without auth; adding it twice is harmless."""
    if any(getattr(r.resource, "canonical", None) == PATH for r in app.router.routes()):
        return
    app.router.add_get(PATH, openapi_json)
