from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from bot.fakeapi import FakeBotAPI
from tests.harness import ManualTimers, RunningBot, fresh_database, logging_put_back


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as server:
        yield server


@pytest.fixture
async def database_url(tmp_path) -> AsyncIterator[str]:
    async with fresh_database(str(tmp_path)) as url:
        yield url


@pytest.fixture
async def bot(api: FakeBotAPI, database_url: str) -> AsyncIterator[RunningBot]:
    running = RunningBot(api, database_url)
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
async def timed_bot(api: FakeBotAPI, database_url: str) -> AsyncIterator[RunningBot]:
    """The bot with workout timers that fire only when the test moves them (ManualTimers)."""
    running = RunningBot(api, database_url, timers=ManualTimers())
    await running.start()
    yield running
    await running.stop()


@pytest.fixture(autouse=True)
def _logging_as_it_was() -> Iterator[None]:
    # The entry point and the demo, run inside the test process, configure logging for good.
    with logging_put_back():
        yield
