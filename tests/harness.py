"""Runs the real bot, in-process, against the fake Bot API: the way every end-to-end test starts.

The bot is built exactly as ``backcoach`` builds it (settings from an environment mapping,
content, migrations, the same handlers) and polls the fake server through python-telegram-bot's
own HTTP stack, in the test's event loop (``bot.app.start_in_process``), so tests can restart it.
"""

from __future__ import annotations

import logging
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url
from telegram.ext import Application

from bot.app import (
    Services,
    build_application,
    check_database,
    make_services,
    start_in_process,
    stop_in_process,
)
from bot.config import Settings
from bot.fakeapi import FakeBotAPI
from bot.timers import Fire, Timers
from handlers import register

TEST_TIME_SCALE = 0.01


def postgres_admin_url() -> str | None:
    """The PostgreSQL server to test against, from DATABASE_URL; None means SQLite only."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


@asynccontextmanager
async def fresh_database(sqlite_dir: str) -> AsyncIterator[str]:
    """A new, empty database for one test: a SQLite file, or a PostgreSQL database that is
    created here and dropped afterwards (the server keeps data between runs)."""
    admin = postgres_admin_url()
    if admin is None:
        yield f"sqlite+aiosqlite:///{sqlite_dir}/backcoach-test.db"
        return
    base = make_url(admin).set(drivername="postgresql+asyncpg")
    name = f"backcoach_test_{uuid.uuid4().hex[:12]}"
    dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()


# Voice messages depend only on the content and the speech engine, so every test bot shares
# one folder of them, as every deploy of one version could: each is made once per machine.
VOICE_CACHE = Path(tempfile.gettempdir()) / "backcoach-test-voices"
PICTURE_CACHE = Path(tempfile.gettempdir()) / "backcoach-test-pictures"


def bot_environment(api: FakeBotAPI, database_url: str, **extra: str) -> dict[str, str]:
    return {
        "BACKCOACH_VOICE_CACHE": str(VOICE_CACHE),
        "BACKCOACH_PICTURE_CACHE": str(PICTURE_CACHE),
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_URL": api.base_url,
        "DATABASE_URL": database_url,
        "BACKCOACH_TIME_SCALE": str(TEST_TIME_SCALE),
        "LOG_LEVEL": "DEBUG",
        **extra,
    }


class FakeClock:
    """The bot's wall clock (Services.clock), moved by the test instead of by waiting."""

    def __init__(self, start: datetime | str) -> None:
        self.now = datetime.fromisoformat(start) if isinstance(start, str) else start

    def __call__(self) -> datetime:
        return self.now

    def set(self, instant: str) -> None:
        self.now = datetime.fromisoformat(instant)

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class ManualTimers:
    """The bot's workout timers (Services.make_timers), moved by the test instead of by waiting.

    Time stands still until ``advance``, which fires every timer that falls due, earliest first,
    and waits for what each one does: when it returns, the bot has shown it all.
    """

    # Lets a due time that went through sums of decimal fractions still fire on the dot.
    SLACK = 1e-9

    def __init__(self) -> None:
        self.now = 0.0
        self._due: dict[str, tuple[float, Fire]] = {}
        self._started: dict[str, float] = {}

    def start(self, name: str, seconds: float, fire: Fire) -> None:
        self._due[name] = (self.now + seconds, fire)
        self._started[name] = self.now

    def cancel(self, name: str) -> None:
        self._due.pop(name, None)
        self._started.pop(name, None)

    def elapsed(self, name: str) -> float:
        return self.now - self._started[name] if name in self._started else 0.0

    def due_in(self, name: str) -> float | None:
        """Seconds until the timer of that name fires; None if none is pending."""
        return self._due[name][0] - self.now if name in self._due else None

    async def advance(self, seconds: float) -> None:
        until = self.now + seconds
        while due := [(at, name) for name, (at, _) in self._due.items()
                      if at <= until + self.SLACK]:
            at, name = min(due)
            fire = self._due.pop(name)[1]
            self.now = max(self.now, at)
            await fire()
        self.now = max(self.now, until)

    async def next(self) -> float:
        """Move to the earliest pending timer and fire it; returns the seconds that took."""
        if not self._due:
            raise AssertionError("no workout timer is pending")
        seconds = min(at for at, _ in self._due.values()) - self.now
        await self.advance(seconds)
        return seconds

    def clear(self) -> None:
        """What a restart does to timers: they are gone."""
        self._due.clear()
        self._started.clear()


class RunningBot:
    """One bot process's worth of state; ``restart`` simulates a crash-free redeploy."""

    def __init__(
        self, api: FakeBotAPI, database_url: str, *, conversation_timeout: float | None = None,
        clock: Callable[[], datetime] | None = None, timers: ManualTimers | None = None,
        **extra_env: str,
    ) -> None:
        self.api = api
        self.settings = Settings.from_env(
            bot_environment(api, database_url, **extra_env), dotenv=None
        )
        self.conversation_timeout = conversation_timeout
        self.clock = clock
        self.timers = timers
        self.application: Application | None = None

    @property
    def services(self) -> Services:
        assert self.application is not None, "the bot is not running"
        return self.application.bot_data["services"]

    async def start(self) -> None:
        await check_database(self.settings)
        services = make_services(self.settings)
        if self.conversation_timeout is not None:
            services = replace(services, conversation_timeout=self.conversation_timeout)
        if self.clock is not None:
            services = replace(services, clock=self.clock)
        if self.timers is not None:
            services = replace(services, make_timers=self.made_timers)
        application = build_application(services, register)
        await start_in_process(application, poll_timeout=1)
        self.application = application

    def made_timers(self, *_: object) -> Timers:
        assert self.timers is not None
        return self.timers

    async def stop(self) -> None:
        application, self.application = self.application, None
        if self.timers is not None:
            self.timers.clear()
        if application is not None:
            await stop_in_process(application)

    async def restart(self) -> None:
        await self.stop()
        await self.start()


@contextmanager
def logging_put_back() -> Iterator[None]:
    """Whatever the code inside does to the process-wide logging (the entry point and the demo
    configure it as a process of their own would), the tests after it find it as it was."""
    root = logging.getLogger()
    root_level, root_handlers = root.level, list(root.handlers)
    levels = {name: logger.level for name, logger in logging.root.manager.loggerDict.items()
              if isinstance(logger, logging.Logger)}
    try:
        yield
    finally:
        root.setLevel(root_level)
        root.handlers[:] = root_handlers
        for name, logger in logging.root.manager.loggerDict.items():
            if isinstance(logger, logging.Logger):
                logger.setLevel(levels.get(name, logging.NOTSET))
