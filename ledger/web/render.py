"""Jinja2 (autoescaped) set-up, the filters the templates use, and HTML error pages."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import aiohttp_jinja2
import jinja2
from aiohttp import web
from yarl import URL

from ledger.domain.values import BUDAPEST
from ledger.http.errors import HTTP_STATUSES, http_exception
from ledger.web import i18n

JINJA = web.AppKey("ledger_web_jinja", jinja2.Environment)
TEMPLATES = Path(__file__).parent / "templates"
VIEWER = "ledger_web_viewer"  # request key: the signed-in viewer, once known


def when(value, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """An instant as Budapest wall-clock time."""
    if value is None or value == "":
        return "–"
    instant = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return instant.astimezone(BUDAPEST).strftime(fmt)


def shown(value) -> str:
    """A field-history value (JSON) as a person reads it."""
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "price" in value:  # a sale price: price (from → to, source)
        period = f"{value.get('valid_from') or '…'} → {value.get('valid_to') or '…'}"
        return f"{value['price']} ({period}, {value.get('source') or '?'})"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {shown(v)}" for k, v in value.items())
    return json.dumps(value, ensure_ascii=False)


@jinja2.pass_context
def money_filter(context, value) -> str:
    return i18n.money(value, context.get("lang", i18n.DEFAULT))


@jinja2.pass_context
def quantity_filter(context, value) -> str:
    return i18n.quantity(value, context.get("lang", i18n.DEFAULT))


def setup(app: web.Application) -> None:
    environment = aiohttp_jinja2.setup(
        app, app_key=JINJA, loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        filters={"money": money_filter, "qty": quantity_filter, "when": when, "shown": shown})
    environment.globals["url"] = url


@jinja2.pass_context
def url(context, route_name: str, query_: dict | None = None, **parts) -> URL:
    """aiohttp_jinja2's `url`, with every character of a part that is not unreserved percent-encoded,
    "/" included: a SKU may hold one, and its page's route takes one path segment (aiohttp decodes
    it back into `match_info`)."""
    resource = context["app"].router[route_name]
    formatter = resource.get_info().get("formatter")
    if formatter is None or not parts:
        address = resource.url_for(**{name: str(value) for name, value in parts.items()})
    else:
        address = URL(formatter.format_map({name: quote(str(value), safe="") for name, value in parts.items()}),
                      encoded=True)
    return address.with_query(query_) if query_ else address


def context(request: web.Request, **values) -> dict:
    lang = i18n.language(request)
    viewer = request.get(VIEWER)
    # The language links reload this page; after a POST, the page it belongs to (`lang_base`).
    here = URL(values.pop("lang_base", None) or (request.rel_url if request.method == "GET" else "/ui/"))
    return {
        "lang": lang, "t": i18n.translator(lang), "viewer": viewer,
        "csrf": viewer.session.csrf if viewer else values.pop("csrf", ""),
        "lang_urls": {code: str(here.update_query(lang=code)) for code in i18n.LANGUAGES},
        "shop": request.match_info.get("shop"), "nav": "", **values,
    }


def page(request: web.Request, template: str, status: int = 200, **values) -> web.Response:
    response = aiohttp_jinja2.render_template(template, request, context(request, **values), app_key=JINJA,
                                              status=status)
    i18n.remember(request, response)
    return response


def http_error(request: web.Request, status: int, key: str, detail: str | None = None,
               headers: dict | None = None) -> web.HTTPException:
    """An HTML error page to raise: the message by key in the viewer's language, and an optional detail."""
    text = aiohttp_jinja2.render_string("error.html", request, context(
        request, status=status, message_key=key, detail=detail), app_key=JINJA)
    return http_exception(status if status in HTTP_STATUSES else 400, text, "text/html", headers)


SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    if request.path == "/ui" or request.path.startswith("/ui/"):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.path.startswith("/ui/static/"):  # the style sheet may be cached; pages never are
            response.headers["Cache-Control"] = "public, max-age=3600"


def see_other(location: str) -> web.Response:
    """A redirect to return (not raise), so that cookies can be set on it."""
    return web.Response(status=303, headers={"Location": location})
