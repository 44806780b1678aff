"""Reminders through a Bot API that stops answering: it hangs, resets connections after carrying
requests out, or answers 502 for a while. Nothing is sent twice, what fell due meanwhile goes
out afterwards, and at most the messages in flight when it began are lost.

Every outage here lasts until the test has seen the dispatcher wait it out and ends it by hand,
so nothing depends on how fast the machine is. The bot waits one second for an answer
(``BACKCOACH_REMINDER_TIMEOUT``) so that a hang is noticed soon; a request that takes longer
on a busy machine only counts as maybe delivered, which no assertion here minds.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from telegram import Bot
from telegram.error import NetworkError, TelegramError, TimedOut
from telegram.request import HTTPXRequest

from bot import dispatch
from bot.config import ConfigError, Settings
from bot.fakeapi import ApiCall, FakeBotAPI
from bot.sending.failures import Failure, classify
from handlers.reminders import reminder_composer
from tests.harness import FakeClock, RunningBot
from tests.test_reminders_support import add_reminder, drain, sent_to

REMINDER_TIMEOUT = "1"
PATIENCE = 60  # seconds to wait for a condition; only a broken bot ever waits that long


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock("2026-03-27T12:00:00+00:00")


@pytest.fixture
async def bot(
    api: FakeBotAPI, migrated_database_url: str, clock: FakeClock
) -> AsyncIterator[RunningBot]:
    running = RunningBot(api, migrated_database_url, clock=clock,
                         BACKCOACH_REMINDER_TIMEOUT=REMINDER_TIMEOUT)
    await running.start()
    yield running
    await running.stop()


def checks(api: FakeBotAPI, mode: str) -> list[ApiCall]:
    """The dispatcher's getMe checks that met the outage."""
    return [call for call in api.calls_to("getMe") if call.outage == mode]


def sends_into(api: FakeBotAPI, mode: str) -> list[ApiCall]:
    return [call for call in api.calls_to("sendMessage") if call.outage == mode]


def delivered(api: FakeBotAPI) -> Counter[int]:
    """How many messages the bot managed to send to each chat."""
    return Counter(call.params["chat_id"] for call in api.calls_to("sendMessage")
                   if call.error is None)


async def remind_all(bot: RunningBot, chats: range, local_time: str) -> None:
    for chat_id in chats:
        await add_reminder(bot, chat_id, local_time)


async def tick(bot: RunningBot) -> None:
    assert bot.application is not None
    await dispatch.dispatcher_of(bot.application).tick()


async def test_a_hang_costs_at_most_the_reminders_in_flight_and_the_rest_arrive_once_after(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    due_first, due_during = range(9000, 9040), range(9100, 9110)
    await remind_all(bot, due_first, "07:30")
    await remind_all(bot, due_during, "07:35")
    api.outage("hang")
    clock.set("2026-03-28T06:30:00+00:00")  # 07:30 in Berlin
    await tick(bot)
    # A dispatcher that went on sending would time out on more than its in-flight few.
    await api.wait_until(lambda: len(checks(api, "hang")) >= 1
                         or len(sends_into(api, "hang")) > dispatch.MAX_IN_FLIGHT,
                         timeout=PATIENCE)
    assert len(sends_into(api, "hang")) <= dispatch.MAX_IN_FLIGHT
    clock.set("2026-03-28T06:40:00+00:00")  # the second group falls due during the outage
    await api.wait_until(lambda: len(checks(api, "hang")) >= 2, timeout=PATIENCE)
    assert len(sends_into(api, "hang")) <= dispatch.MAX_IN_FLIGHT
    api.end_outage()

    def lost() -> set[int]:
        """Chats whose reminder hung until the bot gave up on it, and was not carried out."""
        return {call.params["chat_id"] for call in sends_into(api, "hang") if call.error}

    await api.wait_until(lambda: all(sent_to(api, chat_id) or chat_id in lost()
                                     for chat_id in [*due_first, *due_during]),
                         timeout=PATIENCE)
    await drain(bot)
    assert 1 <= len(lost()) <= dispatch.MAX_IN_FLIGHT
    counts = delivered(api)
    assert {chat_id for chat_id in [*due_first, *due_during] if not counts[chat_id]} == lost()
    assert max(counts.values()) == 1
    tries = Counter(call.params["chat_id"] for call in api.calls_to("sendMessage"))
    assert all(tries[chat_id] == 1 for chat_id in lost())  # maybe delivered: not sent again


async def test_a_reset_after_delivering_is_not_sent_again(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    chats = range(9200, 9203)
    await remind_all(bot, chats, "07:30")
    api.outage("reset")
    clock.set("2026-03-28T06:30:00+00:00")
    await tick(bot)
    # Sending a reset message again would show as a second copy in its chat.
    await api.wait_until(lambda: len(checks(api, "reset")) >= 1
                         or max(delivered(api).values(), default=0) > 1, timeout=PATIENCE)
    api.end_outage()
    await api.wait_until(lambda: all(sent_to(api, chat_id) for chat_id in chats),
                         timeout=PATIENCE)
    await drain(bot)
    assert sends_into(api, "reset")  # some reminders were delivered, then their answer lost
    assert delivered(api) == dict.fromkeys(chats, 1)
    assert len(api.calls_to("sendMessage")) == len(chats)


async def test_a_bot_api_answering_502_for_a_while_gets_no_reminders_until_it_recovers(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock
) -> None:
    due_first, due_during = range(9300, 9304), range(9400, 9403)
    await remind_all(bot, due_first, "07:30")
    await remind_all(bot, due_during, "07:35")
    api.outage("error")
    clock.set("2026-03-28T06:30:00+00:00")

    def tried_twice() -> bool:
        refused = Counter(call.params["chat_id"] for call in sends_into(api, "error"))
        return any(times > 1 for times in refused.values())

    await tick(bot)
    await api.wait_until(lambda: len(checks(api, "error")) >= 1 or tried_twice(),
                         timeout=PATIENCE)
    clock.set("2026-03-28T06:40:00+00:00")
    await api.wait_until(lambda: len(checks(api, "error")) >= 2 or tried_twice(),
                         timeout=PATIENCE)
    assert not tried_twice(), "a reminder was sent into the outage a second time"
    first_check = checks(api, "error")[0].timestamp
    assert all(call.timestamp < first_check for call in sends_into(api, "error"))
    assert len(sends_into(api, "error")) <= dispatch.MAX_IN_FLIGHT
    api.end_outage()

    everyone = [*due_first, *due_during]
    await api.wait_until(lambda: all(sent_to(api, chat_id) for chat_id in everyone),
                         timeout=PATIENCE)
    await drain(bot)
    assert delivered(api) == dict.fromkeys(everyone, 1)


async def test_a_tick_that_cannot_reach_the_database_logs_one_warning_and_no_traceback(
    bot: RunningBot, migrated_database_url: str, tmp_path, caplog: pytest.LogCaptureFixture
) -> None:
    if make_url(migrated_database_url).get_backend_name() == "sqlite":
        unreachable = f"sqlite+aiosqlite:///{tmp_path}/no/such/folder/backcoach.db"
    else:
        unreachable = "postgresql+asyncpg://backcoach@127.0.0.1:1/backcoach"  # nothing listens
    engine = create_async_engine(unreachable)
    assert bot.application is not None
    dispatcher = dispatch.Dispatcher(bot.application, reminder_composer(bot.services.content))
    dispatcher.sessions = async_sessionmaker(engine)
    caplog.set_level(logging.DEBUG, logger="bot")
    try:
        assert await dispatcher.drain() == dispatch.Report()
    finally:
        await engine.dispose()
    said = [record for record in caplog.records if record.name.startswith("bot")]
    assert [record.levelno for record in said] == [logging.WARNING]
    assert said[0].exc_info is None
    assert said[0].getMessage().startswith("Reminders: cannot reach the database (")
    assert said[0].getMessage().endswith("); trying again at the next tick")


async def test_the_fake_bot_api_hangs_resets_or_fails_as_telegram_would(
    api: FakeBotAPI,
) -> None:
    user = api.user(9500)
    async with Bot(api.token, base_url=api.base_url, request=HTTPXRequest()) as bot:
        failures: list[Failure] = []
        for mode in ("error", "reset"):
            api.outage(mode, methods=["sendMessage"])
            with pytest.raises(NetworkError) as failed:
                await bot.send_message(9500, mode)
            failures.append(classify(failed.value))
            await bot.get_me()  # the other methods still answer
            api.end_outage()
        assert failures == [Failure.NOT_SENT, Failure.MAYBE_SENT]
        assert [event.text for event in user.history] == ["reset"]  # carried out, then reset

        api.outage("hang", methods=["sendMessage"])
        with pytest.raises(TimedOut) as gave_up:
            await bot.send_message(9500, "given up", read_timeout=0.2)
        assert classify(gave_up.value) is Failure.MAYBE_SENT
        await api.wait_until(lambda: api.calls_to("sendMessage")[-1].error is not None)
        api.end_outage()

        # A client that waits through a hang gets its answer once the outage ends.
        api.outage("hang", methods=["sendMessage"])
        waiting = asyncio.create_task(bot.send_message(9500, "waited", read_timeout=PATIENCE))
        await api.wait_until(
            lambda: api.calls_to("sendMessage")[-1].params.get("text") == "waited")
        api.end_outage()
        await waiting
        assert api.calls_to("sendMessage")[-1].outage == "hang"
        assert [event.text for event in user.history] == ["reset", "waited"]

        # An outage for a time is over once that time has passed, however slow the machine.
        api.outage("hang", 0.2)
        await asyncio.sleep(0.3)
        await bot.send_message(9500, "after it", read_timeout=PATIENCE)
        assert api.calls_to("sendMessage")[-1].outage is None


def test_a_failure_inside_the_http_library_counts_as_maybe_sent() -> None:
    # python-telegram-bot wraps what it does not know; nothing says it was not written.
    error = NetworkError("Unknown error in HTTP implementation: RuntimeError()")
    error.__cause__ = RuntimeError()
    assert classify(error) is Failure.MAYBE_SENT
    answered = NetworkError("Bad Gateway (502). Parsing the server response b'<html>' failed")
    answered.__cause__ = TelegramError("Invalid server response")
    assert classify(answered) is Failure.NOT_SENT


def test_the_reminder_timeout_is_a_setting_with_one_line_for_a_bad_value() -> None:
    environment = {"TELEGRAM_BOT_TOKEN": "123456789:AAHfakeTokenForTestsOnly_abc"}
    assert Settings.from_env(environment, dotenv=None).reminder_timeout == 5
    assert Settings.from_env({**environment, "BACKCOACH_REMINDER_TIMEOUT": "0.5"},
                             dotenv=None).reminder_timeout == 0.5
    for bad in ("0", "-1", "soon", "121"):
        with pytest.raises(ConfigError, match=r"^BACKCOACH_REMINDER_TIMEOUT must be a number"):
            Settings.from_env({**environment, "BACKCOACH_REMINDER_TIMEOUT": bad}, dotenv=None)
