"""The price history with its window edges tells, at every moment, the effective sale price that the
product as of that moment has: the sale prices of the last event stamped by then, on that Budapest day.
Also across the switch to summer time, whose midnight is still a midnight."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.domain.sale_prices import effective_sale_price
from ledger.domain.values import budapest_day
from ledger.read.price_windows import with_window_points

START = datetime(2026, 3, 20, 9, 0, tzinfo=timezone.utc)  # summer time begins on 2026-03-29
DAY0 = date(2026, 3, 20)

days = st.integers(min_value=0, max_value=20).map(lambda n: (DAY0 + timedelta(days=n)).isoformat())
sale_price = st.fixed_dictionaries({
    "price": st.sampled_from(["700.00", "777.00", "800.00"]),
    "valid_from": st.none() | days, "valid_to": st.none() | days, "source": st.just("shop")})
sale_prices = st.dictionaries(st.sampled_from(["1", "5", "10"]), sale_price, max_size=3)
events = st.lists(st.tuples(st.integers(min_value=1, max_value=4 * 24 * 60), sale_prices), min_size=1,
                  max_size=6)


def effective(prices: dict, instant: datetime) -> Decimal | None:
    found = effective_sale_price(prices, budapest_day(instant))
    return None if found is None else Decimal(found[1]["price"])


def rows_of(history) -> list[dict]:
    """price_history rows as the projection writes them: the effective price on the event's own day."""
    rows, at = [], START
    for position, (minutes, prices) in enumerate(history, start=1):
        at += timedelta(minutes=minutes)
        rows.append({"at": at, "base_price": Decimal("1000"), "effective_sale_price": effective(prices, at),
                     "sale_prices": prices, "sync_id": f"sync-{position}", "source": "shop",
                     "event_position": position, "window": None})
    return rows


def told_by(points: list[dict], instant: datetime):
    answer = None
    for p in points:
        if p["at"] <= instant:
            answer = p["effective_sale_price"]
    return answer


@settings(max_examples=200, deadline=None)
@given(events, st.integers(min_value=0, max_value=30 * 24))
def test_the_history_with_window_edges_agrees_with_the_events_at_any_time(history, now_hours):
    rows = rows_of(history)
    now = START + timedelta(hours=now_hours)
    points = with_window_points(rows, now)
    assert [p for p in points if p["window"] is None] == rows
    assert all(p["at"] <= now for p in points if p["window"])
    for hour in range(0, 30 * 24, 2):  # every Budapest midnight falls between two of these
        instant = START + timedelta(hours=hour, minutes=30)
        if instant < rows[0]["at"] or instant > now:
            continue
        state = [r for r in rows if r["at"] <= instant][-1]["sale_prices"]
        assert told_by(points, instant) == effective(state, instant), instant
    # An edge is a point only where the effective sale price changed.
    assert all(p["effective_sale_price"] != before["effective_sale_price"]
               for before, p in zip(points, points[1:]) if p["window"])


def test_an_edge_names_the_window_that_began_else_the_one_that_ended_with_who_set_it():
    shop = {"price": "700.00", "valid_from": "2026-03-25", "valid_to": "2026-03-30", "source": "shop"}
    kulcs = {"price": "900.00", "valid_from": "2026-03-20", "valid_to": None, "source": "kulcs"}
    rows = rows_of([(0, {"10": kulcs}), (60, {"10": kulcs, "5": shop})])
    points = with_window_points(rows, START + timedelta(days=30))
    assert [(p["effective_sale_price"], p["window"] and p["window"]["edge"], p["sync_id"]) for p in points] == [
        (Decimal("900.00"), None, "sync-1"), (Decimal("900.00"), None, "sync-2"),
        (Decimal("700.00"), "start", "sync-2"), (Decimal("900.00"), "end", "sync-2")]
    # Budapest midnights: 25 March in winter time (UTC+1), 31 March in summer time (UTC+2).
    assert [p["at"] for p in points[2:]] == [datetime(2026, 3, 24, 23, tzinfo=timezone.utc),
                                             datetime(2026, 3, 30, 22, tzinfo=timezone.utc)]
    assert points[2]["event_position"] == points[3]["event_position"] == 2
