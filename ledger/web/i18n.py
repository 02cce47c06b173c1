"""The pages' words in Hungarian (the default) and English; `?lang=en` or the `kl_lang` cookie chooses."""
from __future__ import annotations

from decimal import Decimal

from aiohttp import web

from ledger.web.session import cookies_secure

LANGUAGES = ("hu", "en")
DEFAULT = "hu"
COOKIE = "kl_lang"

STRINGS: dict[str, dict[str, str]] = {
    "hu": {
        "app_title": "Kulcs főkönyv",
        "sign_in": "Bejelentkezés",
        "sign_in_intro": "Jelentkezzen be az API-tokenjével. A token a szerveren marad; a böngésző csak egy"
                         " munkamenet-azonosítót kap.",
        "token": "API-token",
        "sign_out": "Kijelentkezés",
        "signed_in_as": "Bejelentkezve",
        "bad_token": "Ismeretlen vagy visszavont token.",
        "shops": "Webshopok",
        "no_shops": "Még nincs webshop.",
        "overview": "Áttekintés",
        "products": "Termékek",
        "syncs": "Szinkronizálások",
        "categories": "Kategóriák",
        "price_list": "Árlista",
        "health": "Állapot",
        "health_ok": "rendben",
        "health_warn": "figyelmet igényel",
        "database": "Adatbázis",
        "reachable": "elérhető",
        "projection_lag": "Vetítés lemaradása (esemény)",
        "projection_position": "Vetítés pozíciója / utolsó esemény",
        "last_products_sync": "Utolsó termékszinkron",
        "last_24h": "Elmúlt 24 óra",
        "product_count": "Termékek száma",
        "sync_type": "Szinkron típusa",
        "recent_syncs": "Legutóbbi szinkronizálások",
        "all_syncs": "Összes szinkronizálás",
        "search": "Keresés",
        "search_hint": "Cikkszám eleje vagy a név egy része",
        "no_results": "Nincs találat.",
        "sku": "Cikkszám",
        "name": "Név",
        "unit": "Mennyiségi egység",
        "vat": "ÁFA",
        "category": "Kategória",
        "base_price": "Alapár",
        "sale_price": "Érvényes akciós ár",
        "sale_prices": "Akciós árak",
        "priority": "Prioritás",
        "valid_from": "Érvényes ettől",
        "valid_to": "Érvényes eddig",
        "stock": "Készlet",
        "version": "Verzió",
        "updated_at": "Módosítva",
        "price_chart": "Az ár alakulása",
        "price_chart_desc": "Alapár és érvényes akciós ár az időben; minden pont egy változás, a"
                            " szinkronjára mutat.",
        "stock_chart": "A készlet alakulása",
        "no_data": "Nincs adat.",
        "field_history": "A mezők története",
        "price_history": "Az árak története",
        "at": "Időpont",
        "field": "Mező",
        "old": "Régi érték",
        "new": "Új érték",
        "sync": "Szinkron",
        "source": "Forrás",
        "kind": "Típus",
        "outcome": "Eredmény",
        "received_at": "Beérkezett",
        "counts": "Darabszámok",
        "message": "Üzenet",
        "replay_of": "Ennek újrajátszása",
        "replayed_by": "Újrajátszotta",
        "parser_version": "Feldolgozó verziója",
        "request_sha256": "A kérés SHA-256 lenyomata",
        "rejected_rows": "Elutasított sorok",
        "row": "Sor",
        "reason": "Ok",
        "changes": "Változások",
        "no_changes": "Nincs változás.",
        "download_request": "A nyers kérés letöltése",
        "dry_run": "Próba-újrajátszás (semmit sem ír)",
        "dry_run_result": "A próba-újrajátszás eredménye",
        "dry_run_note": "Ezt tenné a tárolt kérés, ha most újra alkalmaznánk. Semmi sem változott.",
        "replay": "Valódi újrajátszás…",
        "replay_title": "Valódi újrajátszás megerősítése",
        "replay_warning": "A tárolt kérést a mai feldolgozóval és állapottal újra alkalmazzuk, egy új"
                          " szinkronként, amely erre hivatkozik. Ez nem vonható vissza.",
        "replay_understand": "Megértettem, és újra akarom játszani ezt a szinkront.",
        "replay_now": "Újrajátszás most",
        "replay_needs_confirm": "Jelölje be a megerősítést.",
        "cancel": "Mégse",
        "filter": "Szűrés",
        "all": "mind",
        "from": "Ettől (nap)",
        "to": "Eddig (nap)",
        "older": "Régebbiek →",
        "day": "Nap",
        "show": "Mutasd",
        "price_list_intro": "Minden termék ára a kiválasztott nap végén (Europe/Budapest).",
        "effective_priority": "Érvényes prioritás",
        "set_at": "Beállítva",
        "download_csv": "Letöltés CSV-ben",
        "key": "Kulcs",
        "kulcs_id": "Kulcs-azonosító",
        "active": "Aktív",
        "inactive": "inaktív",
        "no_categories": "Nincsenek kategóriák.",
        "forbidden": "Ehhez nincs jogosultsága.",
        "not_found": "Nem található.",
        "bad_request": "Hibás kérés.",
        "csrf_failed": "Az űrlap lejárt vagy érvénytelen. Töltse újra az oldalt, és próbálja újra.",
        "error": "Hiba",
        "back": "Vissza",
        "yes": "igen",
        "no": "nem",
        "language": "Nyelv",
        "role.admin": "adminisztrátor",
        "role.support": "ügyfélszolgálat",
        "role.auditor": "könyvvizsgáló",
        "role.shop": "webshop",
        "outcome.applied": "alkalmazva",
        "outcome.partial": "részben",
        "outcome.rejected": "elutasítva",
        "outcome.ignored": "figyelmen kívül",
        "outcome.duplicate": "ismétlés",
        "kind.products": "termékek",
        "kind.categories": "kategóriák",
        "kind.orders_download": "rendelések letöltése",
        "kind.orders_confirm": "rendelések visszaigazolása",
        "kind.products_download": "termékek letöltése",
        "source.kulcs": "Kulcs",
        "source.shop": "webshop",
        "source.replay": "újrajátszás",
        "series.base": "Alapár",
        "series.sale": "Akciós ár",
        "series.stock": "Készlet",
    },
    "en": {
        "app_title": "Kulcs ledger",
        "sign_in": "Sign in",
        "sign_in_intro": "Sign in with your API token. The token stays on the server; the browser only gets"
                         " a session id.",
        "token": "API token",
        "sign_out": "Sign out",
        "signed_in_as": "Signed in as",
        "bad_token": "Unknown or revoked token.",
        "shops": "Shops",
        "no_shops": "No shops yet.",
        "overview": "Overview",
        "products": "Products",
        "syncs": "Syncs",
        "categories": "Categories",
        "price_list": "Price list",
        "health": "Health",
        "health_ok": "ok",
        "health_warn": "needs attention",
        "database": "Database",
        "reachable": "reachable",
        "projection_lag": "Projection lag (events)",
        "projection_position": "Projection position / last event",
        "last_products_sync": "Last products sync",
        "last_24h": "Last 24 hours",
        "product_count": "Products",
        "sync_type": "Sync type",
        "recent_syncs": "Recent syncs",
        "all_syncs": "All syncs",
        "search": "Search",
        "search_hint": "SKU prefix or part of the name",
        "no_results": "Nothing found.",
        "sku": "SKU",
        "name": "Name",
        "unit": "Unit",
        "vat": "VAT",
        "category": "Category",
        "base_price": "Base price",
        "sale_price": "Effective sale price",
        "sale_prices": "Sale prices",
        "priority": "Priority",
        "valid_from": "Valid from",
        "valid_to": "Valid to",
        "stock": "Stock",
        "version": "Version",
        "updated_at": "Updated",
        "price_chart": "Price over time",
        "price_chart_desc": "Base price and effective sale price over time; each point is a change and"
                            " links to its sync.",
        "stock_chart": "Stock over time",
        "no_data": "No data.",
        "field_history": "Field history",
        "price_history": "Price history",
        "at": "Time",
        "field": "Field",
        "old": "Old value",
        "new": "New value",
        "sync": "Sync",
        "source": "Source",
        "kind": "Kind",
        "outcome": "Outcome",
        "received_at": "Received",
        "counts": "Counts",
        "message": "Message",
        "replay_of": "Replay of",
        "replayed_by": "Replayed by",
        "parser_version": "Parser version",
        "request_sha256": "Request SHA-256",
        "rejected_rows": "Rejected rows",
        "row": "Row",
        "reason": "Reason",
        "changes": "Changes",
        "no_changes": "No changes.",
        "download_request": "Download the raw request",
        "dry_run": "Dry-run replay (writes nothing)",
        "dry_run_result": "Dry-run result",
        "dry_run_note": "What the stored request would do if it were applied again now. Nothing was changed.",
        "replay": "Replay for real…",
        "replay_title": "Confirm a real replay",
        "replay_warning": "The stored request is applied again with today's parser and state, as a new sync"
                          " that names this one. This cannot be undone.",
        "replay_understand": "I understand and want to replay this sync.",
        "replay_now": "Replay now",
        "replay_needs_confirm": "Tick the confirmation first.",
        "cancel": "Cancel",
        "filter": "Filter",
        "all": "all",
        "from": "From (day)",
        "to": "To (day)",
        "older": "Older →",
        "day": "Day",
        "show": "Show",
        "price_list_intro": "Every product's price at the end of the chosen day (Europe/Budapest).",
        "effective_priority": "Effective priority",
        "set_at": "Set at",
        "download_csv": "Download as CSV",
        "key": "Key",
        "kulcs_id": "Kulcs id",
        "active": "Active",
        "inactive": "inactive",
        "no_categories": "No categories.",
        "forbidden": "You may not see or do this.",
        "not_found": "Not found.",
        "bad_request": "Bad request.",
        "csrf_failed": "The form has expired or is not valid. Reload the page and try again.",
        "error": "Error",
        "back": "Back",
        "yes": "yes",
        "no": "no",
        "language": "Language",
        "role.admin": "admin",
        "role.support": "support",
        "role.auditor": "auditor",
        "role.shop": "shop",
        "outcome.applied": "applied",
        "outcome.partial": "partial",
        "outcome.rejected": "rejected",
        "outcome.ignored": "ignored",
        "outcome.duplicate": "duplicate",
        "kind.products": "products",
        "kind.categories": "categories",
        "kind.orders_download": "orders download",
        "kind.orders_confirm": "orders confirm",
        "kind.products_download": "products download",
        "source.kulcs": "Kulcs",
        "source.shop": "shop",
        "source.replay": "replay",
        "series.base": "Base price",
        "series.sale": "Sale price",
        "series.stock": "Stock",
    },
}


def language(request: web.Request) -> str:
    asked = request.query.get("lang")
    if asked in LANGUAGES:
        return asked
    kept = request.cookies.get(COOKIE)
    return kept if kept in LANGUAGES else DEFAULT


def translator(lang: str):
    strings = STRINGS[lang]

    def t(key: str) -> str:
        return strings.get(key) or STRINGS[DEFAULT].get(key) or key.rsplit(".", 1)[-1]
    return t


def remember(request: web.Request, response: web.StreamResponse) -> None:
    """A `?lang=` choice is kept in a cookie for the following pages."""
    asked = request.query.get("lang")
    if asked in LANGUAGES and request.cookies.get(COOKIE) != asked:
        response.set_cookie(COOKIE, asked, path="/ui", httponly=True, samesite="Lax", max_age=365 * 86400,
                            secure=cookies_secure(request))


def money(value, lang: str) -> str:
    """8990.5 -> "8 990,50" (Hungarian, with narrow no-break spaces) or "8,990.50" (English)."""
    if value is None or value == "":
        return "–"
    number = Decimal(str(value))
    text = f"{number:,.2f}"
    return text.replace(",", "\u202f").replace(".", ",") if lang == "hu" else text


def quantity(value, lang: str) -> str:
    if value is None or value == "":
        return "–"
    number = Decimal(str(value)).normalize() + 0
    text = f"{number:,f}"
    return text.replace(",", "\u202f").replace(".", ",") if lang == "hu" else text
