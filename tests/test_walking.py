"""/walk through the fake Bot API: logging, the local date, asking, correcting, bad input."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, ContextTypes

from bot.fakeapi import FakeBotAPI, FakeUser
from bot.models import Chat, WalkLog
from handlers.walking import ask_distance
from tests.harness import FakeClock, RunningBot


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 6, 10, 9, 0, tzinfo=UTC))  # a Wednesday


@pytest.fixture
async def walk_bot(
    api: FakeBotAPI, migrated_database_url: str, clock: FakeClock
) -> AsyncIterator[RunningBot]:
    running = RunningBot(api, migrated_database_url, clock=clock, conversation_timeout=600)
    await running.start()
    yield running
    await running.stop()


async def walks(bot: RunningBot, chat_id: int) -> list[tuple[date, float, int | None]]:
    async with bot.services.sessions() as session:
        rows = await session.scalars(
            select(WalkLog).where(WalkLog.chat_id == chat_id).order_by(WalkLog.id)
        )
        return [(row.local_date, row.km, row.minutes) for row in rows]


async def set_zone(bot: RunningBot, chat_id: int, zone: str | None) -> None:
    async with bot.services.sessions.begin() as session:
        session.add(Chat(id=chat_id, time_zone=zone))


async def log(user: FakeUser, typed: str, expect: str) -> str:
    await user.send(typed)
    reply = await user.expect(expect, kind="message")
    return reply.text or ""


async def read(user: FakeUser, expect: str) -> str:
    """The bot's next message containing ``expect``, after a button rather than a message."""
    return (await user.expect(expect, kind="message")).text or ""


async def test_a_walk_is_logged_with_todays_total(api: FakeBotAPI, walk_bot: RunningBot) -> None:
    user = api.user(5001)
    reply = await log(user, "/walk 5.2", "Logged: a 5.2 km walk")
    assert "Today: 5.2 km of your 6–8 km goal, 0.8 km to go." in reply
    assert user.buttons() == ["↩️ Undo", "🌍 Set my time zone"]  # the chat has none yet
    reply = await log(user, "/walk 1.3 km", "Logged: a 1.3 km walk")
    assert "Today: 6.5 km. You've reached your 6–8 km goal!" in reply
    reply = await log(user, "/walk 2", "Logged: a 2 km walk")
    assert "Today: 8.5 km, more than your 6–8 km goal." in reply
    assert await walks(walk_bot, 5001) == [
        (date(2026, 6, 10), 5.2, None), (date(2026, 6, 10), 1.3, None),
        (date(2026, 6, 10), 2.0, None),
    ]


async def test_minutes_are_converted_at_the_stated_pace(
    api: FakeBotAPI, walk_bot: RunningBot
) -> None:
    user = api.user(5002)
    reply = await log(user, "/walk 40 min", "Logged: 40 min of walking, about 3.33 km")
    assert "5 km/h" in reply and "12 minutes per km" in reply
    assert "Today: 3.33 km" in reply
    reply = await log(user, "/walk 1 h 20 min", "Logged: 80 min of walking, about 6.67 km")
    assert "Today: 10 km" in reply
    assert await walks(walk_bot, 5002) == [
        (date(2026, 6, 10), 3.33, 40), (date(2026, 6, 10), 6.67, 80),
    ]


async def test_a_big_bare_number_gets_a_hint_about_minutes(
    api: FakeBotAPI, walk_bot: RunningBot
) -> None:
    user = api.user(5003)
    reply = await log(user, "/walk 40", "Logged: a 40 km walk")
    assert "Did you mean 40 minutes? Then send /walk fix 40 min." in reply
    reply = await log(user, "/walk fix 40 min", "Corrected")
    assert "now 3.33 km (it was 40 km)" in reply
    assert await walks(walk_bot, 5003) == [(date(2026, 6, 10), 3.33, 40)]


@pytest.mark.parametrize(("typed", "answer"), [
    ("/walk -3", "A walk needs a distance above zero"),
    ("/walk 0", "A walk needs a distance above zero"),
    ("/walk 300 km", "300 km is more than I can log for one walk (up to 50 km)"),
    ("/walk 700 min", "700 min is longer than I can log for one walk (up to 600 minutes)"),
    ("/walk lots", "I couldn't read “lots” as a walk"),
    ("/walk 5 miles", "I couldn't read “5 miles” as a walk"),
])
async def test_nonsense_gets_a_clear_reply_and_logs_nothing(
    api: FakeBotAPI, walk_bot: RunningBot, typed: str, answer: str
) -> None:
    user = api.user(5004)
    await log(user, typed, answer)
    assert await walks(walk_bot, 5004) == []
    await user.expect_nothing()


async def test_a_walk_counts_on_the_local_date(
    api: FakeBotAPI, walk_bot: RunningBot, clock: FakeClock
) -> None:
    berlin, los_angeles, no_zone = api.user(5005), api.user(5006), api.user(5007)
    await set_zone(walk_bot, 5005, "Europe/Berlin")
    await set_zone(walk_bot, 5006, "America/Los_Angeles")
    await set_zone(walk_bot, 5007, None)
    clock.now = datetime(2026, 6, 10, 22, 30, tzinfo=UTC)  # Berlin: 00:30 on the 11th
    for user in (berlin, los_angeles, no_zone):
        await log(user, "/walk 3", "Logged")
    assert (await walks(walk_bot, 5005))[0][0] == date(2026, 6, 11)
    assert (await walks(walk_bot, 5006))[0][0] == date(2026, 6, 10)  # 15:30 there
    assert (await walks(walk_bot, 5007))[0][0] == date(2026, 6, 10)  # no zone: UTC
    clock.advance(hours=2)  # Los Angeles: 17:30, still the 10th; Berlin: 02:30 on the 11th
    reply = await log(berlin, "/walk 3.5", "Logged")
    assert "Today: 6.5 km" in reply
    reply = await log(los_angeles, "/walk 3.5", "Logged")
    assert "Today: 6.5 km" in reply


async def test_walk_without_a_distance_asks_for_it(api: FakeBotAPI, walk_bot: RunningBot) -> None:
    user = api.user(5008)
    await log(user, "/walk", "How far did you walk?")
    await log(user, "a lot", "I couldn't read “a lot” as a walk")
    assert "or /cancel" in (user.last_message()["text"])
    reply = await log(user, "4,5 km", "Logged: a 4.5 km walk")
    assert "Today: 4.5 km" in reply
    # Answered: a number now is not a walk any more.
    await log(user, "3", "I'm not sure what you mean")
    assert await walks(walk_bot, 5008) == [(date(2026, 6, 10), 4.5, None)]


async def test_the_question_ends_with_cancel_another_command_or_time(
    api: FakeBotAPI, walk_bot: RunningBot, clock: FakeClock
) -> None:
    user = api.user(5009)
    await log(user, "/walk", "How far did you walk?")
    await log(user, "/cancel", "Okay, no walk logged.")
    await log(user, "5", "I'm not sure what you mean")
    await log(user, "/walk", "How far did you walk?")
    await log(user, "/tips", "")
    await user.expect_nothing()
    await log(user, "5", "I'm not sure what you mean")
    await log(user, "/walk", "How far did you walk?")
    clock.advance(seconds=601)
    await log(user, "5", "I'm not sure what you mean")
    assert await walks(walk_bot, 5009) == []


async def test_the_question_can_be_asked_from_a_button(
    api: FakeBotAPI, walk_bot: RunningBot
) -> None:
    """ask_distance is what "Done" on a walking reminder calls."""
    async def done(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await ask_distance(update, context)
        raise ApplicationHandlerStop

    assert walk_bot.application is not None
    # Ahead of every group, the walking question's own handler included: the order of
    # groups must not matter to it.
    walk_bot.application.add_handler(CallbackQueryHandler(done, pattern="^test:done$"), group=-9)
    await walk_bot.application.bot.send_message(
        5010, "🚶 Time for a walk!", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("Done", callback_data="test:done")]]),
    )
    user = api.user(5010)
    await user.press("Done")
    await user.expect(kind="callback_answer")
    await user.expect("How far did you walk?")
    await log(user, "30 min", "Logged: 30 min of walking, about 2.5 km")


async def test_undo_removes_the_last_walk(api: FakeBotAPI, walk_bot: RunningBot) -> None:
    user = api.user(5011)
    await log(user, "/walk undo", "There's no walk to undo.")
    await log(user, "/walk 5", "Logged")
    await log(user, "/walk 2", "Logged")
    reply = await log(user, "/walk undo", "Removed the 2 km walk on Wed 10 Jun")
    assert "Today: 5 km of your 6–8 km goal, 1 km to go." in reply
    reply = await log(user, "/walk Undo", "Removed the 5 km walk on Wed 10 Jun")
    assert "Today: no walks logged yet." in reply
    assert await walks(walk_bot, 5011) == []


async def test_the_undo_button_removes_its_own_walk(api: FakeBotAPI, walk_bot: RunningBot) -> None:
    user = api.user(5012)
    first = await user.send("/walk 5")
    await user.expect("Logged: a 5 km walk")
    first_reply = max(user.messages)
    assert first
    await log(user, "/walk 2", "Logged: a 2 km walk")
    await user.press("Undo", message_id=first_reply)
    edit = await user.expect("Removed the 5 km walk", kind="edit")
    assert "Today: 2 km" in (edit.text or "") and edit.buttons == []
    assert await walks(walk_bot, 5012) == [(date(2026, 6, 10), 2.0, None)]
    # The same walk cannot be removed twice, e.g. from a forged button.
    await user.press_data(first_reply, f"walk:undo:{999999}")
    answer = await user.expect(kind="callback_answer")
    assert answer.text == "That walk is already removed."
    assert await walks(walk_bot, 5012) == [(date(2026, 6, 10), 2.0, None)]


async def test_another_chat_cannot_undo_my_walk(api: FakeBotAPI, walk_bot: RunningBot) -> None:
    owner, other = api.user(5013), api.user(5014)
    await log(owner, "/walk 5", "Logged")
    async with walk_bot.services.sessions() as session:
        walk_id = await session.scalar(select(WalkLog.id).where(WalkLog.chat_id == 5013))
    await log(other, "/walk 1", "Logged")
    await other.press_data(max(other.messages), f"walk:undo:{walk_id}")
    assert (await other.expect(kind="callback_answer")).text == "That walk is already removed."
    assert len(await walks(walk_bot, 5013)) == 1


async def test_fix_corrects_the_last_walk(
    api: FakeBotAPI, walk_bot: RunningBot, clock: FakeClock
) -> None:
    user = api.user(5015)
    await log(user, "/walk fix 3", "There's no walk to correct yet.")
    await log(user, "/walk 5.2", "Logged")
    await log(user, "/walk fix", "To correct your last walk")
    await log(user, "/walk fix -1", "A walk needs a distance above zero")
    reply = await log(user, "/walk fix 4.8", "Corrected: the walk on Wed 10 Jun is now 4.8 km")
    assert "(it was 5.2 km)" in reply and "Today: 4.8 km" in reply
    clock.advance(days=1)
    reply = await log(user, "/walk fix 6", "Corrected: the walk on Wed 10 Jun is now 6 km")
    assert "Wed 10 Jun: 6 km in all." in reply
    assert await walks(walk_bot, 5015) == [(date(2026, 6, 10), 6.0, None)]


# --- "did you mean minutes?" -------------------------------------------------------------------


async def test_a_bare_number_too_big_for_km_asks_about_minutes(
    api: FakeBotAPI, walk_bot: RunningBot
) -> None:
    user = api.user(5016)
    question = await log(user, "/walk 60", "60 km is more than one walk — did you mean 60 minutes?")
    assert "about 5 km at an easy 5 km/h" in question
    assert user.buttons() == ["🚶 Log 60 min"]
    assert await walks(walk_bot, 5016) == []  # nothing until the person says so
    asked = max(user.messages)
    # A double tap: both presses reach the bot before it answers either.
    await user.press_data(asked, f"walk:minutes:60:{date(2026, 6, 10)}")
    await user.press_data(asked, f"walk:minutes:60:{date(2026, 6, 10)}")
    edit = await user.expect(kind="edit")
    assert edit.message_id == asked and edit.buttons == [] and edit.text == question
    reply = await user.expect("Logged: 60 min of walking, about 5 km", kind="message")
    assert "Today: 5 km of your 6–8 km goal, 1 km to go." in (reply.text or "")
    assert reply.buttons == ["↩️ Undo", "🌍 Set my time zone"]
    answer = await user.expect("already logged", kind="callback_answer")
    assert answer.text == "That walk is already logged."
    assert await walks(walk_bot, 5016) == [(date(2026, 6, 10), 5.0, 60)]
    # Kilometres said outright, or past the minutes limit, are still refused.
    await log(user, "/walk 60 km", "60 km is more than I can log for one walk (up to 50 km)")
    await log(user, "/walk 700", "700 is more than I can log for one walk (up to 50 km)")
    await user.expect_nothing()


async def test_minutes_asked_about_in_russian_and_for_yesterday(
    api: FakeBotAPI, walk_bot: RunningBot
) -> None:
    user = api.user(5017, language_code="ru")
    question = await log(user, "/walk 90", "90 км за одну прогулку — это слишком много.")
    assert "Может быть, вы имели в виду 90 мин?" in question
    await user.press("Записать 90 мин")
    reply = await read(user, "Записано: 90 мин ходьбы, примерно 7,5 км")
    assert "Сегодня: 7,5 км. Цель 6–8 км достигнута!" in reply
    question = await log(user, "/walk вчера 60", "Может быть, вчера (вт, 9 июн.) вы гуляли 60 мин?")
    await user.press("Записать 60 мин")
    reply = await read(user, "Записано за вчера (вт, 9 июн.): 60 мин ходьбы, примерно 5 км")
    assert "Вчера (вт, 9 июн.): всего 5 км." in reply
    assert await walks(walk_bot, 5017) == [
        (date(2026, 6, 10), 7.5, 90), (date(2026, 6, 9), 5.0, 60),
    ]


async def test_the_minutes_button_keeps_its_day_and_expires(
    api: FakeBotAPI, walk_bot: RunningBot, clock: FakeClock
) -> None:
    user = api.user(5018)
    await log(user, "/walk 60", "did you mean 60 minutes?")
    today_question = max(user.messages)
    await log(user, "/walk 55 yesterday", "did you mean 55 minutes yesterday (Tue 9 Jun)?")
    clock.advance(days=1)  # the 11th: the 10th is yesterday now, the 9th too far back
    await user.press("Log 55 min")
    answer = await user.expect(kind="callback_answer")
    assert answer.text == "This question has expired: I can log walks for today or yesterday only."
    await user.press("Log 60 min", message_id=today_question)
    reply = await read(user, "Logged for yesterday, Wed 10 Jun: 60 min of walking")
    assert "Yesterday, Wed 10 Jun: 5 km in all." in reply
    # Forged: a day to come, minutes past the limit, nonsense.
    for data in ("walk:minutes:60:2026-06-12", "walk:minutes:601:2026-06-11",
                 "walk:minutes:60:2026-13-40"):
        await user.press_data(today_question, data)
        assert "expired" in ((await user.expect(kind="callback_answer")).text or "")
    assert await walks(walk_bot, 5018) == [(date(2026, 6, 10), 5.0, 60)]


async def test_the_minutes_question_answers_how_far(api: FakeBotAPI, walk_bot: RunningBot) -> None:
    user = api.user(5019)
    await log(user, "/walk", "How far did you walk?")
    await log(user, "75", "75 km is more than one walk — did you mean 75 minutes?")
    await user.press("Log 75 min")
    await read(user, "Logged: 75 min of walking, about 6.25 km")
    await log(user, "3", "I'm not sure what you mean")  # answered: the question is closed
    assert await walks(walk_bot, 5019) == [(date(2026, 6, 10), 6.25, 75)]


# --- yesterday ----------------------------------------------------------------------------------


async def test_a_walk_for_yesterday(api: FakeBotAPI, walk_bot: RunningBot) -> None:
    user = api.user(5020)
    reply = await log(user, "/walk 5 yesterday", "Logged for yesterday, Tue 9 Jun: a 5 km walk.")
    assert "Yesterday, Tue 9 Jun: 5 km in all." in reply and "Today" not in reply
    reply = await log(user, "/walk yesterday 2", "Logged for yesterday, Tue 9 Jun: a 2 km walk.")
    assert "Yesterday, Tue 9 Jun: 7 km in all." in reply
    reply = await log(user, "/walk 30 min yesterday", "Logged for yesterday, Tue 9 Jun: 30 min")
    assert "Yesterday, Tue 9 Jun: 9.5 km in all." in reply
    thirty = max(user.messages)
    reply = await log(user, "/walk 3", "Logged: a 3 km walk.")
    assert "Today: 3 km of your 6–8 km goal" in reply
    await log(user, "/walk undo", "Removed the 3 km walk on Wed 10 Jun")
    # The walk logged last is yesterday's 30 minutes: fixing it keeps its day.
    reply = await log(user, "/walk fix 4", "Corrected: the walk on Tue 9 Jun is now 4 km")
    assert "(it was 2.5 km)" in reply and "Yesterday, Tue 9 Jun: 11 km in all." in reply
    await user.press("Undo", message_id=thirty)  # the 30 minutes, now 4 km
    edit = await user.expect("Removed the 4 km walk on Tue 9 Jun", kind="edit")
    assert "Yesterday, Tue 9 Jun: 7 km in all." in (edit.text or "")
    assert await walks(walk_bot, 5020) == [
        (date(2026, 6, 9), 5.0, None), (date(2026, 6, 9), 2.0, None),
    ]


async def test_yesterday_in_russian_and_after_a_reminder(
    api: FakeBotAPI, walk_bot: RunningBot
) -> None:
    user = api.user(5021, language_code="ru")
    reply = await log(user, "/walk 5 вчера", "Записано за вчера (вт, 9 июн.): прогулка 5 км.")
    assert "Вчера (вт, 9 июн.): всего 5 км." in reply
    await answer_a_reminder(walk_bot, user, "Сколько вы прошли?")
    reply = await log(user, "вчера 2,5 км", "Записано за вчера (вт, 9 июн.): прогулка 2,5 км.")
    assert "Вчера (вт, 9 июн.): всего 7,5 км." in reply
    await log(user, "/walk позавчера 5", "Прогулку можно записать только за сегодня или за вчера.")
    await log(user, "/walk вчера", "Напишите расстояние вместе с днём, например /walk 5,2 вчера")
    assert await walks(walk_bot, 5021) == [
        (date(2026, 6, 9), 5.0, None), (date(2026, 6, 9), 2.5, None),
    ]


async def test_yesterday_in_english_after_a_reminder_and_further_back(
    api: FakeBotAPI, walk_bot: RunningBot
) -> None:
    user = api.user(5022)
    await answer_a_reminder(walk_bot, user, "How far did you walk?")
    await log(user, "2 days ago", "I can log a walk for today or yesterday only.")
    assert "or /cancel" in user.last_message()["text"]
    await log(user, "40 min yesterday", "Logged for yesterday, Tue 9 Jun: 40 min of walking")
    await log(user, "/walk 5 km 3 days ago", "I can log a walk for today or yesterday only.")
    assert await walks(walk_bot, 5022) == [(date(2026, 6, 9), 3.33, 40)]


async def test_yesterday_is_the_chats_local_yesterday(
    api: FakeBotAPI, walk_bot: RunningBot, clock: FakeClock
) -> None:
    berlin, los_angeles = api.user(5023), api.user(5024)
    await set_zone(walk_bot, 5023, "Europe/Berlin")
    await set_zone(walk_bot, 5024, "America/Los_Angeles")
    clock.now = datetime(2026, 6, 10, 22, 30, tzinfo=UTC)  # Berlin: 00:30 on the 11th
    await log(berlin, "/walk 4 yesterday", "Logged for yesterday, Wed 10 Jun: a 4 km walk.")
    await log(los_angeles, "/walk 4 yesterday", "Logged for yesterday, Tue 9 Jun: a 4 km walk.")
    assert await walks(walk_bot, 5023) == [(date(2026, 6, 10), 4.0, None)]
    assert await walks(walk_bot, 5024) == [(date(2026, 6, 9), 4.0, None)]


async def answer_a_reminder(bot: RunningBot, user: FakeUser, question: str) -> None:
    """"Done" on a walking reminder, as in test_the_question_can_be_asked_from_a_button."""
    async def done(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await ask_distance(update, context)
        raise ApplicationHandlerStop

    assert bot.application is not None
    bot.application.add_handler(CallbackQueryHandler(done, pattern="^test:done$"), group=-9)
    await bot.application.bot.send_message(user.id, "🚶 Time for a walk!", reply_markup=(
        InlineKeyboardMarkup([[InlineKeyboardButton("Done", callback_data="test:done")]])))
    await user.press("Done")
    await user.expect(question)


async def test_without_a_time_zone_the_day_assumed_is_said_and_the_zone_asked(
    api: FakeBotAPI, walk_bot: RunningBot
) -> None:
    user = api.user(1990)
    reply = await log(user, "/walk 3", "Logged: a 3 km walk")
    assert ("I don't know your time zone yet, so I'm going by UTC, where today is Wed 10 June."
            in reply)
    first = max(user.messages)
    again = await log(user, "/walk 1", "Logged: a 1 km walk")
    assert "I'm going by UTC" in again and user.buttons() == ["↩️ Undo"]  # offered once
    await user.press("Set my time zone", message_id=first)
    await user.expect("which time zone are you in")
    await user.send("Berlin")
    await user.expect("your time zone is Berlin")
    reply = await log(user, "/walk 2", "Logged: a 2 km walk")
    assert "time zone" not in reply
    await user.send("/progress")
    chart = await user.expect(kind="photo")
    assert "time zone" not in (chart.text or "")


async def test_progress_says_the_day_it_assumed_in_russian(api: FakeBotAPI,
                                                           walk_bot: RunningBot) -> None:
    user = api.user(1991, language_code="ru")
    await user.send("/progress")
    note = await user.expect("Я пока не знаю ваш часовой пояс, поэтому считаю дни по UTC: "
                             "сегодня ср, 10 июня. Укажите")  # one full stop
    assert note.buttons == ["🌍 Указать часовой пояс"]
