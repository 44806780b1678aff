"""Sending reminders: one repeating job asks the database what is due and sends it, paced.

APScheduler does what it is good at, waking us every few seconds (``TICK_SECONDS``); the
database does the rest. Each tick starts a *drain* (unless one is still running) that claims
due reminders in small batches ordered by ``next_due_at`` (``bot.reminders.claim_due``, on the
``(active, next_due_at)`` index) and sends them through :class:`Pacer`. Memory holds at most one
batch plus the messages in flight, whatever the number of stored reminders.

Delivery is **at most once**. A claim moves the reminder to its next occurrence and commits
*before* the message is sent, so no crash, restart or second process can send it twice. The
price: if the process dies between that commit and Telegram's answer, what it had claimed
and not yet sent (at most one batch, ``CLAIM_BATCH``, and the messages in flight: under three
seconds of sending) is not sent that day. A missed nudge costs less than a doubled one, which
reads like spam and gets bots blocked; and nothing is lost in an orderly stop, because a
stopping bot puts back what it claimed but did not send. What a failed send means is
``bot.sending.failures``'s answer: only a failure that says the message did not get through (a
429, after waiting ``retry_after``; a 5xx; a connection that could not be made) puts it back for
another try. A request that was written and got no answer (a timeout, a connection reset before
the reply) may have been carried out, so it counts as sent and is never sent again.

A Bot API that stops answering (a timeout, a reset, a 5xx) is taken as an outage
(``bot.sending.outage``): from the first such failure the drain starts no message and claims
nothing, puts back what it claimed and had not sent, and asks ``getMe`` after 1, 2, 4, 8, 16 and
then every 30 seconds until the API answers. Then it goes on, one message alone first, and what
fell due meanwhile goes out under the usual catch-up rule (at most an hour late). The price: the
messages already in flight when the outage began, at most ``MAX_IN_FLIGHT`` (16) per process
(until the first failure is back no more are out, and after it none starts), may be lost,
however long the outage lasts; none is sent twice. Should sending fail while ``getMe``
answers, each resumption that fails costs at most its one message, one every 30 seconds at
most. Each request waits ``Settings.reminder_timeout`` seconds (5 by default) for its answer.
A tick that cannot reach the database logs one WARNING line and leaves the work to the next.

Rate: Telegram allows about 30 messages a second per bot. The bot's own limiter (bot/app.py,
bot/sending/gate.py) spaces every message evenly at 29 a second and lets what a person is
waiting for (a workout's hold prompt, the reply to a press) go before any reminder waiting
with it; reminders take everything else.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, fields
from enum import Enum
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from telegram import InlineKeyboardMarkup
from telegram.error import RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes

from bot import reminders
from bot.app import SERVICES_KEY, Services
from bot.db import driver_message
from bot.ops.metrics import Fate, metrics_of
from bot.reminders import Claim, Claimed
from bot.sending.failures import Failure, SendingStopped, classify, retry_after_seconds
from bot.sending.files import fits_caption, send_pictured
from bot.sending.gate import Urgency
from bot.sending.limiter import Priority
from bot.sending.outage import Outage

logger = logging.getLogger(__name__)

# Messages a second: all the bot's limiter allows, which lets urgent messages go first and
# gives reminders what they leave (bot/sending/gate.py).
REMINDER_RATE = 29.0
TICK_SECONDS = 5.0
CLAIM_BATCH = 50  # two seconds of sending: also the most a crash can cost
# Enough to keep 25 a second going at Telegram's usual 0.1-0.5 s a request; also the most an
# outage of the Bot API can cost.
MAX_IN_FLIGHT = 16
# Reminders wait at the bot's limiter behind what people are waiting for; after a 429 it waits
# retry_after and sends the same message once more.
REMINDER_PRIORITY = Priority(Urgency.BULK, retries=1)
STOP_CHECK = 0.25  # how soon a stopping bot is noticed while reminders wait out a 429
DISPATCHER_KEY = "reminder_dispatcher"
JOB_NAME = "reminders"


@dataclass(frozen=True)
class Composed:
    """A reminder as worded for its chat."""

    text: str
    markup: InlineKeyboardMarkup | None = None
    # An animation to send the text under, as its caption (bot.sending.files): only one drawn
    # already, so that no reminder waits for a picture; with a text too long for a caption,
    # the text goes alone, so that a reminder stays one message, sent at most once.
    picture: Path | None = None


Compose = Callable[[Claimed], Composed]

# The database is down, restarting, out of connections or locked: not a bug, and the next tick
# tries again.
DATABASE_TROUBLE = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout, OSError)


class Pacer:
    """A token bucket that holds a single token: permits come evenly spaced at ``rate`` a
    second. Telegram counts messages within each second, so a bucket that could save up a
    burst would let a busy second go over even when the average is well under."""

    def __init__(self, rate: float) -> None:
        self.interval = 1 / rate
        self._next = 0.0

    async def wait(self, keep_going: Callable[[], bool] = lambda: True) -> bool:
        """Wait for the next permit; False, with no permit used, once ``keep_going()`` turns
        false (checked at least every ``STOP_CHECK`` seconds through a long hold)."""
        loop = asyncio.get_running_loop()
        while (slot := max(self._next, loop.time())) - loop.time() > STOP_CHECK:
            if not keep_going():
                return False
            await asyncio.sleep(STOP_CHECK)
        if not keep_going():
            return False
        self._next = slot + self.interval
        await asyncio.sleep(max(0.0, slot - loop.time()))
        return True

    def hold(self, seconds: float) -> None:
        """Give no permit for ``seconds`` from now."""
        self._next = max(self._next, asyncio.get_running_loop().time() + seconds)


class Result(Enum):
    SENT = "sent"
    UNSURE = "unsure"  # written, then no answer: may have arrived, so it is not sent again
    BLOCKED = "blocked"  # 403, or the chat is gone: pause the chat's reminders
    AGAIN = "again"  # certainly not delivered (429, 5xx, no connection): put back
    FAILED = "failed"  # refused for another reason; logged, not retried


@dataclass
class Report:
    """What a drain did; the dispatcher also keeps a running total (``Dispatcher.total``)."""

    sent: int = 0
    unsure: int = 0
    skipped_late: int = 0
    skipped_not_allowed: int = 0
    skipped_done: int = 0  # workout reminders on a day whose workout is done
    paused: int = 0  # reminders switched off because their chat blocked the bot
    put_back: int = 0
    failed: int = 0

    def add(self, other: Report) -> None:
        for item in fields(self):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))


class Dispatcher:
    def __init__(
        self, application: Application, compose: Compose, *, rate: float = REMINDER_RATE,
        batch: int = CLAIM_BATCH, in_flight: int = MAX_IN_FLIGHT, timeout: float | None = None,
    ) -> None:
        services: Services = application.bot_data[SERVICES_KEY]
        self.application = application
        self.sessions = services.sessions
        self.clock = services.clock
        self.compose = compose
        self.file_ids = services.file_ids
        self.pacer = Pacer(rate)
        self.batch = batch
        self.timeout = services.settings.reminder_timeout if timeout is None else timeout
        self.outage = Outage(application.bot, timeout=self.timeout,
                             keep_going=lambda: self.application.running)
        self.total = Report()
        self.metrics = metrics_of(application)
        self._slots = asyncio.Semaphore(in_flight)
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[Report] | None = None

    def start(self, interval: float = TICK_SECONDS) -> None:
        """Tick every ``interval`` seconds, the first time as soon as the bot runs, so what fell
        due while it was down goes out (or is skipped) right after a restart."""
        job_queue = self.application.job_queue
        assert job_queue is not None, "install python-telegram-bot[job-queue]"
        # Jobs added before the scheduler runs are timed from when they were added: a repeating
        # job due "now" would slip to its second interval, so the first tick is a one-off that
        # runs however late the scheduler starts.
        job_queue.run_once(self.tick, when=0, name=JOB_NAME,
                           job_kwargs={"misfire_grace_time": None})
        job_queue.run_repeating(self.tick, interval=interval, first=interval, name=JOB_NAME)

    async def tick(self, context: ContextTypes.DEFAULT_TYPE | None = None) -> None:
        # The drain runs as its own task, so a long burst (or an outage waited out) never
        # overlaps the next tick, and the application waits for it (and its putting back) when
        # it stops.
        if self._task is None or self._task.done():
            self._task = self.application.create_task(self.drain(), name="reminder drain")

    async def drain(self) -> Report:
        """Send everything due now, batch by batch, until nothing is due or the bot stops;
        an outage of the Bot API on the way is waited out."""
        async with self._lock:
            report = Report()
            try:
                await self._drain(report)
            except DATABASE_TROUBLE as error:
                logger.warning("Reminders: cannot reach the database (%s); trying again at the "
                               "next tick", driver_message(error))
            finally:
                self.total.add(report)
            if report != Report():
                logger.info("Reminders: %s", report)
            return report

    async def _drain(self, report: Report) -> None:
        pending: set[asyncio.Task[None]] = set()
        outcomes: list[tuple[Claimed, Result]] = []
        try:
            while self.application.running:
                if self.outage.on:
                    await self._finish(pending, outcomes, report)
                    if not await self.outage.wait_out():
                        break
                claim = await reminders.claim_due(self.sessions, self.clock(), self.batch)
                self._count_skips(claim, report)
                if claim.empty:
                    if not pending:
                        break
                    # Sends still out may put reminders back: claim once more after them.
                    await self._finish(pending, outcomes, report)
                    continue
                unsent = list(reversed(claim.to_send))
                while unsent and await self._may_send(pending):
                    task = asyncio.create_task(self._send(unsent.pop(), outcomes))
                    pending.add(task)
                    task.add_done_callback(pending.discard)
                if unsent:  # the bot is stopping, or the Bot API stopped answering
                    report.put_back += await reminders.release(self.sessions, unsent)
                await self._settle(outcomes, report)
        finally:
            await self._finish(pending, outcomes, report)

    async def _may_send(self, pending: set[asyncio.Task[None]]) -> bool:
        """Wait for a free slot and the pacer's permit; False, holding neither, once the bot
        stops or the Bot API stops answering."""
        if self.outage.alone and pending:
            # The first message after an outage goes alone: if sending still fails, it is the
            # only one that can be lost.
            await asyncio.wait(pending)
        if not self._sending():
            return False
        await self._slots.acquire()
        if await self.pacer.wait(self._sending):
            return True
        self._slots.release()
        return False

    def _sending(self) -> bool:
        return self.application.running and not self.outage.on

    async def _finish(self, pending: set[asyncio.Task[None]],
                      outcomes: list[tuple[Claimed, Result]], report: Report) -> None:
        await asyncio.gather(*pending, return_exceptions=True)
        await self._settle(outcomes, report)

    def _count_skips(self, claim: Claim, report: Report) -> None:
        report.skipped_late += claim.skipped_late
        report.skipped_not_allowed += claim.skipped_not_allowed
        report.skipped_done += claim.skipped_done
        self.metrics.reminder(Fate.SKIPPED_LATE, claim.skipped_late)
        self.metrics.reminder(Fate.SKIPPED_NOT_ALLOWED, claim.skipped_not_allowed)
        self.metrics.reminder(Fate.SKIPPED_DONE, claim.skipped_done)

    async def _send(self, item: Claimed, outcomes: list[tuple[Claimed, Result]]) -> None:
        try:
            outcomes.append((item, await self._deliver(item)))
        except Exception:  # one broken message must not stop the others
            logger.exception("Reminder %s could not be composed or sent", item.reminder_id)
            self.metrics.reminder(Fate.BROKEN)
            outcomes.append((item, Result.FAILED))
        finally:
            # Released only now: an outage _deliver noticed is seen before another send starts.
            self._slots.release()

    async def _deliver(self, item: Claimed) -> Result:
        composed = self.compose(item)
        picture = composed.picture if fits_caption(composed.text) else None
        try:
            await send_pictured(
                self.application.bot, item.chat_id, picture, composed.text, composed.markup,
                file_ids=self.file_ids, rate_limit_args=REMINDER_PRIORITY,
                read_timeout=self.timeout, write_timeout=self.timeout,
                connect_timeout=self.timeout,
            )
        except TelegramError as error:
            return self._failed(item, error, classify(error))
        self.outage.answered()
        self.metrics.reminder(Fate.SENT)
        return Result.SENT

    def _failed(self, item: Claimed, error: TelegramError, failure: Failure) -> Result:
        if isinstance(error, SendingStopped):  # not an outage: the bot is stopping
            self.metrics.reminder(Fate.STOPPING)
            return Result.AGAIN
        if failure in (Failure.NOT_SENT, Failure.MAYBE_SENT):
            self.outage.failed(error)
            if failure is Failure.NOT_SENT:
                self.metrics.reminder(Fate.UNREACHABLE)
                return Result.AGAIN
            self.metrics.reminder(Fate.UNCONFIRMED)
            logger.info("Reminder %s got no answer (%s); it may have arrived, so it is not sent "
                        "again", item.reminder_id, error.message)
            return Result.UNSURE
        self.outage.answered()
        if isinstance(error, RetryAfter):
            # Still limited after the limiter's own wait and retry: pause all reminders.
            self.pacer.hold(retry_after_seconds(error))
            self.metrics.reminder(Fate.RATE_LIMITED)
            return Result.AGAIN
        if failure is Failure.BLOCKED:
            self.metrics.reminder(Fate.BLOCKED)
            return Result.BLOCKED
        logger.error("Reminder %s refused: %s", item.reminder_id, error.message)
        self.metrics.reminder(Fate.REFUSED)
        return Result.FAILED

    async def _settle(self, outcomes: list[tuple[Claimed, Result]], report: Report) -> None:
        """Record what the sends found: blocked chats paused, undelivered ones put back."""
        done = outcomes[:]
        outcomes.clear()
        counts = {result: sum(1 for _, r in done if r is result) for result in Result}
        report.sent += counts[Result.SENT]
        report.unsure += counts[Result.UNSURE]
        report.failed += counts[Result.FAILED]
        blocked = {item.chat_id for item, result in done if result is Result.BLOCKED}
        if blocked:
            async with self.sessions.begin() as session:
                report.paused += await reminders.pause_all(session, blocked)
            logger.info("Paused the reminders of %d chat(s) that blocked the bot", len(blocked))
        again = [item for item, result in done if result is Result.AGAIN]
        if again:
            report.put_back += await reminders.release(self.sessions, again)


def dispatcher_of(application: Application) -> Dispatcher:
    return application.bot_data[DISPATCHER_KEY]


def start_dispatcher(application: Application, compose: Compose, **options: Any) -> Dispatcher:
    dispatcher = Dispatcher(application, compose, **options)
    application.bot_data[DISPATCHER_KEY] = dispatcher
    dispatcher.start()
    return dispatcher
