"""Stopping the real bot process under load: it stops at once, sends nothing more, loses no
reminder and stores every live workout, which the next start offers again.

The load: hundreds of people waiting for a reply (at Telegram's pace, over ten seconds of
sending) and a burst of reminders due, beside live workouts. A stop that let the queue
drain would go on sending for as long; this one sends only what was already on its way."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import pytest

from bot.fakeapi import FakeBotAPI
from tests.processes import exercising, fill, start_bot, stored

WORKOUT_CHATS = range(7001, 7004)
# Reminders due at once: at Telegram's pace (29 a second) over a minute of sending.
REMINDER_CHATS = range(800_000, 802_000)
# People who each sent /help just before the stop.
WAITING_CHATS = range(900_000, 900_400)
REMINDER_METHODS = ("sendMessage", "sendAnimation")
# What may still be sent after the signal: the requests already on their way (the reminders
# in flight, the one request the limiter let through), never the queue behind them.
ON_THEIR_WAY = 20
SHOWING = (*REMINDER_METHODS, "sendVoice", "editMessageText", "editMessageCaption",
           "editMessageReplyMarkup", "deleteMessage")


def replied(api: FakeBotAPI) -> int:
    return sum(1 for call in api.calls_to("sendMessage")
               if call.error is None and call.params.get("chat_id") in WAITING_CHATS)


def reminders_sent(api: FakeBotAPI) -> list[float]:
    return [call.timestamp for call in api.calls if call.method in REMINDER_METHODS
            and call.error is None and call.params.get("chat_id") in REMINDER_CHATS]


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
async def test_a_stop_under_load_is_quick_sends_nothing_more_and_loses_nothing(
    api: FakeBotAPI, database_url: str, tmp_path: Path, stop_signal: signal.Signals
) -> None:
    await fill(database_url, WORKOUT_CHATS, REMINDER_CHATS)
    api.set_rate_limit(global_per_second=30)
    process = await start_bot(api, database_url, tmp_path)
    try:
        users = [api.user(chat_id) for chat_id in WORKOUT_CHATS]
        await asyncio.gather(*(exercising(user) for user in users))
        await api.wait_until(lambda: len(reminders_sent(api)) >= 30, timeout=60)
        waiting = [api.user(chat_id) for chat_id in WAITING_CHATS]
        for user in waiting:
            await user.send("/help")
        await api.wait_until(lambda: replied(api) >= 10, timeout=60)
    finally:
        signalled = time.monotonic()
        process.send_signal(stop_signal)
        _, stderr = await asyncio.wait_for(process.communicate(), 300)
    log = stderr.decode()
    assert process.returncode == 0, log[-2000:]
    assert "Traceback" not in log and " ERROR " not in log, log[-2000:]

    # Nothing that waited for its turn went out after the signal.
    after = [c.method for c in api.calls if c.method in SHOWING and c.timestamp > signalled]
    assert len(after) <= ON_THEIR_WAY, f"{len(after)} sent after the signal"
    assert replied(api) < len(WAITING_CHATS) / 2, "the replies were all sent first"
    sent = reminders_sent(api)
    # Nothing lost: every reminder not sent is still due, to be sent after the restart.
    live, due = await stored(database_url)
    assert due == len(REMINDER_CHATS) - len(sent)
    assert live == len(WORKOUT_CHATS)

    # The next start offers every workout again, from the start of its exercise.
    read = {user.id: len(user.history) for user in users}
    api.set_rate_limit(global_per_second=None)
    process = await start_bot(api, database_url, tmp_path)
    try:
        for user in users:
            offer = await user.expect("interrupted because I restarted", timeout=60)
            assert offer.kind == "animation"
            assert len(user.history) > read[user.id]
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.communicate(), 120)
