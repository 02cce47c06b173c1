"""The source document's three sale-price rules, and the effective sale price."""
from datetime import date
from decimal import Decimal

from ledger.domain.sale_prices import effective_sale_price, kulcs_sale_price

TODAY = date(2026, 11, 28)


def running(price="8990.00", since="2026-11-01", until=None, source="kulcs"):
    return {"price": price, "valid_from": since, "valid_to": until, "source": source}


def test_new_sale_price_from_kulcs_is_priority_10_from_the_sync_day_without_end():
    assert kulcs_sale_price(None, Decimal("8990"), TODAY) == {
        "price": "8990.00", "valid_from": "2026-11-28", "valid_to": None, "source": "kulcs"}


def test_same_sale_price_while_running_changes_nothing():
    assert kulcs_sale_price(running(), Decimal("8990.00"), TODAY) is None


def test_other_sale_price_overwrites_priority_10_from_today():
    assert kulcs_sale_price(running(), Decimal("7990"), TODAY) == {
        "price": "7990.00", "valid_from": "2026-11-28", "valid_to": None, "source": "kulcs"}


def test_zero_sale_price_expires_priority_10_price_yesterday():
    assert kulcs_sale_price(running(), Decimal("0"), TODAY)["valid_to"] == "2026-11-27"


def test_zero_sale_price_keeps_the_price_and_start_of_the_ended_sale():
    ended = kulcs_sale_price(running(), Decimal("0"), TODAY)
    assert (ended["price"], ended["valid_from"]) == ("8990.00", "2026-11-01")


def test_zero_sale_price_without_a_priority_10_price_does_nothing():
    assert kulcs_sale_price(None, Decimal("0"), TODAY) is None


def test_zero_sale_price_on_an_already_ended_sale_does_nothing():
    assert kulcs_sale_price(running(until="2026-11-27"), Decimal("0"), TODAY) is None


def test_same_sale_price_after_it_ended_starts_it_again():
    restarted = kulcs_sale_price(running(until="2026-11-20"), Decimal("8990"), TODAY)
    assert restarted == {"price": "8990.00", "valid_from": "2026-11-28", "valid_to": None,
                         "source": "kulcs"}


def test_sale_price_ending_today_is_still_running():
    assert kulcs_sale_price(running(until="2026-11-28"), Decimal("8990"), TODAY) is None


def test_effective_sale_price_is_the_lowest_priority_number():
    prices = {"10": running("8990.00"), "5": running("9500.00", source="shop")}
    assert effective_sale_price(prices, TODAY) == (5, prices["5"])


def test_effective_sale_price_tie_goes_to_the_lower_price():
    prices = {"5": running("9500.00"), "05": running("9400.00")}
    assert effective_sale_price(prices, TODAY)[1]["price"] == "9400.00"


def test_ended_or_future_sale_prices_are_not_effective():
    prices = {"1": running("100.00", until="2026-11-27"), "2": running("200.00", since="2026-12-01"),
              "10": running("8990.00")}
    assert effective_sale_price(prices, TODAY)[0] == 10


def test_no_active_sale_price_means_no_effective_sale_price():
    assert effective_sale_price({"10": running(until="2026-11-27")}, TODAY) is None
