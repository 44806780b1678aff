"""The gate that orders requests by urgency (bot/sending/gate.py), with time given by the test,
and the python-telegram-bot rate limiter that drives it (bot/sending/limiter.py) with a clock
the test moves."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from bot.sending.failures import SendingStopped
from bot.sending.gate import Gate, Ticket, Urgency
from bot.sending.limiter import (
    BULK,
    DEFAULT_PRIORITY,
    Priority,
    PriorityLimiter,
    cosmetic,
    message_key,
)


def drain(gate: Gate, start: float, until: float) -> list[tuple[float, Ticket]]:
    """Every grant from ``start`` to ``until``, asking again as soon as the gate says."""
    now, granted = start, []
    while now <= until:
        ticket, wait = gate.next_grant(now)
        if ticket is not None:
            granted.append((now, ticket))
            continue
        if wait is None:
            break
        now += wait
    return granted


def test_urgent_requests_go_before_reminders_queued_earlier() -> None:
    gate = Gate(rate=10)
    reminders = [Ticket(Urgency.BULK, chat) for chat in range(100, 120)]
    for ticket in reminders:
        gate.add(ticket)
    assert gate.next_grant(0.0)[0] is reminders[0]
    prompt = Ticket(Urgency.URGENT, 7)
    gate.add(prompt)
    ticket, wait = gate.next_grant(0.0)
    assert ticket is None and wait == 0.1  # the pace: 10 a second
    assert gate.next_grant(0.1)[0] is prompt
    assert gate.next_grant(0.2)[0] is reminders[1]


def test_the_pace_is_kept_and_reminders_take_all_of_it() -> None:
    gate = Gate(rate=29)
    for chat in range(1000):
        gate.add(Ticket(Urgency.BULK, chat))
    granted = drain(gate, 0.0, 10.0)
    times = [at for at, _ in granted]
    assert all(b - a >= 1 / 29 - 1e-9 for a, b in itertools.pairwise(times))
    assert 10 * 29 <= len(granted) <= 10 * 29 + 1  # every slot used


def test_one_busy_chat_does_not_hold_up_the_others() -> None:
    gate = Gate(rate=100, chat_rate=1, chat_burst=2)
    busy = [Ticket(Urgency.URGENT, 1) for _ in range(5)]
    for ticket in busy:
        gate.add(ticket)
    other = Ticket(Urgency.URGENT, 2)
    gate.add(other)
    order = [ticket for _, ticket in drain(gate, 0.0, 0.5)]
    assert order == [busy[0], busy[1], other]  # the busy chat's third waits for its bucket
    later = [(at, ticket) for at, ticket in drain(gate, 0.5, 5.0)]
    assert [ticket for _, ticket in later] == busy[2:]
    assert [round(at, 2) for at, _ in later] == [1.0, 2.0, 3.0]  # one a second, on average


def test_only_the_latest_cosmetic_update_of_a_message_is_sent() -> None:
    gate = Gate(rate=10)
    first = Ticket(Urgency.COSMETIC, 3, key=("message", 3, 41))
    other_message = Ticket(Urgency.COSMETIC, 3, key=("message", 3, 42))
    assert gate.add(first) is None and gate.add(other_message) is None
    newer = Ticket(Urgency.COSMETIC, 3, key=("message", 3, 41))
    assert gate.add(newer) is first and first.dropped
    reminder = Ticket(Urgency.BULK, 4)
    gate.add(reminder)
    assert [ticket for _, ticket in drain(gate, 0.0, 1.0)] == [reminder, other_message, newer]


def test_a_hold_lets_nothing_through_until_it_ends() -> None:
    gate = Gate(rate=10)
    gate.add(Ticket(Urgency.URGENT, 1))
    gate.hold(0.0, 3.0)
    assert gate.next_grant(1.0) == (None, 2.0)
    assert gate.next_grant(3.0)[0] is not None


class HeldClock:
    """Stands still at 0 until ``release``, then runs with real time from 1 s: the requests
    queue up while it stands, and only their order is looked at."""

    def __init__(self) -> None:
        self.released_at: float | None = None

    def release(self) -> None:
        self.released_at = time.monotonic()

    def __call__(self) -> float:
        if self.released_at is None:
            return 0.0
        return 1.0 + time.monotonic() - self.released_at


async def test_the_limiter_calls_in_the_gates_order_and_skips_replaced_updates() -> None:
    clock = HeldClock()
    limiter = PriorityLimiter(Gate(rate=1000, chat_burst=100), clock=clock)
    await limiter.initialize()
    sent: list[str] = []

    def request(name: str, chat_id: int, priority: Priority | None) -> asyncio.Task[object]:
        async def call() -> bool:
            sent.append(name)
            return True
        return asyncio.create_task(limiter.process_request(
            call, (), {}, "sendMessage", {"chat_id": chat_id}, priority))

    try:
        limiter.gate.hold(0.0, 1.0)  # nothing goes until the test moves the clock
        tasks = [request(f"reminder {n}", 100 + n, BULK) for n in range(3)]
        tasks.append(request("countdown 15", 5, cosmetic(5, 9)))
        tasks.append(request("prompt", 5, None))
        tasks.append(request("countdown 10", 5, cosmetic(5, 9)))
        await asyncio.sleep(0)  # every request is at the gate
        answered = await limiter.process_request(
            _never_called, (), {}, "answerCallbackQuery", {}, None)
        assert answered is True and sent == []  # not counted: it did not wait
        clock.release()
        limiter.wake()
        results = await asyncio.gather(*tasks)
    finally:
        await limiter.shutdown()
    assert sent == ["prompt", "reminder 0", "reminder 1", "reminder 2", "countdown 10"]
    assert all(result is True for result in results)  # the replaced countdown sent nothing


async def _never_called() -> bool:
    return True


def test_a_prompts_edit_drops_the_countdown_of_its_message_still_waiting() -> None:
    gate = Gate(rate=10)
    countdown = Ticket(Urgency.COSMETIC, 3, key=("message", 3, 41))
    gate.add(countdown)
    prompt = Ticket(Urgency.URGENT, 3, key=("message", 3, 41))
    assert gate.add(prompt) is countdown and countdown.dropped
    assert [ticket for _, ticket in drain(gate, 0.0, 1.0)] == [prompt]  # no stale countdown


async def test_a_waiting_update_given_up_returns_at_once_unsent() -> None:
    """What the workout's next step does to the status update still waiting before it."""
    clock = HeldClock()
    limiter = PriorityLimiter(Gate(rate=1000, chat_burst=100), clock=clock)
    await limiter.initialize()
    sent: list[str] = []

    async def call() -> bool:
        sent.append("countdown")
        return True

    try:
        limiter.gate.hold(0.0, 1.0)
        update = asyncio.create_task(limiter.process_request(
            call, (), {}, "editMessageText", {"chat_id": 5}, cosmetic(5, 9)))
        await asyncio.sleep(0)
        limiter.drop(message_key(5, 8))  # another message's: this one still waits
        await asyncio.sleep(0)
        assert not update.done()
        limiter.drop(message_key(5, 9))
        assert await asyncio.wait_for(update, 1) is True
        assert sent == [] and limiter.gate.waiting == 0
    finally:
        await limiter.shutdown()


async def test_once_closed_the_limiter_fails_what_waits_and_everything_after() -> None:
    clock = HeldClock()
    limiter = PriorityLimiter(Gate(rate=1000, chat_burst=100), clock=clock)
    await limiter.initialize()
    sent: list[str] = []

    async def call() -> bool:
        sent.append("message")
        return True

    try:
        limiter.gate.hold(0.0, 1.0)
        waiting = [asyncio.create_task(limiter.process_request(
            call, (), {}, "sendMessage", {"chat_id": n}, priority))
            for n, priority in enumerate((None, BULK, cosmetic(3, 4)))]
        await asyncio.sleep(0)
        limiter.close()
        for task in waiting:
            with pytest.raises(SendingStopped):
                await asyncio.wait_for(task, 1)
        with pytest.raises(SendingStopped):
            await limiter.process_request(call, (), {}, "sendMessage", {"chat_id": 1}, None)
        assert sent == [] and limiter.gate.waiting == 0
        # What Telegram does not count (answering a press) is not held back.
        assert await limiter.process_request(
            _never_called, (), {}, "answerCallbackQuery", {}, None) is True
    finally:
        await limiter.shutdown()


async def test_code_can_name_the_urgency_of_everything_it_sends() -> None:
    clock = HeldClock()
    limiter = PriorityLimiter(Gate(rate=1000, chat_burst=100), clock=clock)
    await limiter.initialize()
    sent: list[str] = []

    def request(name: str, chat_id: int) -> asyncio.Task[object]:
        async def call() -> bool:
            sent.append(name)
            return True
        return asyncio.create_task(limiter.process_request(
            call, (), {}, "sendMessage", {"chat_id": chat_id}, None))

    async def offer_again() -> asyncio.Task[object]:
        DEFAULT_PRIORITY.set(BULK)  # in this task's own context only
        return request("offered again", 1)

    try:
        limiter.gate.hold(0.0, 1.0)
        later = await asyncio.create_task(offer_again())
        now = request("reply", 2)
        await asyncio.sleep(0)
        clock.release()
        limiter.wake()
        await asyncio.wait_for(asyncio.gather(later, now), 1)
    finally:
        await limiter.shutdown()
    assert sent == ["reply", "offered again"]
