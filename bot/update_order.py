"""Handling updates of different chats at once, and each chat's in the order they came.

python-telegram-bot handles one update at a time by default: a handler that waits for its
reply to be sent (behind a burst of reminders, say) keeps every other chat waiting too. With
this processor the updates of different chats are handled side by side, while one chat's
updates still wait for each other, in the order Telegram gave them, so that its conversations
(the safety questions, /remind) read its answers in order. An update with no chat (none of
the bot's handlers has one) waits for no chat's turn.

The price: work for different chats now interleaves, so shared state (the live workouts, the
dispatcher) must not assume one update at a time; it lives in per-chat entries or behind
its own locks already.

``MAX_AT_ONCE`` bounds the updates being handled, and an update takes its place only once its
chat's turn has come: the updates a chat queued behind its own (someone tapping a button again
and again) wait without keeping other chats out. Sixteen keep up with Telegram: at its ~30
messages a second, each taking about a tenth of a second to go and come back, only a few
sends are under way at any moment; and the database has fifteen connections on PostgreSQL
(one on a SQLite file), for which more handlers would only queue. More at once cost more:
each reply under way holds an HTTP connection of its own, and the HTTP client's work for
every request grows with the connections it holds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

MAX_AT_ONCE = 16
# python-telegram-bot takes its own bound first, before an update waits for its chat's turn,
# so one chat's queued updates would count against every chat; it only bounds the updates
# waiting or in progress, set high enough never to hold one back (each is a task already).
MAX_WAITING = 4096


class PerChatOrder(BaseUpdateProcessor):
    def __init__(self, max_at_once: int = MAX_AT_ONCE) -> None:
        super().__init__(max(MAX_WAITING, max_at_once))
        self._handling = asyncio.Semaphore(max_at_once)
        # Per chat with an update in progress: its lock, and how many updates hold or wait.
        self._chats: dict[int, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            async with self._handling:
                await coroutine
            return
        lock, count = self._chats.get(chat.id) or (asyncio.Lock(), 0)
        self._chats[chat.id] = (lock, count + 1)
        try:
            async with lock, self._handling:
                await coroutine
        finally:
            lock, count = self._chats[chat.id]
            if count == 1:
                del self._chats[chat.id]  # nobody else holds or waits: forget the chat
            else:
                self._chats[chat.id] = (lock, count - 1)

    @property
    def busy_chats(self) -> int:
        """Chats with an update being handled or waiting."""
        return len(self._chats)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
