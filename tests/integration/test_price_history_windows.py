"""A sale price's validity window changes the effective sale price on the days it begins and ends, not
only on the day of the event that set it: the price history must say so, and agree with the product
as of any moment."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from ledger.audit.as_of import product_as_of
from ledger.domain.values import BUDAPEST, budapest_day
from ledger.read import products as read_products
from ledger.service.product_upload import handle_product_upload
from ledger.service.shops import create_shop
from projections import runner
from tests.kulcs_docs import call, product_xml
from tests.shop_actions import shop_sale_price_at

SHOP = "s1"


def budapest(day: str, hour: int = 0, minute: int = 0) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), BUDAPEST).replace(
        hour=hour, minute=minute).astimezone(timezone.utc)


def push(app, rows, at: datetime) -> None:
    handle_product_upload(app, call(SHOP, product_xml(rows), at=at), "full", max_rows=100)


def shop_sale_price(app, monkeypatch, sku, priority, body, at: datetime):
    return shop_sale_price_at(app, monkeypatch, SHOP, sku, priority, body, at)


@pytest.fixture
def app(ledger_app):
    create_shop(ledger_app, {"webshopid": SHOP, "password": "secret1", "sync_type": "full"}, "t")
    return ledger_app


def effective_from_history(points: list[dict], instant: datetime) -> str | None:
    """What the price history says the effective sale price was at `instant`: the last point that had
    taken effect by then (points come in commit order and take effect at the latest stamp so far, as
    the chart draws them)."""
    answer, took_effect = None, None
    for p in points:
        at = datetime.fromisoformat(p["at"])
        took_effect = at if took_effect is None else max(took_effect, at)
        if took_effect <= instant:
            answer = p["effective_sale_price"]
    return answer


async def history_and_as_of(pool, sku: str, instants: list[datetime]):
    await runner.catch_up(pool)
    async with pool.acquire() as conn:
        points = await read_products.price_history(conn, SHOP, sku)
        as_of = [(await product_as_of(conn, SHOP, sku, t))["effective_sale_price"] for t in instants]
    return points, as_of


async def test_a_shop_sale_price_window_starts_and_ends_in_the_price_history_as_as_of_says(
        app, pool, monkeypatch):
    push(app, [{"termekkod": "KS-1", "ar": "1000"}], budapest("2026-02-20", 10))
    action = shop_sale_price(app, monkeypatch, "KS-1", "5",
                             {"price": "777", "valid_from": "2026-03-10", "valid_to": "2026-03-20"},
                             budapest("2026-03-01", 10))
    instants = [budapest("2026-03-09", 23, 59), budapest("2026-03-10"), budapest("2026-03-15", 12),
                budapest("2026-03-20", 23, 59), budapest("2026-03-21"), budapest("2026-04-01")]
    points, as_of = await history_and_as_of(pool, "KS-1", instants)
    assert as_of == [None, "777.00", "777.00", "777.00", None, None]
    assert [effective_from_history(points, t) for t in instants] == as_of
    begins, ends = points[2:]
    assert datetime.fromisoformat(begins["at"]) == budapest("2026-03-10")
    assert datetime.fromisoformat(ends["at"]) == budapest("2026-03-21")
    for point, edge in ((begins, "start"), (ends, "end")):
        # Named after the shop action that set the window, marked as the window's edge.
        assert point["sync_id"] == str(action) and point["source"] == "shop"
        assert point["event_position"] == points[1]["event_position"]
        assert point["window"] == {"priority": 5, "edge": edge, "valid_from": "2026-03-10",
                                   "valid_to": "2026-03-20"}
        assert point["base_price"] == "1000.00"
    assert [p["window"] for p in points[:2]] == [None, None]


async def test_a_window_that_no_longer_applies_when_its_day_comes_has_no_point(app, pool, monkeypatch):
    """Replaced before it began: only the window in force on a day changes that day's price."""
    push(app, [{"termekkod": "KS-1", "ar": "1000"}], budapest("2026-02-20", 10))
    shop_sale_price(app, monkeypatch, "KS-1", "5", {"price": "777", "valid_from": "2026-03-10"},
                    budapest("2026-03-01", 10))
    later = shop_sale_price(app, monkeypatch, "KS-1", "5", {"price": "700", "valid_from": "2026-03-12"},
                            budapest("2026-03-05", 10))
    instants = [budapest("2026-03-11", 12), budapest("2026-03-12", 12), budapest("2026-05-01")]
    points, as_of = await history_and_as_of(pool, "KS-1", instants)
    assert as_of == [None, "700.00", "700.00"]
    assert [effective_from_history(points, t) for t in instants] == as_of
    assert [(p["effective_sale_price"], p["window"] and p["window"]["edge"], p["sync_id"])
            for p in points[3:]] == [("700.00", "start", str(later))]
    assert len(points) == 4


async def test_kulcs_ending_its_sale_price_as_of_yesterday_is_a_point_of_that_push_alone(app, pool):
    """A zero `arakcios` ends the priority-10 price yesterday: the effective price changes with the push
    itself (before it arrives, as of then the price still ran), so no boundary point follows."""
    push(app, [{"termekkod": "KS-2", "ar": "1000", "arakcios": "900"}], budapest("2026-03-01", 10))
    push(app, [{"termekkod": "KS-2", "ar": "1000", "arakcios": "0"}], budapest("2026-03-05", 10))
    instants = [budapest("2026-03-04", 12), budapest("2026-03-05", 1), budapest("2026-03-05", 11),
                budapest("2026-04-01")]
    points, as_of = await history_and_as_of(pool, "KS-2", instants)
    assert as_of == ["900.00", "900.00", None, None]
    assert [effective_from_history(points, t) for t in instants] == as_of
    assert [p["window"] for p in points] == [None, None]


async def test_a_window_beginning_after_now_is_not_in_the_history_yet(app, pool, monkeypatch):
    """The history tells what was: a scheduled start shows once its Budapest day has come."""
    today = budapest_day(datetime.now(timezone.utc))
    push(app, [{"termekkod": "KS-1", "ar": "1000"}], datetime.now(timezone.utc) - timedelta(days=1))
    shop_sale_price(app, monkeypatch, "KS-1", "5",
                    {"price": "777", "valid_from": (today + timedelta(days=30)).isoformat()},
                    datetime.now(timezone.utc))
    points, as_of = await history_and_as_of(pool, "KS-1", [datetime.now(timezone.utc)])
    assert as_of == [None] and len(points) == 2
    async with pool.acquire() as conn:
        later = await read_products.price_history(
            conn, SHOP, "KS-1", now=budapest((today + timedelta(days=31)).isoformat()))
    assert [p["effective_sale_price"] for p in later] == [None, None, "777.00"]
    assert later[2]["window"]["edge"] == "start"
