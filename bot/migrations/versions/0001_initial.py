"""Initial schema: chats, screenings, workout sessions, reminders, walk logs.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.models import UTCDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def belongs_to_chat(table: str) -> tuple[sa.Column, sa.ForeignKeyConstraint]:
    return (
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"], ["chats.id"], name=op.f(f"fk_{table}_chat_id_chats"), ondelete="CASCADE"
        ),
    )


def upgrade() -> None:
    op.create_table(
        "chats",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("language_chosen", sa.Boolean(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=True),
        sa.Column("prefers_harder", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chats")),
    )
    op.create_table(
        "screening_results",
        sa.Column("id", sa.Integer(), nullable=False),
        *belongs_to_chat("screening_results"),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("completed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_results")),
    )
    op.create_table(
        "screening_drafts",
        *belongs_to_chat("screening_drafts"),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("nonce", sa.String(length=16), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_screening_drafts")),
    )
    op.create_table(
        "workout_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        *belongs_to_chat("workout_sessions"),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("harder", sa.Boolean(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=True),
        sa.Column("feeling_before", sa.SmallInteger(), nullable=True),
        sa.Column("feeling_after", sa.SmallInteger(), nullable=True),
        sa.Column("exercises_done", sa.SmallInteger(), nullable=False),
        sa.Column("exercises_skipped", sa.SmallInteger(), nullable=False),
        sa.Column("active_seconds", sa.Integer(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workout_sessions")),
    )
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        *belongs_to_chat("reminders"),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("local_time", sa.String(length=5), nullable=False),
        sa.Column("weekdays", sa.SmallInteger(), nullable=False),
        sa.Column("every_minutes", sa.SmallInteger(), nullable=True),
        sa.Column("window_end", sa.String(length=5), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("next_due_at", UTCDateTime(), nullable=True),
        sa.Column("claim", sa.String(length=16), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
    )
    op.create_index("ix_reminders_due", "reminders", ["active", "next_due_at"])
    op.create_table(
        "walk_logs",
        sa.Column("id", sa.Integer(), nullable=False),
        *belongs_to_chat("walk_logs"),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("km", sa.Float(), nullable=False),
        sa.Column("minutes", sa.SmallInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_walk_logs")),
    )
    for table in ("screening_results", "workout_sessions", "reminders", "walk_logs"):
        op.create_index(op.f(f"ix_{table}_chat_id"), table, ["chat_id"])


def downgrade() -> None:
    for table in (
        "walk_logs", "reminders", "workout_sessions", "screening_drafts", "screening_results"
    ):
        op.drop_table(table)
    op.drop_table("chats")
