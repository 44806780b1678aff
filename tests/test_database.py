"""The schema: migrations match the models, run twice safely, and forgetting a chat cascades;
a new SQLite file is readable by its owner only."""

from __future__ import annotations

import os
import stat
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import create_engine, make_sessionmaker, migrate
from bot.models import (
    Base,
    Chat,
    Reminder,
    ScreeningDraft,
    ScreeningResult,
    WalkLog,
    WorkoutSession,
)

PER_CHAT_TABLES = (ScreeningResult, ScreeningDraft, WorkoutSession, Reminder, WalkLog)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(make_url(database_url))
    await migrate(engine)
    yield engine
    await engine.dispose()


async def test_migrations_build_exactly_the_models(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        differences = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
        )
    assert differences == []


async def test_migrating_again_keeps_the_data(engine: AsyncEngine) -> None:
    sessions = make_sessionmaker(engine)
    async with sessions.begin() as session:
        session.add(Chat(id=7, time_zone="Europe/Berlin"))
    await migrate(engine)
    async with sessions() as session:
        assert (await session.get(Chat, 7)).time_zone == "Europe/Berlin"


async def test_times_come_back_as_aware_utc(engine: AsyncEngine) -> None:
    sessions = make_sessionmaker(engine)
    moment = datetime(2026, 3, 29, 5, 30, tzinfo=UTC)
    async with sessions.begin() as session:
        session.add(Chat(id=8, created_at=moment))
    async with sessions() as session:
        assert (await session.get(Chat, 8)).created_at == moment


async def test_deleting_a_chat_deletes_everything_stored_about_it(engine: AsyncEngine) -> None:
    sessions = make_sessionmaker(engine)
    async with sessions.begin() as session:
        session.add_all([Chat(id=9), Chat(id=10)])
        await session.flush()
        for chat_id in (9, 10):
            session.add_all([
                ScreeningResult(chat_id=chat_id, outcome="cleared", answers={}),
                ScreeningDraft(chat_id=chat_id, purpose="full", nonce="abcd1234", answers=[]),
                WorkoutSession(chat_id=chat_id, status="running", harder=False),
                Reminder(chat_id=chat_id, kind="walk", local_time="07:30"),
                WalkLog(chat_id=chat_id, local_date=datetime.now(UTC).date(), km=6.5),
            ])
    async with sessions.begin() as session:
        await session.delete(await session.get(Chat, 9))
    async with sessions() as session:
        for table in PER_CHAT_TABLES:
            remaining = await session.scalars(select(table.chat_id))
            assert set(remaining) == {10}, table.__tablename__
        assert await session.scalar(select(func.count()).select_from(Chat)) == 1


def file_modes(folder: Path) -> dict[str, int]:
    return {path.name: stat.S_IMODE(path.stat().st_mode) for path in folder.iterdir()}


async def test_a_new_sqlite_database_and_its_journal_are_private_to_their_owner(
    tmp_path: Path,
) -> None:
    # A common umask, under which SQLite alone would make the files readable by everyone.
    umask_before = os.umask(0o022)
    engine = create_engine(make_url(f"sqlite+aiosqlite:///{tmp_path}/private.db"))
    try:
        await migrate(engine)
        async with engine.connect() as connection:  # the -wal and -shm files live while it does
            await connection.execute(select(func.count()).select_from(Chat))
            modes = file_modes(tmp_path)
    finally:
        await engine.dispose()
        os.umask(umask_before)
    assert modes == dict.fromkeys(["private.db", "private.db-wal", "private.db-shm"], 0o600)
