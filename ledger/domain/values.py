"""Canonical text forms of money and quantities, so equal values compare equal as strings."""
import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

_CENT = Decimal("0.01")
# What XML 1.0 cannot carry (tab, line feed and carriage return it can): text sent on to Kulcs with one
# of these would arrive as U+FFFD, another text than the shop gave.
NOT_SENDABLE_TO_KULCS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# None of them belongs in a code that names something (a SKU, an order id).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


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
