"""Many small requests over loopback: read latencies, and concurrent one-product stock pushes."""
from __future__ import annotations

import asyncio
import itertools
import statistics
import time

import aiohttp

from bench.generator import to_xml
from bench.service import ADMIN_HEADERS, KULCS_HEADERS, SHOP

STOCKS = itertools.count(100_000)  # every push sets a stock never sent before, so each is a change


def percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


async def read_latencies(base: str, path: str, count: int = 400, warmup: int = 30) -> list[float]:
    """Milliseconds of `count` sequential GETs of `path` (each must answer 200)."""
    timings = []
    async with aiohttp.ClientSession(base, headers=ADMIN_HEADERS) as session:
        for n in range(warmup + count):
            started = time.perf_counter()
            async with session.get(path) as response:
                await response.read()
                assert response.status == 200, (response.status, path)
            if n >= warmup:
                timings.append((time.perf_counter() - started) * 1000)
    return timings


async def get(base: str, path: str) -> tuple[int, bytes]:
    async with aiohttp.ClientSession(base, headers=ADMIN_HEADERS) as session, session.get(path) as response:
        return response.status, await response.read()


async def small_pushes(base: str, skus: list[str], clients: int = 32, seconds: float = 15.0,
                       rate: float | None = None) -> dict:
    """`clients` concurrent clients, each sending one-product stock updates for its own SKUs.

    Without `rate`, each client sends its next push as soon as it has the answer (the most the service
    can do). With `rate`, the clients together send `rate` pushes a second on a fixed schedule, and a
    push's latency counts from when it was due, so a service that falls behind shows it (pushes still
    due 2 s after the end are not sent)."""
    url = f"/kulcs/{SHOP}/products"
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(base, headers=KULCS_HEADERS, connector=connector) as session:
        async def push(sku: str) -> float:
            body = to_xml([{"termekkod": sku, "szabadraktar": str(next(STOCKS))}])
            async with session.post(url, data=body) as response:
                await response.read()
                assert response.status == 200, response.status
            return time.perf_counter()

        await push(skus[0])  # the first call pays for the password hash check
        latencies: list[float] = []
        started = time.perf_counter()
        deadline, interval = started + seconds, clients / rate if rate else 0.0

        async def client(i: int) -> None:
            n, due = 0, started + i * interval / clients
            while (due if rate else time.perf_counter()) < deadline and time.perf_counter() < deadline + 2:
                if rate:
                    await asyncio.sleep(max(0.0, due - time.perf_counter()))
                sent = due if rate else time.perf_counter()
                latencies.append(await push(skus[(i + clients * n) % len(skus)]) - sent)
                n, due = n + 1, due + interval

        await asyncio.gather(*(client(i) for i in range(clients)))
        elapsed = time.perf_counter() - started
    ms = [x * 1000 for x in latencies]
    return {"syncs": len(ms), "seconds": elapsed, "rate": len(ms) / elapsed, "offered_rate": rate,
            "p50_ms": percentile(ms, 50), "p99_ms": percentile(ms, 99)}
