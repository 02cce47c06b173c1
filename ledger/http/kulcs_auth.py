"""Kulcs's credentials: Webshopid and password (Basic or fields), and the optional import password.

Failed attempts are counted per address (an IPv6 one per /64) and shop: slowed at once, refused with
429 after a few.
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ledger.http.throttle import FailureCounter
from ledger.service.secrets import verify_secret

_VERIFIED_CACHE_SIZE = 4096
SHOP_ROW_SECONDS = 1.0
PASSWORD_THREADS = 2


@dataclass(frozen=True)
class Credentials:
    webshopid: str | None
    password: str | None
    key: str | None


def credentials_from(authorization: str | None, fields: dict[str, str]) -> Credentials:
    webshopid, password = fields.get("webshopid"), fields.get("jelszo")
    if authorization and authorization.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
            webshopid, _, password = decoded.partition(":")
        except ValueError:  # binascii.Error, UnicodeDecodeError, or a header byte that is not ASCII
            webshopid = password = None
    return Credentials(webshopid, password, fields.get("key"))


class KulcsGate:
    def __init__(self) -> None:
        self._pepper = secrets.token_bytes(32)
        self._verified: OrderedDict[tuple, bool] = OrderedDict()
        self.failures = FailureCounter()  # keyed by (throttling_key(address), shop)
        # Argon2 takes tens of milliseconds of CPU: off the event loop, and in threads of its own, so that
        # a flood of wrong passwords queues behind itself, not ahead of the default pool's other work
        self._hashing = ThreadPoolExecutor(PASSWORD_THREADS, thread_name_prefix="kulcs-passwords")
        self._shop_rows: dict[str, tuple[float, object]] = {}

    async def shop_row(self, shop: str, fetch):
        """The shop's row, read again at most once a second: under a stream of small pushes the read
        cost the event loop more than the push's own decision. This server forgets a row whenever it
        changes it (`forget`); a change made by another process (the CLI) counts within a second."""
        now = time.monotonic()
        cached = self._shop_rows.get(shop)
        if cached is not None and now - cached[0] < SHOP_ROW_SECONDS:
            return cached[1]
        row = await fetch()
        if row is not None:
            self._shop_rows[shop] = (now, row)
        return row

    def close(self) -> None:
        self._hashing.shutdown(wait=True)

    def forget(self, shop: str) -> None:
        self._shop_rows.pop(shop, None)

    async def check(self, shop_row, shop: str, creds: Credentials) -> bool:
        if shop_row is None or creds.webshopid is None or creds.password is None:
            return False
        ok = hmac.compare_digest(creds.webshopid.encode(), shop.encode())
        ok &= await self._verify(shop_row["password_hash"], creds.password)
        if shop_row["import_password_hash"]:
            ok &= creds.key is not None and await self._verify(shop_row["import_password_hash"], creds.key)
        return bool(ok)

    async def _verify(self, stored_hash: str, presented: str) -> bool:
        # Argon2 on every Kulcs call would cap throughput; remember hashes already verified,
        # keyed by a keyed digest so the cache never holds a usable secret.
        cache_key = (stored_hash, hmac.new(self._pepper, presented.encode(), hashlib.sha256).digest())
        if cache_key in self._verified:
            self._verified.move_to_end(cache_key)
            return True
        if not await asyncio.get_running_loop().run_in_executor(self._hashing, verify_secret, stored_hash,
                                                                presented):
            return False
        self._verified[cache_key] = True
        if len(self._verified) > _VERIFIED_CACHE_SIZE:
            self._verified.popitem(last=False)
        return True
