"""Canonical text forms of money and quantities, so equal values compare equal as strings."""
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

_CENT = Decimal("0.01")


def money(value: Decimal) -> str:
    value = value.normalize() + Decimal(0)  # + 0 turns -0 into 0
    if value.as_tuple().exponent > -2:
        value = value.quantize(_CENT)
    return format(value, "f")


def quantity(value: Decimal) -> str:
    return format(value.normalize() + Decimal(0), "f")

BUDAPEST = ZoneInfo("Europe/Budapest")


def budapest_day(instant: datetime) -> date:
    """The calendar day in Hungary at that instant: what "today" and "yesterday" mean for sale prices."""
    return instant.astimezone(BUDAPEST).date()
