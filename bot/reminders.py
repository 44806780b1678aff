"""Reminders in the database: setting, listing, pausing, and claiming the ones now due.

Nothing here knows Telegram. A reminder is a local wall time and a set of weekdays (a desk
break adds an interval and the end of its window: ``bot.desk_breaks``); the chat's time zone
(``chats.time_zone``) turns it into ``next_due_at``, the UTC instant it fires next.
That column is the whole schedule: nothing is kept in memory, so a restart loses nothing and
start-up costs the same with a hundred reminders or a hundred thousand.

:func:`claim_due` is the one place that moves a reminder forward. It advances ``next_due_at``
to the following occurrence in the same transaction that picks the reminder, before anything is
sent (see ``bot.dispatch`` for why that makes delivery at most once).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Row, bindparam, delete, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import desk_breaks, screening, timing
from bot.chats import ensure_chat
from bot.models import Chat, Reminder, ScreeningResult
from bot.reminder_day import Asked, DaySoFar, days_so_far
from bot.screening import Outcome
from bot.timing import LocalTime

logger = logging.getLogger(__name__)

# Enough for a walk, a workout and desk breaks on different days and times; a list longer
# than this is more likely a mistake than a plan, and it keeps /reminders to one screen.
MAX_PER_CHAT = 10
LATE_GRACE = timedelta(hours=1)


class Kind(StrEnum):
    WALK = "walk"
    WORKOUT = "workout"
    DESK_BREAK = "desk_break"


@dataclass(frozen=True)
class Window:
    """What makes a reminder a desk break: a break every ``every_minutes`` until ``end``."""

    end: LocalTime
    every_minutes: int


# Reminders that ask the body to do the program's exercises: they need a current clear screen.
EXERCISE_KINDS = frozenset({Kind.WORKOUT, Kind.DESK_BREAK})


def allowed_kinds(outcome: str | None) -> tuple[Kind, ...]:
    """What a chat may set reminders for, going by its latest safety screen.

    Exercise only when nothing rules it out; desk breaks are stretches from the program, so
    they go with the exercise. A chat not screened yet may set them, but they carry no
    exercise until a screen clears it (:func:`claim_due`). Walking stays open to those sent to
    a doctor or to a specialist, since the article names it the best thing for a back; an
    urgent warning sign means medical help today, not a coach's nudges, so it gets nothing.
    """
    if outcome is None or outcome == Outcome.CLEARED:
        return (Kind.WALK, Kind.WORKOUT, Kind.DESK_BREAK)
    if outcome == Outcome.URGENT:
        return ()
    return (Kind.WALK,)


async def kinds_for_chat(session: AsyncSession, chat_id: int) -> tuple[Kind, ...]:
    result = await screening.latest_screen(session, chat_id)
    return allowed_kinds(result.outcome if result else None)


def screen_note_due(
    kind: str, local_time: str, weekdays: int, every_minutes: int | None,
    window_end: str | None, zone_name: str, due_at: datetime, created_at: datetime,
    result: ScreeningResult | None,
) -> bool:
    """Whether an exercise reminder due at ``due_at``, for a chat without a current clear
    screen, is the one that says the safety questions come first.

    Only the first occurrence after the chat lost its clearance (or, never screened, after the
    reminder was made) says so; the later ones are skipped, so the note never turns into
    nagging. Nothing is stored for this: the screen's time and the schedule tell it.
    """
    lapsed = created_at if result is None else max(
        created_at, result.completed_at + screening.RESCREEN_AFTER)
    first = next_after(kind, local_time, weekdays, every_minutes, window_end, zone_name, lapsed)
    return first >= due_at


def stored_time(text: str) -> LocalTime:
    hour, minute = text.split(":")
    return LocalTime(int(hour), int(minute))


def next_after(
    kind: str, local_time: str, weekdays: int, every_minutes: int | None, window_end: str | None,
    zone_name: str, after: datetime,
) -> datetime:
    """When a stored reminder fires next, strictly after `after`; ValueError if its columns
    cannot be read (TimingError is one)."""
    start = stored_time(local_time)
    if Kind(kind) is not Kind.DESK_BREAK:
        return timing.next_due(start, weekdays, zone_name, after)
    if every_minutes is None or window_end is None:
        raise ValueError("a desk break without its interval or the end of its window")
    return timing.desk_break_times(start, stored_time(window_end), every_minutes, weekdays,
                                   zone_name, after)


def late_grace(kind: str, every_minutes: int | None) -> timedelta:
    """How late a reminder may still be sent: an hour, or less for a desk break."""
    if kind == Kind.DESK_BREAK and every_minutes:
        return min(LATE_GRACE, desk_breaks.late_grace(every_minutes))
    return LATE_GRACE


def first_due(reminder: Reminder, zone_name: str, now: datetime) -> datetime:
    return next_after(reminder.kind, reminder.local_time, reminder.weekdays,
                      reminder.every_minutes, reminder.window_end, zone_name, now)


# --- the chat's time zone ----------------------------------------------------------------


async def chat_zone(session: AsyncSession, chat_id: int) -> str | None:
    chat = await session.get(Chat, chat_id)
    return chat.time_zone if chat else None


async def set_chat_zone(
    session: AsyncSession, chat_id: int, zone_name: str, now: datetime
) -> None:
    """Store the zone and move every active reminder of the chat to its new local times."""
    timing.zone(zone_name)  # refuse a name that cannot be loaded before anything is stored
    chat = await ensure_chat(session, chat_id)
    chat.time_zone = zone_name
    for reminder in await list_reminders(session, chat_id):
        if reminder.active:
            reminder.next_due_at = first_due(reminder, zone_name, now)


def zone_at(latitude: float, longitude: float) -> str | None:
    """The time zone of a shared location, offline; None where the map has no usable zone."""
    # Imported here: the map takes some 35 MB, paid only once someone shares a location.
    import tzfpy

    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    name = tzfpy.get_tz(longitude, latitude)
    try:
        timing.zone(name)
    except timing.TimingError:
        return None
    return name


# --- setting and changing reminders ---------------------------------------------------------


class ReminderLimit(Exception):
    """The chat already has MAX_PER_CHAT reminders."""


async def add_reminder(
    session: AsyncSession, chat_id: int, kind: Kind, at: LocalTime, weekdays: int,
    now: datetime, language: str | None = None, window: Window | None = None,
) -> Reminder:
    """A new active reminder (or the same one again, switched back on) for a chat with a zone;
    a desk break (and only a desk break) comes with its window."""
    if (kind is Kind.DESK_BREAK) != (window is not None):
        raise ValueError("a desk break needs a window, and only a desk break has one")
    chat = await ensure_chat(session, chat_id)
    if chat.time_zone is None:
        raise ValueError("the chat has no time zone yet")
    if language:
        chat.language = language
    every, end = (window.every_minutes, str(window.end)) if window else (None, None)
    wanted = (kind.value, str(at), weekdays, every, end)
    existing = await list_reminders(session, chat_id)
    for reminder in existing:
        if (reminder.kind, reminder.local_time, reminder.weekdays, reminder.every_minutes,
                reminder.window_end) == wanted:
            reminder.active = True
            reminder.next_due_at = first_due(reminder, chat.time_zone, now)
            return reminder
    if len(existing) >= MAX_PER_CHAT:
        raise ReminderLimit
    # Made "now" by the bot's clock: the screen note (screen_note_due) counts from it.
    reminder = Reminder(chat_id=chat_id, kind=kind.value, local_time=str(at), weekdays=weekdays,
                        every_minutes=every, window_end=end, created_at=now)
    reminder.next_due_at = first_due(reminder, chat.time_zone, now)
    session.add(reminder)
    await session.flush()
    return reminder


async def list_reminders(session: AsyncSession, chat_id: int) -> list[Reminder]:
    return list(await session.scalars(
        select(Reminder).where(Reminder.chat_id == chat_id)
        .order_by(Reminder.local_time, Reminder.id)
    ))


async def own_reminder(session: AsyncSession, chat_id: int, reminder_id: int) -> Reminder | None:
    reminder = await session.get(Reminder, reminder_id)
    return reminder if reminder is not None and reminder.chat_id == chat_id else None


async def set_active(
    session: AsyncSession, chat_id: int, reminder_id: int, active: bool, now: datetime
) -> Reminder | None:
    reminder = await own_reminder(session, chat_id, reminder_id)
    if reminder is None:
        return None
    zone_name = await chat_zone(session, chat_id)
    if active and not reminder.active and zone_name:
        # Resuming starts from the next occurrence: what fell due while paused stays skipped.
        reminder.next_due_at = first_due(reminder, zone_name, now)
    reminder.active = active
    return reminder


async def delete_reminder(session: AsyncSession, chat_id: int, reminder_id: int) -> bool:
    result = await session.execute(
        delete(Reminder).where(Reminder.id == reminder_id, Reminder.chat_id == chat_id)
    )
    return bool(result.rowcount)


async def pause_all(session: AsyncSession, chat_ids: Iterable[int]) -> int:
    """Switch off every reminder of these chats; how many were on."""
    ids = list(chat_ids)
    if not ids:
        return 0
    result = await session.execute(
        update(Reminder).where(Reminder.chat_id.in_(ids), Reminder.active == true())
        .values(active=False)
    )
    return int(result.rowcount or 0)


async def snooze(
    session: AsyncSession, chat_id: int, reminder_id: int, again: datetime
) -> datetime | None:
    """Fire again at ``again`` (bot.reminder_later: the person's choice under "Later"); when it
    fires next, or None for a reminder that is gone or paused.

    The snooze takes the place of the next occurrence only if it comes first, so a snooze
    late in the evening never swallows the next morning's reminder (and the answer is then
    that next occurrence); once it has fired, the regular days go on from there.
    """
    reminder = await own_reminder(session, chat_id, reminder_id)
    if reminder is None or not reminder.active:
        return None
    if reminder.next_due_at is None or again < reminder.next_due_at:
        reminder.next_due_at = again
    return reminder.next_due_at


# --- claiming what is due ----------------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    """One reminder to send now. ``moved_to`` is what the claim wrote, so that a reminder that
    could not be sent can be put back only if nobody has changed it since."""

    reminder_id: int
    chat_id: int
    kind: Kind
    due_at: datetime
    moved_to: datetime
    language: str | None
    every_minutes: int | None = None  # a desk break's interval
    # The latest screen's outcome, which words a walk; None when never screened.
    outcome: str | None = None
    # An exercise reminder for a chat without a current clear screen: instead of the exercise,
    # it says (once) that the safety questions come first.
    screen_first: bool = False
    # What the chat walked on the reminder's local day (a walk's wording counts on it).
    walked_km: float = 0.0


@dataclass
class Claim:
    to_send: list[Claimed] = field(default_factory=list)
    # Reminders moved on without a message: more than an hour late, or not allowed any more
    # (an exercise reminder whose note about the safety questions has already gone included).
    skipped_late: int = 0
    skipped_not_allowed: int = 0
    # Workout reminders on a day whose workout is done (bot.reminder_day): not sent.
    skipped_done: int = 0
    # Due rows read, whether this claim or a concurrent one got them: none means nothing is due.
    seen: int = 0

    @property
    def empty(self) -> bool:
        return not self.seen


async def claim_due(sessions: async_sessionmaker, now: datetime, limit: int) -> Claim:
    """Take up to ``limit`` reminders due at ``now``, oldest first, and move each to its next
    occurrence in the same transaction; return those to send.

    Every row is moved with a compare-and-set on ``next_due_at``, so two claimers (two ticks,
    two processes) never both get a reminder: on PostgreSQL the rows are also locked with
    ``SKIP LOCKED`` so a second claimer takes the next rows instead of waiting; SQLite has one
    writer at a time, and the compare-and-set catches an edit made between read and write.
    """
    claim = Claim()
    async with sessions.begin() as session:
        query = (
            select(Reminder.id, Reminder.chat_id, Reminder.kind, Reminder.local_time,
                   Reminder.weekdays, Reminder.every_minutes, Reminder.window_end,
                   Reminder.next_due_at, Reminder.created_at, Chat.time_zone, Chat.language)
            .join(Chat, Chat.id == Reminder.chat_id)
            .where(Reminder.active == true(), Reminder.next_due_at <= now)
            .order_by(Reminder.next_due_at)  # the index order: no sort, even when many tie
            .limit(limit)
        )
        if session.bind.dialect.name == "postgresql":
            query = query.with_for_update(of=Reminder, skip_locked=True)
        rows = (await session.execute(query)).all()
        claim.seen = len(rows)
        if not rows:
            return claim
        moves, broken = {}, []
        for row in rows:
            try:  # from max(...): the next occurrence is always in the future
                moves[row.id] = next_after(row.kind, row.local_time, row.weekdays,
                                           row.every_minutes, row.window_end,
                                           row.time_zone or "UTC", max(row.next_due_at, now))
            except ValueError:  # TimingError too: a row edited by hand must not block the rest
                broken.append(row.id)
        if broken:
            logger.error("Pausing reminders %s: their time, days or zone cannot be read", broken)
            await session.execute(
                update(Reminder).where(Reminder.id.in_(broken)).values(active=False))
        rows = [row for row in rows if row.id in moves]
        mine = await _move(session, rows, moves) if rows else set()
        results = await _latest_results(session, {row.chat_id for row in rows})
        asked = {row.id: Asked(row.chat_id, row.time_zone or "UTC", row.next_due_at)
                 for row in rows if row.id in mine and row.kind in (Kind.WALK, Kind.WORKOUT)}
        days = await days_so_far(session, asked.values())
        for row in rows:
            if row.id not in mine:
                continue  # changed or claimed by someone else meanwhile
            kind, result = Kind(row.kind), results.get(row.chat_id)
            day = days[asked[row.id]] if row.id in asked else DaySoFar()
            outcome = result.outcome if result else None
            screen_first = kind in EXERCISE_KINDS and not screening.is_current(result, now)
            if kind not in allowed_kinds(outcome) or (screen_first and not screen_note_due(
                    row.kind, row.local_time, row.weekdays, row.every_minutes, row.window_end,
                    row.time_zone or "UTC", row.next_due_at, row.created_at, result)):
                claim.skipped_not_allowed += 1
            elif not timing.catch_up(row.next_due_at, now,
                                     grace=late_grace(kind, row.every_minutes)):
                claim.skipped_late += 1
            elif kind is Kind.WORKOUT and not screen_first and day.worked_out:
                claim.skipped_done += 1
            else:
                claim.to_send.append(Claimed(row.id, row.chat_id, kind, row.next_due_at,
                                             moves[row.id], row.language, row.every_minutes,
                                             outcome, screen_first, day.walked_km))
    return claim


_CAS = (
    update(Reminder.__table__)
    .where(Reminder.id == bindparam("rid"), Reminder.next_due_at == bindparam("old"),
           Reminder.active == true())
    .values(next_due_at=bindparam("new"), claim=bindparam("token"))
)


async def _move(session: AsyncSession, rows: Sequence[Row[Any]],
                moves: dict[int, datetime]) -> set[int]:
    """Compare-and-set every row to its next occurrence in one round trip; the ids it moved."""
    connection = await session.connection()
    token = secrets.token_hex(8)
    params = [{"rid": row.id, "old": row.next_due_at, "new": moves[row.id], "token": token}
              for row in rows]
    result = await connection.execute(_CAS, params)
    if connection.dialect.name == "postgresql" or result.rowcount == len(params):
        # On PostgreSQL the rows are locked FOR UPDATE since the SELECT: every move held.
        # SQLite says how many rows the batch changed, not which: if all, they are all ours.
        return set(moves)
    # Another claimer moved some of these rows between our read and our write; only the rows
    # that carry this claim's token are ours.
    return set(await connection.scalars(
        select(Reminder.id).where(Reminder.id.in_(moves), Reminder.claim == token)))


async def _latest_results(
    session: AsyncSession, chat_ids: set[int]
) -> dict[int, ScreeningResult]:
    if not chat_ids:
        return {}
    # Only the latest result is kept per chat (bot.screening.store_result); should there be
    # more, the later ones overwrite the earlier in the dict.
    rows = await session.scalars(
        select(ScreeningResult)
        .where(ScreeningResult.chat_id.in_(chat_ids))
        .order_by(ScreeningResult.completed_at, ScreeningResult.id)
    )
    return {result.chat_id: result for result in rows}


async def release(sessions: async_sessionmaker, items: Sequence[Claimed]) -> int:
    """Put back reminders that were claimed but not sent, so the next claim takes them again;
    one changed since the claim (paused, deleted, moved by the person) is left as it is."""
    released = 0
    async with sessions.begin() as session:
        for item in items:
            result = await session.execute(
                update(Reminder)
                .where(Reminder.id == item.reminder_id, Reminder.next_due_at == item.moved_to)
                .values(next_due_at=item.due_at)
            )
            released += result.rowcount or 0
    return released
