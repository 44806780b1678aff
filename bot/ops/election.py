"""Which of several Back Coach processes on one database is the active one.

Exactly one process is active: it migrates the database, takes the updates (polling or the
webhook), runs the live workouts' timers and sends the reminders. The others are standbys:
they wait, and report ``standby`` on /healthz.

On PostgreSQL the role is a session-level advisory lock, held on a connection of its own.
PostgreSQL releases it when that connection ends, so a process that dies (even by SIGKILL)
loses the role at once, and a standby, trying every second, takes it over. A process cut
off from the database must stop before its lock can go to another: it asks its connection
every two seconds and gives the role up when no answer comes within three, while the
server, with the keepalive settings given below, drops a silent connection only after about
eleven seconds. What a crash leaves (a workout to offer again, a batch of reminders claimed
and not sent) the standby treats as after any restart.

On SQLite, the embedded default for one machine, a second process on the same database file
refuses to start with one line: SQLite has no way to hand the role over between processes,
and two bots writing one file would send everything twice. It takes an exclusive ``flock``
on the database file, which the kernel releases when the process ends, however it ends;
SQLite's own locks (POSIX record locks) are independent of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from collections.abc import Callable
from typing import Protocol

import asyncpg
from sqlalchemy.engine import URL

from bot.config import ConfigError
from bot.db import create_private_file, sqlite_file

logger = logging.getLogger(__name__)

# The advisory lock's key: "BackCoch" as a 64-bit number; advisory locks are per database.
ELECTION_KEY = int.from_bytes(b"BackCoch", "big")
TRY_EVERY = 1.0
CHECK_EVERY = 2.0
CHECK_TIMEOUT = 3.0
CONNECT_TIMEOUT = 5.0
# The server drops the connection of a process it no longer hears from after about
# 5 + 3 * 2 = 11 s, later than the process itself gives up (CHECK_EVERY + CHECK_TIMEOUT).
KEEPALIVES = {"tcp_keepalives_idle": "5", "tcp_keepalives_interval": "2",
              "tcp_keepalives_count": "3"}

ACTIVE, STANDBY = "active", "standby"


class Role(Protocol):
    """The active role, once ``take`` has returned."""

    @property
    def name(self) -> str:
        """``active`` or ``standby``."""
        ...

    async def take(self, say: Callable[[str], None]) -> None:
        """Wait, as a standby, until this process is the active one."""
        ...

    async def lost(self) -> None:
        """Return when this process may no longer hold the role."""
        ...

    async def give_up(self) -> None:
        ...


def role_for(url: URL) -> Role:
    if url.get_backend_name() == "postgresql":
        return AdvisoryLockRole(url)
    return SqliteFileRole(sqlite_file(url))


class AdvisoryLockRole:
    def __init__(self, url: URL) -> None:
        self._dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._where = url.render_as_string(hide_password=True)
        self._connection: asyncpg.Connection | None = None
        self.name = STANDBY

    async def take(self, say: Callable[[str], None]) -> None:
        """Raises ConfigError, as for any unusable database, if the first connection fails;
        a standby that loses its connection later keeps trying."""
        try:
            self._connection = await asyncpg.connect(
                self._dsn, timeout=CONNECT_TIMEOUT, server_settings=KEEPALIVES)
        except (OSError, TimeoutError, asyncpg.PostgresError) as error:
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise ConfigError(
                f"DATABASE_URL: cannot use the database at {self._where}: {reason}"
            ) from None
        told = False
        while True:
            if await self._try():
                self.name = ACTIVE
                if told:
                    say("the active process is gone: this one is active now")
                return
            if not told:
                say("standby: another Back Coach process is active on this database; this one "
                    "takes over when it stops")
                told = True
            await asyncio.sleep(TRY_EVERY)

    async def _try(self) -> bool:
        try:
            if self._connection is None or self._connection.is_closed():
                self._connection = await asyncpg.connect(
                    self._dsn, timeout=CONNECT_TIMEOUT, server_settings=KEEPALIVES)
            return bool(await asyncio.wait_for(self._connection.fetchval(
                "SELECT pg_try_advisory_lock($1)", ELECTION_KEY), CHECK_TIMEOUT))
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            logger.warning("Cannot ask the database at %s for the active role (%s); trying "
                           "again", self._where, type(error).__name__)
            await self._close()
            return False

    async def lost(self) -> None:
        assert self._connection is not None, "take() first"
        while True:
            await asyncio.sleep(CHECK_EVERY)
            try:
                await asyncio.wait_for(self._connection.fetchval("SELECT 1"), CHECK_TIMEOUT)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
                self.name = STANDBY
                return

    async def give_up(self) -> None:
        self.name = STANDBY
        await self._close()

    async def _close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), CHECK_TIMEOUT)
            connection.terminate()


class SqliteFileRole:
    """One process per SQLite file (an in-memory database is the process's own anyway)."""

    def __init__(self, path: str | None) -> None:
        self._path = path
        self._descriptor: int | None = None
        self.name = STANDBY

    async def take(self, say: Callable[[str], None]) -> None:
        if self._path is not None:
            try:
                create_private_file(self._path)
                descriptor = os.open(self._path, os.O_RDONLY)
            except OSError as error:
                raise ConfigError(
                    f"DATABASE_URL: cannot use the database at {self._path}: "
                    f"{error.strerror or error}"
                ) from None
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(descriptor)
                raise ConfigError(
                    f"DATABASE_URL: another Back Coach process is running on {self._path}; "
                    "one process per SQLite database (for a standby, use PostgreSQL)"
                ) from None
            self._descriptor = descriptor
        self.name = ACTIVE

    async def lost(self) -> None:
        await asyncio.Event().wait()  # a lock of the kernel's: held until the process ends

    async def give_up(self) -> None:
        self.name = STANDBY
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None
