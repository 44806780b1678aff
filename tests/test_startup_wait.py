"""The first contact with the Bot API at start: transient failures are waited out, briefly."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, Settings
from bot.fakeapi import FakeBotAPI
from bot.startup import pauses, reach_bot_api, unreachable
from tests.harness import bot_environment


class Waits:
    """Stands in for asyncio.sleep: records each pause instead of taking it."""

    def __init__(self) -> None:
        self.taken: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.taken.append(seconds)


def settings_for(api: FakeBotAPI, **extra: str) -> Settings:
    return Settings.from_env(bot_environment(api, "sqlite+aiosqlite://", **extra), dotenv=None)


def test_pauses_grow_then_level_off_and_add_up_to_the_window() -> None:
    assert pauses(60) == [1, 2, 4, 8, 15, 15, 15]
    assert pauses(3) == [1, 2]
    assert pauses(2.5) == [1, 1.5]
    assert pauses(0) == []


async def test_a_bot_api_answering_502_twice_is_reached_on_the_third_try(
    api: FakeBotAPI,
) -> None:
    api.fail_next("getMe", error_code=502, description="Bad Gateway", times=2)
    said: list[str] = []
    waits = Waits()
    await reach_bot_api(settings_for(api), said.append, sleep=waits)
    assert waits.taken == [1, 2]
    assert len(said) == 2 and all("Bad Gateway" in line and "trying again" in line
                                  for line in said)
    assert len(api.calls_to("getMe")) == 3


async def test_a_bot_api_that_keeps_failing_is_given_up_on_after_the_window(
    api: FakeBotAPI,
) -> None:
    api.fail_next("getMe", error_code=500, description="Internal Server Error", times=100)
    waits = Waits()
    with pytest.raises(ConfigError) as failed:
        await reach_bot_api(settings_for(api, BACKCOACH_START_WAIT="10"), [].append, sleep=waits)
    assert sum(waits.taken) == 10
    assert str(failed.value).startswith("TELEGRAM_API_URL: cannot reach the Bot API at "
                                        f"{api.base_url} (Internal Server Error)")


async def test_a_rejected_token_is_not_waited_for(api: FakeBotAPI) -> None:
    settings = Settings.from_env({
        **bot_environment(api, "sqlite+aiosqlite://"),
        "TELEGRAM_BOT_TOKEN": "123456789:AAHfakeTokenForTestsOnly_abcdefgh"}, dotenv=None)
    waits = Waits()
    with pytest.raises(ConfigError, match=r"^TELEGRAM_BOT_TOKEN was rejected"):
        await reach_bot_api(settings, [].append, sleep=waits)
    assert waits.taken == []


def test_without_telegram_api_url_the_network_is_named_not_the_variable() -> None:
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": "123456789:AAHfakeTokenForTestsOnly_abc"},
                                 dotenv=None)
    line = str(unreachable(settings, "httpx.ConnectError: Name or service not known", 60))
    assert line.startswith("cannot reach the Telegram Bot API at https://api.telegram.org/bot")
    assert "network" in line and "after trying for 60 s" in line


def test_credentials_in_the_api_address_are_masked() -> None:
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": "123456789:AAHfakeTokenForTestsOnly_abc",
                                  "TELEGRAM_API_URL": "https://me:s3cret@proxy.example/bot"},
                                 dotenv=None)
    assert "s3cret" not in str(unreachable(settings, "boom", 1))
    assert "s3cret" not in repr(settings)
    assert settings.telegram_api_url_for_display == "https://me:***@proxy.example/bot"
