"""Each chat's latest screen, kept in memory once read (bot/latest_screens.py): read from the
database once, and never older than what is stored, however a screen was written."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, event, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot import privacy, screening
from bot.cache import latest_screens
from bot.cache.latest_screens import LatestScreens, Screen
from bot.chats import ensure_chat
from bot.db import create_engine, make_sessionmaker
from bot.models import ScreeningResult, utcnow
from bot.screening import Decision, Outcome
from bot.workouts import Gate, workout_gate

CHAT = 4401


def screen_reads(engine: AsyncEngine) -> list[str]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "screening_results" in statement:
            seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    return seen


async def store(sessions: async_sessionmaker, outcome: Outcome, chat_id: int = CHAT) -> None:
    async with sessions.begin() as session:
        await ensure_chat(session, chat_id)
        await screening.store_result(session, chat_id, [], Decision(outcome, ()))


async def gate(sessions: async_sessionmaker, chat_id: int = CHAT) -> Gate:
    async with sessions() as session:
        return await workout_gate(session, chat_id, utcnow())


async def test_a_chats_screen_is_read_from_the_database_once(
    engine: AsyncEngine, sessions: async_sessionmaker
) -> None:
    await store(sessions, Outcome.CLEARED)
    reads = screen_reads(engine)
    assert [await gate(sessions) for _ in range(3)] == [Gate.OPEN_JUST_SCREENED] * 3
    assert len(reads) == 1
    # No screen at all is remembered too.
    assert [await gate(sessions, CHAT + 1) for _ in range(2)] == [Gate.NEVER_SCREENED] * 2
    assert len(reads) == 2


async def test_a_newer_screen_is_seen_at_once(sessions: async_sessionmaker) -> None:
    await store(sessions, Outcome.CLEARED)
    assert await gate(sessions) is Gate.OPEN_JUST_SCREENED
    await store(sessions, Outcome.SEE_DOCTOR)
    assert await gate(sessions) is Gate.BLOCKED
    await store(sessions, Outcome.URGENT)
    assert await gate(sessions) is Gate.URGENT


async def test_a_screen_written_without_store_result_is_seen(sessions: async_sessionmaker
                                                             ) -> None:
    assert await gate(sessions) is Gate.NEVER_SCREENED
    async with sessions.begin() as session:
        await ensure_chat(session, CHAT)
        session.add(ScreeningResult(chat_id=CHAT, outcome="see_doctor", answers={}))
    assert await gate(sessions) is Gate.BLOCKED
    async with sessions.begin() as session:  # changed in place
        result = await screening.latest_result(session, CHAT)
        assert result is not None
        result.outcome, result.completed_at = "cleared", utcnow() - timedelta(days=31)
    assert await gate(sessions) is Gate.SCREEN_EXPIRED
    async with sessions.begin() as session:  # deleted by a statement
        await session.execute(delete(ScreeningResult))
    assert await gate(sessions) is Gate.NEVER_SCREENED


async def test_forgetting_the_chat_forgets_its_screen(sessions: async_sessionmaker) -> None:
    await store(sessions, Outcome.CLEARED)
    assert await gate(sessions) is Gate.OPEN_JUST_SCREENED
    async with sessions.begin() as session:
        await privacy.forget(session, CHAT)
    assert await gate(sessions) is Gate.NEVER_SCREENED


async def test_a_write_rolled_back_leaves_the_stored_screen(sessions: async_sessionmaker
                                                            ) -> None:
    await store(sessions, Outcome.CLEARED)
    assert await gate(sessions) is Gate.OPEN_JUST_SCREENED
    async with sessions() as session:
        await screening.store_result(session, CHAT, [], Decision(Outcome.SEE_DOCTOR, ()))
        assert await screening.latest_screen(session, CHAT) == Screen(
            "see_doctor", (await screening.latest_result(session, CHAT)).completed_at)
        await session.rollback()
    assert await gate(sessions) is Gate.OPEN_JUST_SCREENED


async def test_a_session_of_another_database_has_its_own_screens(
    migrated_database_url: str, sessions: async_sessionmaker
) -> None:
    other_engine = create_engine(make_url(migrated_database_url))
    other = make_sessionmaker(other_engine)
    async with sessions() as session, other() as other_session:
        assert latest_screens.of(session) is not latest_screens.of(other_session)
    await other_engine.dispose()


def test_what_was_read_while_a_screen_was_being_written_is_not_kept() -> None:
    screens = LatestScreens()
    old = Screen("cleared", utcnow())
    # A read that began before the write and ended after it began.
    token = screens.reading()
    screens.begin_write({CHAT})
    screens.keep(token, CHAT, old)
    assert screens.get(CHAT) == (False, None)
    # A read during the write.
    assert screens.reading() is None
    screens.keep(screens.reading(), CHAT, old)
    assert screens.get(CHAT) == (False, None)
    # A read that began during the write and ended after it: nothing to keep from it either.
    screens.end_write({CHAT})
    assert screens.get(CHAT) == (False, None)
    token = screens.reading()
    screens.keep(token, CHAT, None)
    assert screens.get(CHAT) == (True, None)


def test_the_least_recently_used_chat_goes_first() -> None:
    screens = LatestScreens(capacity=2)
    for chat_id in (1, 2):
        screens.keep(screens.reading(), chat_id, None)
    screens.get(1)
    screens.keep(screens.reading(), 3, None)
    assert [screens.get(chat_id)[0] for chat_id in (1, 2, 3)] == [True, False, True]
