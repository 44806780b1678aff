"""Buttons where typing was the only way: single days to tick in /remind, the desk-break
interval, and when "⏰ Later" brings a reminder back. Typing keeps working (test_reminders.py,
test_desk_breaks.py). The clock is moved by hand (FakeClock), never waited for."""

from __future__ import annotations

import pytest

from bot.fakeapi import FakeBotAPI, FakeUser
from bot.reminders import Kind
from tests.harness import RunningBot
from tests.test_reminders_support import (
    FakeClock,
    add_reminder,
    drain,
    instant,
    running_bot,
    screened,
    stored,
)

MON_WED_FRI = 0b0010101


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock("2026-03-27T12:00:00+00:00")  # Friday, 13:00 in Berlin


@pytest.fixture
async def bot(api: FakeBotAPI, migrated_database_url: str, clock: FakeClock):
    async with running_bot(api, migrated_database_url, clock) as running:
        yield running


async def answer_zone(user: FakeUser, city: str) -> None:
    await user.send("/remind")
    await user.expect(kind="message")  # which time zone?
    await user.send(city)
    await user.expect(kind="message")  # the zone is saved
    await user.expect(kind="message")  # what to be reminded of?


async def walk_at(user: FakeUser, typed: str, city: str = "Berlin") -> None:
    await answer_zone(user, city)
    await user.press("🚶")
    await user.expect(kind="message")  # at what time?
    await user.send(typed)


# --- the days -----------------------------------------------------------------------------


async def test_single_days_are_ticked_then_done(api: FakeBotAPI, bot: RunningBot) -> None:
    user = api.user(5001)
    await walk_at(user, "7:30")
    await user.expect("On which days?")
    await user.press("Choose days")
    picker = await user.expect("On which days? Tap them, then Done.", kind="edit")
    assert picker.buttons == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "✔️ Done"]
    await user.press("Done")
    await user.expect("Tap at least one day first.", kind="callback_answer")
    for day, ticked in (("Mon", "✅ Mon"), ("Wed", "✅ Wed"), ("Tue", "✅ Tue"), ("Fri", "✅ Fri")):
        await user.press(day)
        assert ticked in (await user.expect(kind="edit")).buttons
    await user.press("✅ Tue")  # untick
    assert "Tue" in (await user.expect(kind="edit")).buttons
    await user.press("Done")
    await user.expect("On which days? on Mon, Wed, Fri", kind="edit")
    await user.expect("I'll remind you to walk at 07:30, on Mon, Wed, Fri. The first reminder "
                      "comes on Monday at 07:30.")
    [reminder] = await stored(bot, 5001)
    assert reminder.weekdays == MON_WED_FRI


async def test_days_in_russian_by_buttons(api: FakeBotAPI, bot: RunningBot) -> None:
    user = api.user(5002, language_code="ru")
    await walk_at(user, "7:30", "Москва")
    await user.expect("По каким дням?")
    await user.press("Выбрать дни")
    picker = await user.expect("По каким дням? Отметьте нужные и нажмите «Готово».", kind="edit")
    assert picker.buttons == ["Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс", "✔️ Готово"]
    await user.press("Сб")
    assert "✅ Сб" in (await user.expect(kind="edit")).buttons
    await user.press("Готово")
    await user.expect("По каким дням? по дням: сб", kind="edit")
    await user.expect("Готово! Буду напоминать о прогулке в 07:30, по дням: сб. Первое "
                      "напоминание придёт завтра в 07:30.")


# --- the desk-break interval -----------------------------------------------------------------


async def desk_window(user: FakeUser, start: str, end: str, city: str = "Berlin"):
    await answer_zone(user, city)
    await user.press("🪑")
    await user.expect(kind="message")  # from what time?
    await user.send(start)
    await user.expect(kind="message")  # until what time?
    await user.send(end)
    return await user.expect(kind="message")  # how often?


async def test_the_interval_has_buttons_that_fit_the_window(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(5003)
    await screened(bot, 5003)
    every = await desk_window(user, "14:00", "15:00")
    assert every.text == "How often, in minutes? From 30 to 60, for example 60."
    assert every.buttons == ["30 min", "45 min", "60 min"]
    await user.press_data(every.message_id, "rem:every:90")  # forged: does not fit
    await user.expect("Every 90 minutes won't work: please send a number of minutes from 30 to "
                      "60, for example 60.")
    await user.press_data(every.message_id, "rem:every:45")
    await user.expect("How often, in minutes? From 30 to 60, for example 60. 45 min", kind="edit")
    await user.expect("On which days?")
    await user.press("Every day")
    await user.expect("every 45 minutes from 14:00 to 15:00, every day. The first reminder comes "
                      "today at 14:45.")
    [reminder] = await stored(bot, 5003)
    assert reminder.every_minutes == 45


async def test_the_interval_buttons_in_russian_and_a_short_window(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(5004, language_code="ru")
    every = await desk_window(user, "14:00", "14:40", "Москва")
    assert every.text == "Как часто, в минутах? От 30 до 40, например 40."
    assert every.buttons == ["30 мин"]
    await user.send("полчаса")  # typing still works
    await user.expect("По каким дням?")


# --- ⏰ Later ---------------------------------------------------------------------------------


async def reminded(bot: RunningBot, clock: FakeClock, user: FakeUser, at_utc: str,
                   contains: str):
    clock.set(at_utc)
    assert (await drain(bot)).sent == 1
    return await user.expect(contains)


async def test_this_evening_brings_a_walk_back_at_seven(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    user = api.user(5010)
    await add_reminder(bot, 5010, "17:00")
    await reminded(bot, clock, user, "2026-03-27T16:00:00+00:00", "Time for a walk")
    await user.press("Later")
    choices = await user.expect(kind="edit")
    assert choices.buttons == ["In 15 min", "In 1 hour", "This evening, 19:00", "✅ Done"]
    await user.send("later please")  # free text where a button is expected
    await user.expect("I'm not sure what you mean")
    await user.press("This evening")
    await user.expect("⏰ Okay, I'll remind you again at 19:00.", kind="edit")
    [reminder] = await stored(bot, 5010)
    assert reminder.next_due_at == instant("2026-03-27T18:00:00+00:00")
    clock.set("2026-03-27T17:59:00+00:00")
    assert (await drain(bot)).sent == 0
    await reminded(bot, clock, user, "2026-03-27T18:00:00+00:00", "Time for a walk")


async def test_late_in_the_day_the_choices_shrink(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    user = api.user(5011)
    await screened(bot, 5011)
    await add_reminder(bot, 5011, "18:30", kind=Kind.WORKOUT)
    await reminded(bot, clock, user, "2026-03-27T17:30:00+00:00", "Time for your back exercises")
    await user.press("Later")
    choices = await user.expect(kind="edit")
    # 19:00 is too near to be "this evening"; 21:30 still ends the day in time.
    assert choices.buttons == ["In 15 min", "In 1 hour", "In 3 hours", "▶️ Start workout"]
    await user.press("In 3 hours")
    await user.expect("I'll remind you again at 21:30.", kind="edit")
    await add_reminder(bot, 5011, "20:00")
    await reminded(bot, clock, user, "2026-03-27T19:00:00+00:00", "Time for a walk")
    await user.press("Later")
    choices = await user.expect(kind="edit")
    assert choices.buttons == ["In 15 min", "In 1 hour", "✅ Done"]  # nothing near midnight


async def test_a_stale_evening_choice_asks_again_and_a_deleted_reminder_stays_gone(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    user = api.user(5012)
    await add_reminder(bot, 5012, "17:00")
    await reminded(bot, clock, user, "2026-03-27T16:00:00+00:00", "Time for a walk")
    await user.press("Later")
    assert "This evening, 19:00" in (await user.expect(kind="edit")).buttons
    clock.set("2026-03-27T18:05:00+00:00")  # 19:05: the evening has come
    await user.press("This evening")
    await user.expect("When should I remind you again?", kind="callback_answer")
    choices = await user.expect(kind="edit")
    assert choices.buttons == ["In 15 min", "In 1 hour", "✅ Done"]
    await user.send("/reminders")
    await user.expect("Your reminders")
    await user.press("Delete 1")
    await user.expect("🗑 Deleted")
    await user.press("In 15 min", message_id=choices.message_id)
    await user.expect("This reminder is paused or deleted now, so I won't send it again.",
                      kind="edit")
    assert await stored(bot, 5012) == []


async def test_later_in_russian(api: FakeBotAPI, bot: RunningBot, clock: FakeClock) -> None:
    user = api.user(5013, language_code="ru")
    await add_reminder(bot, 5013, "16:00", zone="Europe/Moscow")
    await user.send("/reminders")  # the chat's language is known from here on
    await user.expect("Ваши напоминания")
    await reminded(bot, clock, user, "2026-03-27T13:00:00+00:00", "Время прогуляться")
    await user.press("Позже")
    await user.expect("Когда напомнить ещё раз?", kind="callback_answer")
    choices = await user.expect(kind="edit")
    assert choices.buttons == ["Через 15 мин", "Через час", "Вечером, в 19:00", "✅ Готово"]
    await user.press("Через час")
    await user.expect("⏰ Хорошо, напомню ещё раз в 17:00.", kind="edit")


async def test_a_forged_later_for_another_chats_reminder_moves_nothing(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    theirs = await add_reminder(bot, 5014, "08:00")
    user = api.user(5015)
    await add_reminder(bot, 5015, "17:00")
    message = await reminded(bot, clock, user, "2026-03-27T16:00:00+00:00", "Time for a walk")
    [before] = await stored(bot, 5014)
    await user.press_data(message.message_id, f"rem:later:{theirs}:15")
    await user.expect("This reminder is paused or deleted now", kind="edit")
    [after] = await stored(bot, 5014)
    assert after.next_due_at == before.next_due_at
    await user.press_data(message.message_id, f"rem:later:{theirs}")
    await user.expect(kind="callback_answer")
    [after] = await stored(bot, 5014)
    assert after.next_due_at == before.next_due_at
