"""/forget and /export through the fake Bot API, checked against every table of the schema.

The checks walk ``Base.metadata`` on their own (not through bot.privacy), so a table added
later is covered, and one that names no chat fails here instead of being left behind.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Column, Table, func, select

from bot import privacy
from bot.fakeapi import FakeBotAPI, FakeUser
from bot.models import (
    Base,
    Chat,
    Reminder,
    ScreeningDraft,
    ScreeningResult,
    WorkoutSession,
    utcnow,
)
from handlers.workout_live import live_workouts, timer_name
from tests.harness import RunningBot
from tests.workout_helpers import reach_first_exercise, screened

# Health data: none of these may ever reach a log.
ANSWERS = {"severe_pain": False, "bleeding": False, "pregnancy": False}


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


def chat_columns() -> list[tuple[Table, Column[Any]]]:
    """Every table with the column that names a row's chat; fails for a table without one,
    unless it is marked as holding nothing about any person."""
    chats = Base.metadata.tables["chats"]
    found: list[tuple[Table, Column[Any]]] = []
    for table in Base.metadata.sorted_tables:
        if table.info.get("about_the_bot"):
            continue
        if table is chats:
            found.append((table, chats.c.id))
            continue
        columns = [c for c in table.columns if any(k.references(chats) for k in c.foreign_keys)]
        assert columns, f"{table.name}: no column names the chat its rows belong to"
        found += [(table, column) for column in columns]
    return found


async def rows_of(bot: RunningBot, chat_id: int) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {}
    async with bot.services.sessions() as session:
        for table, column in chat_columns():
            result = await session.execute(
                select(table).where(column == chat_id).order_by(*table.primary_key.columns)
            )
            rows.setdefault(table.name, []).extend(dict(row) for row in result.mappings())
    return rows


async def populate(bot: RunningBot, user: FakeUser) -> None:
    """A row in every table for the user's chat: a real walk, the rest stored directly."""
    await user.send("/walk 5.5")
    await user.expect("Logged")
    chat_id, now = user.id, utcnow()
    async with bot.services.sessions.begin() as session:
        (await session.get(Chat, chat_id)).time_zone = "Europe/Berlin"
        session.add_all([
            ScreeningResult(chat_id=chat_id, outcome="cleared", answers=ANSWERS,
                            completed_at=now),
            ScreeningDraft(chat_id=chat_id, purpose="full", nonce="n0nce123",
                           answers=[["severe_pain", False]]),
            WorkoutSession(chat_id=chat_id, status="finished", harder=False, feeling_before=4,
                           feeling_after=2, exercises_done=11, state={"step": 11},
                           finished_at=now),
            Reminder(chat_id=chat_id, kind="walk", local_time="07:30",
                     next_due_at=now + timedelta(days=1)),
        ])


@pytest.fixture
async def two_chats(api: FakeBotAPI, bot: RunningBot) -> tuple[FakeUser, FakeUser]:
    ann, bob = api.user(7001), api.user(7002, first_name="Bob")
    await populate(bot, ann)
    await populate(bot, bob)
    rows = await rows_of(bot, 7001)
    assert all(rows[table.name] for table, _ in chat_columns()), "every table has a row"
    return ann, bob


async def test_every_table_names_its_chat() -> None:
    chat_columns()
    assert privacy.tables_without_chat() == []


async def test_forget_asks_first_and_no_keeps_everything(
    api: FakeBotAPI, bot: RunningBot, two_chats: tuple[FakeUser, FakeUser]
) -> None:
    ann, _ = two_chats
    await ann.send("/help")  # any message keeps the chat's language in step with Telegram's
    await ann.expect("Here is what I can do")
    before = await rows_of(bot, 7001)
    await ann.send("/forget")
    question = await ann.expect("Delete everything I store about you?")
    assert question.buttons == ["🗑 Yes, delete everything", "No, keep it"]
    await ann.press("No, keep it")
    answer = await ann.expect("kept everything", kind="edit")
    assert answer.buttons == []
    assert await rows_of(bot, 7001) == before


async def test_forget_leaves_no_row_of_the_chat_in_any_table(
    api: FakeBotAPI, bot: RunningBot, two_chats: tuple[FakeUser, FakeUser]
) -> None:
    ann, _ = two_chats
    bobs = await rows_of(bot, 7002)
    await ann.send("/forget")
    await ann.expect("Delete everything")
    await ann.press("Yes")
    done = await ann.expect("I've deleted everything I stored about you", kind="edit")
    assert "reminders are cancelled" in (done.text or "") and done.buttons == []
    assert await rows_of(bot, 7001) == {table.name: [] for table, _ in chat_columns()}
    async with bot.services.sessions() as session:
        for table, column in chat_columns():
            count = await session.scalar(
                select(func.count()).select_from(table).where(column == 7001))
            assert count == 0, table.name
    assert await rows_of(bot, 7002) == bobs  # the other chat keeps everything
    # Afterwards the bot starts afresh.
    await ann.send("/progress")
    await ann.expect("Nothing logged in the last 7 days yet")
    await ann.send("/export")
    await ann.expect("I don't store anything about you")


async def test_forget_stops_a_live_workout(api: FakeBotAPI, bot: RunningBot) -> None:
    user = api.user(7003)
    await screened(bot, 7003)
    await reach_first_exercise(user)
    assert bot.application is not None
    assert 7003 in live_workouts(bot.application)
    card = max(user.messages)
    start = user.messages[card]["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await user.send("/forget")
    await user.expect("Delete everything")
    await user.press("Yes")
    await user.expect("I've deleted everything", kind="edit")
    assert 7003 not in live_workouts(bot.application)
    assert not bot.application.job_queue.get_jobs_by_name(timer_name(7003))
    # The old workout's buttons are gone from its status, and bring nothing back anyway.
    assert user.buttons(card) == []
    await user.press_data(card, start)
    await user.expect(kind="callback_answer")
    assert await rows_of(bot, 7003) == {table.name: [] for table, _ in chat_columns()}


async def test_an_old_confirmation_deletes_nothing(
    api: FakeBotAPI, migrated_database_url: str
) -> None:
    clock = Clock(utcnow())
    running = RunningBot(api, migrated_database_url, clock=clock)
    await running.start()
    try:
        user = api.user(7004)
        await user.send("/walk 3")
        await user.expect("Logged")
        await user.send("/forget")
        await user.expect("Delete everything")
        clock.now += timedelta(minutes=11)
        await user.press("Yes")
        await user.expect("This question is too old", kind="edit")
        assert len((await rows_of(running, 7004))["walk_logs"]) == 1
    finally:
        await running.stop()


def same_value(exported: object, stored: object) -> bool:
    if isinstance(stored, datetime):
        parsed = datetime.fromisoformat(str(exported))
        return parsed.utcoffset() is not None and parsed == stored
    if isinstance(stored, date):
        return date.fromisoformat(str(exported)) == stored
    return exported == stored


async def test_export_sends_exactly_what_is_stored(
    api: FakeBotAPI, bot: RunningBot, two_chats: tuple[FakeUser, FakeUser],
    caplog: pytest.LogCaptureFixture,
) -> None:
    ann, _ = two_chats
    caplog.set_level(logging.DEBUG)
    await ann.send("/export")
    sent = await ann.expect(kind="document")
    assert "Everything I store about you" in (sent.text or "")
    assert sent.file_name is not None and sent.file_name.endswith(".json")
    document = json.loads(sent.file or b"")
    assert document["format"] == "backcoach-export" and document["chat_id"] == 7001
    stored = await rows_of(bot, 7001)
    assert set(document["tables"]) == set(stored)
    for name, rows in stored.items():
        exported = document["tables"][name]
        assert len(exported) == len(rows), name
        for exported_row, row in zip(exported, rows, strict=True):
            assert set(exported_row) == set(row), name
            for column, value in row.items():
                assert same_value(exported_row[column], value), (name, column)
    # Nothing of the other chat, and the health answers are there for their owner only.
    assert "7002" not in json.dumps(document["tables"])
    assert document["tables"]["screening_results"][0]["answers"] == ANSWERS
    assert not any(answer in caplog.text for answer in ANSWERS)


async def test_export_with_nothing_stored(api: FakeBotAPI, bot: RunningBot) -> None:
    user = api.user(7005)
    await user.send("/export")
    await user.expect("I don't store anything about you", kind="message")
    assert not api.calls_to("sendDocument")


async def test_times_are_exported_as_iso_8601_in_utc(api: FakeBotAPI, bot: RunningBot) -> None:
    user = api.user(7006)
    await user.send("/walk 2")
    await user.expect("Logged")
    await user.send("/export")
    document = json.loads((await user.expect(kind="document")).file or b"")
    walk = document["tables"]["walk_logs"][0]
    assert datetime.fromisoformat(walk["created_at"]).utcoffset() == timedelta(0)
    assert date.fromisoformat(walk["local_date"]) == utcnow().astimezone(UTC).date()
    assert walk["km"] == 2.0 and walk["minutes"] is None
