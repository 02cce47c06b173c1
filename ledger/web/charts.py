"""SVG chart geometry, pure: values over time as step lines (a price holds until it changes), one point
per recorded change, "nice" value ticks and calendar-aligned time ticks in Europe/Budapest. The
templates only draw what this computes."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from ledger.domain.values import BUDAPEST

WIDTH, HEIGHT = 760, 280
LEFT, RIGHT, TOP, BOTTOM = 78, 30, 38, 40


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: Decimal
    at: datetime
    sync_id: str | None
    source: str
    position: int | None


@dataclass(frozen=True)
class Series:
    name: str
    points: tuple[Point, ...]
    path: str  # SVG path data of the step line; "" when nothing to draw


@dataclass(frozen=True)
class Tick:
    pos: float
    value: object  # Decimal for the value axis, datetime for the time axis
    label: str = ""


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: float
    right: float  # x of the plot's right edge
    top: float
    bottom: float  # y of the plot's bottom edge (the time axis)
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    series: tuple[Series, ...]

    @property
    def empty(self) -> bool:
        return not any(s.points for s in self.series)

    def named(self, name: str) -> Series:
        return next(s for s in self.series if s.name == name)


def decimal_or_none(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def instant(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def nice_step(span: Decimal, count: int) -> Decimal:
    """A step of 1, 2, 2.5 or 5 times a power of ten giving about `count` intervals over `span`."""
    raw = span / count
    exponent = math.floor(math.log10(raw))
    magnitude = Decimal(10) ** exponent
    for factor in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude  # pragma: no cover - the loop always returns


def value_ticks(low: Decimal, high: Decimal, count: int = 5) -> tuple[Decimal, Decimal, list[Decimal]]:
    """The axis range widened to whole steps, and the tick values from bottom to top."""
    if high < low:
        low, high = high, low
    if high == low:
        pad = max(abs(high) / 10, Decimal(1))
        non_negative = low >= 0
        low, high = low - pad, high + pad
        if non_negative and low < 0:  # a flat line at or above zero: the axis stays non-negative
            low = Decimal(0)
    step = nice_step(high - low, count)
    start = (low / step).to_integral_value(rounding="ROUND_FLOOR") * step
    end = (high / step).to_integral_value(rounding="ROUND_CEILING") * step
    if end == start:
        end = start + step
    ticks, value = [], start
    while value <= end:
        ticks.append(value.normalize() + 0)
        value += step
    return start, end, ticks


_FIXED_STEPS = [timedelta(seconds=s) for s in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600,
                                               7200, 10800, 21600, 43200)]
_DAY_STEPS = (1, 2, 3, 7, 14)
_MONTH_STEPS = (1, 2, 3, 6, 12, 24, 60)


def time_ticks(start: datetime, end: datetime, count: int = 6) -> list[datetime]:
    """Round local times (Europe/Budapest) between start and end, about `count` of them."""
    span = end - start
    wanted = span / (count + 1)
    local_start = start.astimezone(BUDAPEST)
    for step in _FIXED_STEPS:
        if step >= wanted:
            step_us = step // timedelta(microseconds=1)
            midnight = local_start.replace(hour=0, minute=0, second=0, microsecond=0)
            offset = -(-((local_start - midnight) // timedelta(microseconds=1)) // step_us) * step_us
            tick = midnight + timedelta(microseconds=offset)
            return _collect(tick, end, lambda t: t + step)
    for days in _DAY_STEPS:
        if timedelta(days=days) >= wanted:
            tick = local_start.replace(hour=0, minute=0, second=0, microsecond=0)
            if days == 7:
                tick -= timedelta(days=tick.weekday())
            if tick < local_start:
                tick = _day_after(tick, days)
            return _collect(tick, end, lambda t: _day_after(t, days))
    months = next((m for m in _MONTH_STEPS if timedelta(days=30 * m) >= wanted), _MONTH_STEPS[-1])
    tick = local_start.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    while tick < local_start or (tick.month - 1) % months:
        tick = _months_after(tick, 1)
    return _collect(tick, end, lambda t: _months_after(t, months))


def _collect(first: datetime, end: datetime, advance) -> list[datetime]:
    ticks, tick = [], first
    while tick <= end and len(ticks) < 40:
        ticks.append(tick)
        tick = advance(tick)
    return ticks


def _day_after(tick: datetime, days: int) -> datetime:
    """Local midnight `days` later (a wall-clock step, so daylight saving does not shift it)."""
    day = tick.date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, tzinfo=BUDAPEST)


def _months_after(tick: datetime, months: int) -> datetime:
    month = tick.month - 1 + months
    return datetime(tick.year + month // 12, month % 12 + 1, 1, tzinfo=BUDAPEST)


def time_labels(ticks: list[datetime], start: datetime, end: datetime) -> list[str]:
    """Budapest wall-clock labels, as precise as the ticks need (milliseconds for sub-second steps)."""
    local = [t.astimezone(BUDAPEST) for t in ticks]
    if any(t.microsecond for t in local):
        return [t.strftime("%H:%M:%S.") + f"{t.microsecond // 1000:03d}" for t in local]
    return [t.strftime(time_label_format(start, end)) for t in local]


def time_label_format(start: datetime, end: datetime) -> str:
    span = end - start
    if span <= timedelta(minutes=15):
        return "%H:%M:%S"
    if span <= timedelta(days=1) and start.astimezone(BUDAPEST).date() == end.astimezone(BUDAPEST).date():
        return "%H:%M"
    if span <= timedelta(days=4):
        return "%m-%d %H:%M"
    if span <= timedelta(days=300):
        return "%m-%d"
    return "%Y-%m"


def step_chart(series: dict[str, list[tuple]], *, width: int = WIDTH, height: int = HEIGHT,
               zero_based: bool = False) -> Chart:
    """series: name -> [(at, value or None, sync_id, source, position)] in commit order. A None value
    is a gap (no point, the line breaks); every other entry becomes one point."""
    left, right, top, bottom = LEFT, width - RIGHT, TOP, height - BOTTOM
    entries = [(instant(e[0]), decimal_or_none(e[1]), *e[2:]) for rows in series.values() for e in rows]
    times = [e[0] for e in entries]
    values = [e[1] for e in entries if e[1] is not None]
    if not times:
        return Chart(width, height, left, right, top, bottom, (), (), tuple(
            Series(name, (), "") for name in series))
    first, last = min(times), max(times)
    if last == first:
        first, last = first - timedelta(hours=12), last + timedelta(hours=12)
    else:
        pad = (last - first) * 0.04
        first, last = first - pad, last + pad
    low = min(values) if values else Decimal(0)
    high = max(values) if values else Decimal(1)
    if zero_based and low > 0:
        low = Decimal(0)
    y_low, y_high, y_values = value_ticks(low, high)
    span_seconds = (last - first).total_seconds()

    def x_of(at: datetime) -> float:
        return round(left + (at - first).total_seconds() / span_seconds * (right - left), 2)

    def y_of(value: Decimal) -> float:
        return round(bottom - float((value - y_low) / (y_high - y_low)) * (bottom - top), 2)

    drawn = []
    for name, rows in series.items():
        points, path = [], []
        previous_y, took_effect = None, None
        for at, value, sync_id, source, position in ((instant(r[0]), decimal_or_none(r[1]), *r[2:5])
                                                     for r in rows):
            # Rows come in commit order: one stamped before the row ahead of it took effect with that
            # one, as the product as of any moment shows it (the line never steps back in time).
            took_effect = at if took_effect is None else max(took_effect, at)
            x = x_of(took_effect)
            if previous_y is not None:
                path.append(f"H{x}")
            if value is None:
                previous_y = None
                continue
            y = y_of(value)
            path.append(f"V{y}" if previous_y is not None else f"M{x} {y}")
            previous_y = y
            points.append(Point(x, y, value, at, None if sync_id is None else str(sync_id), source, position))
        if previous_y is not None:
            path.append(f"H{right}")
        drawn.append(Series(name, tuple(points), " ".join(path)))
    ticks = time_ticks(first, last)
    x_ticks = tuple(Tick(x_of(t), t, label) for t, label in zip(ticks, time_labels(ticks, first, last)))
    y_ticks = tuple(Tick(y_of(v), v) for v in y_values)
    return Chart(width, height, left, right, top, bottom, x_ticks, y_ticks, tuple(drawn))


def _row(entry: dict, value) -> tuple:
    return (entry["at"], value, entry.get("sync_id"), entry.get("source", ""), entry.get("event_position"))


def price_chart(price_history: list[dict], **size) -> Chart:
    """Base price and effective sale price: one point per price-history entry (where it has a value);
    where a sale price's window began or ended, only the sale price changed."""
    return step_chart({
        "base": [_row(e, e["base_price"]) for e in price_history if not e.get("window")],
        "sale": [_row(e, e["effective_sale_price"]) for e in price_history],
    }, **size)


def stock_chart(field_history: list[dict], **size) -> Chart:
    """Stock (stock1) over time: one point per recorded change of the field."""
    return step_chart({"stock": [_row(e, e["new"]) for e in field_history if e["field"] == "stock1"]},
                      zero_based=True, **size)
