"""Setting and managing reminders end to end: /remind, /timezone, /reminders, the reminders'
own buttons, and what the safety screen allows."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from bot.fakeapi import FakeBotAPI
from bot.models import WalkLog
from bot.reminders import Kind
from bot.screening import Outcome
from bot.timing import WEEKDAYS_ONLY
from tests.harness import RunningBot
from tests.test_reminders_support import (
    FakeClock,
    add_reminder,
    drain,
    running_bot,
    screened,
    set_zone,
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


async def walks(bot: RunningBot, chat_id: int) -> list[tuple[date, float]]:
    async with bot.services.sessions() as session:
        rows = await session.scalars(select(WalkLog).where(WalkLog.chat_id == chat_id))
        return [(row.local_date, row.km) for row in rows]


async def test_the_first_reminder_asks_for_the_time_zone_then_what_when_and_which_days(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(3001)
    await user.send("/remind")
    await user.expect("which time zone are you in")
    await user.send("Berlin")
    await user.expect("your time zone is Berlin (it's 13:00 there now)")
    question = await user.expect("What should I remind you about?")
    assert question.buttons == ["🚶 A walk", "🧘 The back workout",
                                "🪑 Desk breaks: stand up and stretch"]
    await user.press("A walk")
    await user.expect("🚶 A walk", kind="edit")
    await user.expect("At what time? For example 7:30, 19:00 or 7pm")
    await user.send("7pm")
    days = await user.expect("On which days?")
    assert days.buttons == ["Every day", "Weekdays", "Weekends", "Choose days"]
    await user.press("Weekdays")
    await user.expect("I'll remind you to walk at 19:00, on weekdays. The first reminder comes "
                      "today at 19:00.")
    [reminder] = await stored(bot, 3001)
    assert (reminder.kind, reminder.local_time, reminder.weekdays, reminder.active) == (
        "walk", "19:00", WEEKDAYS_ONLY, True)
    assert reminder.next_due_at == datetime.fromisoformat("2026-03-27T18:00:00+00:00")


async def test_bad_input_gets_an_example_and_the_conversation_goes_on(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(3002)
    await user.send("/remind")
    await user.expect("which time zone are you in")
    await user.send("Atlantis")
    await user.expect("I don't know a place called “Atlantis”. Please type a big city near you, "
                      "for example Berlin")
    await user.send("UTC+15")
    await user.expect("No time zone uses UTC+15. Offsets go from UTC-12 to UTC+14")
    await user.send("IST")
    choice = await user.expect("could be more than one place")
    assert any("Kolkata (17:30)" in label for label in choice.buttons)  # its local time
    await user.press("Kolkata")
    await user.expect("your time zone is Kolkata")
    await user.expect("What should I remind you about?")
    await user.send("the workout please")
    await user.expect("Please tap one of the buttons above")
    await user.press("The back workout")
    await user.expect("At what time?")
    await user.send("25:99")
    await user.expect("I couldn't read “25:99” as a time. Please write it like 7:30, 19:00 or 7pm")
    await user.send("tomorrow-ish")
    await user.expect("I couldn't read “tomorrow-ish” as a time")
    await user.send("7:30")
    await user.expect("On which days?")
    await user.press("Choose days")
    await user.expect("Tap them, then Done. Or type them, for example: mon wed fri, or mon-fri",
                      kind="edit")
    await user.send("tomorrow-ish")
    await user.expect("I couldn't read “tomorrow-ish” as days. Try “every day”, “weekdays”")
    await user.send("Mon, Wed & Fri")
    await user.expect("I'll remind you to do the workout at 07:30, on Mon, Wed, Fri. The first "
                      "reminder comes on Monday at 07:30.")
    [reminder] = await stored(bot, 3002)
    assert (reminder.kind, reminder.weekdays) == ("workout", MON_WED_FRI)


async def test_a_shared_location_sets_the_time_zone(api: FakeBotAPI, bot: RunningBot) -> None:
    user = api.user(3003)
    await user.send("/timezone")
    await user.expect("which time zone are you in")
    await user.send_location(40.71, -74.01)  # New York
    await user.expect("your time zone is New York (it's 08:00 there now)")
    await user.send("/timezone")
    await user.expect("Your time zone is New York")
    await user.send_location(0.0, -160.0)  # the middle of the Pacific: a nautical zone
    await user.expect("your time zone is UTC-11")


async def test_changing_the_time_zone_moves_the_reminders(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(3004)
    await add_reminder(bot, 3004, "07:30")
    await user.send("/timezone")
    await user.expect("Your time zone is Berlin (it's 13:00 there now)")
    await user.send("new york")
    await user.expect("your time zone is New York (it's 08:00 there now). Your "
                      "reminders now follow this time zone.")
    [reminder] = await stored(bot, 3004)
    assert reminder.next_due_at == datetime.fromisoformat("2026-03-28T11:30:00+00:00")
    await user.send("/timezone")
    await user.expect("Your time zone is New York")
    await user.send("/cancel")
    await user.expect("your time zone stays as it was")


async def test_reminders_are_listed_paused_resumed_and_deleted(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(3005)
    await add_reminder(bot, 3005, "07:30")
    await add_reminder(bot, 3005, "19:00", kind=Kind.WORKOUT, weekdays=MON_WED_FRI)
    await user.send("/reminders")
    listing = await user.expect("Your reminders (Berlin):")
    assert "1. 🚶 Walk at 07:30, every day" in listing.text
    assert "2. 🧘 Workout at 19:00, on Mon, Wed, Fri" in listing.text
    assert listing.buttons == ["⏸ Pause 1", "✏️ Change 1", "🗑 Delete 1",
                               "⏸ Pause 2", "✏️ Change 2", "🗑 Delete 2", "➕ New reminder"]
    await user.press("Pause 1")
    await user.expect("Paused.", kind="callback_answer")
    edit = await user.expect("1. 🚶 Walk at 07:30, every day (paused)", kind="edit")
    assert edit.message_id == listing.message_id
    assert [r.active for r in await stored(bot, 3005)] == [False, True]
    await user.press("Resume 1")
    await user.expect("Resumed.", kind="callback_answer")
    assert [r.active for r in await stored(bot, 3005)] == [True, True]
    await user.press("Delete 2")
    await user.expect("Deleted.", kind="callback_answer")
    edit = await user.expect(kind="edit")
    assert "Workout" not in edit.text
    assert [r.local_time for r in await stored(bot, 3005)] == ["07:30"]


async def test_a_button_for_a_reminder_of_another_chat_changes_nothing(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    other = await add_reminder(bot, 3006, "07:30")
    user = api.user(3007)
    await user.send("/reminders")
    listing = await user.expect("You have no reminders yet")
    await user.press_data(listing.message_id, f"rem:del:{other}")
    await user.expect("That reminder no longer exists", kind="callback_answer")
    assert len(await stored(bot, 3006)) == 1


async def test_remind_off_pauses_them_all(api: FakeBotAPI, bot: RunningBot) -> None:
    user = api.user(3008)
    await add_reminder(bot, 3008, "07:30")
    await add_reminder(bot, 3008, "19:00")
    await user.send("/remind off")
    await user.expect("Your 2 reminders are paused")
    assert [r.active for r in await stored(bot, 3008)] == [False, False]
    await user.send("/remind off")
    await user.expect("You have no reminders running")


async def test_when_the_screen_rules_out_exercise_only_walking_is_offered(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(3009)
    await screened(bot, 3009, Outcome.SEE_DOCTOR)
    await user.send("/remind")
    await set_zone(user)
    await user.expect("I'll remind you to walk, not to do the exercises")
    await user.expect("At what time?")
    await user.send("8:00")
    await user.expect("On which days?")
    await user.press("Every day")
    await user.expect("I'll remind you to walk at 08:00, every day")


async def test_an_urgent_warning_sign_means_no_reminders(api: FakeBotAPI, bot: RunningBot) -> None:
    user = api.user(3010)
    await screened(bot, 3010, Outcome.URGENT)
    await user.send("/remind")
    await user.expect("please get medical help first")
    assert await stored(bot, 3010) == []


async def test_later_asks_when_and_snoozes_until_then(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    user = api.user(3011)
    await add_reminder(bot, 3011, "07:30")
    clock.set("2026-03-28T06:30:00+00:00")
    await drain(bot)
    reminder_message = await user.expect("Time for a walk")
    clock.set("2026-03-28T06:32:00+00:00")  # 07:32 in Berlin
    await user.press("Later")
    await user.expect("When should I remind you again?", kind="callback_answer")
    choices = await user.expect(kind="edit")
    assert choices.text == reminder_message.text
    assert choices.buttons == ["In 15 min", "In 1 hour", "This evening, 19:00", "✅ Done"]
    await user.press("In 1 hour")
    edit = await user.expect("I'll remind you again at 08:32", kind="edit")
    assert edit.buttons == []
    clock.set("2026-03-28T07:31:00+00:00")
    assert (await drain(bot)).sent == 0
    clock.set("2026-03-28T07:32:00+00:00")
    assert (await drain(bot)).sent == 1
    await user.expect("Time for a walk")
    [reminder] = await stored(bot, 3011)
    assert reminder.next_due_at == datetime.fromisoformat("2026-03-29T05:30:00+00:00")


async def test_done_on_a_walking_reminder_asks_the_distance_and_logs_the_walk(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    user = api.user(3016)
    await add_reminder(bot, 3016, "07:30", zone="Asia/Tokyo")
    clock.set("2026-03-27T22:30:00+00:00")  # 07:30 on Saturday 28 March in Tokyo
    await drain(bot)
    await user.expect("Time for a walk")
    await user.press("Done")
    await user.expect("How far did you walk? Type the distance in km")
    edit = await user.expect("Well done! Every walk counts", kind="edit")
    assert edit.buttons == []
    clock.set("2026-03-27T22:40:00+00:00")  # ten minutes later
    await user.send("4.5")
    await user.expect("Logged: a 4.5 km walk")
    assert await walks(bot, 3016) == [(date(2026, 3, 28), 4.5)]  # Tokyo's date, not UTC's


async def test_an_exercise_reminder_starts_the_workout(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    user = api.user(3012)
    await add_reminder(bot, 3012, "18:00", kind=Kind.WORKOUT)
    await screened(bot, 3012)
    clock.set("2026-03-27T17:00:00+00:00")
    await drain(bot)
    message = await user.expect("Time for your back exercises")
    assert message.buttons == ["▶️ Start workout", "⏰ Later"]
    start = message.reply_markup["inline_keyboard"][0][0]
    assert start["callback_data"] == "wo:begin"


async def test_without_a_screen_a_workout_reminder_offers_the_questions_once(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    user = api.user(3014)
    await add_reminder(bot, 3014, "18:00", kind=Kind.WORKOUT)
    clock.set("2026-03-27T17:00:00+00:00")
    await drain(bot)
    note = await user.expect("Time for your back exercises, but first the safety questions")
    assert note.buttons == ["🩺 Answer the safety questions"]
    clock.set("2026-03-28T17:00:00+00:00")  # the next day: quiet
    report = await drain(bot)
    assert (report.sent, report.skipped_not_allowed) == (0, 1)
    await screened(bot, 3014)
    clock.set("2026-03-29T16:00:00+00:00")  # 18:00 in summer time
    await drain(bot)
    again = await user.expect("Time for your back exercises.")
    assert again.buttons == ["▶️ Start workout", "⏰ Later"]


async def test_after_a_see_a_doctor_result_walks_have_no_distance_target(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    user = api.user(3015)
    await add_reminder(bot, 3015, "08:00")
    await screened(bot, 3015, Outcome.SEE_DOCTOR)
    clock.set("2026-03-28T07:00:00+00:00")
    await drain(bot)
    walk = await user.expect("Time for a walk!")
    assert "walk as much as feels comfortable, and as your doctor agrees" in walk.text.lower()
    assert "km" not in walk.text


async def test_another_command_ends_the_conversation_and_cancel_says_so(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(3013)
    await user.send("/remind")
    await set_zone(user)
    await user.expect("What should I remind you about?")
    await user.press("A walk")
    await user.expect("At what time?")
    await user.send("/tips")
    await user.expect("1/")
    await user.send("7:30")
    await user.expect("I'm not sure what you mean")
    await user.send("/remind")
    await user.expect("What should I remind you about?")
    await user.send("/cancel")
    await user.expect("Okay, no new reminder")
    assert await stored(bot, 3013) == []


async def test_a_reminder_set_in_conversation_survives_a_restart(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    user = api.user(3014)
    await user.send("/remind")
    await set_zone(user, "+3")
    await user.expect("What should I remind you about?")
    await user.press("A walk")
    await user.expect("At what time?")
    await user.send("6:45")
    await user.expect("On which days?")
    await user.press("Every day")
    await user.expect("I'll remind you to walk at 06:45, every day. The first reminder comes "
                      "tomorrow at 06:45")
    await bot.restart()
    clock.set("2026-03-28T03:45:00+00:00")
    await drain(bot)
    await user.expect("Time for a walk")


async def test_a_reminder_can_be_set_while_the_safety_questions_are_open(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(3015)
    await user.send("/screen")
    first = await user.expect("Question 1 of")
    await user.send("/remind")
    await set_zone(user)  # the city goes to /remind, not to the open screen as an answer
    await user.expect("What should I remind you about?")
    await user.press("A walk")
    await user.send("7:30")
    await user.expect("On which days?")
    await user.press("Every day")
    await user.expect("I'll remind you to walk at 07:30, every day")
    await user.press("No", message_id=first.message_id)
    await user.expect("Question 2 of")
