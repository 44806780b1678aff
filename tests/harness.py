"""Runs the real bot, in-process, against the fake Bot API: the way every end-to-end test starts.

The bot is built exactly as ``backcoach`` builds it (settings from an environment mapping,
content, migrations, the same handlers) and polls the fake server through python-telegram-bot's
own HTTP stack, in the test's event loop (``bot.app.start_in_process``), so tests can restart it.
The tests' bots get a copy of a database that the migrations built once for the whole run
(``MigratedTemplate``), which the bot's own migration at start finds up to date.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
import os
import shutil
import socket
import ssl
import tempfile
import threading
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, TypeVar
from unittest import mock

import asyncpg
import httpx._config as httpx_config
import httpx._transports.default as httpx_transports
from sqlalchemy import text
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
from bot.cache import known_chats
from bot.config import Settings
from bot.content import Content, load_content
from bot.db import create_engine, create_private_file, migrate
from bot.fakeapi import FakeBotAPI
from bot.ops.webhook import webhook_of
from bot.pictures import PictureLibrary
from bot.pictures.poses import PoseBook, load_poses
from bot.timers import Fire, Timers
from handlers import ALLOWED_UPDATES, register

TEST_TIME_SCALE = 0.01

_T = TypeVar("_T")


def postgres_admin_url() -> str | None:
    """The PostgreSQL server to test against, from DATABASE_URL; None means SQLite only."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


def _admin_dsn(admin: str) -> str:
    """The server's address as asyncpg takes it, for CREATE and DROP DATABASE."""
    return make_url(admin).set(drivername="postgresql").render_as_string(hide_password=False)


def _database_url(admin: str, name: str) -> str:
    return make_url(admin).set(drivername="postgresql+asyncpg", database=name).render_as_string(
        hide_password=False)


def _unique_name(kind: str) -> str:
    return f"backcoach_{kind}_{uuid.uuid4().hex[:12]}"


SQLITE_TEST_FILE = "backcoach-test.db"


@asynccontextmanager
async def fresh_database(sqlite_dir: str) -> AsyncIterator[str]:
    """A new, empty database for one test: a SQLite file, or a PostgreSQL database that is
    created here and dropped afterwards (the server keeps data between runs)."""
    admin = postgres_admin_url()
    if admin is None:
        yield f"sqlite+aiosqlite:///{sqlite_dir}/{SQLITE_TEST_FILE}"
        return
    name = _unique_name("test")
    connection = await asyncpg.connect(_admin_dsn(admin))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
        yield _database_url(admin, name)
    finally:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()


class MigratedTemplate(Protocol):
    """A database brought to the newest schema revision by the real migrations, once per test
    run, and copied for every test that needs the database as the bot's first start leaves it:
    running every migration again for each test costs far more than a copy (most of all on
    PostgreSQL, where each step commits). The tests of the migrations themselves start from
    ``fresh_database``."""

    def copy(self, sqlite_dir: str) -> AbstractAsyncContextManager[str]:
        """A database of the test's own, at the newest revision, with no rows."""
        ...

    def close(self) -> None:
        """Remove whatever the template left on the server; once, after the last copy."""
        ...


def migrated_template(folder: str) -> MigratedTemplate:
    admin = postgres_admin_url()
    if admin is None:
        return SqliteTemplate(Path(folder) / SQLITE_TEST_FILE)
    return PostgresTemplate(admin)


async def _migrate(url: str) -> None:
    engine = create_engine(make_url(url))
    try:
        await migrate(engine)
        if engine.dialect.name == "sqlite":
            # Everything into the main file, which alone is copied.
            async with engine.connect() as connection:
                await connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    finally:
        await engine.dispose()


class SqliteTemplate:
    """A migrated SQLite file; each copy is a file of the test's own."""

    def __init__(self, path: Path) -> None:
        asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
        self.path = path

    @asynccontextmanager
    async def copy(self, sqlite_dir: str) -> AsyncIterator[str]:
        path = Path(sqlite_dir) / SQLITE_TEST_FILE
        # As the bot makes a new database file: readable by its owner only.
        create_private_file(str(path))
        with self.path.open("rb") as source, path.open("r+b") as target:
            shutil.copyfileobj(source, target)
        yield f"sqlite+aiosqlite:///{path}"

    def close(self) -> None:
        pass  # the file is in the run's own folder


_Job = tuple[str, concurrent.futures.Future[None]]  # a database's name, and the outcome


class PostgresTemplate:
    """A migrated PostgreSQL database of this run's own name (runs against one server do not
    meet), which ``CREATE DATABASE ... TEMPLATE`` copies.

    Copying a database costs the server a write of its files to the WAL, and dropping one a
    checkpoint: hundredths of a second on an idle machine, up to seconds when both suites and
    more run at once. So a thread of its own makes the next tests' copies while a test runs,
    and drops each test's copy after it, on connections of their own: a test waits only if its
    copy is not ready yet, and never for a drop. Drops go several at once, so that one
    checkpoint serves them all. Each test still has a new database that nothing else has used.
    """

    # Copies made before they are asked for, for a run of short tests after a long one.
    AHEAD = 3
    DROPPING_AT_ONCE = 4

    def __init__(self, admin: str) -> None:
        self._admin = admin
        self.name = _unique_name("template")
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever,
                                        name="test-databases", daemon=True)
        self._thread.start()
        # Used in the thread's loop only; None ends a worker.
        self._to_copy: asyncio.Queue[_Job | None] = asyncio.Queue()
        self._to_drop: asyncio.Queue[_Job | None] = asyncio.Queue()
        self._ready: deque[_Job] = deque()
        self._dropped: list[concurrent.futures.Future[None]] = []
        self._workers: list[concurrent.futures.Future[None]] = []
        try:
            connections = self._in_thread(self._create_template()).result()
        except BaseException:
            self._stop_thread()
            raise
        copier, *droppers = connections
        self._workers = [
            self._in_thread(self._work(copier, self._to_copy,
                                       f'CREATE DATABASE "{{}}" TEMPLATE "{self.name}"')),
            *(self._in_thread(self._work(dropper, self._to_drop,
                                         'DROP DATABASE IF EXISTS "{}" WITH (FORCE)'))
              for dropper in droppers)]

    def _in_thread(self, work: Coroutine[Any, Any, _T]) -> concurrent.futures.Future[_T]:
        return asyncio.run_coroutine_threadsafe(work, self._loop)

    async def _create_template(self) -> list[asyncpg.Connection]:
        """The template, and a connection for each worker (none left open if this fails)."""
        connections: list[asyncpg.Connection] = []
        try:
            for _ in range(1 + self.DROPPING_AT_ONCE):
                connections.append(await asyncpg.connect(_admin_dsn(self._admin)))
            await connections[0].execute(f'CREATE DATABASE "{self.name}"')
            try:
                await _migrate(_database_url(self._admin, self.name))
            except BaseException:
                await connections[0].execute(
                    f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
                raise
        except BaseException:
            for connection in connections:
                await connection.close()
            raise
        return connections

    async def _work(self, connection: asyncpg.Connection, jobs: asyncio.Queue[_Job | None],
                    statement: str) -> None:
        try:
            while (job := await jobs.get()) is not None:
                name, outcome = job
                # A test stopped while it waited for its copy gave it up: it is not made.
                if not outcome.set_running_or_notify_cancel():
                    continue
                try:
                    await connection.execute(statement.format(name))
                except Exception as error:  # for whoever waits for it
                    outcome.set_exception(error)
                else:
                    outcome.set_result(None)
        finally:
            await connection.close()

    def _ask(self, jobs: asyncio.Queue[_Job | None], name: str | None
             ) -> concurrent.futures.Future[None]:
        outcome: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._loop.call_soon_threadsafe(
            jobs.put_nowait, None if name is None else (name, outcome))
        return outcome

    def _drop(self, name: str) -> None:
        self._dropped.append(self._ask(self._to_drop, name))

    def _drop_once_made(self, name: str, made: concurrent.futures.Future[None]) -> None:
        # Its CREATE and DROP go on different connections: the DROP must not come first.
        made.add_done_callback(lambda _: self._drop(name))

    @asynccontextmanager
    async def copy(self, sqlite_dir: str) -> AsyncIterator[str]:
        while len(self._ready) <= self.AHEAD:
            name = _unique_name("test")
            self._ready.append((name, self._ask(self._to_copy, name)))
        name, made = self._ready.popleft()
        try:
            await asyncio.wrap_future(made)
            yield _database_url(self._admin, name)
        finally:
            self._drop_once_made(name, made)

    def close(self) -> None:
        """Drops the copies nobody took and then the template, waits for every drop, and
        raises the first that failed."""
        try:
            while self._ready:
                self._drop_once_made(*self._ready.popleft())
            if self._workers:
                self._ask(self._to_copy, None)
                self._workers[0].result()  # every copy made: the template may go
                self._drop(self.name)
                for _ in self._workers[1:]:
                    self._ask(self._to_drop, None)
                for worker in self._workers:
                    worker.result()
            for dropped in self._dropped:
                dropped.result()
        finally:
            self._stop_thread()

    def _stop_thread(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()


# Voice messages depend only on the content and the speech engine, so every test bot shares
# one folder of them, as every deploy of one version could: each is made once per machine.
VOICE_CACHE = Path(tempfile.gettempdir()) / "backcoach-test-voices"
PICTURE_CACHE = Path(tempfile.gettempdir()) / "backcoach-test-pictures"


async def draw_every_picture(folder: Path) -> None:
    """Every exercise's pictures on disk in ``folder``, as a bot that has run a while has them."""
    library = PictureLibrary(folder)
    try:
        for exercise_id in shared_content().exercises:
            await library.animation(exercise_id)
            await library.still(exercise_id)
    finally:
        library.close()


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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Set to 1, every test bot takes its updates from a webhook instead of polling for them.
WEBHOOK_SWITCH = "BACKCOACH_TEST_WEBHOOK"


def webhook_environment() -> dict[str, str]:
    """Webhook mode on a port of its own, which the bot keeps across restarts; the fake Bot
    API, as a Bot API server of one's own may, posts to plain HTTP."""
    port = free_port()
    return {"BACKCOACH_WEBHOOK_URL": f"http://127.0.0.1:{port}/backcoach",
            "BACKCOACH_LISTEN": f"127.0.0.1:{port}"}


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


@functools.cache
def shared_content() -> Content:
    return load_content()


@functools.cache
def shared_poses() -> PoseBook:
    return load_poses()


def make_services_of_shared_files(settings: Settings) -> Services:
    """``make_services`` as the bot calls it at start, with the content and the exercises'
    poses read once per test process rather than at every start: both are immutable and come
    from the same files, and reading and checking them is a good part of what a start costs."""
    library = functools.partial(PictureLibrary, poses=shared_poses())
    with mock.patch("bot.app.PictureLibrary", library):
        return make_services(settings, shared_content())


@functools.cache
def shared_ssl_context(**how: object) -> ssl.SSLContext:
    return httpx_config.create_ssl_context(**how)


class RunningBot:
    """One bot process's worth of state; ``restart`` simulates a crash-free redeploy."""

    def __init__(
        self, api: FakeBotAPI, database_url: str, *, conversation_timeout: float | None = None,
        clock: Callable[[], datetime] | None = None, timers: ManualTimers | None = None,
        webhook: bool | None = None, **extra_env: str,
    ) -> None:
        """``webhook``: True for webhook mode, False for polling, None as WEBHOOK_SWITCH says
        (polling unless it is 1)."""
        if webhook if webhook is not None else os.environ.get(WEBHOOK_SWITCH) == "1":
            extra_env = {**webhook_environment(), **extra_env}
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
        services = make_services_of_shared_files(self.settings)
        if self.conversation_timeout is not None:
            services = replace(services, conversation_timeout=self.conversation_timeout)
        if self.clock is not None:
            services = replace(services, clock=self.clock)
        if self.timers is not None:
            services = replace(services, make_timers=self.made_timers)
        # httpx reads the certificate authorities into each of the bot's two clients, at every
        # start (~20 ms each); one reading serves every test bot, which talks plain HTTP anyway.
        with mock.patch.object(httpx_transports, "create_ssl_context", shared_ssl_context):
            application = build_application(services, register)
        await start_in_process(application, poll_timeout=1, allowed_updates=ALLOWED_UPDATES,
                               webhook=await webhook_of(self.settings))
        self.application = application
        # Whether a chat is new is then known without the database, as a while after start.
        known = known_chats.of_sessions(services.sessions)
        assert known is not None
        await asyncio.wait_for(known.wait_complete(), 60)

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


@asynccontextmanager
async def started(bot: RunningBot) -> AsyncIterator[RunningBot]:
    """The bot running until the block ends."""
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()


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
