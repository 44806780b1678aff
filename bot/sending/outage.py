"""A Bot API that stops answering: send nothing more, check it cheaply until it answers, go on.

A message sent into an outage either certainly did not get through (a 5xx, no connection) or
may have (a timeout, a connection reset after the request was written: see ``failures``), and
the second kind cannot be sent again without risking a double. So the first such failure is
taken as the start of an outage: the sender sends nothing more and asks ``getMe`` (no chat, no
message) after 1, 2, 4, 8, 16 and then every 30 seconds until the Bot API answers. However long
the outage, only what was already in flight when it began can be lost.

An API that answers ``getMe`` may still fail to send messages. So after an outage one message
goes alone, and the others follow once it gets an answer; if it fails too, the checks go on at
the pace they had reached (only an answered message starts them again from one second), so a
fault that hits sending alone costs at most one message every ``LONGEST_PAUSE`` seconds.

An outage is one WARNING line as it begins (and again every ten minutes while it goes on, not
once per check), and one INFO line when the Bot API answers again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from telegram import Bot
from telegram.error import TelegramError

from bot.sending.failures import classify

logger = logging.getLogger(__name__)

FIRST_PAUSE = 1.0
LONGEST_PAUSE = 30.0
STOP_CHECK = 0.25  # how soon a stopping bot is noticed while an outage is waited out
WARN_AGAIN_AFTER = 600.0  # an API that keeps failing gets a WARNING line every ten minutes


class Outage:
    """Whether the Bot API answers, as the sender last saw it; waits for it when it does not."""

    def __init__(self, bot: Bot, *, timeout: float, keep_going: Callable[[], bool]) -> None:
        self.bot = bot
        self.timeout = timeout
        self.keep_going = keep_going
        self.cause: str | None = None  # what the failure that began it said; None: no outage
        self.alone = False  # after an outage, until a message is answered: one at a time
        self._pause = FIRST_PAUSE
        self._began = 0.0
        self._warned: float | None = None  # when the last WARNING line was logged

    @property
    def on(self) -> bool:
        return self.cause is not None

    def failed(self, error: TelegramError) -> None:
        """A request got no answer, or a 5xx: nothing more is to be sent until ``wait_out``."""
        if self.cause is None:
            self.cause = error.message
            self._began = time.monotonic()

    def answered(self) -> None:
        """A message got an answer (a refusal counts: the Bot API is there)."""
        self.alone = False
        self._pause = FIRST_PAUSE

    async def wait_out(self) -> bool:
        """Check until the Bot API answers: True, and sending may go on (one message first);
        False if ``keep_going()`` turns false before."""
        log, now = logger.info, time.monotonic()
        if self._warned is None or now - self._warned >= WARN_AGAIN_AFTER:
            log, self._warned = logger.warning, now
        log("Reminders: the Bot API does not answer (%s); nothing more is sent until it does",
            self.cause)
        while True:
            if not await self._sleep(self._pause):
                return False
            self._pause = min(self._pause * 2, LONGEST_PAUSE)
            if await self._answers():
                break
        logger.info("Reminders: the Bot API answers again, after %.0f s; sending what is due",
                    time.monotonic() - self._began)
        self.cause = None
        self.alone = True
        return True

    async def _answers(self) -> bool:
        try:
            await self.bot.get_me(read_timeout=self.timeout, write_timeout=self.timeout,
                                  connect_timeout=self.timeout)
        except TelegramError as error:
            if classify(error).transient:
                logger.debug("Reminders: the Bot API still does not answer (%s)", error.message)
                return False
        return True

    async def _sleep(self, seconds: float) -> bool:
        """Sleep, False as soon as ``keep_going()`` turns false."""
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        while (left := end - loop.time()) > 0:
            if not self.keep_going():
                return False
            await asyncio.sleep(min(left, STOP_CHECK))
        return self.keep_going()
