"""Reminders that know the day: a walk's says what is left of today's goal, or congratulates
once it is met; a workout's is not sent on a day whose workout was completed. "Today" is the
chat's local day. The clock is moved by hand (FakeClock) and the dispatcher's tick run
directly."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import update

from bot.fakeapi import FakeBotAPI, FakeUser
from bot.models import Reminder, WorkoutSession
from bot.reminders import Kind
from bot.workout import Status
from tests.harness import RunningBot
from tests.test_reminders_support import (
    FakeClock,
    add_reminder,
    drain,
    running_bot,
    screened,
)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock("2026-03-27T08:00:00+00:00")  # Friday, 09:00 in Berlin


@pytest.fixture
async def bot(api: FakeBotAPI, migrated_database_url: str, clock: FakeClock):
    async with running_bot(api, migrated_database_url, clock) as running:
        yield running


async def walk(user: FakeUser, typed: str, logged: str) -> None:
    await user.send(f"/walk {typed}")
    await user.expect(logged)


async def add_workout(bot: RunningBot, chat_id: int, status: Status, at: datetime) -> None:
    async with bot.services.sessions.begin() as session:
        session.add(WorkoutSession(chat_id=chat_id, status=status.value, started_at=at,
                                   finished_at=at, exercises_done=11 if status is
                                   Status.FINISHED else 3))


async def test_a_walk_reminder_says_what_is_left_of_todays_goal(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    user = api.user(3301)
    await add_reminder(bot, 3301, "18:00")
    await walk(user, "3.3", "Logged: a 3.3 km walk")
    clock.set("2026-03-27T17:00:00+00:00")  # 18:00 in Berlin
    assert (await drain(bot)).sent == 1
    message = await user.expect("Time for a walk")
    assert "You've walked 3.3 km today: 2.7 km more and you reach today's 6–8 km." in (
        message.text)
    assert message.buttons == ["✅ Done", "⏰ Later"]


async def test_once_the_goal_is_met_the_walk_reminder_congratulates(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    user = api.user(3302)
    await add_reminder(bot, 3302, "18:00")
    await walk(user, "4", "Logged: a 4 km walk")
    await walk(user, "2.5", "Logged: a 2.5 km walk")
    clock.set("2026-03-27T17:00:00+00:00")
    assert (await drain(bot)).sent == 1
    message = await user.expect("You've walked 6.5 km today, so today's goal of 6–8 km is met")
    assert "Time for a walk" not in message.text and message.buttons == []
    # The next day starts from nothing: yesterday's walks are yesterday's.
    clock.set("2026-03-28T17:00:00+00:00")
    assert (await drain(bot)).sent == 1
    message = await user.expect("Time for a walk")
    assert "aim for 6–8 km today" in message.text and "walked" not in message.text


async def test_the_day_is_the_chats_local_day(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    user = api.user(3303)
    await add_reminder(bot, 3303, "07:30", zone="Asia/Tokyo")
    clock.set("2026-03-27T12:00:00+00:00")  # 21:00 on Friday in Tokyo
    await walk(user, "7", "Logged: a 7 km walk")
    clock.set("2026-03-27T22:30:00+00:00")  # 07:30 on Saturday in Tokyo, still Friday in UTC
    assert (await drain(bot)).sent == 1
    message = await user.expect("Time for a walk")
    assert "aim for 6–8 km today" in message.text


async def test_a_workout_reminder_is_not_sent_on_a_day_whose_workout_is_done(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    user = api.user(3304)
    await add_reminder(bot, 3304, "18:00", kind=Kind.WORKOUT)
    await screened(bot, 3304)
    await add_workout(bot, 3304, Status.FINISHED, clock() + timedelta(hours=1))  # 10:00
    clock.set("2026-03-27T17:00:00+00:00")
    report = await drain(bot)
    assert (report.sent, report.skipped_done) == (0, 1)
    await user.expect_nothing()
    # The next day, with no workout yet, it comes as usual.
    clock.set("2026-03-28T17:00:00+00:00")
    assert (await drain(bot)).sent == 1
    await user.expect("Time for your back exercises")


async def test_a_workout_stopped_part_way_does_not_count_as_done(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    user = api.user(3305)
    await add_reminder(bot, 3305, "18:00", kind=Kind.WORKOUT)
    await screened(bot, 3305)
    await add_workout(bot, 3305, Status.STOPPED, clock())
    # Yesterday's completed workout is not today's either.
    await add_workout(bot, 3305, Status.FINISHED, clock() - timedelta(days=1))
    clock.set("2026-03-27T17:00:00+00:00")
    assert (await drain(bot)).sent == 1
    await user.expect("Time for your back exercises")


async def test_in_russian(api: FakeBotAPI, bot: RunningBot, clock: FakeClock) -> None:
    user = api.user(3306, language_code="ru")
    await add_reminder(bot, 3306, "18:00")
    await user.send("/walk 2")
    await user.expect("2 км")
    clock.set("2026-03-27T17:00:00+00:00")
    assert (await drain(bot)).sent == 1
    message = await user.expect("Время прогуляться!")
    assert "Сегодня вы уже прошли 2 км: ещё 4 км — и сегодняшние 6–8 км будут пройдены." in (
        message.text)
    await user.send("/walk 5")
    await user.expect("5 км")
    clock.set("2026-03-27T17:01:00+00:00")
    async with bot.services.sessions.begin() as session:  # the same reminder, due again now
        await session.execute(update(Reminder).where(Reminder.chat_id == 3306)
                              .values(next_due_at=clock()))
    assert (await drain(bot)).sent == 1
    await user.expect("Сегодня вы прошли 7 км — дневная цель в 6–8 км выполнена.")
