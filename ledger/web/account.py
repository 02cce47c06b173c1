"""Signing in with an API token (kept server-side), signing out, and the list of shops."""
from __future__ import annotations

from aiohttp import web

from ledger.http.api_auth import READERS, token_attempt, token_failed
from ledger.http.keys import POOL
from ledger.web import queries
from ledger.web.auth import checked_form, current_viewer, principal_for_token, require, safe_next
from ledger.web.render import http_error, page, see_other
from ledger.web.session import SESSIONS, clear_session_cookie, session_of, set_session_cookie


async def sign_in_form(request: web.Request) -> web.Response:
    if await current_viewer(request) is not None:
        raise web.HTTPSeeOther(safe_next(request.query.get("next")))
    session, cookie_value = session_of(request), None
    if session is None:  # an anonymous session, so that the sign-in form has its CSRF secret too
        cookie_value, session = request.app[SESSIONS].new()
    response = page(request, "sign_in.html", csrf=session.csrf, next=safe_next(request.query.get("next")),
                    failed=False)
    if cookie_value:
        set_session_cookie(request, response, cookie_value)
    return response


async def sign_in(request: web.Request) -> web.Response:
    session = session_of(request)
    form = await checked_form(request, session)
    token = str(form.get("token", "")).strip()
    async with token_attempt(request) as attempt:
        if retry_after := attempt.retry_after:  # as on /api/: refused, right token or wrong
            raise http_error(request, 429, "too_many_failures", headers={"Retry-After": str(retry_after)})
        who = await principal_for_token(request.app, token) if token and len(token) < 512 else None
        if who is None:
            if token:  # an empty field guesses nothing
                await token_failed(request, attempt, "ui")
            return page(request, "sign_in.html", status=401, csrf=session.csrf,
                        next=safe_next(form.get("next")), failed=True, lang_base=request.path)
    store = request.app[SESSIONS]
    store.drop(session)  # a new id once signed in: a planted session id is worth nothing
    cookie_value, _ = store.new(token)
    response = see_other(safe_next(form.get("next")))
    set_session_cookie(request, response, cookie_value)
    return response


async def sign_out(request: web.Request) -> web.Response:
    session = session_of(request)
    await checked_form(request, session)
    request.app[SESSIONS].drop(session)
    response = see_other(str(request.app.router["ui_sign_in"].url_for()))
    clear_session_cookie(response)
    return response


async def home(request: web.Request) -> web.Response:
    viewer = await require(request, READERS)
    if viewer.principal.shop is not None:
        raise web.HTTPSeeOther(str(request.app.router["ui_shop"].url_for(shop=viewer.principal.shop)))
    async with request.app[POOL].acquire() as conn:
        shops = await queries.shop_names(conn)
    return page(request, "shops.html", shops=shops)


async def root(request: web.Request) -> web.Response:
    raise web.HTTPFound("/ui/")
