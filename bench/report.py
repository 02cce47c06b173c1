"""Results with their targets, the printed table and the machine they ran on."""
from __future__ import annotations

import operator
import os
import platform
from pathlib import Path

import asyncpg

OPS = {"<=": operator.le, ">=": operator.ge}


def result(name: str, value: float | None, unit: str, *, floor: float | None = None,
           ratio: bool = False, target: tuple[str, str, float] | None = None, **detail) -> dict:
    """`ratio`: report value/floor (for times: lower is better, so the target is "ratio <= X").
    `target`: (what, op, limit), e.g. ("ratio", "<=", 4) or ("value", ">=", 20000)."""
    ratio_value = None
    if ratio and value is not None and floor:
        ratio_value = value / floor
    entry = {"name": name, "value": value, "unit": unit, "floor": floor, "ratio": ratio_value}
    if target:
        what, op, limit = target
        measured = entry[what]
        entry["target"] = f"{what} {op} {limit:g}"
        entry["pass"] = None if measured is None else OPS[op](measured, limit)
    else:
        entry["target"], entry["pass"] = None, None
    if ratio:
        entry["ratio_is"] = "value/floor"
    if detail:
        entry["detail"] = detail
    return entry


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "PASS" if value else "FAIL"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def table(results: list[dict]) -> str:
    columns = ("name", "value", "unit", "floor", "ratio", "target", "pass")
    rows = [[_cell(r.get(c)) for c in columns] for r in results]
    widths = [max(len(c), *(len(row[i]) for row in rows)) for i, c in enumerate(columns)]
    line = lambda cells: "  ".join(cell.ljust(w) for cell, w in zip(cells, widths))  # noqa: E731
    return "\n".join([line(columns), line(["-" * w for w in widths]), *map(line, rows)])


def machine(pg_version: str, pg_settings: dict, database: str) -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")))
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(mem_kb / 1024 / 1024, 1),
            "os": platform.platform(), "python": platform.python_version(),
            "postgresql": pg_version, "postgresql_settings": pg_settings, "database": database}


async def database_facts(url: str) -> tuple[str, dict]:
    """The server's version and the settings that move the figures, for `machine`."""
    conn = await asyncpg.connect(url)
    try:
        settings = {name: await conn.fetchval(f"SHOW {name}") for name in (
            "shared_buffers", "synchronous_commit", "fsync", "wal_level", "max_wal_size")}
        return await conn.fetchval("SHOW server_version"), settings
    finally:
        await conn.close()
