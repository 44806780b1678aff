"""Which waiting request goes next: three classes, one overall pace, a limit per chat.

Telegram lets a bot send about 30 messages a second in all and about one a second to one chat,
short bursts allowed. One first-come-first-served queue lets a burst of reminders hold back the
prompt a person on the floor is waiting for. The gate keeps a queue per class and, each time
the overall pace allows one more request, lets through the first request of the most urgent
class whose chat may have one now:

1. ``URGENT``: what a person is waiting for right now (the reply to a press or a message, the
   prompts of a live workout). A request that names no class is urgent.
2. ``BULK``: reminders. They take all the capacity the urgent class leaves.
3. ``COSMETIC``: updates of which only the latest counts (a countdown edit). One waits per key
   (its message); a newer one takes the place of the one waiting, which is dropped.

Per chat, a bucket of ``chat_burst`` requests refills at ``chat_rate`` a second, so that one
busy chat cannot take everyone's turn: while it waits, other chats' requests go. A ``hold``
(after Telegram's 429 with retry_after) stops everything for that long.

Nothing here waits or knows Telegram: the caller asks ``next_grant(now)`` and sleeps as told
(``bot.sending.limiter`` does, for python-telegram-bot). The price: a request that cannot go
yet because of its chat is looked past, not forgotten, by scanning at most ``LOOK_AHEAD``
requests of each class; beyond that, a class waits for its head.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass, field
from enum import IntEnum


class Urgency(IntEnum):
    URGENT = 0
    BULK = 1
    COSMETIC = 2


LOOK_AHEAD = 64
MAX_CHATS = 10_000  # buckets kept before the idle ones are forgotten


@dataclass(eq=False)
class Ticket:
    """One waiting request; ``dropped`` once a newer cosmetic update replaced it."""

    urgency: Urgency
    chat_id: int | None
    key: Hashable | None = None
    dropped: bool = False


@dataclass
class _ChatBucket:
    tokens: float
    updated: float


@dataclass
class Gate:
    rate: float = 29.0  # requests a second in all
    chat_rate: float = 1.0  # requests a second to one chat, on average
    chat_burst: int = 5  # requests one chat may get at once
    _queues: dict[Urgency, deque[Ticket]] = field(
        default_factory=lambda: {urgency: deque() for urgency in Urgency})
    _waiting_by_key: dict[Hashable, Ticket] = field(default_factory=dict)
    _chats: dict[int, _ChatBucket] = field(default_factory=dict)
    _next_slot: float = 0.0

    def add(self, ticket: Ticket) -> Ticket | None:
        """Queue ``ticket``; returns the cosmetic ticket it replaced (now dropped), if any: a
        request with the same key replaces a cosmetic one still waiting, whatever its own
        class, so that an older countdown never lands after the newer status."""
        replaced = None
        if ticket.key is not None:
            replaced = self.drop(ticket.key)
            if ticket.urgency is Urgency.COSMETIC:
                self._waiting_by_key[ticket.key] = ticket
        self._queues[ticket.urgency].append(ticket)
        return replaced

    def drop(self, key: Hashable) -> Ticket | None:
        """Give up the cosmetic request of ``key`` still waiting, if any; it is returned."""
        dropped = self._waiting_by_key.pop(key, None)
        if dropped is not None:
            dropped.dropped = True
            self._queues[Urgency.COSMETIC].remove(dropped)
        return dropped

    def withdraw(self, ticket: Ticket) -> None:
        """A waiting request given up (its caller went away)."""
        queue = self._queues[ticket.urgency]
        if ticket in queue:
            queue.remove(ticket)
        if ticket.key is not None and self._waiting_by_key.get(ticket.key) is ticket:
            del self._waiting_by_key[ticket.key]

    def clear(self) -> None:
        """Every waiting request given up at once (the bot is stopping)."""
        for queue in self._queues.values():
            queue.clear()
        self._waiting_by_key.clear()

    def hold(self, now: float, seconds: float) -> None:
        """Let nothing through for ``seconds`` (Telegram said retry_after)."""
        self._next_slot = max(self._next_slot, now + seconds)

    @property
    def waiting(self) -> int:
        return sum(len(queue) for queue in self._queues.values())

    def next_grant(self, now: float) -> tuple[Ticket | None, float | None]:
        """The request to let through at ``now``, or None and how long to wait before asking
        again (None: until a request is added)."""
        if not self.waiting:
            return None, None
        if now < self._next_slot:
            return None, self._next_slot - now
        soonest: float | None = None
        for urgency in Urgency:
            queue = self._queues[urgency]
            for position, ticket in enumerate(queue):
                if position >= LOOK_AHEAD:
                    break
                wait = self._chat_wait(ticket.chat_id, now)
                if wait <= 0:
                    del queue[position]
                    self._grant(ticket, now)
                    return ticket, None
                soonest = wait if soonest is None else min(soonest, wait)
        return None, soonest

    def _grant(self, ticket: Ticket, now: float) -> None:
        if ticket.key is not None and self._waiting_by_key.get(ticket.key) is ticket:
            del self._waiting_by_key[ticket.key]
        self._next_slot = max(self._next_slot, now) + 1 / self.rate
        if ticket.chat_id is not None:
            if len(self._chats) > MAX_CHATS:
                self._forget_idle_chats(now)
            bucket = self._bucket(ticket.chat_id, now)
            bucket.tokens -= 1

    def _chat_wait(self, chat_id: int | None, now: float) -> float:
        if chat_id is None:
            return 0.0
        bucket = self._bucket(chat_id, now)
        return 0.0 if bucket.tokens >= 1 else (1 - bucket.tokens) / self.chat_rate

    def _bucket(self, chat_id: int, now: float) -> _ChatBucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            bucket = self._chats[chat_id] = _ChatBucket(float(self.chat_burst), now)
        else:
            bucket.tokens = min(float(self.chat_burst),
                                bucket.tokens + (now - bucket.updated) * self.chat_rate)
            bucket.updated = now
        return bucket

    def _forget_idle_chats(self, now: float) -> None:
        """A full bucket is what an unknown chat gets: the chats that have one are dropped."""
        full = [chat_id for chat_id, bucket in self._chats.items()
                if bucket.tokens + (now - bucket.updated) * self.chat_rate >= self.chat_burst]
        for chat_id in full:
            del self._chats[chat_id]
