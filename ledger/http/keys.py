"""Typed keys for what the aiohttp application holds."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import asyncpg
from aiohttp import web

from ledger.config import Settings
from ledger.http.kulcs_auth import KulcsGate
from ledger.http.throttle import FailureCounter
from ledger.service.ledger_app import LedgerApp
from projections.runner import ProjectionWaiter

SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", asyncpg.Pool)
LEDGER = web.AppKey("ledger", LedgerApp)
EXECUTOR = web.AppKey("executor", ThreadPoolExecutor)
PROJECTOR = web.AppKey("projector", ProjectionWaiter)  # the projector as this server sees it
KULCS_GATE = web.AppKey("kulcs_gate", KulcsGate)
# failed bearer tokens on /api/ and failed sign-ins on /ui/, per client address: they guess the same secrets
TOKEN_FAILURES = web.AppKey("token_failures", FailureCounter)
DATABASE_URL = web.AppKey("database_url", str)
EMBEDDED_SERVER = web.AppKey("embedded_server", object)
