"""Everything stored about a chat: all of it as one JSON document (/export), or none of it
(/forget).

Both walk the schema instead of naming tables, so a table added later is exported and
forgotten without a change here: a chat's rows are the ``chats`` row and every row whose
column has a foreign key to ``chats.id`` (see :func:`chat_tables`). The export holds health
data (the safety answers), so it goes to the person and nowhere else: nothing here logs it.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Table, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Base, Chat

EXPORT_FORMAT = "backcoach-export"
EXPORT_VERSION = 1


def chat_tables() -> list[tuple[Table, Column[Any]]]:
    """Each table that holds rows of a chat, with the column naming that chat; parents
    before the tables that refer to them (``chats`` itself first)."""
    chats = Chat.__table__
    found: list[tuple[Table, Column[Any]]] = []
    for table in Base.metadata.sorted_tables:
        if table is chats:
            found.append((table, chats.c.id))
            continue
        for column in table.columns:
            if any(key.column is chats.c.id for key in column.foreign_keys):
                found.append((table, column))
                break
    return found


def tables_without_chat() -> list[str]:
    """Tables whose rows name no chat: /export and /forget would miss them (tests keep this
    empty, so that a new table is made to belong to a chat)."""
    covered = {table.name for table, _ in chat_tables()}
    return [table.name for table in Base.metadata.sorted_tables
            if table.name not in covered and not table.info.get("about_the_bot")]


async def forget(session: AsyncSession, chat_id: int) -> int:
    """Delete every row of the chat; the number of rows deleted.

    ``ON DELETE CASCADE`` would do this from the ``chats`` row alone; deleting children first,
    table by table, also holds on a connection that does not enforce foreign keys."""
    deleted = 0
    for table, column in reversed(chat_tables()):
        result = await session.execute(delete(table).where(column == chat_id))
        deleted += result.rowcount or 0
    return deleted


async def count_rows(session: AsyncSession, chat_id: int) -> dict[str, int]:
    """How many rows of the chat each table holds."""
    counts = {}
    for table, column in chat_tables():
        counts[table.name] = await session.scalar(
            select(func.count()).select_from(table).where(column == chat_id)
        ) or 0
    return counts


async def chat_rows(session: AsyncSession, chat_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every row of the chat by table name, each as {column: value}, in primary key order."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for table, column in chat_tables():
        result = await session.execute(
            select(table).where(column == chat_id).order_by(*table.primary_key.columns)
        )
        rows[table.name] = [dict(row) for row in result.mappings()]
    return rows


async def export(session: AsyncSession, chat_id: int, now: datetime) -> bytes | None:
    """The chat's data as a UTF-8 JSON document, or None when nothing is stored about it."""
    rows = await chat_rows(session, chat_id)
    if not rows[Chat.__tablename__]:
        return None
    document = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": now.isoformat(),
        "chat_id": chat_id,
        "tables": rows,
    }
    return json.dumps(document, default=_json_value, ensure_ascii=False, indent=2).encode()


def _json_value(value: object) -> object:
    """Values JSON has no type for: times as ISO 8601 (with their UTC offset)."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"cannot export a value of type {type(value).__name__}")
