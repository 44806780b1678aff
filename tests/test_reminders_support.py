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
from bot.fakeapi import FakeBotAPI
from bot.models import Reminder
from bot.reminders import Kind
from bot.screening import Decision, Outcome
from bot.timing import EVERY_DAY
from tests.harness import RunningBot


class FakeClock:
    """The bot's wall clock (Services.clock), moved by the test instead of by waiting."""

    def __init__(self, start: str) -> None:
        self.now = datetime.fromisoformat(start)

    def __call__(self) -> datetime:
        return self.now

    def set(self, instant: str) -> None:
        self.now = datetime.fromisoformat(instant)

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@asynccontextmanager
async def running_bot(
    api: FakeBotAPI, database_url: str, clock: FakeClock
) -> AsyncIterator[RunningBot]:
    bot = RunningBot(api, database_url, clock=clock)
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()


async def add_reminder(
    bot: RunningBot, chat_id: int, local_time: str, *, kind: Kind = Kind.WALK,
    weekdays: int = EVERY_DAY, zone: str = "Europe/Berlin",
) -> int:
    """A reminder stored as /remind would store it, without the conversation."""
    now = bot.services.clock()
    async with bot.services.sessions.begin() as session:
        await reminders.set_chat_zone(session, chat_id, zone, now)
        reminder = await reminders.add_reminder(
            session, chat_id, kind, reminders.stored_time(local_time), weekdays, now)
        return reminder.id


async def stored(bot: RunningBot, chat_id: int) -> list[Reminder]:
    async with bot.services.sessions() as session:
        return list(await session.scalars(
            select(Reminder).where(Reminder.chat_id == chat_id).order_by(Reminder.id)))


async def screened(bot: RunningBot, chat_id: int, outcome: Outcome) -> None:
    async with bot.services.sessions.begin() as session:
        await ensure_chat(session, chat_id)
        await screening.store_result(session, chat_id, [], Decision(outcome, ()))


async def drain(bot: RunningBot) -> Report:
    """What the dispatcher's next tick would do, awaited to the end."""
    assert bot.application is not None
    return await dispatch.dispatcher_of(bot.application).drain()


def sent_to(api: FakeBotAPI, chat_id: int) -> list[str]:
    """Texts of the messages the bot managed to send to a chat (failed calls left out)."""
    return [call.params.get("text", "") for call in api.calls_to("sendMessage")
            if call.params.get("chat_id") == chat_id and call.error is None]
