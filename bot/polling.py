"""A poll for updates that fails: one line that says what happened, not a traceback per poll.

python-telegram-bot keeps polling after a failure, waiting longer each time (up to 30 s), and
hands each failure to the application. A failed poll is not a bug: the network or Telegram is
having a moment, or a second copy of the bot is polling with the same token. So each kind of
trouble is logged once, as one WARNING line that says what happens next, and again only if it
still goes on ``REPEAT_AFTER`` seconds later, so an operator sees it without a flood.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from telegram.error import Conflict, TelegramError

logger = logging.getLogger(__name__)

REPEAT_AFTER = 600.0


class PollingTrouble:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._last_said: dict[str, float] = {}

    def __call__(self, error: TelegramError) -> None:
        kind, line = describe(error)
        now = self._clock()
        said = self._last_said.get(kind)
        if said is not None and now - said < REPEAT_AFTER:
            return
        self._last_said[kind] = now
        logger.warning("%s%s", line, " (still)" if said is not None else "")


def describe(error: TelegramError) -> tuple[str, str]:
    if isinstance(error, Conflict):
        return "conflict", (
            "Another copy of this bot is polling Telegram with the same token (409 Conflict): "
            "only one copy gets the updates. Stop the other copy; this one keeps trying."
        )
    return "network", (
        f"Polling Telegram for updates failed ({error.message}); trying again in a few seconds"
    )
