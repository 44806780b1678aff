"""Workouts in the database: who may start one, and what each session did.

The engine (``bot.workout``) decides what happens next; this module keeps its state, so a
restart can pick a workout up again, and records the summary that ``/progress`` shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import screening
from bot.chats import ensure_chat
from bot.content import Content
from bot.content_model import BackRating
from bot.models import WorkoutSession, utcnow
from bot.workout import Status, WorkoutRun, WorkoutStateError

ACTIVE_STATUSES = (
    Status.AWAITING_START, Status.RUNNING, Status.PAUSED, Status.RESTING_BETWEEN_EXERCISES
)
# A workout interrupted longer ago than this is not offered again after a restart.
RESUMABLE_FOR = timedelta(hours=3)
FEELING_SCALE = range(0, 11)


class Gate(StrEnum):
    """Whether the chat may start a workout, judged by its latest safety screen."""

    OPEN = "open"  # after the quick check of passing conditions
    OPEN_JUST_SCREENED = "open_just_screened"  # the full screen is minutes old: no quick check
    NEVER_SCREENED = "never_screened"
    SCREEN_EXPIRED = "screen_expired"
    BLOCKED = "blocked"
    URGENT = "urgent"  # blocked by an urgent warning sign: its advice is repeated


async def workout_gate(session: AsyncSession, chat_id: int, now: datetime) -> Gate:
    result = await screening.latest_screen(session, chat_id)
    if result is None:
        return Gate.NEVER_SCREENED
    if result.outcome == screening.Outcome.URGENT:
        return Gate.URGENT
    if result.outcome != screening.Outcome.CLEARED:
        return Gate.BLOCKED
    if not screening.is_current(result, now):
        return Gate.SCREEN_EXPIRED
    if not screening.needs_quick_check(result, now):
        return Gate.OPEN_JUST_SCREENED
    return Gate.OPEN


def too_sore_to_start(limits: BackRating, before: int) -> bool:
    """A rating before the workout that counts as severe pain right now: no workout today."""
    return before >= limits.no_workout_from


def hurt_more_after(limits: BackRating, before: int | None, after: int | None) -> bool:
    """Whether the back hurt enough more after a workout to rest from the exercises."""
    if after is None:
        return False
    return after >= limits.rest_from or (
        before is not None and after - before >= limits.rest_after_rise)


async def hurt_more_last_time(
    session: AsyncSession, chat_id: int, limits: BackRating
) -> int | None:
    """The chat's latest workout if the back hurt more after it: the next one asks whether it
    has settled first. Once a new workout begins, that one is the latest, so it is asked once
    per sore workout (and again while the answer is "no")."""
    last = await session.scalar(
        select(WorkoutSession).where(WorkoutSession.chat_id == chat_id)
        .order_by(WorkoutSession.started_at.desc(), WorkoutSession.id.desc()).limit(1)
    )
    if last is None or not hurt_more_after(limits, last.feeling_before, last.feeling_after):
        return None
    return last.id


def new_run(content: Content, *, harder: bool, auto_continue: bool = False) -> WorkoutRun:
    return WorkoutRun(content.session, content.pacing, harder=harder,
                      auto_start_next=auto_continue)


async def begin(
    session: AsyncSession, chat_id: int, run: WorkoutRun, feeling_before: int | None
) -> WorkoutSession:
    """A new workout for the chat; any workout it left unfinished is closed as stopped."""
    for earlier in await active_sessions(session, chat_id):
        earlier.status = Status.STOPPED.value
        earlier.finished_at = utcnow()
    workout = WorkoutSession(
        chat_id=chat_id, status=run.status.value, harder=run.harder, state=run.to_dict(),
        feeling_before=feeling_before,
    )
    session.add(workout)
    await session.flush()
    return workout


async def active_sessions(session: AsyncSession, chat_id: int) -> list[WorkoutSession]:
    rows = await session.scalars(
        select(WorkoutSession).where(
            WorkoutSession.chat_id == chat_id,
            WorkoutSession.status.in_([s.value for s in ACTIVE_STATUSES]),
        )
    )
    return list(rows)


MESSAGE_ID_KEY = "message_id"


def save(workout: WorkoutSession, run: WorkoutRun, *, message_id: int | None = None) -> None:
    """Copy the engine's state and, once it has ended, its summary into the row.

    ``message_id``: the status message with the workout's live buttons, kept beside the state
    so that after a restart its buttons can be taken off."""
    workout.status = run.status.value
    workout.state = {**run.to_dict(), MESSAGE_ID_KEY: message_id}
    summary = run.summary()
    workout.exercises_done = len(summary.done_steps)
    workout.exercises_skipped = len(summary.skipped_steps)
    workout.active_seconds = round(summary.done_seconds)
    if run.status in (Status.FINISHED, Status.STOPPED) and workout.finished_at is None:
        workout.finished_at = utcnow()


def restore(content: Content, workout: WorkoutSession) -> WorkoutRun | None:
    """The engine as it was saved, or None when the programme has changed since."""
    try:
        return WorkoutRun.from_dict(content.session, workout.state or {})
    except WorkoutStateError:
        return None


def saved_message_id(workout: WorkoutSession) -> int | None:
    """The status message the workout had when its state was last saved, if any."""
    value = (workout.state or {}).get(MESSAGE_ID_KEY)
    return value if type(value) is int else None


async def interrupted(session: AsyncSession, now: datetime) -> list[WorkoutSession]:
    """Workouts a restart cut short; older ones are closed as stopped instead."""
    rows = list(await session.scalars(
        select(WorkoutSession).where(
            WorkoutSession.status.in_([s.value for s in ACTIVE_STATUSES])
        )
    ))
    recent = []
    for workout in rows:
        if now - workout.updated_at < RESUMABLE_FOR:
            recent.append(workout)
        else:
            workout.status = Status.STOPPED.value
            workout.finished_at = now
    return recent


async def record_feeling(
    session: AsyncSession, chat_id: int, workout_id: int, when: str, value: int
) -> bool:
    workout = await session.get(WorkoutSession, workout_id)
    if workout is None or workout.chat_id != chat_id or value not in FEELING_SCALE:
        return False
    if when == "before":
        workout.feeling_before = value
    else:
        workout.feeling_after = value
    return True


async def hurt_more_after_workout(
    session: AsyncSession, workout_id: int, limits: BackRating
) -> bool:
    workout = await session.get(WorkoutSession, workout_id)
    return workout is not None and hurt_more_after(
        limits, workout.feeling_before, workout.feeling_after)


@dataclass(frozen=True)
class WorkoutTotals:
    finished: int
    last_finished_at: datetime | None


async def totals(session: AsyncSession, chat_id: int) -> WorkoutTotals:
    finished, last = (await session.execute(
        select(func.count(), func.max(WorkoutSession.finished_at)).where(
            WorkoutSession.chat_id == chat_id,
            WorkoutSession.status == Status.FINISHED.value,
        )
    )).one()
    return WorkoutTotals(finished, last)


async def recent_workouts(
    session: AsyncSession, chat_id: int, limit: int = 5
) -> list[WorkoutSession]:
    return list(await session.scalars(
        select(WorkoutSession)
        .where(WorkoutSession.chat_id == chat_id, WorkoutSession.finished_at.is_not(None))
        .order_by(WorkoutSession.finished_at.desc())
        .limit(limit)
    ))


async def harder_preference(session: AsyncSession, chat_id: int) -> bool:
    return (await ensure_chat(session, chat_id)).prefers_harder


async def set_harder_preference(session: AsyncSession, chat_id: int, harder: bool) -> None:
    (await ensure_chat(session, chat_id)).prefers_harder = harder

