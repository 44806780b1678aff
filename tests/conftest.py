from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.db import create_engine, make_sessionmaker
from bot.fakeapi import FakeBotAPI
from tests.harness import (
    PICTURE_CACHE,
    ManualTimers,
    MigratedTemplate,
    RunningBot,
    draw_every_picture,
    fresh_database,
    logging_put_back,
    migrated_template,
)


@pytest.fixture(scope="session", autouse=True)
def _pictures_drawn() -> None:
    """Every test bot finds the exercises' pictures on disk, as a bot that has run for a while
    does, so that what a test sees never depends on how soon they were drawn (a reminder
    comes with its picture only once it is drawn). Drawn once per machine; the tests of a
    bot whose pictures are not drawn yet use a folder of their own."""
    asyncio.run(draw_every_picture(PICTURE_CACHE))


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as server:
        yield server


@pytest.fixture
async def database_url(tmp_path: Path) -> AsyncIterator[str]:
    """A new, empty database: where the tests of the migrations start."""
    async with fresh_database(str(tmp_path)) as url:
        yield url


@pytest.fixture(scope="session")
def _migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MigratedTemplate]:
    template = migrated_template(str(tmp_path_factory.mktemp("template")))
    yield template
    template.close()


@pytest.fixture
async def migrated_database_url(
    tmp_path: Path, _migrated_template: MigratedTemplate
) -> AsyncIterator[str]:
    """A new database of the test's own, as the bot's first start leaves it: every migration
    applied, no rows. The bot still migrates it at start, finding nothing to do."""
    async with _migrated_template.copy(str(tmp_path)) as url:
        yield url


@pytest.fixture
async def engine(migrated_database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine of the test's own database, without a bot."""
    engine = create_engine(make_url(migrated_database_url))
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker:
    """Sessions of the test's own database, with the bot's caches of it (bot/cache/)."""
    return make_sessionmaker(engine)


@pytest.fixture
async def bot(api: FakeBotAPI, migrated_database_url: str) -> AsyncIterator[RunningBot]:
    running = RunningBot(api, migrated_database_url)
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
async def polling_bot(api: FakeBotAPI, migrated_database_url: str) -> AsyncIterator[RunningBot]:
    """The bot polling for updates, whatever mode the other tests run in."""
    running = RunningBot(api, migrated_database_url, webhook=False)
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
async def timed_bot(api: FakeBotAPI, migrated_database_url: str) -> AsyncIterator[RunningBot]:
    """The bot with workout timers that fire only when the test moves them (ManualTimers)."""
    running = RunningBot(api, migrated_database_url, timers=ManualTimers())
    await running.start()
    yield running
    await running.stop()


@pytest.fixture(autouse=True)
def _logging_as_it_was() -> Iterator[None]:
    # The entry point and the demo, run inside the test process, configure logging for good.
    with logging_put_back():
        yield
