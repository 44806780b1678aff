"""What Back Coach stores per chat, and the little it keeps about itself.

Every table of a person's data hangs off ``chats`` with ``ON DELETE CASCADE``, so forgetting a
chat is one delete. The bot's own settings (``bot_settings``) name nobody.
Times are stored in UTC; the chat's own time zone turns them into local times.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite would otherwise hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store aware UTC times only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


# Stable constraint names let migrations rename and drop them the same way on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def chat_fk() -> Mapped[int]:
    return mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), nullable=False, index=True
    )


class Chat(Base):
    __tablename__ = "chats"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # The language the bot speaks here: Telegram's for the person, until they pick one.
    language: Mapped[str | None] = mapped_column(String(8))
    language_chosen: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    time_zone: Mapped[str | None] = mapped_column(String(64))
    prefers_harder: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    # How a workout is led, chosen in /settings; NULL means the default (bot/preferences.py).
    guidance: Mapped[str | None] = mapped_column(String(8))
    auto_continue: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )


class ScreeningResult(Base):
    """One completed safety screen: the yes/no answers by question id, and what they led to."""

    __tablename__ = "screening_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = chat_fk()
    outcome: Mapped[str] = mapped_column(String(32), nullable=False)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class ScreeningDraft(Base):
    """A safety screen in progress: survives a restart so the person can go on answering.

    ``answers`` is the list of ``[question_id, yes]`` pairs in the order they were given; the
    nonce is part of every button of this screen, so buttons of an older screen are recognised.
    """

    __tablename__ = "screening_drafts"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    purpose: Mapped[str] = mapped_column(String(16), nullable=False)
    nonce: Mapped[str] = mapped_column(String(16), nullable=False)
    answers: Mapped[list[list[Any]]] = mapped_column(JSON, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )


class WorkoutSession(Base):
    """One guided workout; ``state`` is the engine's saved state, so a restart can resume it."""

    __tablename__ = "workout_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = chat_fk()
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    harder: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    state: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    feeling_before: Mapped[int | None] = mapped_column(SmallInteger)
    feeling_after: Mapped[int | None] = mapped_column(SmallInteger)
    exercises_done: Mapped[int] = mapped_column(SmallInteger, default=0, nullable=False)
    exercises_skipped: Mapped[int] = mapped_column(SmallInteger, default=0, nullable=False)
    active_seconds: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Reminder(Base):
    __tablename__ = "reminders"
    __table_args__ = (Index("ix_reminders_due", "active", "next_due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = chat_fk()
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    # "HH:MM" local: when a daily reminder fires, or when a desk break's window opens.
    local_time: Mapped[str] = mapped_column(String(5), nullable=False)
    # Monday is bit 0; 0b1111111 is every day.
    weekdays: Mapped[int] = mapped_column(SmallInteger, default=0b1111111, nullable=False)
    # Desk breaks only (bot/desk_breaks.py): how often, and when the window closes ("HH:MM").
    every_minutes: Mapped[int | None] = mapped_column(SmallInteger)
    window_end: Mapped[str | None] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A random token of the dispatcher's claim that last moved next_due_at (bot/reminders.py):
    # it tells two claimers of the same rows apart where the database cannot say which rows
    # a batch of updates changed.
    claim: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class WalkLog(Base):
    """One walk, on the chat's local date when it was logged (see bot/walking.py).

    ``minutes`` is what the person said when they gave a duration rather than a distance;
    ``km`` was then worked out at the walking pace, and is what every total counts.
    """

    __tablename__ = "walk_logs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = chat_fk()
    local_date: Mapped[date] = mapped_column(Date, nullable=False)
    km: Mapped[float] = mapped_column(Float, nullable=False)
    minutes: Mapped[int | None] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


# The marker of a table that holds nothing about any person (bot/privacy.py checks the rest).
ABOUT_THE_BOT = {"about_the_bot": True}


class BotSetting(Base):
    """A setting the bot makes for itself and must keep the same across restarts and
    instances, such as the webhook's secret token when the operator gives none."""

    __tablename__ = "bot_settings"
    __table_args__ = ({"info": ABOUT_THE_BOT},)

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(512), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
