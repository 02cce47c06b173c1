"""Price history points where a sale price's validity window begins or ends.

A price_history row is the price state after an event, with the effective sale price on the event's
own (Budapest) day; a window that begins or ends on a later day changes the effective price then,
with no event. Those points are derived here, at read time, from the rows alone (each row keeps the
whole set of sale prices), because the projection cannot know "now": a window that ends next month is
not history yet, and a point written ahead for it would be wrong once a later event replaces the
window. So a rebuild reproduces them, and they appear by themselves once their day has come.
"""
from __future__ import annotations

from bisect import bisect_right
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from ledger.domain.sale_prices import effective_sale_price, window_edges
from ledger.domain.values import BUDAPEST


def with_window_points(points: list[dict], now: datetime) -> list[dict]:
    """`points`: one product's price_history rows in commit order ("at", "base_price",
    "effective_sale_price", "sale_prices", "sync_id", "source", "event_position"). Answers them with,
    after each, the points where the effective sale price changed at a window's edge before the next
    row took effect (after the last: up to `now`). Such a point names the sync or shop action that set
    that window, and says which edge it is in "window" (None on the rows themselves)."""
    answer = []
    set_by: dict[str, dict] = {}  # priority -> the row that last changed its sale price
    state, prices, instants, days, took_effect = None, {}, [], [], None
    for i, point in enumerate(points):
        if point["sale_prices"] != state:
            for priority, sale_price in point["sale_prices"].items():
                if state is None or state.get(priority) != sale_price:
                    set_by[priority] = point
            state = point["sale_prices"]
            prices = {p: sp for p, sp in state.items() if sp}
            instants, days = _edges(prices)
        answer.append(point)
        at = point["at"]
        if took_effect is None or at > took_effect:
            took_effect = at
        if not instants:
            continue
        # Edges after the row's own day, before the next row takes effect (rows take effect in commit
        # order at the latest stamp so far, as the chart draws them) and not after now.
        j = bisect_right(instants, at)
        if j == len(instants):
            continue
        until = now
        if i + 1 < len(points):
            following = points[i + 1]["at"]
            until = min(now, max(took_effect, following) - _TICK)
        current = point["effective_sale_price"]
        while j < len(instants) and instants[j] <= until:
            instant, day = instants[j], days[j]
            j += 1
            before = effective_sale_price(prices, day - _DAY)
            after = effective_sale_price(prices, day)
            price = None if after is None else Decimal(after[1]["price"])
            if price == current:
                continue
            current = price
            priority, edge = _cause(before, after, day)
            setter = set_by[priority]
            answer.append({
                "at": instant, "base_price": point["base_price"], "effective_sale_price": price,
                "sale_prices": state, "sync_id": setter["sync_id"], "source": setter["source"],
                "event_position": setter["event_position"],
                "window": {"priority": int(priority), "edge": edge,
                           "valid_from": prices[priority].get("valid_from"),
                           "valid_to": prices[priority].get("valid_to")}})
    return answer


# An edge at the very instant the next row takes effect is that row's: its price is of its own day.
_TICK = timedelta(microseconds=1)
_DAY = timedelta(days=1)


def _edges(prices: dict) -> tuple[list[datetime], list[date]]:
    """The instants (Budapest midnights, ascending) at which any of the sale prices starts or stops
    counting, and their days."""
    days = sorted({day for sale_price in prices.values() for day, _ in window_edges(sale_price)})
    return [datetime.combine(day, time(), BUDAPEST).astimezone(timezone.utc) for day in days], days


def _cause(before, after, day: date) -> tuple[str, str]:
    """The window whose edge on `day` changed the effective sale price: the one that began, else the
    one that ended."""
    if after is not None and (before is None or (day, "start") in window_edges(after[1])):
        return str(after[0]), "start"
    return str(before[0]), "end"
