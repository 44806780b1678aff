"""Trying a Bot API request again when its failure may pass: a few times, further apart each.

Only transient failures (``bot.sending.failures``) are tried again, and a request that may
already have been carried out only where the caller would rather send twice than not at all.
A 429 is waited out as Telegram asks, unless it asks for longer than anyone should be kept
waiting here; then, like every failure the tries could not get past, it is raised.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from telegram.error import RetryAfter, TelegramError

from bot.sending.failures import Failure, SendingStopped, classify, retry_after_seconds

T = TypeVar("T")

# Seconds to wait before each further try: five tries in under eight seconds ride out a brief
# outage of the Bot API and still leave the person waiting only a few seconds.
BACKOFF_SECONDS = (0.5, 1.0, 2.0, 4.0)
TRIES = len(BACKOFF_SECONDS) + 1
LONGEST_WAIT_SECONDS = 10.0

Sleep = Callable[[float], Awaitable[None]]


def worth_retrying(error: TelegramError, *, maybe_sent_too: bool) -> bool:
    if isinstance(error, SendingStopped):
        return False
    failure = classify(error)
    return failure.transient and (maybe_sent_too or failure is not Failure.MAYBE_SENT)


async def with_retries(
    request: Callable[[], Awaitable[T]], *, sleep: Sleep = asyncio.sleep,
    backoff: Sequence[float] = BACKOFF_SECONDS, maybe_sent_too: bool = False,
) -> T:
    """``request()``, tried once more after each transient failure, waiting ``backoff``'s
    seconds in turn through ``sleep`` (which may scale them)."""
    for wait in backoff:
        try:
            return await request()
        except TelegramError as error:
            if not worth_retrying(error, maybe_sent_too=maybe_sent_too):
                raise
            if isinstance(error, RetryAfter):
                wait = max(wait, retry_after_seconds(error))
                if wait > LONGEST_WAIT_SECONDS:
                    raise
        await sleep(wait)
    return await request()
