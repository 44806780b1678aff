"""Webhook mode: Telegram posts the updates, the bot checks the secret token on each.

The fake Bot API posts every update to the address the bot gave in setWebhook, through real
HTTP, as Telegram does; the bot runs as in production (python-telegram-bot's webhook server).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select

from bot.fakeapi import FakeBotAPI
from bot.fakeapi.webhook import SECRET_HEADER
from bot.models import BotSetting, Chat
from bot.ops.webhook import SECRET_SETTING
from handlers import ALLOWED_UPDATES
from tests.harness import FakeClock, ManualTimers, RunningBot, bot_environment, started
from tests.test_reminders_support import add_reminder, drain
from tests.test_screening import answer_by_buttons, begin, stored
from tests.test_startup import run_entry_point
from tests.workout_helpers import fire_until, start_knees


@pytest.fixture
async def webhook_bot(api: FakeBotAPI, migrated_database_url: str) -> AsyncIterator[RunningBot]:
    async with started(RunningBot(api, migrated_database_url, webhook=True)) as running:
        yield running


def webhook_url(bot: RunningBot) -> str:
    assert bot.settings.webhook_url is not None
    return bot.settings.webhook_url


async def test_the_bot_sets_its_webhook_and_never_polls(
    api: FakeBotAPI, webhook_bot: RunningBot
) -> None:
    [offered] = api.calls_to("setWebhook")
    assert offered.params["url"] == webhook_url(webhook_bot)
    assert offered.params["allowed_updates"] == ALLOWED_UPDATES
    assert offered.params["secret_token"]
    user = api.user(9101)
    await user.send("/help")
    await user.expect("/workout")
    assert api.calls_to("getUpdates") == []
    assert [post.status for post in api.webhook.posts] == [200]


async def test_the_safety_screen_by_webhook(api: FakeBotAPI, webhook_bot: RunningBot) -> None:
    user = api.user(9102)
    await begin(user)
    await answer_by_buttons(user)
    await user.expect("Nothing in your answers rules out")
    result = await stored(webhook_bot, 9102)
    assert result is not None and result.outcome == "cleared"
    assert api.calls_to("getUpdates") == []


async def test_a_workout_by_webhook(api: FakeBotAPI, migrated_database_url: str) -> None:
    timers = ManualTimers()
    async with started(RunningBot(api, migrated_database_url, webhook=True,
                                  timers=timers)) as bot:
        user = api.user(9103)
        await start_knees(bot, user)
        await fire_until(user, timers, "Release")
        await fire_until(user, timers, "Hold")
        await user.press("Pause")
        await user.expect("Paused")
    assert api.calls_to("getUpdates") == []


async def test_a_reminder_and_its_answer_by_webhook(
    api: FakeBotAPI, migrated_database_url: str
) -> None:
    clock = FakeClock("2026-03-28T06:00:00+00:00")
    async with started(RunningBot(api, migrated_database_url, webhook=True,
                                  clock=clock)) as bot:
        user = api.user(9104)
        await add_reminder(bot, 9104, "07:30")
        clock.set("2026-03-28T06:30:00+00:00")  # 07:30 in Berlin
        assert (await drain(bot)).sent == 1
        await user.expect("Time for a walk")
        await user.press("Done")
        await user.expect("How far did you walk?")
        await user.send("3")
        await user.expect("Logged: a 3 km walk")


async def post(url: str, update: dict[str, object], headers: dict[str, str]) -> int:
    async with aiohttp.ClientSession() as session, session.post(
        url, data=json.dumps(update), headers={"Content-Type": "application/json", **headers}
    ) as answer:
        return answer.status


async def test_a_post_without_the_right_secret_is_refused_and_changes_nothing(
    api: FakeBotAPI, webhook_bot: RunningBot
) -> None:
    forged = {"update_id": 1, "message": {
        "message_id": 1, "date": 1_770_000_000, "text": "/start",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        "chat": {"id": 9105, "type": "private", "first_name": "Eve"},
        "from": {"id": 9105, "is_bot": False, "first_name": "Eve"}}}
    url = webhook_url(webhook_bot)
    assert await post(url, forged, {}) == 403
    assert await post(url, forged, {SECRET_HEADER: "not-the-secret"}) == 403
    user = api.user(9105)
    await user.expect_nothing()
    async with webhook_bot.services.sessions() as session:
        assert await session.get(Chat, 9105) is None
    # The same update with the secret, as Telegram posts it, is handled.
    secret = api.calls_to("setWebhook")[-1].params["secret_token"]
    assert await post(url, forged, {SECRET_HEADER: secret}) == 200
    await user.expect("Back Coach")


async def test_a_secret_is_made_once_and_kept_across_restarts(
    api: FakeBotAPI, webhook_bot: RunningBot
) -> None:
    first = api.calls_to("setWebhook")[-1].params["secret_token"]
    async with webhook_bot.services.sessions() as session:
        kept = await session.scalar(select(BotSetting.value).where(
            BotSetting.name == SECRET_SETTING))
    assert kept == first and len(first) >= 32
    await webhook_bot.restart()
    assert api.calls_to("setWebhook")[-1].params["secret_token"] == first
    user = api.user(9106)
    await user.send("/help")
    await user.expect("/workout")


async def test_the_operators_secret_is_used_and_not_stored(
    api: FakeBotAPI, migrated_database_url: str
) -> None:
    async with started(RunningBot(api, migrated_database_url, webhook=True,
                                  BACKCOACH_WEBHOOK_SECRET="operators-own_secret")) as bot:
        assert api.calls_to("setWebhook")[-1].params["secret_token"] == "operators-own_secret"
        async with bot.services.sessions() as session:
            assert await session.get(BotSetting, SECRET_SETTING) is None
        user = api.user(9107)
        await user.send("/help")
        await user.expect("/workout")


async def test_back_to_polling_once_the_address_is_gone(
    api: FakeBotAPI, migrated_database_url: str
) -> None:
    bot = RunningBot(api, migrated_database_url, webhook=True)
    await bot.start()
    await bot.stop()
    async with started(RunningBot(api, migrated_database_url, webhook=False)):
        assert api.webhook.webhook is None  # python-telegram-bot deletes it to poll
        user = api.user(9108)
        await user.send("/help")
        await user.expect("/workout")


async def test_a_refused_address_stops_the_bot_in_one_line(
    api: FakeBotAPI, migrated_database_url: str, tmp_path: Path
) -> None:
    env = bot_environment(api, migrated_database_url)
    del env["LOG_LEVEL"]  # the default level, at which a refused start says one line
    env["BACKCOACH_WEBHOOK_URL"] = "https://no-such-host.invalid/backcoach"
    code, stderr = await run_entry_point(env, tmp_path, timeout=120)
    assert code == 2
    # Before it, at most the migrations' own INFO lines.
    *before, line = stderr.strip().splitlines()
    assert all(" INFO alembic." in earlier for earlier in before), before
    assert line.startswith("backcoach: BACKCOACH_WEBHOOK_URL: Telegram refused the webhook "
                           "address https://no-such-host.invalid/backcoach: ")
    assert "resolve host" in line and api.token not in line
    # Nothing was started: no message went out, nobody was polled for.
    assert api.calls_to("sendMessage") == [] and api.calls_to("getUpdates") == []
