"""Sending reminders end to end: the right local time, DST, catch-up after downtime, 403 and 429,
restarts, and bursts paced under Telegram's limit. Time is moved by hand (FakeClock) and the
dispatcher's tick is run directly, so nothing here waits for a wall-clock minute."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest

from bot import dispatch
from bot.fakeapi import FakeBotAPI
from bot.models import Chat
from bot.reminders import Kind
from bot.screening import Outcome
from bot.timing import EVERY_DAY
from handlers.reminders import reminder_composer
from tests.harness import RunningBot
from tests.test_reminders_support import (
    FakeClock,
    add_reminder,
    drain,
    fire_times,
    instant,
    running_bot,
    screened,
    sent_to,
    stored,
)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock("2026-03-27T12:00:00+00:00")  # a Friday; Berlin is on CET (UTC+1)


@pytest.fixture
async def bot(api: FakeBotAPI, migrated_database_url: str, clock: FakeClock):
    async with running_bot(api, migrated_database_url, clock) as running:
        yield running


async def test_a_reminder_fires_at_its_local_time_once(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    user = api.user(5001)
    await add_reminder(bot, 5001, "07:30")
    clock.set("2026-03-28T06:29:00+00:00")  # 07:29 in Berlin
    assert (await drain(bot)).sent == 0
    clock.set("2026-03-28T06:30:00+00:00")
    assert (await drain(bot)).sent == 1
    message = await user.expect("Time for a walk")
    assert "6–8 km" in message.text
    assert message.buttons == ["✅ Done", "⏰ Later"]
    assert (await drain(bot)).sent == 0
    [reminder] = await stored(bot, 5001)
    assert reminder.next_due_at == instant("2026-03-29T05:30:00+00:00")  # 07:30 in summer time


async def test_daylight_saving_keeps_the_local_time_in_spring(
    bot: RunningBot, clock: FakeClock
) -> None:
    await add_reminder(bot, 5002, "07:30")
    # 02:30 does not exist on 29 March in Berlin: it fires when the clocks jump, at 03:00.
    await add_reminder(bot, 5003, "02:30")
    fired = await fire_times(bot, clock, "2026-03-28T00:00:00+00:00", "2026-03-29T23:30:00+00:00",
                             ["2026-03-28T06:30:00+00:00", "2026-03-29T05:30:00+00:00",
                              "2026-03-28T01:30:00+00:00", "2026-03-29T01:00:00+00:00"])
    assert fired == [instant(t) for t in ("2026-03-28T01:30:00+00:00",
                                          "2026-03-28T06:30:00+00:00",
                                          "2026-03-29T01:00:00+00:00",
                                          "2026-03-29T05:30:00+00:00")]


async def test_daylight_saving_keeps_the_local_time_in_autumn(
    bot: RunningBot, clock: FakeClock
) -> None:
    clock.set("2026-10-23T12:00:00+00:00")
    await add_reminder(bot, 5004, "07:30")
    # 02:30 happens twice on 25 October in Berlin: it fires once, the first time.
    await add_reminder(bot, 5005, "02:30")
    fired = await fire_times(bot, clock, "2026-10-24T00:00:00+00:00", "2026-10-25T23:30:00+00:00",
                             ["2026-10-24T05:30:00+00:00", "2026-10-25T06:30:00+00:00",
                              "2026-10-24T00:30:00+00:00", "2026-10-25T00:30:00+00:00"])
    assert fired == [instant(t) for t in ("2026-10-24T00:30:00+00:00",
                                          "2026-10-24T05:30:00+00:00",
                                          "2026-10-25T00:30:00+00:00",
                                          "2026-10-25T06:30:00+00:00")]


async def test_after_downtime_a_reminder_under_an_hour_late_comes_once(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    user = api.user(5006)
    await add_reminder(bot, 5006, "07:30")
    await bot.stop()
    clock.set("2026-03-28T07:10:00+00:00")  # 40 minutes late
    await bot.start()
    # No tick is run by hand: the first one runs as the bot starts.
    await user.expect("Time for a walk")
    await bot.restart()
    await drain(bot)
    assert len(sent_to(api, 5006)) == 1


async def test_after_a_night_down_a_reminder_hours_late_is_skipped_not_sent_at_3am(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    await add_reminder(bot, 5007, "07:30")
    await bot.stop()
    clock.set("2026-03-29T01:00:00+00:00")  # 03:00 in Berlin, 19.5 hours after 07:30
    await bot.start()
    report = await drain(bot)  # waits for the start-up tick, then finds nothing more
    total = dispatch.dispatcher_of(bot.application).total
    assert (total.sent, total.skipped_late, report.sent) == (0, 1, 0)
    assert sent_to(api, 5007) == []
    [reminder] = await stored(bot, 5007)
    assert reminder.next_due_at == instant("2026-03-29T05:30:00+00:00")  # today, 07:30 local
    clock.set("2026-03-29T05:30:00+00:00")
    assert (await drain(bot)).sent == 1


async def test_a_person_who_blocked_the_bot_has_reminders_paused_not_retried(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    await add_reminder(bot, 5008, "07:30")
    await add_reminder(bot, 5008, "07:30", kind=Kind.WORKOUT)
    api.block(5008, notify=False)  # Telegram tells the bot nothing until it sends
    clock.set("2026-03-28T06:30:00+00:00")
    report = await drain(bot)
    assert (report.sent, report.paused) == (0, 2)
    assert [r.active for r in await stored(bot, 5008)] == [False, False]
    attempts = len(api.calls_to("sendMessage"))
    clock.set("2026-03-29T05:30:00+00:00")
    await drain(bot)
    assert len(api.calls_to("sendMessage")) == attempts


async def test_blocking_the_bot_pauses_reminders_right_away(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    await add_reminder(bot, 5009, "07:30")
    api.block(5009)  # the bot hears of it through a my_chat_member update

    async def paused() -> bool:
        return [r.active for r in await stored(bot, 5009)] == [False]

    # Different chats' updates are handled side by side: wait for this one, up to 30 s.
    for _ in range(600):
        if await paused():
            break
        await asyncio.sleep(0.05)
    assert await paused()


# Telegram's RetryAfter warns about its own attribute's future type as it is raised.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_a_429_is_waited_out_and_the_reminder_arrives_once(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    user = api.user(5010)
    await add_reminder(bot, 5010, "07:30")
    api.fail_next("sendMessage", retry_after=1, chat_id=5010)
    clock.set("2026-03-28T06:30:00+00:00")
    started = time.monotonic()
    assert (await drain(bot)).sent == 1
    assert time.monotonic() - started >= 1
    await user.expect("Time for a walk")
    assert len(sent_to(api, 5010)) == 1
    assert [c.error for c in api.calls_to("sendMessage")] == [
        "Too Many Requests: retry after 1", None]


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_a_429_that_persists_puts_the_reminder_back_and_it_still_arrives_once(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    await add_reminder(bot, 5011, "07:30")
    api.fail_next("sendMessage", retry_after=1, chat_id=5011, times=2)
    clock.set("2026-03-28T06:30:00+00:00")
    report = await drain(bot)
    assert (report.sent, report.put_back) == (1, 1)
    assert len(sent_to(api, 5011)) == 1
    assert len(api.calls_to("sendMessage")) == 3


async def test_an_exercise_reminder_is_not_sent_when_the_screen_rules_exercise_out(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    await add_reminder(bot, 5012, "07:30", kind=Kind.WORKOUT)
    await add_reminder(bot, 5012, "07:30", kind=Kind.WALK)
    await screened(bot, 5012, Outcome.SEE_DOCTOR)
    clock.set("2026-03-28T06:30:00+00:00")
    report = await drain(bot)
    assert (report.sent, report.skipped_not_allowed) == (1, 1)
    [walk] = sent_to(api, 5012)
    assert "walk" in walk


def reminders_sent(api: FakeBotAPI, chats: range) -> list[int]:
    return [call.params["chat_id"] for call in api.calls_to("sendMessage")
            if call.error is None and call.params["chat_id"] in chats]


async def test_a_burst_goes_out_under_the_rate_limit_and_interactive_replies_keep_up(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    api.set_rate_limit(30)
    chats = range(6000, 6125)
    for chat_id in chats:
        await add_reminder(bot, chat_id, "07:30")
    clock.set("2026-03-28T06:30:00+00:00")
    started = time.monotonic()
    burst = asyncio.create_task(drain(bot))
    await asyncio.sleep(1)
    asker = api.user(5013)
    await asker.send("/tips")
    await asker.expect("1/")
    # The reply got through while the burst was still going, not after it: a speed-independent
    # way to say that reminders do not hold interactive messages up (about 4 s of burst remain).
    reminders_before_reply = len(reminders_sent(api, chats))
    report = await burst
    took = time.monotonic() - started
    assert report.sent == len(chats)
    assert Counter(reminders_sent(api, chats)) == dict.fromkeys(chats, 1)
    assert api.rate_limited_count == 0
    assert took >= (len(chats) - 1) / dispatch.REMINDER_RATE * 0.95
    assert reminders_before_reply < len(chats)


async def test_two_dispatchers_at_once_never_send_a_reminder_twice(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    chats = range(7000, 7040)
    for chat_id in chats:
        await add_reminder(bot, chat_id, "07:30")
    one, other = (dispatch.Dispatcher(bot.application, reminder_composer(bot.services.content),
                                      batch=7) for _ in range(2))
    clock.set("2026-03-28T06:30:00+00:00")
    first, second = await asyncio.gather(one.drain(), other.drain())
    assert first.sent + second.sent == len(chats)
    assert first.sent and second.sent
    assert all(len(sent_to(api, chat_id)) == 1 for chat_id in chats)


async def test_stopping_mid_burst_puts_back_what_was_not_sent(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    chats = range(8000, 8040)
    for chat_id in chats:
        await add_reminder(bot, chat_id, "07:30")
    clock.set("2026-03-28T06:30:00+00:00")
    assert bot.application is not None
    await dispatch.dispatcher_of(bot.application).tick()

    def delivered() -> int:
        return sum(1 for chat_id in chats if sent_to(api, chat_id))

    await api.wait_until(lambda: delivered() >= 10)
    await bot.stop()
    assert 10 <= delivered() < len(chats)
    clock.advance(minutes=2)
    await bot.start()  # the start-up tick sends the rest
    await api.wait_until(lambda: delivered() == len(chats))
    await drain(bot)
    assert all(len(sent_to(api, chat_id)) == 1 for chat_id in chats)


async def test_reminders_survive_a_restart(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    await add_reminder(bot, 5014, "19:00", weekdays=EVERY_DAY, zone="America/New_York")
    await bot.restart()
    clock.set("2026-03-27T22:59:00+00:00")  # 18:59 in New York (EDT, UTC-4)
    assert (await drain(bot)).sent == 0
    clock.set("2026-03-27T23:00:00+00:00")
    assert (await drain(bot)).sent == 1
    await api.user(5014).expect("Time for a walk")


async def test_a_reminder_that_cannot_be_read_is_paused_and_the_others_still_go(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    await add_reminder(bot, 5015, "07:30")
    await add_reminder(bot, 5016, "07:30")
    async with bot.services.sessions.begin() as session:
        (await session.get(Chat, 5015)).time_zone = "Nowhere/Atlantis"  # edited by hand
    clock.set("2026-03-28T06:30:00+00:00")
    assert (await drain(bot)).sent == 1
    assert [r.active for r in await stored(bot, 5015)] == [False]
    assert len(sent_to(api, 5016)) == 1
