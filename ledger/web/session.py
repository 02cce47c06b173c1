"""Browser sessions kept in the server's memory: the cookie carries only a random opaque id (stored as
its SHA-256 digest); the API token it signed in with stays here, is never sent back and is checked
again on every request, so a revoked token ends its sessions at once."""
from __future__ import annotations

import hashlib
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from aiohttp import web

from ledger.http.keys import SETTINGS

COOKIE = "kl_session"
COOKIE_PATH = "/ui"


def _digest(cookie_value: str) -> str:
    # a cookie's bytes that are not UTF-8 arrive as surrogates: they digest, and match no session
    return hashlib.sha256(cookie_value.encode("utf-8", "surrogateescape")).hexdigest()


@dataclass
class Session:
    key: str
    csrf: str
    token: str | None = None
    created: float = field(default_factory=time.monotonic)
    seen: float = field(default_factory=time.monotonic)

    def __repr__(self) -> str:  # never the token, never the CSRF secret
        return f"Session(signed_in={self.token is not None})"


class SessionStore:
    """Sessions by the digest of their cookie, least recently seen first (evicted first when full).
    Anonymous sessions (a sign-in form's CSRF secret) and signed-in ones are kept apart, each up to
    `capacity`: anyone can make anonymous ones as fast as they can ask for the form, and they must
    never push a signed-in session out."""

    def __init__(self, *, idle_seconds: float = 8 * 3600, max_age_seconds: float = 12 * 3600,
                 capacity: int = 10_000, clock=time.monotonic) -> None:
        self.idle_seconds = idle_seconds
        self.max_age_seconds = max_age_seconds
        self.capacity = capacity
        self.clock = clock
        self._anonymous: OrderedDict[str, Session] = OrderedDict()
        self._signed_in: OrderedDict[str, Session] = OrderedDict()

    def __len__(self) -> int:
        return len(self._anonymous) + len(self._signed_in)

    def _kept(self, session: Session) -> OrderedDict[str, Session]:
        return self._anonymous if session.token is None else self._signed_in

    def new(self, token: str | None = None) -> tuple[str, Session]:
        """A fresh session; returns the cookie value (shown to no one but the browser) and the session."""
        cookie_value = secrets.token_urlsafe(32)
        now = self.clock()
        session = Session(_digest(cookie_value), secrets.token_urlsafe(32), token, now, now)
        kept = self._kept(session)
        kept[session.key] = session
        while len(kept) > self.capacity:
            kept.popitem(last=False)
        return cookie_value, session

    def get(self, cookie_value: str | None) -> Session | None:
        if not cookie_value or len(cookie_value) > 128:
            return None
        key = _digest(cookie_value)
        session = self._anonymous.get(key) or self._signed_in.get(key)
        if session is None:
            return None
        kept, now = self._kept(session), self.clock()
        if now - session.seen > self.idle_seconds or now - session.created > self.max_age_seconds:
            del kept[key]
            return None
        session.seen = now
        kept.move_to_end(key)
        return session

    def drop(self, session: Session) -> None:
        self._kept(session).pop(session.key, None)


SESSIONS = web.AppKey("ledger_web_sessions", SessionStore)


def session_of(request: web.Request) -> Session | None:
    return request.app[SESSIONS].get(request.cookies.get(COOKIE))


def set_session_cookie(request: web.Request, response: web.StreamResponse, cookie_value: str) -> None:
    response.set_cookie(COOKIE, cookie_value, path=COOKIE_PATH, httponly=True, samesite="Strict",
                        secure=cookies_secure(request))


def cookies_secure(request: web.Request) -> bool:
    """Over HTTPS, and whenever people reach the service at an https:// public URL: behind a proxy
    that ends TLS, the service itself is spoken to in plain HTTP (`request.secure` is false)."""
    public_url = request.app[SETTINGS].public_base_url or ""
    return request.secure or public_url.lower().startswith("https://")


def clear_session_cookie(response: web.StreamResponse) -> None:
    response.del_cookie(COOKIE, path=COOKIE_PATH)
