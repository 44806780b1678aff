"""python-telegram-bot's rate limiter, by urgency (``bot.sending.gate`` decides the order).

Every Bot API call that Telegram counts as a message (sending, editing, deleting, forwarding,
setting a reaction...) waits at the gate, a new message also for its chat's turn; the others
(answering a button press, getMe) go at once. A call names its urgency with
``rate_limit_args=Priority(...)`` (python-telegram-bot passes it through every bot method); a
call that names none takes ``DEFAULT_PRIORITY``: ``URGENT``, unless the code that sends has
set another for everything it sends (the workouts offered again after a restart are sent as
``BULK``, so that nobody's press waits behind them). One task lets the
waiting requests through at the gate's pace. A 429 closes the gate for retry_after and the
request is tried again, up to ``max_retries`` times; a cosmetic update that a newer one
replaced returns True at once, sending nothing.

``on_rate_limited``, if set, is called at every 429 (``bot.ops.metrics`` counts them).

``close`` (the bot is stopping) fails every waiting request and every later one with
``SendingStopped``: what waits for its turn behind a burst is never sent, so a stop does not
wait for the queue to drain.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Coroutine, Hashable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.sending.failures import SendingStopped, retry_after_seconds
from bot.sending.gate import Gate, Ticket, Urgency

# The methods whose calls Telegram counts towards its limits: the ones that change a chat.
UNCOUNTED = frozenset({
    "answerCallbackQuery", "answerInlineQuery", "getMe", "getUpdates", "getFile", "getChat",
    "getMyCommands", "setMyCommands", "deleteMyCommands", "setWebhook", "deleteWebhook",
    "getWebhookInfo", "close", "logOut", "sendChatAction",
})

Result = bool | dict[str, Any] | list[dict[str, Any]]


@dataclass(frozen=True)
class Priority:
    urgency: Urgency = Urgency.URGENT
    # For COSMETIC: what a newer update replaces (a countdown's message, say).
    key: Hashable | None = None
    # How often to try again after a 429; None: the limiter's own number.
    retries: int | None = None


URGENT = Priority()
BULK = Priority(Urgency.BULK)
# The urgency of a call that names none, for the code running in this context.
DEFAULT_PRIORITY: ContextVar[Priority] = ContextVar("default_priority", default=URGENT)


def cosmetic(chat_id: int, message_id: int | None) -> Priority:
    """An update of a message that a newer one may replace (a countdown)."""
    return Priority(Urgency.COSMETIC, message_key(chat_id, message_id))


def urgent_edit(chat_id: int, message_id: int | None) -> Priority:
    """An edit a person waits for; it replaces a cosmetic update of the message still waiting."""
    return Priority(Urgency.URGENT, message_key(chat_id, message_id))


def message_key(chat_id: int, message_id: int | None) -> Hashable:
    return ("message", chat_id, message_id)


class PriorityLimiter(BaseRateLimiter[Priority]):
    def __init__(self, gate: Gate | None = None, *, max_retries: int = 3,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.gate = gate or Gate()
        self.max_retries = max_retries
        self._clock = clock
        self._waiters: dict[Ticket, asyncio.Future[bool]] = {}
        self._added: asyncio.Event | None = None
        self._runner: asyncio.Task[None] | None = None
        self.closed = False
        # Told of every 429, for the operator's figures; None: nobody is listening.
        self.on_rate_limited: Callable[[], None] | None = None

    async def initialize(self) -> None:
        if self._runner is None:
            self._added = asyncio.Event()
            self._runner = asyncio.create_task(self._run(), name="priority-limiter")

    async def shutdown(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner
        for future in self._waiters.values():
            future.cancel()
        self._waiters.clear()

    def close(self) -> None:
        """Send nothing more: the waiting requests and every later one fail at once."""
        self.closed = True
        self.gate.clear()
        for future in self._waiters.values():
            if not future.done():
                future.set_exception(SendingStopped())
        self._waiters.clear()

    async def process_request(
        self, callback: Callable[..., Coroutine[Any, Any, Result]], args: Any,
        kwargs: dict[str, Any], endpoint: str, data: dict[str, Any],
        rate_limit_args: Priority | None,
    ) -> Result:
        if endpoint in UNCOUNTED:
            return await callback(*args, **kwargs)
        priority = (rate_limit_args if isinstance(rate_limit_args, Priority)
                    else DEFAULT_PRIORITY.get())
        # Telegram's limit per chat is on new messages; edits keep to the overall pace only.
        chat_id = data.get("chat_id") if endpoint.startswith(("send", "copy", "forward")) else None
        retries = self.max_retries if priority.retries is None else priority.retries
        for attempt in range(retries + 1):
            if not await self.wait_turn(priority, chat_id if isinstance(chat_id, int) else None):
                return True  # replaced by a newer update of the same thing
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                if self.on_rate_limited is not None:
                    self.on_rate_limited()
                if attempt == retries:
                    raise
                self.gate.hold(self._clock(), retry_after_seconds(error))
                self.wake()
        raise AssertionError("unreachable")

    async def wait_turn(self, priority: Priority, chat_id: int | None) -> bool:
        """Wait at the gate; False if a newer cosmetic update took this one's place."""
        if self.closed:
            raise SendingStopped()
        await self.initialize()
        ticket = Ticket(priority.urgency, chat_id, priority.key)
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiters[ticket] = future
        self._replaced(self.gate.add(ticket))
        self.wake()
        try:
            return await future
        except asyncio.CancelledError:
            self.gate.withdraw(ticket)
            self._waiters.pop(ticket, None)
            raise

    def drop(self, key: Hashable) -> None:
        """Give up the cosmetic update of ``key`` still waiting: its caller returns at once."""
        self._replaced(self.gate.drop(key))

    def _replaced(self, ticket: Ticket | None) -> None:
        waiter = self._waiters.pop(ticket, None) if ticket is not None else None
        if waiter is not None and not waiter.done():
            waiter.set_result(False)

    def wake(self) -> None:
        """Look at the gate again now (a request came, or the time moved)."""
        if self._added is not None:
            self._added.set()

    async def _run(self) -> None:
        assert self._added is not None
        while True:
            ticket, wait = self.gate.next_grant(self._clock())
            if ticket is not None:
                future = self._waiters.pop(ticket, None)
                if future is not None and not future.done():
                    future.set_result(True)
                continue
            self._added.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._added.wait(), wait)


class Unlimited(BaseRateLimiter[Priority]):
    """Every call at once: for measuring what the bot costs without Telegram's limits."""

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def process_request(
        self, callback: Callable[..., Coroutine[Any, Any, Result]], args: Any,
        kwargs: dict[str, Any], endpoint: str, data: dict[str, Any],
        rate_limit_args: Priority | None,
    ) -> Result:
        return await callback(*args, **kwargs)
