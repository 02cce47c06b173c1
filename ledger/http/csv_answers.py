"""CSV answers for spreadsheets (price history, price lists)."""
from __future__ import annotations

import csv
import io
import re

from aiohttp import web

from ledger.http.header_values import attachment


def csv_response(rows: list[dict], columns, filename: str) -> web.Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_inert(row.get(c)) for c in columns])
    return web.Response(text=out.getvalue(), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": attachment(filename)})


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def _inert(value):
    """Text from Kulcs (a SKU) that a spreadsheet would run as a formula starts with a quote; numbers,
    negative ones too, stay numbers."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value
