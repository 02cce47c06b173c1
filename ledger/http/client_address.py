"""The address a request comes from, as every per-address count (Kulcs's sign-ins, API tokens, the web
sign-in) and the request log line see it.

Behind a reverse proxy the peer is the proxy, for every client. When the peer is one of
KULCS_LEDGER_TRUSTED_PROXIES, X-Forwarded-For is read from the right: each trusted proxy appends the
address it was reached from, so the rightmost address that is not itself a trusted proxy is the client;
anything left of it was written by the client and is not believed. From any other peer X-Forwarded-For
is ignored: a client could write anything there.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from aiohttp import hdrs, web

from ledger.config import Network
from ledger.http.keys import SETTINGS


def client_address(request: web.Request) -> str:
    settings = request.app.get(SETTINGS)
    trusted = settings.trusted_proxies if settings is not None else ()
    forwarded = request.headers.getall(hdrs.X_FORWARDED_FOR, []) if trusted else []
    return address_behind_proxies(request.remote, forwarded, trusted)


def address_behind_proxies(peer: str | None, forwarded: Iterable[str], trusted: Sequence[Network]) -> str:
    """`forwarded`: the X-Forwarded-For header lines, in order."""
    if peer is None:
        return "?"
    if not trusted:  # every request's log line asks: no address to parse when no proxy is trusted
        return peer
    client = _parsed(peer)
    if client is None or not _is_trusted(client, trusted):
        return peer
    hops = [hop.strip() for line in forwarded for hop in line.split(",")]
    for hop in reversed([hop for hop in hops if hop]):
        address = _parsed(hop)
        if address is None:  # the nearest trusted proxy wrote something unreadable: believe nothing past it
            break
        client = address
        if not _is_trusted(address, trusted):
            break
    return str(client)


def _is_trusted(address, trusted: Sequence[Network]) -> bool:
    # an IPv4 address has two spellings, which no network contains both of: a server listening on "::"
    # sees an IPv4 peer as ::ffff:a.b.c.d, and KULCS_LEDGER_TRUSTED_PROXIES may name a proxy either way
    spellings = (address, _other_spelling(address))
    return any(spelling in network for spelling in spellings if spelling for network in trusted)


def _other_spelling(address):
    if address.version == 4:
        return ipaddress.IPv6Address(f"::ffff:{address}")
    return address.ipv4_mapped


def _parsed(text: str):
    """An IP address, also as "[v6]:port" or "v4:port" (some proxies add the port); None otherwise."""
    if text.startswith("[") and "]" in text:
        text = text[1:text.index("]")]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None
