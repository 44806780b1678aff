"""Which chats have a row: an update from someone new then needs no query to learn that
nothing is stored about them (no language chosen, no screen, no reminders).

The ids are read once, in the background after start (``load``); until then every question goes
to the database. The direction that matters is never missing a row: a chat added by a flush is
known from that flush on (even one rolled back: that only sends its next question to the
database), and a statement that inserts chats any other way makes everything unknown until the
next ``load``. A chat deleted stays known, which only sends its questions to the database too.
About 100 bytes a chat: 10 MB for 100,000.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import Insert, Table, event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from bot.models import Chat

INFO_KEY = "known_chats"
LOAD_AT_ONCE = 5000


class KnownChats:
    def __init__(self) -> None:
        self._ids: set[int] = set()
        self._complete = asyncio.Event()
        # Counts the times everything became unknown, so that a load that began before it
        # does not claim to be complete.
        self._forgotten = 0

    @property
    def complete(self) -> bool:
        return self._complete.is_set()

    async def wait_complete(self) -> None:
        await self._complete.wait()

    def has_none(self, chat_id: int) -> bool:
        """True only if the chat surely has no row; False if it has or may have one."""
        return self.complete and chat_id not in self._ids

    def add(self, chat_ids: set[int]) -> None:
        self._ids |= chat_ids

    def forget_all(self) -> None:
        self._complete.clear()
        self._forgotten += 1

    async def load(self, sessions: async_sessionmaker) -> int:
        """Read every chat's id, ``LOAD_AT_ONCE`` at a time, each read taking the database
        connection for a moment only (a SQLite file has one, which updates wait for); how many
        chats there are. Chats added meanwhile are in ``_ids`` already."""
        forgotten, count, after = self._forgotten, 0, None
        while True:
            query = select(Chat.id).order_by(Chat.id).limit(LOAD_AT_ONCE)
            if after is not None:
                query = query.where(Chat.id > after)
            async with sessions() as session:
                ids = (await session.scalars(query)).all()
            self._ids.update(ids)
            count += len(ids)
            if len(ids) < LOAD_AT_ONCE:
                break
            after = ids[-1]
        if forgotten == self._forgotten:
            self._complete.set()
        return count


def of(session: AsyncSession | Session) -> KnownChats | None:
    return session.info.get(INFO_KEY)


def of_sessions(sessions: async_sessionmaker) -> KnownChats | None:
    return sessions.kw.get("info", {}).get(INFO_KEY)


@event.listens_for(Session, "before_flush")
def _on_flush(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    chats = of(session)
    if chats is not None:
        chats.add({instance.id for instance in session.new
                   if isinstance(instance, Chat) and instance.id is not None})


@event.listens_for(Session, "do_orm_execute")
def _on_statement(state: ORMExecuteState) -> None:
    statement = state.statement
    if (isinstance(statement, Insert) and isinstance(statement.table, Table)
            and statement.table.name == Chat.__tablename__):
        chats = of(state.session)
        if chats is not None:
            chats.forget_all()
