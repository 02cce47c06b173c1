"""FailureCounter: an attempt counts against the limit from the moment it is let through, so a burst of
guesses sent at once gets no more verified than one sent in turn; and the key an address is counted
under (an IPv6 client owns its whole /64)."""
from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import pytest

from ledger.http.throttle import FailureCounter, throttling_key

KEY = "198.51.100.1"
# Only a guard against a hang (a leaked slot would hold the next attempt back forever), never a measure.
HANG = 5.0


async def held(stack: AsyncExitStack, counter: FailureCounter, n: int) -> list:
    return [await stack.enter_async_context(counter.attempt(KEY)) for _ in range(n)]


async def still_waiting(task: asyncio.Task) -> bool:
    for _ in range(10):  # let it run as far as it can
        await asyncio.sleep(0)
    return not task.done()


async def enter_and_leave(counter: FailureCounter):
    async with counter.attempt(KEY) as attempt:
        return attempt.retry_after


async def test_attempts_being_verified_hold_back_the_next_until_one_ends():
    counter = FailureCounter(limit=3)
    async with AsyncExitStack() as stack:
        attempts = await held(stack, counter, 3)
        assert [a.retry_after for a in attempts] == [None] * 3
        waiting = asyncio.create_task(enter_and_leave(counter))
        assert await still_waiting(waiting), "a fourth attempt is let through while three are being verified"
        for attempt in attempts:
            attempt.failed()
        assert await asyncio.wait_for(waiting, HANG) > 0, "three failures: the fourth is refused"


async def test_a_success_frees_its_slot_for_a_waiting_attempt():
    counter = FailureCounter(limit=2)
    async with AsyncExitStack() as stack:
        attempts = await held(stack, counter, 2)
        attempts[0].failed()
        waiting = asyncio.create_task(enter_and_leave(counter))
        async with counter.attempt("another address") as other:
            assert other.retry_after is None, "other keys are not held back"
        assert await still_waiting(waiting)
    assert await asyncio.wait_for(waiting, HANG) is None, "the second attempt succeeded: the waiting one goes on"


async def test_successes_do_not_count_as_failures():
    counter = FailureCounter(limit=2)
    for _ in range(10):
        assert await asyncio.wait_for(enter_and_leave(counter), HANG) is None
    async with counter.attempt(KEY) as attempt:
        attempt.failed()
    assert await asyncio.wait_for(enter_and_leave(counter), HANG) is None


@pytest.mark.parametrize("ending", [RuntimeError("the database went away"), asyncio.CancelledError()])
async def test_an_attempt_whose_verification_raises_gives_its_slot_back_and_counts_no_failure(ending):
    counter = FailureCounter(limit=1)
    for _ in range(3):
        with pytest.raises(type(ending)):
            async with counter.attempt(KEY):
                raise ending
    assert await asyncio.wait_for(enter_and_leave(counter), HANG) is None


async def test_failing_counts_once_and_answers_a_delay_that_grows():
    counter = FailureCounter(limit=5)
    delays = []
    for _ in range(3):
        async with counter.attempt(KEY) as attempt:
            delays.append(attempt.failed())
            attempt.failed()  # settled already: not a second failure
    assert 0 < delays[0] < delays[1] < delays[2]
    async with AsyncExitStack() as stack:
        assert [a.retry_after for a in await held(stack, counter, 2)] == [None, None], "three failures, not six"


@pytest.mark.parametrize("address, key", [
    ("198.51.100.7", "198.51.100.7"),
    ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
    ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
    ("2001:DB8:1:2:0:0:0:1", "2001:db8:1:2::/64"),
    ("::ffff:198.51.100.7", "198.51.100.7"),
    ("::1", "::/64"),
    ("?", "?"),
    ("not-an-address", "not-an-address"),
])
def test_throttling_key_counts_ipv6_per_64_and_ipv4_per_address(address, key):
    assert throttling_key(address) == key


def test_ipv6_addresses_of_neighbouring_64s_are_counted_apart():
    assert throttling_key("2001:db8:1:2::1") != throttling_key("2001:db8:1:3::1")


async def verify_a_moment(counter: FailureCounter):
    async with counter.attempt(KEY) as attempt:
        await asyncio.sleep(0)  # a database lookup
        return attempt.retry_after


async def test_a_freed_slot_wakes_the_next_waiter_not_every_one():
    """Many right credentials at once from one key (Kulcs's parallel pushes, every client behind one
    proxy) wait in turn: waking them all at each freed slot cost the event loop seconds for a few
    thousand, stalling every other request."""
    counter, looks = FailureCounter(limit=1), 0
    recent = counter._recent

    def counted(key):
        nonlocal looks
        looks += 1
        return recent(key)

    counter._recent = counted
    waiting = 200
    async with AsyncExitStack() as stack:
        await held(stack, counter, 1)
        tasks = [asyncio.create_task(verify_a_moment(counter)) for _ in range(waiting)]
        for _ in range(5):
            await asyncio.sleep(0)
    assert await asyncio.wait_for(asyncio.gather(*tasks), HANG) == [None] * waiting
    assert looks < 5 * waiting, f"{looks} looks at the count for {waiting} waiters"


async def test_a_waiter_cancelled_as_its_turn_comes_passes_the_turn_on():
    counter = FailureCounter(limit=1)
    async with AsyncExitStack() as stack:
        await held(stack, counter, 1)
        first = asyncio.create_task(enter_and_leave(counter))
        second = asyncio.create_task(enter_and_leave(counter))
        assert await still_waiting(first) and await still_waiting(second)
    first.cancel()  # woken by the slot just freed, cancelled before it could take it
    assert await asyncio.wait_for(second, HANG) is None
    assert first.cancelled()


async def test_waiters_refused_once_the_limit_is_failed_are_all_answered():
    counter = FailureCounter(limit=2)
    async with AsyncExitStack() as stack:
        attempts = await held(stack, counter, 2)
        tasks = [asyncio.create_task(enter_and_leave(counter)) for _ in range(20)]
        for _ in range(5):
            await asyncio.sleep(0)
        for attempt in attempts:
            attempt.failed()
        answers = await asyncio.wait_for(asyncio.gather(*tasks), HANG)
    assert all(answer and answer > 0 for answer in answers)


async def test_slots_freed_by_failures_expiring_are_all_used_by_the_waiters():
    counter = FailureCounter(limit=3, window=0.05)
    inside, leave = [], asyncio.Event()

    async def verify_until_told():
        async with counter.attempt(KEY) as attempt:
            inside.append(attempt.retry_after)
            await leave.wait()

    async with AsyncExitStack() as stack:
        attempts = await held(stack, counter, 3)
        tasks = [asyncio.create_task(verify_until_told()) for _ in range(3)]
        assert await still_waiting(tasks[0])
        attempts[0].failed()
        attempts[1].failed()
        await asyncio.sleep(0.1)  # both failures have left the window
    for _ in range(10):
        await asyncio.sleep(0)
    assert inside == [None] * 3, "three slots free: the three waiters are verified at once, not in turn"
    leave.set()
    await asyncio.wait_for(asyncio.gather(*tasks), HANG)
