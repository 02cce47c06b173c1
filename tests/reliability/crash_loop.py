"""Crash trials: pushes stream in from several client threads, the server is SIGKILLed at a random
moment, restarted, and the ledger is checked (tests/reliability/ledger_checks.py).

Shared by tests/reliability/test_crash_trials.py (CI) and scripts/crash_trials.py (as many trials as
you like).
"""
from __future__ import annotations

import base64
import hashlib
import http.client
import json
import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from tests.e2e.server import ADMIN_TOKEN, ServerProcess
from tests.kulcs_docs import product_xml
from tests.reliability.ledger_checks import PushAnswer, check_everything

SHOP, PASSWORD = "bolt", "kulcs-jelszo"
SKUS = [f"C-{n:03d}" for n in range(60)]
PRICES = ["100", "250,50", "999", "1 250", "4990,00", "12000"]
HEADERS = {"Authorization": "Basic " + base64.b64encode(f"{SHOP}:{PASSWORD}".encode()).decode(),
           "Content-Type": "text/xml; charset=utf-8"}


@dataclass
class CrashStats:
    trials: int = 0
    pushes_sent: int = 0
    acknowledged: int = 0
    acknowledged_checked: int = 0
    cut_off: int = 0  # no answer: in flight when the server died, or sent after it
    in_flight: int = 0  # of those, sent before the kill
    in_flight_committed: int = 0  # of those, found in the ledger (killed after the commit)
    unexpected: list = field(default_factory=list)  # answers other than 200
    retry_exhausted: int = 0  # unhandled server errors tolerated: none since conflicts answer 503
    verify: str = "not run"
    syncs_checked: int = 0
    products: int = 0
    restart_seconds: float = 0.0

    def line(self) -> str:
        return (f"crash trials: {self.trials}, pushes sent: {self.pushes_sent}, acknowledged: "
                f"{self.acknowledged}, acknowledged pushes checked: {self.acknowledged_checked}, "
                f"cut off by the kill: {self.cut_off} (in flight: {self.in_flight}, of which committed: "
                f"{self.in_flight_committed}), syncs checked in the last trial: "
                f"{self.syncs_checked}, products: {self.products}, "
                f"mean restart: {self.restart_seconds / max(self.trials, 1):.2f}s, "
                f"500s from exhausted conflict retries: {self.retry_exhausted}, verify: {self.verify}")


def random_push(rng: random.Random) -> bytes:
    """A small (1-5 rows) or medium (15-40 rows) push over the shared SKUs."""
    size = rng.randint(1, 5) if rng.random() < 0.6 else rng.randint(15, 40)
    rows = []
    for sku in rng.sample(SKUS, size):
        row = {"termekkod": sku, "ar": rng.choice(PRICES), "szabadraktar": str(rng.randint(-2, 40))}
        roll = rng.random()
        if roll < 0.25:
            row["arakcios"] = "0"
        elif roll < 0.5:
            row["arakcios"] = rng.choice(["89", "199,90", "3990"])
        if rng.random() < 0.2:
            row["nev"] = f"Termék {sku} v{rng.randint(1, 3)}"
        rows.append(row)
    return product_xml(rows)


def _post(port: int, body: bytes, timeout: float = 15) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", f"/kulcs/{SHOP}/products", body=body, headers=HEADERS)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


class _Sender(threading.Thread):
    def __init__(self, port: int, rng: random.Random, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.port, self.rng, self.stop = port, rng, stop
        self.sent = 0
        self.answers: list[PushAnswer] = []
        self.cut_off = 0
        self.failed: list[tuple[float, bytes]] = []  # (when sent, body) of pushes that got no answer
        self.unexpected: list = []

    def run(self) -> None:
        while not self.stop.is_set():
            body = random_push(self.rng)
            self.sent += 1
            sent_at = time.monotonic()
            try:
                status, answer = _post(self.port, body)
            except (OSError, http.client.HTTPException):
                self.cut_off += 1  # the server died under this request (or just before it)
                self.failed.append((sent_at, body))
                self.stop.wait(30)
                return
            if status == 200:
                self.answers.append(PushAnswer.parse(answer))
            else:
                self.unexpected.append((status, answer[:300]))


def ensure_shop(server: ServerProcess) -> None:
    status, body = server.post_json("/api/shops", {"webshopid": SHOP, "password": PASSWORD,
                                                   "sync_type": "full"})
    assert status in (201, 409), body


def run_crash_trials(db_url: str, workdir: Path, trials: int, *, seed: int = 1, senders: int = 3,
                     window: tuple[float, float] = (0.05, 0.6), report=print) -> CrashStats:
    """`trials` times: `senders` threads push, SIGKILL after a random moment in `window` seconds,
    restart, check. Raises AssertionError at the first broken guarantee."""
    rng = random.Random(seed)
    stats = CrashStats()
    server = ServerProcess(db_url, Path(workdir) / "server.log")
    server.start()
    try:
        ensure_shop(server)
        with psycopg.connect(db_url, autocommit=True) as conn:
            for trial in range(trials):
                stop = threading.Event()
                threads = [_Sender(server.port, random.Random(rng.random()), stop) for _ in range(senders)]
                for thread in threads:
                    thread.start()
                time.sleep(rng.uniform(*window))
                killed_at = time.monotonic()
                server.kill()
                stop.set()
                for thread in threads:
                    thread.join(30)
                    assert not thread.is_alive(), "a client thread hung after the kill"
                started = time.monotonic()
                server.start()
                stats.restart_seconds += time.monotonic() - started
                answers = [a for t in threads for a in t.answers]
                stats.trials += 1
                stats.pushes_sent += sum(t.sent for t in threads)
                stats.acknowledged += len(answers)
                stats.cut_off += sum(t.cut_off for t in threads)
                stats.unexpected += [u for t in threads for u in t.unexpected]
                in_flight = [hashlib.sha256(body).hexdigest() for t in threads
                             for sent_at, body in t.failed if sent_at < killed_at]
                stats.in_flight += len(in_flight)
                stats.in_flight_committed += conn.execute(
                    "SELECT count(*) FROM kulcs_requests WHERE body_sha256 = ANY(%s)",
                    (in_flight,)).fetchone()[0]
                assert all(a.result in ("OK", "RESZLEGES") for a in answers), answers
                try:
                    found = check_everything(conn, answers)
                except AssertionError as error:
                    raise AssertionError(f"trial {trial}: {error}") from None
                stats.acknowledged_checked += found["acknowledged"]
                stats.syncs_checked, stats.products = found["syncs"], found["products"]
                if report and (trial + 1) % 10 == 0:
                    report(f"  after trial {trial + 1}: {stats.line()}")
        stats.verify = run_verify(server)
    finally:
        server.stop()
    stats.retry_exhausted = classify_server_errors(Path(workdir) / "server.log")
    return stats


def run_verify(server: ServerProcess) -> str:
    """The service's own `verify` (GET /api/shops/{shop}/audit/verify) when it has one: must be clean."""
    status, body = server.request("GET", f"/api/shops/{SHOP}/audit/verify",
                                  headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=120)
    if status == 404:
        return "not available"
    assert status == 200, (status, body[:500])
    report = json.loads(body)
    assert report.get("ok") is True, f"verify found problems: {report}"
    return "clean"


def classify_server_errors(log_path: Path) -> int:
    """The server must not have failed on anything: any unhandled error fails the run. Answers 0 (the
    count of tolerated errors, kept so the report's shape stays the same)."""
    for line in Path(log_path).read_text(errors="replace").splitlines():
        if '"unhandled_error"' in line:
            record = json.loads(line)
            raise AssertionError(f"the server failed: {record.get('exception', line)[-2000:]}")
    return 0
