"""The OpenAPI document at /api/openapi.json describes the JSON API, and schemathesis, run against a
live service (the aiohttp app on a real socket, in its own thread) with tokens of the roles each
operation names, finds no 5xx and no answer that breaks the document."""
from __future__ import annotations

import asyncio
import base64
import itertools
import json
import socket
import threading
import urllib.request

import pytest
import schemathesis
from aiohttp import web
from hypothesis import HealthCheck, settings as hypothesis_settings

from schemathesis.checks import (
    content_type_conformance, not_a_server_error, response_headers_conformance,
    response_schema_conformance, status_code_conformance,
)

from ledger.config import Settings
from ledger.http import openapi
from ledger.http.app import create_app
from ledger.http.keys import POOL
from ledger.logs import configure_logging
from ledger.service.tokens import create_token
from tests.counts import report_count
from tests.conftest import ADMIN_TOKEN
from tests.kulcs_docs import product_xml
from tests.order_payloads import order_payload

MAX_EXAMPLES = 10
ANSWER_CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
                 response_headers_conformance, response_schema_conformance]


class LiveService:
    """The app factory's app (with the OpenAPI route) served on 127.0.0.1 from a background loop."""

    def __init__(self, db_url: str, data_dir) -> None:
        self.app = create_app(Settings(admin_token=ADMIN_TOKEN, data_dir=data_dir), db_url)
        openapi.add_routes(self.app)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.runner: web.AppRunner | None = None

    def run(self, coroutine, timeout: float = 60):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def start(self) -> None:
        self.thread.start()

        async def serve():
            self.runner = web.AppRunner(self.app, access_log=None)
            await self.runner.setup()
            await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        self.run(serve())

    def stop(self) -> None:
        if self.runner is not None:
            self.run(self.runner.cleanup())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()


@pytest.fixture(scope="module")
def live(pg_server, tmp_path_factory):
    folder = tmp_path_factory.mktemp("openapi")
    log = open(folder / "service.log", "w")
    configure_logging(stream=log)
    db_url = pg_server.new_database()
    service = LiveService(db_url, folder / "data")
    service.log_path = folder / "service.log"
    service.start()
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"}
    status, body = service.request("POST", "/api/shops", json.dumps(
        {"webshopid": "bolt", "password": "kulcs-jelszo", "sync_type": "full"}).encode(), admin)
    assert status == 201, body
    kulcs = {"Authorization": "Basic " + base64.b64encode(b"bolt:kulcs-jelszo").decode(),
             "Content-Type": "text/xml"}
    for price in ("100", "120"):
        rows = [{"termekkod": "KS-1", "ar": price, "arakcios": "90", "nev": "Szék"},
                {"termekkod": "KS-2", "ar": price}]
        assert service.request("POST", "/kulcs/bolt/products", product_xml(rows), kulcs)[0] == 200

    async def tokens():
        async with service.app[POOL].acquire() as conn:
            return {role: await create_token(conn, role, "bolt" if role == "shop" else None)
                    for role in ("admin", "support", "auditor", "shop")}
    service.tokens = service.run(tokens())
    shop = {"Authorization": f"Bearer {service.tokens['shop']}", "Content-Type": "application/json"}
    assert service.request("POST", "/api/shops/bolt/orders", json.dumps(order_payload("1")).encode(),
                           shop)[0] == 201
    status, body = service.request("GET", "/api/shops/bolt/syncs", headers=admin)
    service.sync_ids = [s["sync_id"] for s in json.loads(body)]
    yield service
    service.stop()
    pg_server.drop(db_url)
    configure_logging()
    log.close()


@pytest.fixture(scope="module")
def api_schema(live):
    status, body = live.request("GET", "/api/openapi.json")
    assert status == 200
    served = json.loads(body)
    assert served == openapi.document()
    schema = schemathesis.openapi.from_dict(served)
    schema.validate()
    schema.config.update(base_url=live.base)
    schema.config.generation.update(max_examples=MAX_EXAMPLES)
    return schema


def test_the_document_describes_every_api_route_and_the_error_answers(live):
    document = openapi.document()
    described = {(method.upper(), path) for path, item in document["paths"].items()
                 for method in item if method != "parameters"}
    routes = {(r.method, r.resource.canonical) for r in live.app.router.routes()
              if r.method != "HEAD" and r.resource.canonical.startswith("/api/")}
    assert routes <= described, f"undocumented routes: {sorted(routes - described)}"
    assert {("GET", "/healthz"), ("GET", "/readyz")} <= described
    assert {p for _, p in described if p.startswith("/api/")} <= {p for _, p in routes}, "no phantom routes"
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["error", "detail"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters" or "x-roles" not in operation:
                continue
            codes = set(operation["responses"])
            assert {"401", "403", "503"} <= codes, (method, path, codes)
            for code in {c for c in codes if not c.startswith("2")}:  # the errors, not the answers
                answer = operation["responses"][code]
                assert answer == {"$ref": f"#/components/responses/{answer['$ref'].rsplit('/', 1)[1]}"}
                assert document["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]["content"][
                    "application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    status, body = live.request("GET", "/api/openapi.json")
    assert status == 200 and json.loads(body)["openapi"].startswith("3.0"), "served without a token"


schema = schemathesis.pytest.from_fixture("api_schema")
turns = itertools.count()
calls = {"cases": 0, "statuses": {}, "operations": set()}
TIME_PARAMETERS = ("changed_since", "as_of", "from", "to")



def token_for(live, operation) -> str:
    roles = operation.definition.raw.get("x-roles")
    if roles is None:
        return ""
    preferred = next(role for role in ("admin", "support", "auditor", "shop") if role in roles)
    return live.tokens[preferred]


@schema.parametrize()
@hypothesis_settings(max_examples=MAX_EXAMPLES, deadline=None,
                     suppress_health_check=list(HealthCheck))
def test_schemathesis_finds_no_server_error_and_no_answer_outside_the_document(case, live):
    real = next(turns) % 2 == 0  # every other case names things that exist
    parameters = case.path_parameters or {}
    if "shop" in parameters:
        parameters["shop"] = "bolt"
    if real and "sku" in parameters:
        parameters["sku"] = "KS-1"
    if real and "sync_id" in parameters:
        parameters["sync_id"] = live.sync_ids[0]
    if real and "order_id" in parameters:
        parameters["order_id"] = "1"
    token = token_for(live, case.operation)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    # What the document promises about answers: no 5xx, documented status codes, content types, headers
    # and bodies. (Whether each invalid request is refused is pinned by the hostile-input tests; here the
    # token added to every case would mask schemathesis's own negative auth cases.)
    response = case.call_and_validate(headers=headers, checks=ANSWER_CHECKS)
    calls["cases"] += 1
    calls["operations"].add(f"{case.method.upper()} {case.operation.path}")
    calls["statuses"][response.status_code] = calls["statuses"].get(response.status_code, 0) + 1


def test_schemathesis_exercised_every_documented_operation(live):
    if not calls["cases"]:
        pytest.skip("the schemathesis test was not selected")
    documented = {f"{method.upper()} {path}" for path, item in openapi.document()["paths"].items()
                  for method in item if method != "parameters"}
    report_count(f"\nschemathesis: {calls['cases']} cases over {len(documented)} documented operations (and "
          f"{len(calls['operations'] - documented)} undocumented methods, answered 405), statuses "
          f"{dict(sorted(calls['statuses'].items()))}")
    assert documented <= calls["operations"], documented - calls["operations"]
