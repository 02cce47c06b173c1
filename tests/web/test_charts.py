"""The SVG geometry alone: one point per recorded change, inside the plot, ordered in time, higher
values higher up, nice value ticks, round Budapest time ticks."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.domain.values import BUDAPEST
from ledger.web import charts

START = datetime(2026, 3, 1, 7, 0, tzinfo=timezone.utc)


def entry(hours: float, base, sale=None, sync_id="s", source="kulcs", position=1) -> dict:
    return {"at": (START + timedelta(hours=hours)).isoformat(), "base_price": base,
            "effective_sale_price": sale, "sync_id": sync_id, "source": source, "event_position": position}


HISTORY = [entry(0, "10000.00", None, "a", position=3), entry(30, "11000.00", "9990.00", "b", position=6),
           entry(31, "11000.00", "8990.00", "c", position=7), entry(80, "12500.00", None, "d", position=9),
           entry(81, "12000.00", None, None, "shop", position=10)]


def inside(chart, point) -> bool:
    return chart.left <= point.x <= chart.right and chart.top <= point.y <= chart.bottom


def test_one_base_point_per_price_history_entry_in_order_with_its_sync():
    chart = charts.price_chart(HISTORY)
    base = chart.named("base").points
    assert len(base) == len(HISTORY)
    assert [p.sync_id for p in base] == ["a", "b", "c", "d", None]
    assert [p.position for p in base] == [3, 6, 7, 9, 10]
    assert [p.value for p in base] == [Decimal(e["base_price"]) for e in HISTORY]
    assert [p.x for p in base] == sorted(p.x for p in base) and len({p.x for p in base}) == len(base)
    assert all(inside(chart, p) for p in base)


def test_sale_points_only_where_a_sale_price_was_effective_and_the_line_breaks_between():
    chart = charts.price_chart(HISTORY)
    sale = chart.named("sale")
    assert [(p.sync_id, p.value) for p in sale.points] == [("b", Decimal("9990.00")), ("c", Decimal("8990.00"))]
    assert sale.path.count("M") == 1 and sale.path.endswith(f"H{chart.named('base').points[3].x}")
    assert charts.price_chart([entry(0, "5", "4"), entry(1, "5"), entry(2, "5", "3")]).named(
        "sale").path.count("M") == 2


def test_higher_values_are_drawn_higher_and_equal_values_level():
    base = charts.price_chart(HISTORY).named("base").points
    assert base[0].y > base[1].y > base[3].y  # 10000 < 11000 < 12500: smaller y is higher up
    assert base[1].y == base[2].y


def test_the_step_line_holds_each_value_until_the_next_change_then_to_the_right_edge():
    chart = charts.price_chart(HISTORY[:2])
    a, b = chart.named("base").points
    assert chart.named("base").path == f"M{a.x} {a.y} H{b.x} V{b.y} H{chart.right}"


def test_value_ticks_cover_every_value_with_round_steps():
    chart = charts.price_chart(HISTORY)
    values = [t.value for t in chart.y_ticks]
    assert values[0] <= Decimal("8990") and values[-1] >= Decimal("12500")
    steps = {b - a for a, b in zip(values, values[1:])}
    assert len(steps) == 1 and steps.pop() in {Decimal(v) for v in ("500", "1000", "2000", "2500")}
    assert [t.pos for t in chart.y_ticks] == sorted((t.pos for t in chart.y_ticks), reverse=True)
    assert chart.y_ticks[0].pos == chart.bottom and chart.y_ticks[-1].pos == chart.top


def test_a_single_change_is_one_point_in_the_middle():
    chart = charts.price_chart([entry(0, "4990.00", None, "only")])
    (point,) = chart.named("base").points
    assert point.sync_id == "only" and abs(point.x - (chart.left + chart.right) / 2) < 1
    assert inside(chart, point) and not chart.named("sale").points
    assert chart.named("base").path == f"M{point.x} {point.y} H{chart.right}"


def test_no_history_is_an_empty_chart():
    chart = charts.price_chart([])
    assert chart.empty and chart.named("base").points == () and chart.named("base").path == ""


def test_stock_chart_has_one_point_per_stock1_change_and_a_zero_based_axis():
    fields = [{"at": START.isoformat(), "field": "stock1", "old": None, "new": "5", "sync_id": "a",
               "source": "kulcs", "event_position": 1},
              {"at": START.isoformat(), "field": "base_price", "old": None, "new": "10.00", "sync_id": "a",
               "source": "kulcs", "event_position": 1},
              {"at": (START + timedelta(days=2)).isoformat(), "field": "stock1", "old": "5", "new": "12",
               "sync_id": "b", "source": "kulcs", "event_position": 2}]
    chart = charts.stock_chart(fields)
    assert [(p.sync_id, p.value) for p in chart.named("stock").points] == [("a", Decimal(5)), ("b", Decimal(12))]
    assert chart.y_ticks[0].value == 0


def test_time_ticks_are_round_budapest_times_inside_the_range():
    for span in (timedelta(seconds=3), timedelta(minutes=40), timedelta(hours=9), timedelta(days=6),
                 timedelta(days=45), timedelta(days=400)):
        ticks = charts.time_ticks(START, START + span)
        assert 2 <= len(ticks) <= 12, (span, ticks)
        assert all(START <= t <= START + span for t in ticks) and ticks == sorted(ticks)
        if span >= timedelta(days=1):
            assert all(t.astimezone(BUDAPEST).hour == 0 for t in ticks), span


def test_daily_ticks_stay_at_local_midnight_across_daylight_saving():
    ticks = charts.time_ticks(datetime(2026, 3, 25, tzinfo=timezone.utc), datetime(2026, 4, 2, tzinfo=timezone.utc))
    assert [t.astimezone(BUDAPEST).strftime("%H:%M") for t in ticks] == ["00:00"] * len(ticks)
    assert {t.utcoffset() for t in ticks} == {timedelta(hours=1), timedelta(hours=2)}


def test_time_labels_fit_the_span():
    chart = charts.price_chart([entry(0, "1"), entry(0.5, "2")])
    assert all(re.fullmatch(r"\d\d:\d\d", t.label) for t in chart.x_ticks)
    chart = charts.price_chart([entry(0, "1"), entry(24 * 20, "2")])
    assert all(re.fullmatch(r"\d\d-\d\d", t.label) for t in chart.x_ticks)


def test_a_flat_non_negative_series_keeps_a_non_negative_axis():
    low, high, ticks = charts.value_ticks(Decimal(0), Decimal(0))
    assert low == 0 and high > 0 and ticks[0] == 0
    low, high, _ = charts.value_ticks(Decimal(5), Decimal(5))
    assert low < 5 < high


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10**7), st.one_of(st.none(), st.decimals(0, 10**7, places=2)),
                          st.one_of(st.none(), st.decimals(0, 10**7, places=2))), min_size=1, max_size=40))
def test_any_history_gives_one_point_per_value_inside_the_plot(rows):
    rows.sort(key=lambda r: r[0])
    history = [entry(seconds / 3600, base, sale, f"s{i}", position=i)
               for i, (seconds, base, sale) in enumerate(rows)]
    chart = charts.price_chart(history)
    base, sale = chart.named("base").points, chart.named("sale").points
    assert [p.sync_id for p in base] == [e["sync_id"] for e in history if e["base_price"] is not None]
    assert [p.sync_id for p in sale] == [e["sync_id"] for e in history if e["effective_sale_price"] is not None]
    assert all(inside(chart, p) for p in base + sale)
    assert all(chart.top <= t.pos <= chart.bottom for t in chart.y_ticks)
    assert all(chart.left <= t.pos <= chart.right for t in chart.x_ticks)


def test_a_change_committed_after_a_later_stamped_one_is_drawn_when_it_took_effect():
    """History is in commit order, and a push is stamped when it arrived, so it can commit after a
    later-stamped shop price. As of any moment the product shows what was committed up to the first
    later-stamped change (the as_of rule), so the line must not step back in time: the late one is
    drawn at the stamp before it. Its point still names its own time."""
    history = [entry(0, "10000.00", position=1), entry(50, "11000.00", None, "shop", "shop", position=2),
               entry(40, "12000.00", None, "late", position=3), entry(60, "13000.00", position=4)]
    base = charts.price_chart(history).named("base")
    assert [p.x for p in base.points] == sorted(p.x for p in base.points)
    assert base.points[2].x == base.points[1].x
    assert base.points[2].at == charts.instant(history[2]["at"])
    xs = [float(step[1:].split()[0]) for step in base.path.split() if step[0] in "MH"]
    assert xs == sorted(xs)


def test_a_window_edge_is_a_sale_point_on_the_line_and_no_base_point():
    """Where a sale price's window began or ended only the effective sale price changed."""
    edge = {**entry(24, "5000.00", "4500.00", "shop-action", "shop", position=2),
            "window": {"priority": 5, "edge": "start", "valid_from": "2026-03-02", "valid_to": None}}
    chart = charts.price_chart([entry(0, "5000.00", None, "a", position=1), edge])
    assert [p.sync_id for p in chart.named("base").points] == ["a"]
    (sale,) = chart.named("sale").points
    assert sale.sync_id == "shop-action" and sale.value == Decimal("4500.00")
    assert sale.x > chart.named("base").points[0].x
