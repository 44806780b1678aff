"""Changing reminders that exist, end to end: "✏️ Change" in /reminders (through the /remind
questions, each offering to keep what the reminder has), a delete that "↩️ Undo" takes back
for 10 minutes, and /remind on. The clock is moved by hand (FakeClock), never waited for."""

from __future__ import annotations

import pytest

from bot.fakeapi import FakeBotAPI, FakeUser
from bot.reminders import Kind
from bot.timing import EVERY_DAY, WEEKDAYS_ONLY
from tests.harness import RunningBot
from tests.test_reminders_support import (
    FakeClock,
    add_desk_break,
    add_reminder,
    instant,
    running_bot,
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


async def listed(user: FakeUser, contains: str = "Your reminders"):
    await user.send("/reminders")
    return await user.expect(contains)


# --- ✏️ Change -------------------------------------------------------------------------------


async def test_a_walk_gets_a_new_time_and_days_and_stays_the_same_reminder(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(4001)
    walk = await add_reminder(bot, 4001, "07:30")
    listing = await listed(user)
    await user.press("Change 1")
    await user.expect("✏️ Let's change this reminder: 🚶 Walk at 07:30, every day. Send /cancel "
                      "to keep it as it is.")
    question = await user.expect("At what time? For example 7:30, 19:00 or 7pm.")
    assert question.buttons == ["Keep 07:30"]
    await user.send("7pm")
    days = await user.expect("On which days?")
    assert days.buttons == ["Every day", "Weekdays", "Weekends", "Choose days",
                            "Keep: every day"]
    await user.press("Choose days")
    picker = await user.expect("Tap them, then Done", kind="edit")
    assert picker.buttons == ["✅ Mon", "✅ Tue", "✅ Wed", "✅ Thu", "✅ Fri", "✅ Sat", "✅ Sun",
                              "✔️ Done"]  # the days it has, ticked
    await user.press("Sat")
    picker = await user.expect(kind="edit")
    assert picker.buttons[5:7] == ["Sat", "✅ Sun"]
    await user.press("Sun")
    await user.expect(kind="edit")
    await user.press("Done")
    await user.expect("On which days? on weekdays", kind="edit")
    await user.expect("Changed! I'll remind you to walk at 19:00, on weekdays. The next reminder "
                      "comes today at 19:00.")
    refreshed = await user.expect("1. 🚶 Walk at 19:00, on weekdays", kind="edit")
    assert refreshed.message_id == listing.message_id
    [reminder] = await stored(bot, 4001)
    assert (reminder.id, reminder.local_time, reminder.weekdays, reminder.active) == (
        walk, "19:00", WEEKDAYS_ONLY, True)
    assert reminder.next_due_at == instant("2026-03-27T18:00:00+00:00")


async def test_what_is_kept_stays_and_a_paused_reminder_stays_paused(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(4002)
    await add_reminder(bot, 4002, "07:30", kind=Kind.WORKOUT)
    await listed(user)
    await user.press("Pause 1")
    await user.expect("(paused)", kind="edit")
    await user.press("Change 1")
    await user.expect("change this reminder: 🧘 Workout at 07:30, every day")
    await user.expect("At what time?")
    await user.press("Keep 07:30")
    await user.expect("At what time? For example 7:30, 19:00 or 7pm. 07:30", kind="edit")
    await user.expect("On which days?")
    await user.send("mon wed fri")  # typing still works where there are buttons
    await user.expect("Changed: 🧘 Workout at 07:30, on Mon, Wed, Fri. It's paused, so nothing "
                      "comes until you resume it in /reminders.")
    [reminder] = await stored(bot, 4002)
    assert (reminder.local_time, reminder.weekdays, reminder.active) == (
        "07:30", MON_WED_FRI, False)


async def test_desk_breaks_get_a_new_window_and_interval(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(4003)
    await add_desk_break(bot, 4003, "09:00", "17:00", 45, weekdays=WEEKDAYS_ONLY)
    await listed(user)
    await user.press("Change 1")
    await user.expect("change this reminder: 🪑 Desk breaks every 45 min, 09:00–17:00, "
                      "on weekdays")
    start = await user.expect("From what time? For example 9:00.")
    assert start.buttons == ["Keep 09:00"]
    await user.send("10:00")
    end = await user.expect("Until what time?")
    assert end.buttons == ["Keep 17:00"]
    await user.press("Keep 17:00")
    every = await user.expect("How often, in minutes? From 30 to 120, for example 60.")
    assert every.buttons == ["30 min", "45 min", "60 min", "90 min", "120 min"]
    await user.press("60 min")
    await user.expect("How often, in minutes? From 30 to 120, for example 60. 60 min",
                      kind="edit")
    await user.expect("On which days?")
    await user.press("Keep: on weekdays")
    await user.expect("Changed! I'll remind you to stand up and stretch every 60 minutes from "
                      "10:00 to 17:00, on weekdays. The next reminder comes today at 14:00.")
    [reminder] = await stored(bot, 4003)
    assert (reminder.local_time, reminder.window_end, reminder.every_minutes,
            reminder.weekdays) == ("10:00", "17:00", 60, WEEKDAYS_ONLY)
    assert reminder.next_due_at == instant("2026-03-27T13:00:00+00:00")


async def test_an_end_that_no_longer_fits_is_not_offered_to_keep(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(4004)
    await add_desk_break(bot, 4004, "09:00", "12:00", 60)
    await listed(user)
    await user.press("Change 1")
    await user.expect("From what time?")
    await user.send("11:45")
    end = await user.expect("Until what time?")
    assert end.buttons == []
    await user.send("12:30")
    every = await user.expect("From 30 to 45, for example 45.")
    assert every.buttons == ["30 min", "45 min"]
    await user.send("/cancel")
    await user.expect("Okay, the reminder stays as it was.")
    [reminder] = await stored(bot, 4004)
    assert (reminder.local_time, reminder.window_end, reminder.every_minutes) == (
        "09:00", "12:00", 60)


async def test_a_change_in_russian(api: FakeBotAPI, bot: RunningBot) -> None:
    user = api.user(4005, language_code="ru")
    await add_reminder(bot, 4005, "07:30", zone="Europe/Moscow")
    await listed(user, "Ваши напоминания")
    await user.press("Изменить 1")
    await user.expect("✏️ Меняем напоминание: 🚶 Прогулка в 07:30, каждый день. Чтобы оставить "
                      "всё как есть, отправьте /cancel.")
    question = await user.expect("В какое время?")
    assert question.buttons == ["Оставить 07:30"]
    await user.send("8 вечера")
    days = await user.expect("По каким дням?")
    assert days.buttons == ["Каждый день", "По будням", "По выходным", "Выбрать дни",
                            "Оставить: каждый день"]
    await user.press("По выходным")
    await user.expect("Готово! Теперь буду напоминать о прогулке в 20:00, по выходным. "
                      "Следующее напоминание придёт завтра в 20:00.")
    [reminder] = await stored(bot, 4005)
    assert (reminder.local_time, reminder.weekdays) == ("20:00", 0b1100000)


async def test_a_forged_change_button_for_another_chats_reminder_changes_nothing(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    other = await add_reminder(bot, 4006, "07:30")
    user = api.user(4007)
    await add_reminder(bot, 4007, "08:00")
    listing = await listed(user)
    await user.press_data(listing.message_id, f"rem:edit:{other}")
    await user.expect("That reminder no longer exists", kind="callback_answer")
    await user.send("9:00")  # no question was asked: this is not taken as a new time
    await user.expect("I'm not sure what you mean")
    [theirs] = await stored(bot, 4006)
    [mine] = await stored(bot, 4007)
    assert (theirs.local_time, mine.local_time) == ("07:30", "08:00")
    await user.press_data(listing.message_id, "rem:edit:99999999")
    await user.expect("That reminder no longer exists", kind="callback_answer")


async def test_free_text_and_stale_buttons_during_a_change_lose_nothing(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(4008)
    await add_reminder(bot, 4008, "07:30")
    await listed(user)
    await user.press("Change 1")
    await user.send("whenever")
    await user.expect("I couldn't read “whenever” as a time")
    await user.send("8:15")
    await user.expect("On which days?")
    await user.press("Choose days")
    picker = await user.expect("Tap them, then Done", kind="edit")
    await user.send("some days")  # free text where the picker waits: read as days
    await user.expect("I couldn't read “some days” as days")
    for day in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"):
        await user.press(day, message_id=picker.message_id)
        await user.expect(kind="edit")
    await user.press("Done")
    await user.expect("Tap at least one day first.", kind="callback_answer")
    await user.press_data(picker.message_id, "rem:days:pick:999")  # forged
    await user.expect("This button no longer works", kind="callback_answer")
    [reminder] = await stored(bot, 4008)
    assert (reminder.local_time, reminder.weekdays) == ("07:30", EVERY_DAY)
    await user.send("/cancel")
    await user.expect("Okay, the reminder stays as it was.")
    await user.press("Sun", message_id=picker.message_id)  # the conversation is over
    await user.expect("This button no longer works", kind="callback_answer")
    [reminder] = await stored(bot, 4008)
    assert (reminder.local_time, reminder.weekdays) == ("07:30", EVERY_DAY)


# --- 🗑 Delete and ↩️ Undo ---------------------------------------------------------------------


async def test_undo_brings_a_deleted_reminder_back_as_it_was(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    user = api.user(4010)
    await add_reminder(bot, 4010, "07:30")
    await add_reminder(bot, 4010, "19:00", kind=Kind.WORKOUT, weekdays=MON_WED_FRI)
    [_, before] = await stored(bot, 4010)
    listing = await listed(user)
    await user.press("Delete 2")
    await user.expect("Deleted.", kind="callback_answer")
    edit = await user.expect(kind="edit")
    assert "Workout" not in edit.text
    note = await user.expect("🗑 Deleted: 🧘 Workout at 19:00, on Mon, Wed, Fri. Changed your "
                             "mind? You can undo this for 10 minutes.")
    assert note.buttons == ["↩️ Undo"]
    assert [r.kind for r in await stored(bot, 4010)] == ["walk"]
    clock.advance(minutes=9, seconds=59)
    await user.press("Undo")
    restored = await user.expect("↩️ Restored: 🧘 Workout at 19:00, on Mon, Wed, Fri. The next "
                                 "reminder comes today at 19:00.", kind="edit")
    assert restored.message_id == note.message_id and restored.buttons == []
    assert restored.text.startswith("↩️ Restored")
    refreshed = await user.expect("2. 🧘 Workout at 19:00, on Mon, Wed, Fri", kind="edit")
    assert refreshed.message_id == listing.message_id
    [_, after] = await stored(bot, 4010)
    assert (after.kind, after.local_time, after.weekdays, after.active, after.created_at) == (
        before.kind, before.local_time, before.weekdays, before.active, before.created_at)
    assert after.next_due_at == instant("2026-03-27T18:00:00+00:00")


async def test_a_paused_desk_break_comes_back_paused_with_its_window(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(4011)
    await add_desk_break(bot, 4011, "09:00", "17:00", 45, weekdays=WEEKDAYS_ONLY)
    await listed(user)
    await user.press("Pause 1")
    await user.expect("(paused)", kind="edit")
    await user.press("Delete 1")
    await user.expect("🗑 Deleted: 🪑 Desk breaks every 45 min, 09:00–17:00, on weekdays.")
    await user.press("Undo")
    await user.expect("↩️ Restored: 🪑 Desk breaks every 45 min, 09:00–17:00, on weekdays. It's "
                      "paused, as it was: resume it in /reminders whenever you like.", kind="edit")
    [reminder] = await stored(bot, 4011)
    assert (reminder.kind, reminder.local_time, reminder.window_end, reminder.every_minutes,
            reminder.weekdays, reminder.active) == (
        "desk_break", "09:00", "17:00", 45, WEEKDAYS_ONLY, False)


async def test_undo_after_ten_minutes_is_too_late(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    user = api.user(4012)
    await add_reminder(bot, 4012, "07:30")
    await listed(user)
    await user.press("Delete 1")
    note = await user.expect("🗑 Deleted")
    clock.advance(minutes=10, seconds=1)
    await user.press("Undo")
    late = await user.expect("It's too late to undo this: I keep a deleted reminder for 10 "
                             "minutes only. You can set it again with /remind.", kind="edit")
    assert late.buttons == []
    assert await stored(bot, 4012) == []
    await user.press_data(note.message_id, note.reply_markup["inline_keyboard"][0][0][
        "callback_data"])  # the same button once more, as from another device
    await user.expect("I can't bring this reminder back any more", kind="callback_answer")
    assert await stored(bot, 4012) == []


async def test_undo_does_not_survive_a_restart_and_cannot_be_forged(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    other, user = api.user(4014), api.user(4013)
    await add_reminder(bot, 4014, "06:00")
    await listed(other)
    await other.press("Delete 1")
    theirs = await other.expect("🗑 Deleted")
    their_undo = theirs.reply_markup["inline_keyboard"][0][0]["callback_data"]
    await add_reminder(bot, 4013, "07:30")
    await listed(user)
    await user.press("Delete 1")
    note = await user.expect("🗑 Deleted")
    await user.press_data(note.message_id, their_undo)  # another chat's Undo
    await user.expect("I can't bring this reminder back any more", kind="callback_answer")
    await user.press_data(note.message_id, "rem:undo:1")
    await user.expect("I can't bring this reminder back any more", kind="callback_answer")
    assert await stored(bot, 4013) == []
    await other.press("Undo")  # theirs is still theirs to undo
    await other.expect("↩️ Restored: 🚶 Walk at 06:00", kind="edit")
    assert [r.local_time for r in await stored(bot, 4014)] == ["06:00"]
    await bot.restart()
    await user.press("Undo")
    await user.expect("I can't bring this reminder back any more", kind="callback_answer")
    assert await stored(bot, 4013) == []


async def test_delete_and_undo_in_russian(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    user = api.user(4015, language_code="ru")
    await add_reminder(bot, 4015, "07:30", zone="Europe/Moscow")
    await listed(user, "Ваши напоминания")
    await user.press("Удалить 1")
    await user.expect("Удалено.", kind="callback_answer")
    note = await user.expect("🗑 Удалено: 🚶 Прогулка в 07:30, каждый день. Передумали? "
                             "Удаление можно отменить в течение 10 минут.")
    assert note.buttons == ["↩️ Вернуть"]
    await user.press("Вернуть")
    await user.expect("↩️ Напоминание вернулось: 🚶 Прогулка в 07:30, каждый день. Следующее "
                      "придёт завтра в 07:30.", kind="edit")
    await user.expect("1. 🚶 Прогулка в 07:30, каждый день", kind="edit")  # the list again
    await user.press("Удалить 1")
    await user.expect("🗑 Удалено")
    clock.advance(minutes=11)
    await user.press("Вернуть")
    await user.expect("Вернуть уже не получится: удалённое напоминание я храню только 10 минут.",
                      kind="edit")
    assert await stored(bot, 4015) == []


# --- /remind on -----------------------------------------------------------------------------


async def test_remind_on_resumes_what_was_paused(api: FakeBotAPI, bot: RunningBot) -> None:
    user = api.user(4020)
    await user.send("/remind on")
    await user.expect("You have no reminders yet. Send /remind to set one.")
    await add_reminder(bot, 4020, "07:30")
    await add_reminder(bot, 4020, "19:00", kind=Kind.WORKOUT, weekdays=MON_WED_FRI)  # today too
    await user.send("/remind on")
    await user.expect("None of your reminders is paused, so there's nothing to resume.")
    await user.send("/remind off")
    await user.expect("Your 2 reminders are paused")
    await user.send("/remind on")
    await user.expect("Your 2 reminders are on again. The next one comes today at 19:00.")
    reminders = await stored(bot, 4020)
    assert [r.active for r in reminders] == [True, True]
    assert [r.next_due_at for r in reminders] == [instant("2026-03-28T06:30:00+00:00"),
                                                  instant("2026-03-27T18:00:00+00:00")]


async def test_remind_on_in_russian(api: FakeBotAPI, bot: RunningBot) -> None:
    user = api.user(4021, language_code="ru")
    await add_reminder(bot, 4021, "19:00", zone="Europe/Moscow")
    await user.send("/remind off")
    await user.expect("1 напоминание поставлено на паузу")
    await user.send("/remind on")
    await user.expect("1 напоминание снова включено. Следующее придёт сегодня в 19:00.")
    await user.send("/remind on")
    await user.expect("Ни одно напоминание не стоит на паузе — включать нечего.")
