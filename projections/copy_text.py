"""Rows for COPY in PostgreSQL's text format, built as strings.

asyncpg's binary COPY calls the connection's Python JSON codec once per jsonb value and encodes every
value on its own; a page of history has millions of them. Here each value becomes text once (the parts
shared by the rows of one event once per event) and a page is one buffer. PostgreSQL parses the text
into the same values: jsonb keeps no trace of how its JSON was spelled, timestamps carry their offset.
"""
from __future__ import annotations

import json
import re
from datetime import timezone
from decimal import Decimal

NULL = "\\N"
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_SPECIAL = re.compile(r"[\\\t\n\r]")
_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_json_string = json.encoder.c_encode_basestring or json.encoder.py_encode_basestring  # C when available
_json_other = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _escape(match: re.Match) -> str:
    return _ESCAPES[match.group()]


def text(value: str | None) -> str:
    if value is None:
        return NULL
    return value if _SPECIAL.search(value) is None else _SPECIAL.sub(_escape, value)


def jsonb(value) -> str:
    """The value as JSON (None: SQL NULL, as the binary codec leaves it)."""
    if value is None:
        return NULL
    encoded = _json_string(value) if type(value) is str else _json_other(value)
    return encoded if "\\" not in encoded else encoded.replace("\\", "\\\\")


def timestamptz(value) -> str:
    if value.tzinfo is None:  # asyncpg sends a naive datetime as UTC
        value = value.replace(tzinfo=timezone.utc)
    return value.isoformat()


def uuid(value) -> str:
    return NULL if value is None else str(value)


def numeric(value) -> str:
    """A Decimal (or the text of one) as PostgreSQL reads it; what asyncpg would have sent."""
    if value is None:
        return NULL
    if type(value) is str and _PLAIN_NUMBER.fullmatch(value):
        return value  # PostgreSQL reads the same number (and scale) from it as from Decimal(value)
    if not isinstance(value, Decimal):
        value = Decimal(value)
    return format(value, "f") if value.is_finite() else str(value)


def line(fields) -> str:
    return "\t".join(fields) + "\n"


async def copy(conn, table: str, lines: list[str], columns) -> None:
    """COPY the lines (text format) into `table`, as one buffer."""
    async def source():
        yield "".join(lines).encode()

    await conn.copy_to_table(table, source=source(), format="text", columns=columns)
