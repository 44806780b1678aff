"""Engine, sessions and schema migrations.

The schema is owned by Alembic: :func:`migrate` brings any existing database up to the newest
revision at start, so an upgrade of the bot never drops stored data.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, event, inspect, text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from bot.cache import new_caches

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Where Alembic records the revision a database is at (its default, which env.py keeps).
VERSION_TABLE = "alembic_version"
# The database holds health data (the safety answers): only its owner may read it.
SQLITE_FILE_MODE = 0o600
# A SQLite file's pool: its one connection, for which a transaction waits up to 60 s.
SQLITE_FILE_POOL: dict[str, Any] = {"pool_size": 1, "max_overflow": 0, "pool_timeout": 60}


class UnknownSchemaRevision(Exception):
    """The database was migrated by a newer build to a revision this one does not know."""

    def __init__(self, revision: str) -> None:
        super().__init__(f"unknown schema revision {revision!r}")
        self.revision = revision


def create_engine(url: URL) -> AsyncEngine:
    if url.get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True)
    path = sqlite_file(url)
    # One connection to a SQLite file, which transactions take in turn, in the order they
    # ask. With several, a transaction holds the file's write lock from its first write until
    # the event loop gets round to its commit; on a loop busy with a thousand live workouts
    # that can outlast the busy timeout of the others, which then fail with "database is
    # locked" (and a transaction that read before another's write fails so at once). SQLite
    # writes one at a time anyway, and its transactions here take milliseconds.
    engine = create_async_engine(url, **({} if path is None else SQLITE_FILE_POOL))
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    if path is not None:

        def before_sqlite_opens_the_file(*_: Any) -> None:
            create_private_file(path)

        event.listen(engine.sync_engine, "do_connect", before_sqlite_opens_the_file)
    return engine


def sqlite_file(url: URL) -> str | None:
    """The database file of a SQLite URL; None for an in-memory database or a file: URI."""
    name = url.database or ""
    if name in ("", ":memory:") or name.startswith("file:") or url.query.get("uri"):
        return None
    return name


def create_private_file(path: str) -> None:
    """Create the SQLite file, if it is missing, readable and writable by its owner only.

    SQLite creates its -wal and -shm files with the permissions of the database file, so they
    follow. Creating the file with an explicit mode, rather than narrowing the umask around the
    first connect, leaves the process-wide umask alone for the other threads that run meanwhile.
    A file that already exists keeps the permissions its owner gave it.
    """
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, SQLITE_FILE_MODE)
    except FileExistsError:
        return
    os.close(descriptor)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # SQLite ignores foreign keys (and so ON DELETE CASCADE) unless asked on every connection;
    # WAL lets readers go on while a reminder batch is being written.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def driver_error(error: BaseException) -> BaseException:
    """The database driver's own error behind SQLAlchemy's, whose message has no SQL and no
    parameters (which may hold people's answers)."""
    return getattr(error, "orig", None) or error


def driver_message(error: BaseException) -> str:
    """The first line of what the database driver said."""
    lines = str(driver_error(error)).strip().splitlines()
    return lines[0] if lines else type(driver_error(error)).__name__


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker:
    # Each session carries the database's caches (bot/cache/).
    return async_sessionmaker(engine, expire_on_commit=False, info=new_caches())


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


async def migrate(engine: AsyncEngine) -> None:
    """Apply every pending migration; a no-op on an up-to-date database.

    Raises UnknownSchemaRevision, changing nothing, for a database a newer build has migrated.
    """
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade_to_head)


def _upgrade_to_head(connection: Connection) -> None:
    config = alembic_config(connection)
    known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
    for revision in stamped_revisions(connection):
        if revision not in known:
            raise UnknownSchemaRevision(revision)
    command.upgrade(config, "head")


def stamped_revisions(connection: Connection) -> list[str]:
    """The revisions the database is at, read without starting Alembic's migration context,
    which logs at INFO: a refused start says one line and nothing else."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return []
    return list(connection.scalars(text(f"SELECT version_num FROM {VERSION_TABLE}")))
