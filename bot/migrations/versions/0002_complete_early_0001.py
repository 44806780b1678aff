"""Complete the schema of databases made by an early build of revision 0001.

Before its first release, revision 0001 gained columns while builds that had already run it
were in use, so a database stamped 0001 may lack some of them. This revision looks at the live
schema and adds only what is missing; on a database made by the final 0001 it does nothing.

What a row made by an early build gets:

- ``chats.language_chosen``: false, so the chat follows Telegram's language until the person
  picks one with /language, as for every chat that never did.
- ``reminders.every_minutes``, ``reminders.window_end``, ``reminders.claim`` and
  ``walk_logs.minutes``: NULL (a daily reminder, not a desk break; never claimed; a walk logged
  as a distance).
- ``workout_sessions``: ``harder`` false; ``state`` NULL, which the bot reads as a workout it
  cannot resume (one left unfinished is closed as stopped); ``exercises_done`` and
  ``exercises_skipped`` counted from the step lists the first build kept (``done_steps``,
  ``skipped_steps``), which are dropped with ``step_index``; ``active_seconds`` 0, as it was
  never measured; ``updated_at`` the time the workout finished, or else started.

The NOT NULL columns added here keep their server default (false or 0), so a database
upgraded from an early build differs from one made by the final 0001 only in that default,
which nothing reads: the bot always writes these columns itself. Removing it would make SQLite
rebuild ``chats``, and with foreign keys enforced dropping the old table would cascade to every
row that belongs to a chat.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from bot.models import UTCDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def later_columns() -> dict[str, list[sa.Column[Any]]]:
    """Columns the final 0001 has and an early build's may lack, by table, in 0001's order.

    The NOT NULL ones carry the server default that fills existing rows, as a plain string:
    SQLite adds such a column in place, while an expression default would make Alembic rebuild
    the table. Built afresh on each call, as a column belongs to the first table it is added to.
    """
    return {
        "chats": [
            sa.Column("language_chosen", sa.Boolean(), nullable=False, server_default="0"),
        ],
        "reminders": [
            sa.Column("every_minutes", sa.SmallInteger(), nullable=True),
            sa.Column("window_end", sa.String(length=5), nullable=True),
            sa.Column("claim", sa.String(length=16), nullable=True),
        ],
        "walk_logs": [
            sa.Column("minutes", sa.SmallInteger(), nullable=True),
        ],
        "workout_sessions": [
            sa.Column("harder", sa.Boolean(), nullable=False, server_default="0"),
            sa.Column("state", sa.JSON(), nullable=True),
            sa.Column("exercises_done", sa.SmallInteger(), nullable=False, server_default="0"),
            sa.Column("exercises_skipped", sa.SmallInteger(), nullable=False,
                      server_default="0"),
            sa.Column("active_seconds", sa.Integer(), nullable=False, server_default="0"),
            # Filled from the row's own times below, then made NOT NULL.
            sa.Column("updated_at", UTCDateTime(), nullable=True),
        ],
    }


# The first build's record of a workout's steps, replaced by the engine's saved state.
FIRST_BUILD_WORKOUT_COLUMNS = ("step_index", "done_steps", "skipped_steps")


def column_names(table: str) -> set[str]:
    # A fresh inspector each time: it caches, and an earlier step may have changed the table.
    return {column["name"] for column in sa.inspect(op.get_bind()).get_columns(table)}


def upgrade() -> None:
    missing_updated_at = "updated_at" not in column_names("workout_sessions")
    for table, columns in later_columns().items():
        present = column_names(table)
        absent = [column for column in columns if column.name not in present]
        if absent:
            with op.batch_alter_table(table) as batch:
                for column in absent:
                    batch.add_column(column)
    first_build = [
        name for name in FIRST_BUILD_WORKOUT_COLUMNS if name in column_names("workout_sessions")
    ]
    if "done_steps" in first_build:
        count_first_build_steps()
    if missing_updated_at:
        fill_workout_updated_at()
    if first_build or missing_updated_at:
        with op.batch_alter_table("workout_sessions") as batch:
            for name in first_build:
                batch.drop_column(name)
            if missing_updated_at:
                batch.alter_column("updated_at", existing_type=UTCDateTime(), nullable=False)


def fill_workout_updated_at() -> None:
    workouts = sa.table(
        "workout_sessions", sa.column("updated_at"), sa.column("started_at"),
        sa.column("finished_at"),
    )
    op.execute(
        workouts.update()
        .where(workouts.c.updated_at.is_(None))
        .values(updated_at=sa.func.coalesce(workouts.c.finished_at, workouts.c.started_at))
    )


def count_first_build_steps() -> None:
    """exercises_done/skipped from the step lists, row by row: JSON functions differ between
    SQLite and PostgreSQL, and the first build never wrote a workout, so there are few rows."""
    workouts = sa.table(
        "workout_sessions", sa.column("id", sa.Integer()), sa.column("done_steps", sa.JSON()),
        sa.column("skipped_steps", sa.JSON()), sa.column("exercises_done", sa.SmallInteger()),
        sa.column("exercises_skipped", sa.SmallInteger()),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(workouts.c.id, workouts.c.done_steps, workouts.c.skipped_steps)
    ).all()
    for row in rows:
        bind.execute(
            workouts.update().where(workouts.c.id == row.id).values(
                exercises_done=len(row.done_steps or []),
                exercises_skipped=len(row.skipped_steps or []),
            )
        )


def downgrade() -> None:
    # The columns belong to revision 0001, so going back to it keeps them.
    pass
