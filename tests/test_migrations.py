"""Upgrading a stored database: from every revision, from the early builds of revision 0001,
and the refusal of a database that a newer version of Back Coach has migrated.

Each upgrade starts from a database holding a chat's worth of rows in every table, then checks
that the rows came through unchanged and that the bot works on them: a due reminder goes out,
its Done button logs a walk, a screen in progress goes on, /export reads every table.
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from enum import IntEnum
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import make_url

from bot import preferences
from bot.app import open_database
from bot.config import ConfigError, Settings
from bot.db import VERSION_TABLE, alembic_config, create_engine, make_sessionmaker
from bot.dispatch import dispatcher_of
from bot.fakeapi import FakeBotAPI
from bot.models import NAMING_CONVENTION, Base, UTCDateTime
from tests.harness import FakeClock, RunningBot, bot_environment

CHAT = 4242
# A minute after the walk reminder below was due (07:30 in Berlin).
NOW = "2026-03-27T06:31:00+00:00"
LONG_WAIT = 30  # seconds; only a broken bot takes this long
NEWER_REVISION = "9999_from_a_newer_version"


def utc(moment: str) -> datetime:
    return datetime.fromisoformat(moment).astimezone(UTC)


def revisions_oldest_first() -> list[str]:
    scripts = ScriptDirectory.from_config(alembic_config())
    return [script.revision for script in reversed(list(scripts.walk_revisions()))]


def chat_rows(draft_updated_at: datetime) -> dict[str, list[dict[str, Any]]]:
    """A chat's rows with a value for every column of the newest schema except generated ids.

    A revision that adds a table or a column adds its values here: the tests fail, naming it,
    until it does. The screen in progress is as recent as ``draft_updated_at``, so it goes on.
    """
    questions = ["red_flag_urgent", "severe_pain", "bleeding", "flare_up", "spinal_injury",
                 "kidney_or_heart_disease", "pregnancy", "red_flag", "diagnosed_condition"]
    return {
        "chats": [{
            "id": CHAT, "language": "en", "language_chosen": True, "time_zone": "Europe/Berlin",
            "prefers_harder": True, "guidance": "text", "auto_continue": True,
            "created_at": utc("2026-03-01T08:00:00+00:00"),
            "updated_at": utc("2026-03-20T08:00:00+00:00"),
        }],
        "screening_results": [{
            "chat_id": CHAT, "outcome": "cleared", "answers": dict.fromkeys(questions, False),
            "completed_at": utc("2026-03-20T08:05:00+00:00"),
        }],
        "screening_drafts": [{
            "chat_id": CHAT, "purpose": "full", "nonce": "5f3a9c1e",
            "answers": [["red_flag_urgent", False]], "updated_at": draft_updated_at,
        }],
        "workout_sessions": [{
            "chat_id": CHAT, "status": "finished", "harder": True,
            "state": {"version": 1, "status": "finished"}, "feeling_before": 3,
            "feeling_after": 2, "exercises_done": 7, "exercises_skipped": 1,
            "active_seconds": 640, "started_at": utc("2026-03-21T18:00:00+00:00"),
            "updated_at": utc("2026-03-21T18:14:00+00:00"),
            "finished_at": utc("2026-03-21T18:14:00+00:00"),
        }],
        "reminders": [
            {
                "chat_id": CHAT, "kind": "walk", "local_time": "07:30", "weekdays": 0b1111111,
                "every_minutes": None, "window_end": None, "active": True,
                "next_due_at": utc("2026-03-27T06:30:00+00:00"), "claim": None,
                "created_at": utc("2026-03-02T09:00:00+00:00"),
            },
            {
                "chat_id": CHAT, "kind": "desk_break", "local_time": "09:00",
                "weekdays": 0b0011111, "every_minutes": 45, "window_end": "17:00",
                "active": True, "next_due_at": utc("2026-03-27T08:00:00+00:00"),
                "claim": "a1b2c3d4e5f60718", "created_at": utc("2026-03-02T09:05:00+00:00"),
            },
        ],
        "walk_logs": [{
            "chat_id": CHAT, "local_date": date(2026, 3, 26), "km": 3.5, "minutes": 42,
            "created_at": utc("2026-03-26T17:00:00+00:00"),
        }],
        "bot_settings": [{
            "name": "webhook_secret", "value": "kept-across-upgrades_0123456789",
            "created_at": utc("2026-03-01T08:00:00+00:00"),
        }],
    }


def write_rows(connection: Connection, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Insert the rows into the schema the database has now, each with the columns it has."""
    schema = MetaData()
    schema.reflect(connection)
    for table in schema.sorted_tables:
        if table.name == VERSION_TABLE:
            continue
        assert table.name in rows, f"add rows of {table.name} to chat_rows()"
        columns = {column.name for column in table.columns}
        for row in rows[table.name]:
            unfilled = columns - set(row) - {"id"}
            assert not unfilled, f"add {table.name}.{sorted(unfilled)} to chat_rows()"
        connection.execute(
            insert(table),
            [{name: value for name, value in row.items() if name in columns}
             for row in rows[table.name]],
        )


def columns_now(connection: Connection) -> dict[str, set[str]]:
    schema = MetaData()
    schema.reflect(connection)
    return {table.name: {column.name for column in table.columns}
            for table in schema.sorted_tables}


def stored_rows(connection: Connection) -> dict[str, list[dict[str, Any]]]:
    """Every row, read as the bot reads them (aware UTC times, parsed JSON), in insertion order,
    of each table the database has now."""
    existing = set(inspect(connection).get_table_names())
    return {
        table.name: [dict(row._mapping) for row in connection.execute(
            select(table).order_by(*table.primary_key.columns))]
        for table in Base.metadata.sorted_tables if table.name in existing
    }


def assert_kept(
    before: dict[str, set[str]], written: dict[str, list[dict[str, Any]]],
    after: dict[str, list[dict[str, Any]]],
) -> None:
    """Every value written into a column the database had then, and still has, is unchanged
    (schema_differences checks that the columns are those of the models)."""
    for table, columns in before.items():
        if table == VERSION_TABLE:
            continue
        assert len(after[table]) == len(written[table]), table
        for wrote, now in zip(written[table], after[table], strict=True):
            for column in columns & set(wrote) & set(now):
                assert now[column] == wrote[column], (table, column)


def schema_differences(connection: Connection) -> list[Any]:
    return compare_metadata(MigrationContext.configure(connection), Base.metadata)


async def on_database(url: str, work: Callable[[Connection], Any]) -> Any:
    engine = create_engine(make_url(url))
    try:
        async with engine.begin() as connection:
            return await connection.run_sync(work)
    finally:
        await engine.dispose()


async def upgrade_to_head(url: str) -> None:
    """What the bot does at start (see check_database): open the database, migrate it."""
    settings = Settings.from_env({"DATABASE_URL": url}, require_token=False, dotenv=None)
    engine = await open_database(settings)
    await engine.dispose()


async def the_bot_works_on_it(api: FakeBotAPI, url: str, rows: dict[str, list[Any]]) -> None:
    bot = RunningBot(api, url, clock=FakeClock(NOW))
    await bot.start()
    try:
        user = api.user(CHAT)
        # The dispatcher's own tick may well send it first; either way it goes out once.
        assert bot.application is not None
        await dispatcher_of(bot.application).drain()
        await user.expect("Time for a walk", timeout=LONG_WAIT)
        await user.press("Done")
        await user.expect("How far did you walk?", timeout=LONG_WAIT)
        await user.send("2")
        await user.expect("Logged: a 2 km walk", timeout=LONG_WAIT)
        await user.send("/export")
        exported = await user.expect(kind="document", timeout=LONG_WAIT)
        tables = json.loads(exported.file or b"")["tables"]
        expected = {name: len(written) for name, written in rows.items()
                    if not Base.metadata.tables[name].info.get("about_the_bot")}
        expected["walk_logs"] += 1
        assert {name: len(found) for name, found in tables.items()} == expected
        await user.send("no")  # answers question 2 of the screen in progress
        await user.expect("Question 3 of ", timeout=LONG_WAIT)
    finally:
        await bot.stop()


@pytest.mark.parametrize("revision", revisions_oldest_first())
async def test_a_database_at_each_revision_upgrades_with_its_data(
    api: FakeBotAPI, database_url: str, revision: str
) -> None:
    rows = chat_rows(datetime.now(UTC))

    def at_revision_with_rows(connection: Connection) -> dict[str, set[str]]:
        command.upgrade(alembic_config(connection), revision)
        write_rows(connection, rows)
        return columns_now(connection)

    columns_then = await on_database(database_url, at_revision_with_rows)
    await upgrade_to_head(database_url)
    assert_kept(columns_then, rows, await on_database(database_url, stored_rows))
    assert await on_database(database_url, schema_differences) == []
    await the_bot_works_on_it(api, database_url, rows)


class EarlyBuild(IntEnum):
    """Builds whose revision 0001 made fewer columns than the released one, oldest first."""

    SAFETY_SCREEN = 1  # workouts kept as a step index and lists of steps
    WORKOUT_STATE = 2  # workouts keep the engine's state and a summary
    REMINDERS = 3  # reminders claimed by token, walks logged as minutes
    LANGUAGES = 4  # a language the person chose


def early_schema(build: EarlyBuild) -> MetaData:
    """The tables revision 0001 of ``build`` created, as it created them."""
    schema = MetaData(naming_convention=NAMING_CONVENTION)

    def belongs_to_chat() -> Column[Any]:
        return Column("chat_id", BigInteger, ForeignKey("chats.id", ondelete="CASCADE"),
                      nullable=False, index=True)

    def since(first: EarlyBuild, *columns: Column[Any]) -> list[Column[Any]]:
        return list(columns) if build >= first else []

    Table(
        "chats", schema,
        Column("id", BigInteger, primary_key=True, autoincrement=False),
        Column("language", String(8)),
        *since(EarlyBuild.LANGUAGES, Column("language_chosen", Boolean, nullable=False)),
        Column("time_zone", String(64)),
        Column("prefers_harder", Boolean, nullable=False),
        Column("created_at", UTCDateTime, nullable=False),
        Column("updated_at", UTCDateTime, nullable=False),
    )
    Table(
        "screening_results", schema,
        Column("id", Integer, primary_key=True),
        belongs_to_chat(),
        Column("outcome", String(32), nullable=False),
        Column("answers", JSON, nullable=False),
        Column("completed_at", UTCDateTime, nullable=False),
    )
    Table(
        "screening_drafts", schema,
        Column("chat_id", BigInteger, ForeignKey("chats.id", ondelete="CASCADE"),
               primary_key=True),
        Column("purpose", String(16), nullable=False),
        Column("nonce", String(16), nullable=False),
        Column("answers", JSON, nullable=False),
        Column("updated_at", UTCDateTime, nullable=False),
    )
    first_build = build == EarlyBuild.SAFETY_SCREEN
    Table(
        "workout_sessions", schema,
        Column("id", Integer, primary_key=True),
        belongs_to_chat(),
        Column("status", String(16), nullable=False),
        *([Column("step_index", Integer, nullable=False),
           Column("done_steps", JSON, nullable=False),
           Column("skipped_steps", JSON, nullable=False)] if first_build else []),
        *since(EarlyBuild.WORKOUT_STATE,
               Column("harder", Boolean, nullable=False), Column("state", JSON)),
        Column("feeling_before", SmallInteger),
        Column("feeling_after", SmallInteger),
        *since(EarlyBuild.WORKOUT_STATE,
               Column("exercises_done", SmallInteger, nullable=False),
               Column("exercises_skipped", SmallInteger, nullable=False),
               Column("active_seconds", Integer, nullable=False)),
        Column("started_at", UTCDateTime, nullable=False),
        *since(EarlyBuild.WORKOUT_STATE, Column("updated_at", UTCDateTime, nullable=False)),
        Column("finished_at", UTCDateTime),
    )
    Table(
        "reminders", schema,
        Column("id", Integer, primary_key=True),
        belongs_to_chat(),
        Column("kind", String(16), nullable=False),
        Column("local_time", String(5), nullable=False),
        Column("weekdays", SmallInteger, nullable=False),
        Column("active", Boolean, nullable=False),
        Column("next_due_at", UTCDateTime),
        *since(EarlyBuild.REMINDERS, Column("claim", String(16))),
        Column("created_at", UTCDateTime, nullable=False),
        Index("ix_reminders_due", "active", "next_due_at"),
    )
    Table(
        "walk_logs", schema,
        Column("id", Integer, primary_key=True),
        belongs_to_chat(),
        Column("local_date", Date, nullable=False),
        Column("km", Float, nullable=False),
        *since(EarlyBuild.REMINDERS, Column("minutes", SmallInteger)),
        Column("created_at", UTCDateTime, nullable=False),
    )
    return schema


# The first build's workout row: three steps, two done and one skipped.
FIRST_BUILD_WORKOUT = {"step_index": 3, "done_steps": [0, 1], "skipped_steps": [2]}


def early_rows(build: EarlyBuild) -> dict[str, list[dict[str, Any]]]:
    rows = chat_rows(datetime.now(UTC))
    # Desk breaks came later, together with the columns they need.
    rows["reminders"] = [row for row in rows["reminders"] if row["kind"] != "desk_break"]
    if build == EarlyBuild.SAFETY_SCREEN:
        rows["workout_sessions"][0].update(copy.deepcopy(FIRST_BUILD_WORKOUT))
    return rows


def filled_by_the_upgrade(row: dict[str, Any]) -> dict[tuple[str, str], Any]:
    """What the upgrade gives a column an early build lacked (see revision 0002)."""
    return {
        ("chats", "language_chosen"): False,
        ("reminders", "every_minutes"): None,
        ("reminders", "window_end"): None,
        ("reminders", "claim"): None,
        ("walk_logs", "minutes"): None,
        ("workout_sessions", "harder"): False,
        ("workout_sessions", "state"): None,
        ("workout_sessions", "exercises_done"): len(FIRST_BUILD_WORKOUT["done_steps"]),
        ("workout_sessions", "exercises_skipped"): len(FIRST_BUILD_WORKOUT["skipped_steps"]),
        ("workout_sessions", "active_seconds"): 0,
        ("workout_sessions", "updated_at"): row["finished_at"],
    }


@pytest.mark.parametrize("build", list(EarlyBuild), ids=lambda build: build.name.lower())
async def test_a_database_of_an_early_build_is_completed_and_works(
    api: FakeBotAPI, database_url: str, build: EarlyBuild
) -> None:
    rows = early_rows(build)

    def early_database_with_rows(connection: Connection) -> dict[str, set[str]]:
        early_schema(build).create_all(connection)
        command.stamp(alembic_config(connection), "0001")
        write_rows(connection, rows)
        return columns_now(connection)

    columns_then = await on_database(database_url, early_database_with_rows)
    await upgrade_to_head(database_url)
    after = await on_database(database_url, stored_rows)
    assert_kept(columns_then, rows, after)
    for (table, column), value in filled_by_the_upgrade(rows["workout_sessions"][0]).items():
        if column not in columns_then[table]:
            assert [row[column] for row in after[table]] == [value] * len(after[table]), (
                table, column)
    assert await on_database(database_url, schema_differences) == []
    await the_bot_works_on_it(api, database_url, rows)


def schema_of(connection: Connection) -> dict[str, Any]:
    """Each table's columns (type, NULL, default), indexes and foreign keys, as reflected."""
    inspector = inspect(connection)
    return {
        table: (
            [(c["name"], str(c["type"]), c["nullable"], c.get("default"))
             for c in inspector.get_columns(table)],
            sorted((i["name"], tuple(i["column_names"])) for i in inspector.get_indexes(table)),
            sorted((k["name"], tuple(k["constrained_columns"]), k["referred_table"])
                   for k in inspector.get_foreign_keys(table)),
        )
        for table in inspector.get_table_names() if table != VERSION_TABLE
    }


async def test_on_the_released_0001_revision_0002_changes_nothing(database_url: str) -> None:
    def at(revision: str) -> Callable[[Connection], dict[str, Any]]:
        def upgrade_and_reflect(connection: Connection) -> dict[str, Any]:
            command.upgrade(alembic_config(connection), revision)
            return schema_of(connection)
        return upgrade_and_reflect

    assert await on_database(database_url, at("0001")) == await on_database(
        database_url, at("0002"))


async def test_revision_0003_keeps_a_chat_at_0002_and_gives_it_the_default_guidance(
    database_url: str,
) -> None:
    rows = chat_rows(datetime.now(UTC))

    def at_0002_with_rows(connection: Connection) -> dict[str, set[str]]:
        command.upgrade(alembic_config(connection), "0002")
        write_rows(connection, rows)
        return columns_now(connection)

    columns_then = await on_database(database_url, at_0002_with_rows)
    assert {"guidance", "auto_continue"}.isdisjoint(columns_then["chats"])
    await on_database(database_url, lambda connection: command.upgrade(
        alembic_config(connection), "0003"))
    after = await on_database(database_url, stored_rows)
    assert_kept(columns_then, rows, after)
    [chat] = after["chats"]
    assert (chat["guidance"], chat["auto_continue"]) == (None, None)

    engine = create_engine(make_url(database_url))
    try:
        async with make_sessionmaker(engine)() as session:
            chosen = await preferences.load(session, CHAT)
    finally:
        await engine.dispose()
    assert chosen == preferences.Preferences(
        guidance=preferences.VOICE, auto_continue=True, harder=True, language="en",
        time_zone="Europe/Berlin",
    )

    # Back down to 0002: the columns go, and nothing else does (SQLite drops them in place;
    # rebuilding chats would cascade to every row of the chat).
    await on_database(database_url, lambda connection: command.downgrade(
        alembic_config(connection), "0002"))
    assert await on_database(database_url, columns_now) == columns_then
    assert await on_database(database_url, row_counts) == {
        table: len(written) for table, written in rows.items() if table in columns_then}


def row_counts(connection: Connection) -> dict[str, int]:
    schema = MetaData()
    schema.reflect(connection)
    return {table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in schema.sorted_tables if table.name != VERSION_TABLE}


async def stamp_newer_revision(url: str) -> None:
    await upgrade_to_head(url)
    await on_database(url, lambda connection: connection.execute(
        text(f"UPDATE {VERSION_TABLE} SET version_num = '{NEWER_REVISION}'")))


async def test_a_database_of_a_newer_version_is_refused_and_left_alone(
    database_url: str,
) -> None:
    await stamp_newer_revision(database_url)
    settings = Settings.from_env({"DATABASE_URL": database_url}, require_token=False,
                                 dotenv=None)
    with pytest.raises(ConfigError) as refused:
        await open_database(settings)
    message = str(refused.value)
    assert message.startswith("DATABASE_URL: ") and "\n" not in message
    assert "made by a newer version of Back Coach" in message
    assert f"(schema revision {NEWER_REVISION})" in message
    stamped = await on_database(database_url, lambda connection: list(
        connection.scalars(text(f"SELECT version_num FROM {VERSION_TABLE}"))))
    assert stamped == [NEWER_REVISION]


async def test_the_bot_refuses_a_newer_database_in_one_line(
    api: FakeBotAPI, database_url: str, tmp_path: Path
) -> None:
    await stamp_newer_revision(database_url)
    env = bot_environment(api, database_url)
    del env["LOG_LEVEL"]  # the default level, at which a refused start says one line
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot",
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(Path.cwd()), **env},
        cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 2
    [line] = stderr.decode().strip().splitlines()
    assert line.startswith("backcoach: DATABASE_URL: ")
    assert NEWER_REVISION in line and api.token not in line
