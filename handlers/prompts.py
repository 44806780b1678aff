"""Sending what a person in the middle of a workout is waiting for."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TypeVar

from bot.app import Services
from bot.sending.retry import with_retries

T = TypeVar("T")


async def deliver(svc: Services, request: Callable[[], Awaitable[T]]) -> T:
    """``request``, tried again on failures that may pass (``bot.sending.retry``).

    A prompt shown twice costs less than one lost while the person lies on the floor waiting
    for it, so a request that may have arrived already is sent again too."""
    sleep = partial(scaled_sleep, svc)
    return await with_retries(request, sleep=sleep, maybe_sent_too=True)


async def scaled_sleep(svc: Services, seconds: float) -> None:
    await asyncio.sleep(svc.scaled(seconds))
