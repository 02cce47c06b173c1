"""CSV answers for spreadsheets (price history, price lists)."""
from __future__ import annotations

import csv
import io

from aiohttp import web

from ledger.http.header_values import attachment


def csv_response(rows: list[dict], columns, filename: str) -> web.Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row[c] for c in columns])
    return web.Response(text=out.getvalue(), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": attachment(filename)})
