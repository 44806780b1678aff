"""Each chat's latest safety screen, kept in memory once read, so that /start, /workout and the
rest do not ask the database for it on every update.

A stale entry could let someone exercise whom a newer screen stopped, so the cache does not
rely on the code that writes screens remembering it: the session itself reports every write. A
flush that adds, changes or deletes a ``ScreeningResult``, or deletes a ``Chat`` (its screens
go with it), drops that chat's entry; a statement that deletes or updates screens, or deletes
chats, any other way (``DELETE FROM screening_results WHERE ...``, /forget's table-by-table
delete) drops every entry. Both drop again when the transaction ends, and while such a
transaction is open nothing read from the database is kept (a reader could have read what was
about to change). The price: after a screen is stored, every chat's entry is read again once,
which at one screen a month per person is little.

It holds at most ``CAPACITY`` chats, the least recently used going first.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Delete, Table, Update, event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction
from sqlalchemy.orm.session import SessionTransaction

from bot.models import Chat, ScreeningResult

INFO_KEY = "latest_screens"
# In a session's info: what its open transaction has written (chat ids, or EVERY_CHAT).
_WRITTEN_KEY = "latest_screens_written"
EVERY_CHAT = "every chat"
CAPACITY = 100_000


@dataclass(frozen=True)
class Screen:
    """What the gates need of a stored screen: its outcome and when it was answered."""

    outcome: str
    completed_at: datetime


class LatestScreens:
    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._screens: OrderedDict[int, Screen | None] = OrderedDict()
        # Transactions writing screens now, and a count of writes begun and ended, which tells
        # a reader whether one happened while it was reading.
        self._writing = 0
        self._version = 0

    def get(self, chat_id: int) -> tuple[bool, Screen | None]:
        """(True, the screen or None for none stored) if known, else (False, None)."""
        if chat_id not in self._screens:
            return False, None
        self._screens.move_to_end(chat_id)
        return True, self._screens[chat_id]

    def reading(self) -> int | None:
        """Before reading from the database: a token for ``keep``, None if nothing read now
        may be kept."""
        return None if self._writing else self._version

    def keep(self, token: int | None, chat_id: int, screen: Screen | None) -> None:
        """After reading: keep what was read, unless a write began or ended meanwhile."""
        if token is None or self._writing or token != self._version:
            return
        self._screens[chat_id] = screen
        self._screens.move_to_end(chat_id)
        while len(self._screens) > self.capacity:
            self._screens.popitem(last=False)

    def begin_write(self, written: set[int] | str) -> None:
        self._writing += 1
        self._version += 1
        self.drop(written)

    def end_write(self, written: set[int] | str) -> None:
        self._writing -= 1
        self._version += 1
        self.drop(written)

    def drop(self, written: set[int] | str) -> None:
        if written == EVERY_CHAT:
            self._screens.clear()
            return
        for chat_id in written:
            self._screens.pop(chat_id, None)


def of(session: AsyncSession | Session) -> LatestScreens | None:
    """The cache of the session's sessionmaker, if it has one."""
    return session.info.get(INFO_KEY)


def _note_written(session: Session, written: set[int] | str) -> None:
    screens = of(session)
    if screens is None or not written:
        return
    before: set[int] | str | None = session.info.get(_WRITTEN_KEY)
    if before is None:
        session.info[_WRITTEN_KEY] = written
        screens.begin_write(written)
        return
    merged = EVERY_CHAT if EVERY_CHAT in (before, written) else {*before, *written}
    session.info[_WRITTEN_KEY] = merged
    screens.drop(written)


@event.listens_for(Session, "before_flush")
def _on_flush(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    chats: set[int] = set()
    for instance in (*session.new, *session.dirty, *session.deleted):
        if isinstance(instance, ScreeningResult) and instance.chat_id is not None:
            chats.add(instance.chat_id)
    chats.update(instance.id for instance in session.deleted
                 if isinstance(instance, Chat) and instance.id is not None)
    _note_written(session, chats)


@event.listens_for(Session, "do_orm_execute")
def _on_statement(state: ORMExecuteState) -> None:
    statement = state.statement
    if not isinstance(statement, Delete | Update) or not isinstance(statement.table, Table):
        return
    name = statement.table.name
    if name == ScreeningResult.__tablename__ or (
            name == Chat.__tablename__ and isinstance(statement, Delete)):
        _note_written(state.session, EVERY_CHAT)


@event.listens_for(Session, "after_transaction_end")
def _on_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return
    written = session.info.pop(_WRITTEN_KEY, None)
    screens = of(session)
    if written is not None and screens is not None:
        screens.end_write(written)
