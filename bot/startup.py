"""Waiting for the Bot API at start: a network that is not up yet is waited for, briefly.

A bot started together with its machine (or its container) often comes up before the network
does, and the Bot API itself answers 5xx now and then. So the first contact is retried with a
growing pause, one line on stderr per wait, for ``Settings.start_wait`` seconds (60 by default);
then the bot gives up with one line that names the cause and the address. A rejected token or an
address that is not a Bot API ends it at once: waiting would not change the answer. Nothing is
created on disk before this succeeds, so a failed start leaves no empty database behind.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from telegram.error import InvalidToken, TelegramError

from bot.config import ConfigError, Settings
from bot.sending.failures import classify
from bot.sending.http import one_off_bot

FIRST_PAUSE = 1.0
LONGEST_PAUSE = 15.0

Say = Callable[[str], None]
Sleep = Callable[[float], Awaitable[None]]


def pauses(window: float) -> list[float]:
    """The waits between tries: 1, 2, 4, 8, 15, 15, … seconds, adding up to ``window``."""
    waits: list[float] = []
    pause, left = FIRST_PAUSE, window
    while left > 0:
        waits.append(min(pause, left))
        left -= waits[-1]
        pause = min(pause * 2, LONGEST_PAUSE)
    return waits


def bot_api_address(settings: Settings) -> str:
    return settings.telegram_api_url_for_display


def describe(error: TelegramError, settings: Settings) -> str:
    return str(error).replace(settings.token, "<token>")


def unreachable(settings: Settings, cause: str, waited: float) -> ConfigError:
    after = f" after trying for {waited:g} s" if waited else ""
    if settings.telegram_api_url_is_default:
        return ConfigError(
            f"cannot reach the Telegram Bot API at {bot_api_address(settings)} ({cause}){after}: "
            "check this machine's network (or set TELEGRAM_API_URL to a local Bot API server)"
        )
    return ConfigError(
        f"TELEGRAM_API_URL: cannot reach the Bot API at {bot_api_address(settings)} "
        f"({cause}){after}"
    )


async def reach_bot_api(settings: Settings, say: Say, *, sleep: Sleep = asyncio.sleep) -> None:
    """Ask the Bot API who we are until it answers, or raise :class:`ConfigError`."""
    waits, waited = pauses(settings.start_wait), 0.0
    while True:
        # One connection of its own, closed after each try: the application opens its own later.
        async with one_off_bot(settings) as bot:
            try:
                await bot.get_me()
                return
            except InvalidToken:
                raise ConfigError(
                    "TELEGRAM_BOT_TOKEN was rejected by the Bot API: check the token from "
                    "@BotFather"
                ) from None
            except TelegramError as error:
                if not classify(error).transient or not waits:
                    raise unreachable(settings, describe(error, settings), waited) from None
                pause = waits.pop(0)
                say(f"cannot reach the Bot API at {bot_api_address(settings)} "
                    f"({describe(error, settings)}); trying again in {pause:g} s")
        await sleep(pause)
        waited += pause
