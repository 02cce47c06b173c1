"""Prometheus metrics: requests by route and status, Kulcs calls by kind and outcome."""
from __future__ import annotations

from prometheus_client import Counter, Histogram

REQUESTS = Counter("kulcs_ledger_http_requests_total", "HTTP requests answered",
                   ["method", "route", "status"])
REQUEST_SECONDS = Histogram("kulcs_ledger_http_request_seconds", "Time to answer an HTTP request",
                            ["method", "route"], buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30))
KULCS_CALLS = Counter("kulcs_ledger_kulcs_calls_total", "Kulcs calls recorded", ["kind", "outcome"])


def route_of(request) -> str:
    info = request.match_info.route.resource
    return info.canonical if info is not None else "unmatched"
