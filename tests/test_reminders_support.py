"""What the reminder tests share: a clock they move by hand, and reminders stored directly.

There are no tests in this module; test_reminders*.py and test_dispatch*.py import from it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from sqlalchemy import select

from bot import dispatch, reminders, screening
from bot.chats import ensure_chat
from bot.dispatch import Report
from bot.fakeapi import FakeBotAPI, FakeUser
from bot.models import Reminder
from bot.reminders import Kind, Window
from bot.screening import Decision, Outcome
from bot.timing import EVERY_DAY
from tests.harness import FakeClock, RunningBot


@asynccontextmanager
async def running_bot(
    api: FakeBotAPI, database_url: str, clock: FakeClock
) -> AsyncIterator[RunningBot]:
    """The bot, whose reminders go out only at the ticks the test runs (``drain``): the
    dispatcher's own tick, every few real seconds, would claim whatever the moved clock shows
    at that moment, racing the test's tick and taking its sends from its report."""
    bot = RunningBot(api, database_url, clock=clock)
    await bot.start()
    try:
        assert bot.application is not None and bot.application.job_queue is not None
        for job in bot.application.job_queue.get_jobs_by_name(dispatch.JOB_NAME):
            job.schedule_removal()
        await drain(bot)  # the tick at start, if it is still under way, ends first
        yield bot
    finally:
        await bot.stop()


async def add_reminder(
    bot: RunningBot, chat_id: int, local_time: str, *, kind: Kind = Kind.WALK,
    weekdays: int = EVERY_DAY, zone: str = "Europe/Berlin", window: Window | None = None,
) -> int:
    """A reminder stored as /remind would store it, without the conversation."""
    now = bot.services.clock()
    async with bot.services.sessions.begin() as session:
        await reminders.set_chat_zone(session, chat_id, zone, now)
        reminder = await reminders.add_reminder(
            session, chat_id, kind, reminders.stored_time(local_time), weekdays, now,
            window=window)
        return reminder.id


async def add_desk_break(
    bot: RunningBot, chat_id: int, start: str, end: str, every: int, **options: object
) -> int:
    """Desk breaks every `every` minutes from `start` to `end`, stored without the talk."""
    window = Window(reminders.stored_time(end), every)
    return await add_reminder(bot, chat_id, start, kind=Kind.DESK_BREAK, window=window,
                              **options)  # type: ignore[arg-type]


async def set_zone(user: FakeUser, typed: str = "Berlin") -> None:
    """Answer the first /remind's question for the time zone."""
    await user.expect("which time zone are you in")
    await user.send(typed)
    await user.expect("your time zone is")


async def stored(bot: RunningBot, chat_id: int) -> list[Reminder]:
    async with bot.services.sessions() as session:
        return list(await session.scalars(
            select(Reminder).where(Reminder.chat_id == chat_id).order_by(Reminder.id)))


async def screened(bot: RunningBot, chat_id: int, outcome: Outcome = Outcome.CLEARED, *,
                   age: timedelta = timedelta(0)) -> None:
    """A screen answered ``age`` before the bot's (test-moved) clock."""
    async with bot.services.sessions.begin() as session:
        await ensure_chat(session, chat_id)
        result = await screening.store_result(session, chat_id, [], Decision(outcome, ()))
        result.completed_at = bot.services.clock() - age


async def drain(bot: RunningBot) -> Report:
    """What the dispatcher's next tick would do, awaited to the end."""
    assert bot.application is not None
    return await dispatch.dispatcher_of(bot.application).drain()


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def fire_times(bot: RunningBot, clock: FakeClock, start: str, end: str,
                     exact: list[str]) -> list[datetime]:
    """Walk the clock from start to end (every 30 minutes, and a minute either side of each
    instant in ``exact``), running a tick at each step; the steps at which something was sent."""
    steps = {instant(start) + timedelta(minutes=30 * n)
             for n in range(int((instant(end) - instant(start)).total_seconds() // 1800) + 1)}
    for text in exact:
        steps |= {instant(text) + timedelta(minutes=m) for m in (-1, 0, 1)}
    fired = []
    for step in sorted(steps):
        clock.now = step
        if (await drain(bot)).sent:
            fired.append(step)
    return fired


def sent_to(api: FakeBotAPI, chat_id: int) -> list[str]:
    """Texts of the messages the bot managed to send to a chat, a picture's caption included
    (failed calls left out)."""
    return [call.params.get("text", call.params.get("caption", ""))
            for call in api.calls if call.method in ("sendMessage", "sendAnimation")
            and call.params.get("chat_id") == chat_id and call.error is None]
