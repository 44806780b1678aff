"""Which chats have a row (bot/cache/known_chats.py): "surely none" only once every id is read,
and never for a chat added since, by a flush or a statement."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.cache import known_chats
from bot.cache.known_chats import KnownChats
from bot.chats import ensure_chat
from bot.models import Chat


async def test_nothing_is_surely_missing_until_the_ids_are_read(sessions: async_sessionmaker
                                                               ) -> None:
    async with sessions.begin() as session:
        await ensure_chat(session, 1)
    known = known_chats.of_sessions(sessions)
    assert known is not None and not known.has_none(2)
    assert await known.load(sessions) == 1
    assert (known.has_none(1), known.has_none(2)) == (False, True)


async def test_a_chat_added_by_a_flush_is_known_at_once(sessions: async_sessionmaker) -> None:
    known = known_chats.of_sessions(sessions)
    assert known is not None
    await known.load(sessions)
    async with sessions() as session:
        await ensure_chat(session, 5)
        assert not known.has_none(5)  # before the commit, and after a rollback too
        await session.rollback()
    assert not known.has_none(5)


async def test_chats_inserted_by_a_statement_make_everything_unknown(
    sessions: async_sessionmaker
) -> None:
    known = known_chats.of_sessions(sessions)
    assert known is not None
    await known.load(sessions)
    async with sessions.begin() as session:
        await session.execute(insert(Chat).values(id=7, language="en"))
    assert not known.has_none(7) and not known.has_none(8)
    await known.load(sessions)
    assert (known.has_none(7), known.has_none(8)) == (False, True)


class HeldQuery:
    """A sessionmaker whose query of ids answers [1] once released."""

    def __init__(self) -> None:
        self.release = asyncio.Event()

    def __call__(self) -> HeldQuery:
        return self

    async def __aenter__(self) -> HeldQuery:
        return self

    async def __aexit__(self, *_: object) -> None:
        pass

    async def scalars(self, _statement: object) -> ScalarResult:
        await self.release.wait()
        return ScalarResult([1])


@dataclass
class ScalarResult:
    ids: list[int]

    def all(self) -> list[int]:
        return self.ids


async def test_a_load_overtaken_by_an_insert_is_not_complete() -> None:
    known, query = KnownChats(), HeldQuery()
    loading = asyncio.create_task(known.load(query))  # type: ignore[arg-type]
    await asyncio.sleep(0)
    known.forget_all()  # chats inserted that the query may not see
    known.add({2})
    query.release.set()
    await loading
    assert not known.complete and not known.has_none(3)
    query.release.set()
    await known.load(query)  # type: ignore[arg-type]
    assert known.complete and (known.has_none(1), known.has_none(2), known.has_none(3)) == (
        False, False, True)


async def test_the_ids_are_read_a_few_at_a_time(
    sessions: async_sessionmaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(known_chats, "LOAD_AT_ONCE", 2)
    async with sessions.begin() as session:
        for chat_id in (11, 12, 13, 14, 15):
            await ensure_chat(session, chat_id)
    known = KnownChats()  # one that saw none of them added
    assert await known.load(sessions) == 5
    assert [known.has_none(chat_id) for chat_id in range(10, 17)] == [
        True, False, False, False, False, False, True]
