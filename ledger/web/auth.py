"""Who is looking: the session's token checked again on every request, with the JSON API's role rules
(readers: admin, support, auditor and a shop's own token; replays: support only)."""
from __future__ import annotations

import hmac
from dataclasses import dataclass

from aiohttp import web

from ledger.http.api_auth import AUDITORS, SUPPORT
from ledger.http.header_values import CONTROL_CHARACTER
from ledger.http.keys import POOL, SETTINGS
from ledger.service.tokens import Principal, principal_for
from ledger.web import csrf
from ledger.web.render import VIEWER, http_error
from ledger.web.session import SESSIONS, Session, session_of


@dataclass(frozen=True)
class Viewer:
    session: Session
    principal: Principal

    @property
    def role(self) -> str:
        return self.principal.role

    @property
    def can_audit(self) -> bool:
        return self.principal.role in AUDITORS

    @property
    def can_replay(self) -> bool:
        return self.principal.role in SUPPORT


async def principal_for_token(app: web.Application, token: str) -> Principal | None:
    admin_token = app[SETTINGS].admin_token
    if admin_token and hmac.compare_digest(token.encode(), admin_token.encode()):
        return Principal("admin", None, "bootstrap-admin")
    async with app[POOL].acquire() as conn:
        return await principal_for(conn, token)


async def current_viewer(request: web.Request) -> Viewer | None:
    session = session_of(request)
    if session is None or session.token is None:
        return None
    who = await principal_for_token(request.app, session.token)
    if who is None:  # revoked since: the session ends with it
        request.app[SESSIONS].drop(session)
        return None
    viewer = request[VIEWER] = Viewer(session, who)
    return viewer


def safe_next(target) -> str:
    """Only a path of these pages: never another site (no open redirect), never a file field, never a
    control character (which aiohttp refuses in the Location header, cutting the connection)."""
    if (isinstance(target, str) and target.startswith("/ui/") and not target.startswith("//")
            and "\\" not in target and not CONTROL_CHARACTER.search(target)):
        return target
    return "/ui/"



async def require(request: web.Request, roles: frozenset[str], shop: str | None = None) -> Viewer:
    viewer = await current_viewer(request)
    if viewer is None:
        target = request.path_qs if request.method == "GET" else None
        raise web.HTTPSeeOther(str(request.app.router["ui_sign_in"].url_for().with_query(
            {"next": safe_next(target)} if target else {})))
    if viewer.role not in roles:
        raise http_error(request, 403, "forbidden")
    if shop is not None and viewer.principal.shop is not None and viewer.principal.shop != shop:
        raise http_error(request, 403, "forbidden")
    return viewer


async def checked_form(request: web.Request, session: Session | None):
    """The POSTed form, once its CSRF field matches the session's secret."""
    try:
        form = await request.post()
    except ValueError:  # a body the browser did not make (UnicodeDecodeError is one too)
        raise http_error(request, 400, "bad_request") from None
    if not csrf.valid(session, form.get(csrf.FIELD)):
        raise http_error(request, 403, "csrf_failed")
    return form
