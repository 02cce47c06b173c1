"""The pages in a real browser (Debian's Chromium, driven by Playwright) against a live `serve`: sign in,
find a product, one chart point per price change, open a sync from a point, dry-run its replay."""
from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.server import ServerProcess
from tests.kulcs_docs import product_xml

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - CI installs it
    sync_playwright = None

CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "product-page.png"
KULCS = {"Authorization": "Basic " + base64.b64encode(b"bolt:kulcs-jelszo").decode(), "Content-Type": "text/xml"}

# Kulcs pushes, oldest first: KS-1's base price changes four times, its sale price comes and goes,
# its stock moves; other products make the search and the tables realistic.
PUSHES = [
    [{"termekkod": "KS-1", "nev": "Kávéfőző Deluxe 1,2 l", "ar": "24 990", "szabadraktar": "12", "mee": "db"},
     {"termekkod": "KS-2", "nev": "Kávéscsésze, porcelán", "ar": "2 490", "szabadraktar": "140", "mee": "db"},
     {"termekkod": "TEA-7", "nev": "Teafőző", "ar": "9 990", "szabadraktar": "4", "mee": "db"}],
    [{"termekkod": "KS-1", "ar": "26 490", "szabadraktar": "9"}],
    [{"termekkod": "KS-1", "ar": "26 490", "arakcios": "22 990", "szabadraktar": "15"},
     {"termekkod": "KS-2", "ar": "2 590"}],
    [{"termekkod": "KS-1", "ar": "27 990", "arakcios": "23 990", "szabadraktar": "7"}],
    [{"termekkod": "KS-1", "ar": "25 990", "arakcios": "0", "szabadraktar": "18"}],
]


def chromium_or_skip():
    if sync_playwright is None:
        pytest.skip("the browser tests need Playwright for Python (pip install playwright==1.65.2)")
    if CHROMIUM is None:
        pytest.skip("the browser tests need Debian's Chromium (apt-get install -y chromium)")


@pytest.fixture
def live(db_url, tmp_path):
    chromium_or_skip()
    server = ServerProcess(db_url, tmp_path / "server.log")
    server.start()
    yield server
    server.stop()


def support_token(db_url: str) -> str:
    done = subprocess.run([sys.executable, "-m", "ledger.cli", "token", "create", "--role", "support"],
                          env={**os.environ, "DATABASE_URL": db_url}, capture_output=True, text=True,
                          timeout=60, check=True)
    return done.stdout.strip().splitlines()[-1].strip()


def api_json(server: ServerProcess, path: str, token: str):
    status, body = server.get(path, headers={"Authorization": f"Bearer {token}"})
    assert status == 200, body
    return json.loads(body)


def seed(server: ServerProcess, token: str) -> list[dict]:
    status, body = server.post_json("/api/shops", {"webshopid": "bolt", "password": "kulcs-jelszo",
                                                   "sync_type": "full"})
    assert status == 201, body
    for rows in PUSHES:
        status, body = server.request("POST", "/kulcs/bolt/products", product_xml(rows, "windows-1250"), KULCS)
        assert status == 200 and b"<eredmeny>OK</eredmeny>" in body, body
        time.sleep(1.2)  # a few seconds apart, so the chart's time axis reads like a real one
    deadline = time.monotonic() + 30
    while True:
        history = api_json(server, "/api/shops/bolt/products/KS-1/price-history", token)
        if len(history) == len(PUSHES) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert len(history) == len(PUSHES), history
    return history


def test_sign_in_find_a_product_follow_a_point_and_dry_run_its_sync(live, db_url):
    token = support_token(db_url)
    history = seed(live, token)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="hu-HU")
            page.goto(live.base + "/ui/")
            expect(page.locator("h1")).to_have_text("Bejelentkezés")
            page.fill("#token", token)
            page.click("form.stacked button[type=submit]")
            assert token not in page.content()

            page.click("ul.shops >> text=bolt")
            expect(page.locator("#health")).to_be_visible()
            page.fill("form.search input[name=q]", "kávé")
            page.press("form.search input[name=q]", "Enter")
            expect(page.locator("#products tbody tr")).to_have_count(2)  # KS-1 and KS-2 by name
            page.click("#products a.sku >> text=KS-1")
            expect(page.locator("h1")).to_contain_text("KS-1")

            points = page.locator("svg.price-chart circle.point-base")
            expect(points).to_have_count(len(history))
            shown = [points.nth(i).get_attribute("data-sync-id") for i in range(len(history))]
            assert shown == [entry["sync_id"] for entry in history]
            sale_points = page.locator("svg.price-chart circle.point-sale")
            expect(sale_points).to_have_count(sum(1 for e in history if e["effective_sale_price"] is not None))
            expect(page.locator("#price-history tbody tr")).to_have_count(len(history))
            expect(page.locator("svg.stock-chart circle.point-stock")).to_have_count(len(PUSHES))
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT), full_page=True)

            first = history[0]["sync_id"]
            page.locator(f"svg.price-chart a[data-sync-id='{first}'] circle.point-base").click()
            expect(page.locator("#sync-id")).to_have_text(first)
            expect(page.locator("#changes tbody tr").first).to_be_visible()

            page.click("#dry-run")
            result = page.locator("#dry-run-result")
            expect(result).to_be_visible()
            diff = page.locator("#dry-run-changes tbody tr")
            # Applied again now, the first push would put KS-1's base price back from 25990 to 24990.
            expect(diff.filter(has_text="base_price").filter(has_text="KS-1")).to_have_count(1)
            row = diff.filter(has_text="base_price").filter(has_text="KS-1")
            expect(row.locator("td.old")).to_have_text("25990.00")
            expect(row.locator("td.new")).to_have_text("24990.00")
            after = api_json(live, "/api/shops/bolt/products/KS-1", token)
            assert after["base_price"] == "25990.00", "a dry run writes nothing"
        finally:
            browser.close()
