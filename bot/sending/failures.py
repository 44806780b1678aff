"""What a failed Bot API request says about the message it carried.

python-telegram-bot turns every failure into a ``TelegramError``; for sending, the question
that matters is whether the message may have reached the person. A request that never left
(the connection could not be made) or that Telegram answered with an error (5xx, 429) certainly
did not deliver anything, so sending it again cannot double it. A request that was written and
then got no answer (a read timeout, a connection reset or closed before the reply) may have
been carried out: sending it again could send it twice.
"""

from __future__ import annotations

import warnings
from datetime import timedelta
from enum import Enum
from typing import Any

import httpx
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.warnings import PTBDeprecationWarning

from bot.sending.http import NEVER_WRITTEN


class Failure(Enum):
    NOT_SENT = "not sent"  # certainly not delivered, and may work later
    MAYBE_SENT = "maybe sent"  # written, then no answer: it may have arrived
    RATE_LIMITED = "rate limited"  # 429: not delivered; wait retry_after
    BLOCKED = "blocked"  # 403, or the chat is gone: nobody to send to
    REFUSED = "refused"  # any other answer that says no; the same request will not do better

    @property
    def transient(self) -> bool:
        """The Bot API did not answer properly: the next try may work."""
        return self in (Failure.NOT_SENT, Failure.MAYBE_SENT, Failure.RATE_LIMITED)


class SendingStopped(NetworkError):
    """The bot is stopping: the request was never sent, and will not be."""

    def __init__(self) -> None:
        super().__init__("The bot is stopping; nothing more is sent")


# The request never reached the server: nothing can have been carried out (with httpx, the
# one-off requests' client, or with aiohttp, the running bot's: bot/sending/http.py).
_NEVER_WRITTEN = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, *NEVER_WRITTEN)


def classify(error: BaseException) -> Failure:
    if isinstance(error, RetryAfter):
        return Failure.RATE_LIMITED
    if isinstance(error, Forbidden | ChatMigrated):
        return Failure.BLOCKED
    if isinstance(error, BadRequest):
        return Failure.BLOCKED if "chat not found" in error.message.lower() else Failure.REFUSED
    if isinstance(error, SendingStopped):
        return Failure.NOT_SENT
    if isinstance(error, NetworkError):  # TimedOut is a NetworkError too
        cause = error.__cause__
        if isinstance(cause, _NEVER_WRITTEN):
            return Failure.NOT_SENT
        # Behind it a transport error, or one python-telegram-bot does not know ("Unknown error
        # in HTTP implementation"): nothing says the request was not carried out.
        if isinstance(error, TimedOut) or (
                cause is not None and not isinstance(cause, TelegramError)):
            return Failure.MAYBE_SENT
        # The server answered with a 5xx status (at worst with a body that is not JSON).
        return Failure.NOT_SENT
    if isinstance(error, TelegramError):
        return Failure.REFUSED
    return Failure.REFUSED


def retry_after_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # the int/timedelta migration warns on every read
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: Any = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
