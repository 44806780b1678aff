"""Desk breaks end to end: set up in /remind, sent inside their window at local time (and
never outside it), across daylight saving, with a standing stretch in turn, in /reminders with
the other reminders, held back by the safety screen, and in Russian. The clock is moved by
hand (FakeClock) and the dispatcher's tick run directly."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from bot.content import load_content
from bot.fakeapi import FakeBotAPI, FakeUser
from bot.pictures import PictureLibrary
from bot.reminders import Claimed, Kind
from bot.screening import Outcome
from bot.timing import WEEKDAYS_ONLY
from handlers.desk_breaks import compose
from tests.harness import PICTURE_CACHE, RunningBot
from tests.test_reminders_support import (
    FakeClock,
    add_desk_break,
    add_reminder,
    drain,
    fire_times,
    instant,
    running_bot,
    screened,
    sent_to,
    set_zone,
    stored,
)

CONTENT = load_content()
BREAK = "Time for a desk break"


def stretch_name(exercise_id: str, language: str = "en") -> str:
    return CONTENT.text(f"exercises.{exercise_id}.name", language)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock("2026-03-27T12:00:00+00:00")  # Friday, 13:00 in Berlin (CET, UTC+1)


@pytest.fixture
async def bot(api: FakeBotAPI, migrated_database_url: str, clock: FakeClock):
    async with running_bot(api, migrated_database_url, clock) as running:
        yield running


async def choose_desk_breaks(user: FakeUser, zone: str = "Berlin") -> None:
    await user.send("/remind")
    await set_zone(user, zone)
    await user.expect("What should I remind you about?")
    await user.press("Desk breaks")


async def test_desk_breaks_are_set_up_in_the_conversation_and_bad_input_is_explained(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(9001)
    await choose_desk_breaks(user)
    await user.expect("🪑 Desk breaks: stand up and stretch", kind="edit")
    await user.expect("stand up and stretch for a minute. From what time? For example 9:00.")
    await user.send("soon")
    await user.expect("I couldn't read “soon” as a time")
    await user.send("9:00")
    await user.expect("Until what time? For example 17:00 or 6pm.")
    await user.send("8:00")  # before the start
    await user.expect("The breaks have to end at least 30 minutes after they start (09:00), "
                      "on the same day. Until what time?")
    await user.send("9:20")  # no room for a break
    await user.expect("at least 30 minutes after they start (09:00)")
    await user.send("5pm")
    await user.expect("How often, in minutes? From 30 to 120, for example 60.")
    await user.send("15")
    await user.expect("Every 15 minutes won't work: please send a number of minutes from 30 to "
                      "120, for example 60.")
    await user.send("200")
    await user.expect("Every 200 minutes won't work")
    await user.send("lunch")
    await user.expect("I couldn't read “lunch” as minutes. Please send a number from 30 to 120")
    await user.send("45 min")
    days = await user.expect("On which days?")
    assert days.buttons == ["Every day", "Weekdays", "Weekends", "Choose days"]
    await user.press("Weekdays")
    await user.expect("Done! I'll remind you to stand up and stretch every 45 minutes from 09:00 "
                      "to 17:00, on weekdays. The first reminder comes today at 13:30.")
    [reminder] = await stored(bot, 9001)
    assert (reminder.kind, reminder.local_time, reminder.window_end, reminder.every_minutes,
            reminder.weekdays, reminder.active) == (
        "desk_break", "09:00", "17:00", 45, WEEKDAYS_ONLY, True)
    assert reminder.next_due_at == instant("2026-03-27T12:30:00+00:00")


async def test_a_short_window_allows_only_intervals_that_fit(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(9002)
    await choose_desk_breaks(user)
    await user.expect("From what time?")
    await user.send("14:00")
    await user.expect("Until what time?")
    await user.send("14:40")
    await user.expect("How often, in minutes? From 30 to 40, for example 40.")
    await user.send("1h")
    await user.expect("Every 60 minutes won't work: please send a number of minutes from 30 to 40")
    await user.send("40")
    await user.expect("On which days?")
    await user.press("Every day")
    await user.expect("every 40 minutes from 14:00 to 14:40, every day. The first reminder comes "
                      "today at 14:40.")


async def test_breaks_fire_inside_the_window_on_chosen_days_across_daylight_saving(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    clock.set("2026-03-27T06:00:00+00:00")  # Friday 07:00 CET
    await add_desk_break(bot, 9003, "09:00", "12:00", 60, weekdays=WEEKDAYS_ONLY)
    await screened(bot, 9003)
    # Berlin moves to summer time (UTC+2) on Sunday 29 March; the weekend is not chosen.
    fired = await fire_times(bot, clock, "2026-03-27T06:00:00+00:00",
                             "2026-03-30T12:00:00+00:00",
                             ["2026-03-27T08:00:00+00:00", "2026-03-27T11:00:00+00:00",
                              "2026-03-30T07:00:00+00:00", "2026-03-30T10:00:00+00:00"])
    # 10:00, 11:00 and 12:00 local each day: not at 09:00 (the start), none after 12:00.
    assert fired == [instant(t) for t in (
        "2026-03-27T09:00:00+00:00", "2026-03-27T10:00:00+00:00", "2026-03-27T11:00:00+00:00",
        "2026-03-30T08:00:00+00:00", "2026-03-30T09:00:00+00:00", "2026-03-30T10:00:00+00:00",
    )]
    messages = sent_to(api, 9003)
    assert len(messages) == 6 and all(BREAK in text for text in messages)
    shown = [next(e.id for e in CONTENT.desk_break_stretches if stretch_name(e.id) in text)
             for text in messages]
    # The standing stretches in turn: one break never repeats the one before it that day.
    for day in (shown[:3], shown[3:]):
        assert all(one != other for one, other in pairwise(day))
    assert set(shown) == {"standing_back_arch", "quadriceps_stretch"}
    # The whole instruction: the hold, the repeats, and the other leg.
    doses = {"standing_back_arch": "Hold for 5 s and repeat 5 times.",
             "quadriceps_stretch": "Hold for 20–30 s and repeat 2–3 times with the right leg, "
                                   "then the same with the left leg."}
    for stretch, text in zip(shown, messages, strict=True):
        assert doses[stretch] in text


async def test_a_break_shows_the_stretch_steps_and_done_closes_it(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    user = api.user(9004)
    await add_desk_break(bot, 9004, "13:00", "15:00", 30)
    await screened(bot, 9004)
    clock.set("2026-03-27T12:30:00+00:00")  # 13:30 in Berlin
    assert (await drain(bot)).sent == 1
    # One message: the stretch's animation, the instructions its caption, "Done" under it.
    message = await user.expect(BREAK, kind="animation")
    assert message.buttons == ["✅ Done"]
    stretch = next(e.id for e in CONTENT.desk_break_stretches
                   if stretch_name(e.id) in message.text)
    first_step = CONTENT.text_list(f"exercises.{stretch}.steps")[0]
    assert f"1. {first_step}" in message.text
    assert message.file == bot.services.pictures.path_for(stretch).read_bytes()
    await user.press("Done")
    edit = await user.expect("See you at the next break", kind="edit")
    assert edit.text.startswith(message.text) and edit.buttons == []
    assert edit.message["animation"]["file_id"] == message.message["animation"]["file_id"]
    assert (await drain(bot)).sent == 0


async def test_a_break_late_by_more_than_half_its_interval_is_skipped(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    await add_desk_break(bot, 9005, "13:00", "17:00", 60)  # next at 14:00 local, 13:00 UTC
    await screened(bot, 9005)
    await bot.stop()
    clock.set("2026-03-27T13:35:00+00:00")  # 35 minutes late: the 15:00 one is nearer
    await bot.start()
    await drain(bot)
    assert sent_to(api, 9005) == []
    [reminder] = await stored(bot, 9005)
    assert reminder.next_due_at == instant("2026-03-27T14:00:00+00:00")
    await bot.stop()
    clock.set("2026-03-27T14:20:00+00:00")  # 20 minutes late: still sent
    await bot.start()
    await drain(bot)
    assert len(sent_to(api, 9005)) == 1


async def test_desk_breaks_are_listed_paused_resumed_and_deleted_with_the_others(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    user = api.user(9006)
    await add_reminder(bot, 9006, "07:30")
    await add_desk_break(bot, 9006, "09:00", "17:00", 45, weekdays=WEEKDAYS_ONLY)
    await user.send("/reminders")
    listing = await user.expect("Your reminders (Berlin):")
    assert "1. 🚶 Walk at 07:30, every day" in listing.text
    assert "2. 🪑 Desk breaks every 45 min, 09:00–17:00, on weekdays" in listing.text
    await user.press("Pause 2")
    await user.expect("2. 🪑 Desk breaks every 45 min, 09:00–17:00, on weekdays (paused)",
                      kind="edit")
    clock.set("2026-03-27T12:30:00+00:00")  # 13:30, a break time
    assert (await drain(bot)).sent == 0
    await user.press("Resume 2")
    await user.expect("Resumed.", kind="callback_answer")
    [_, desk] = await stored(bot, 9006)
    assert desk.next_due_at == instant("2026-03-27T13:15:00+00:00")  # the next one, 14:15
    await user.press("Delete 2")
    await user.expect("Deleted.", kind="callback_answer")
    edit = await user.expect(kind="edit")
    assert "Desk breaks" not in edit.text
    assert [r.kind for r in await stored(bot, 9006)] == ["walk"]


async def test_when_the_screen_rules_out_exercise_desk_breaks_are_neither_offered_nor_sent(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    user = api.user(9007)
    await add_desk_break(bot, 9007, "13:00", "15:00", 30)
    await screened(bot, 9007, Outcome.SEE_DOCTOR)
    clock.set("2026-03-27T12:30:00+00:00")
    report = await drain(bot)
    assert (report.sent, report.skipped_not_allowed) == (0, 1)
    await user.send("/reminders")
    await user.expect("1. 🪑 Desk breaks every 30 min, 13:00–15:00, every day (on hold: your "
                      "safety answers rule out the exercises for now)")
    await user.send("/remind")
    await user.expect("I'll remind you to walk, not to do the exercises")
    await user.expect("At what time?")


async def test_without_a_screen_a_break_says_once_that_the_safety_questions_come_first(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    user = api.user(9009)
    await add_desk_break(bot, 9009, "13:00", "16:00", 30)
    clock.set("2026-03-27T12:30:00+00:00")  # 13:30 in Berlin, the first break
    assert (await drain(bot)).sent == 1
    note = await user.expect("Time for a desk break, but first the safety questions")
    assert not any(stretch_name(e.id) in note.text for e in CONTENT.desk_break_stretches)
    assert note.buttons == ["🩺 Answer the safety questions"]
    assert note.reply_markup["inline_keyboard"][0][0]["callback_data"] == "scr:again"
    clock.set("2026-03-27T13:00:00+00:00")  # the next break: no second note
    report = await drain(bot)
    assert (report.sent, report.skipped_not_allowed) == (0, 1)
    await user.press("Answer the safety questions")
    await user.expect("Before we start, I'll ask a few quick yes/no questions")
    await screened(bot, 9009)  # as if the questions had been answered, all "no"
    clock.set("2026-03-27T13:30:00+00:00")
    assert (await drain(bot)).sent == 1
    assert any(stretch_name(e.id) in sent_to(api, 9009)[-1]
               for e in CONTENT.desk_break_stretches)


async def test_when_the_screen_expires_the_breaks_stop_after_one_note(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    await add_desk_break(bot, 9010, "13:00", "16:00", 30)
    # The clear screen runs out at 13:45 in Berlin: the 13:30 break is the last with a stretch.
    await screened(bot, 9010, age=timedelta(days=30) - timedelta(minutes=45))
    clock.set("2026-03-27T12:30:00+00:00")
    assert (await drain(bot)).sent == 1
    assert BREAK in sent_to(api, 9010)[-1]
    clock.set("2026-03-27T13:00:00+00:00")
    assert (await drain(bot)).sent == 1
    assert "first the safety questions" in sent_to(api, 9010)[-1]
    for step in ("2026-03-27T13:30:00+00:00", "2026-03-27T14:00:00+00:00",
                 "2026-03-30T12:00:00+00:00"):
        clock.set(step)
        assert (await drain(bot)).sent == 0
    assert len(sent_to(api, 9010)) == 2


async def test_desk_breaks_in_russian(api: FakeBotAPI, bot: RunningBot, clock: FakeClock) -> None:
    user = api.user(9008, language_code="ru")
    await screened(bot, 9008)
    await user.send("/remind")
    await user.expect("в каком вы часовом поясе")
    await user.send("Москва")
    await user.expect("О чём вам напомнить?")
    await user.press("О разминке во время работы")
    await user.expect("С какого времени? Например, 9:00.")
    await user.send("9:00")
    await user.expect("До какого времени?")
    await user.send("8:00")
    await user.expect("Перерывы должны заканчиваться хотя бы через 30 мин после начала (09:00)")
    await user.send("6 вечера")
    await user.expect("Как часто, в минутах? От 30 до 120, например 60.")
    await user.send("15")
    await user.expect("Каждые 15 мин — так не получится")
    await user.send("1 час")
    await user.expect("По каким дням?")
    await user.press("По будням")
    await user.expect("Готово! Буду напоминать встать и размяться каждые 60 мин с 09:00 до 18:00, "
                      "по будням. Первое напоминание придёт сегодня в 16:00.")  # 15:00 in Moscow
    clock.set("2026-03-27T13:00:00+00:00")
    assert (await drain(bot)).sent == 1
    message = await user.expect("Пора сделать перерыв: встаньте и потянитесь минутку.")
    assert any(stretch_name(e.id, "ru") in message.text for e in CONTENT.desk_break_stretches)
    assert message.buttons == ["✅ Готово"]
    await user.press("Готово")
    await user.expect("До следующего перерыва", kind="edit")
    await user.send("/reminders")
    await user.expect("1. 🪑 Разминка каждые 60 мин, 09:00–18:00, по будням")


def test_a_break_goes_without_a_picture_not_drawn_yet_and_never_waits_for_one(
    tmp_path: Path,
) -> None:
    item = Claimed(reminder_id=1, chat_id=9010, kind=Kind.DESK_BREAK,
                   due_at=instant("2026-03-27T12:30:00+00:00"),
                   moved_to=instant("2026-03-27T13:00:00+00:00"), language="en",
                   every_minutes=30)
    library = PictureLibrary(tmp_path)
    try:
        assert compose(CONTENT, "en", item, library).picture is None
        assert not list(tmp_path.iterdir())  # and asked for none to be drawn
        drawn = PictureLibrary(PICTURE_CACHE)  # drawn for every test (tests/conftest.py)
        stretch = next(e.id for e in CONTENT.desk_break_stretches
                       if stretch_name(e.id) in compose(CONTENT, "en", item).text)
        assert compose(CONTENT, "en", item, drawn).picture == drawn.path_for(stretch)
        assert compose(CONTENT, "en", item).picture is None
    finally:
        library.close()
