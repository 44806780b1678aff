"""The bot keeps few HTTP connections to the Bot API (``BACKCOACH_HTTP_CONNECTIONS``): many
chats answered at once take turns on them, and every one is answered."""

from __future__ import annotations

import asyncio

import pytest

from bot.config import ConfigError, Settings
from bot.fakeapi import FakeBotAPI
from tests.harness import RunningBot
from tests.test_config import TOKEN, settings


def test_the_setting_is_a_whole_number_from_1_to_256() -> None:
    assert settings().http_connections == 8
    assert settings(BACKCOACH_HTTP_CONNECTIONS="32").http_connections == 32
    for bad in ("0", "257", "2.5", "eight", "-1"):
        with pytest.raises(ConfigError, match=r"^BACKCOACH_HTTP_CONNECTIONS must be a whole"):
            Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "BACKCOACH_HTTP_CONNECTIONS": bad},
                              dotenv=None)


async def test_replies_to_many_chats_at_once_share_the_connections(
    api: FakeBotAPI, migrated_database_url: str
) -> None:
    bot = RunningBot(api, migrated_database_url, BACKCOACH_HTTP_CONNECTIONS="3")
    await bot.start()
    try:
        users = [api.user(8100 + n) for n in range(12)]
        # The replies hang at the server until told otherwise, so each holds its connection.
        api.outage("hang", methods=["sendMessage"])
        for user in users:
            await user.send("/help")
        await api.wait_until(lambda: len(api.calls_to("sendMessage")) >= 3)
        await asyncio.sleep(0.05)
        assert len(api.calls_to("sendMessage")) == 3  # the other nine wait for a connection
        api.end_outage()
        for user in users:
            await user.expect("/workout")
        connections = {call.connection for call in api.calls_to("sendMessage")}
        assert len(api.calls_to("sendMessage")) == 12
        assert None not in connections and len(connections) <= 3
    finally:
        await bot.stop()
