"""A workout in progress in one chat, apart from Telegram: its stages, when its state is
stored, and what its status message says at each point (``handlers.workout_live`` shows it)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from bot import workouts
from bot.content import Content
from bot.models import WorkoutSession
from bot.workout import Beat, Event, Status, Transition, WorkoutRun
from bot.workout_text import beat_status, exercise_name

# Stages of a live workout around the engine's own states.
FEELING_BEFORE, OVERVIEW, EXERCISING, FEELING_AFTER = "before", "overview", "exercising", "after"
FEELING_QUESTION = {
    FEELING_BEFORE: "workout.feeling.before", FEELING_AFTER: "workout.feeling.after",
}
# Engine events after which the stored state must change (a new exercise, an end).
SAVED_EVENTS = frozenset({
    Event.EXERCISE_STARTED, Event.EXERCISE_DONE, Event.REST_OVER, Event.SKIPPED, Event.STOPPED,
    Event.RESTORED,
})


@dataclass
class LiveWorkout:
    """A workout in progress in one chat, with the message that carries its live buttons."""

    chat_id: int
    workout_id: int
    run: WorkoutRun
    lang: str
    stage: str
    control_message_id: int | None = None
    timer_seconds: float | None = None  # the length of the pending timer, in programme seconds
    stalled: bool = False  # a step the person needed could not be shown
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def must_save(live: LiveWorkout, t: Transition) -> bool:
    return t.event in SAVED_EVENTS or live.run.status in (Status.FINISHED, Status.STOPPED)


async def save_run(session: AsyncSession, live: LiveWorkout) -> None:
    workout = await session.get(WorkoutSession, live.workout_id)
    if workout is not None:
        workouts.save(workout, live.run)


def seconds_left(live: LiveWorkout, elapsed: float) -> float:
    """What is left of the pending timer after ``elapsed`` programme seconds."""
    return max((live.timer_seconds or 0.0) - elapsed, 0.0)


def status_text(content: Content, live: LiveWorkout, status: Status, beat: Beat | None,
                seconds: float | None) -> str:
    """The status message while an exercise runs, is paused, or rests before the next."""
    if status is Status.PAUSED:
        return content.text("workout.status.paused", live.lang)
    step = live.run.current_step
    if status is Status.RESTING_BETWEEN_EXERCISES:
        return content.text("workout.rest.between", live.lang, seconds=round(seconds or 0),
                            name=exercise_name(content, live.lang, step))
    return beat_status(content, live.lang, step, beat, seconds)


def status_actions(status: Status) -> tuple[str, ...]:
    """The buttons under the status message."""
    if status is Status.PAUSED:
        return ("resume", "skip", "stop")
    if status is Status.RESTING_BETWEEN_EXERCISES:
        return ("start_now", "pause", "skip", "stop")
    return ("pause", "skip", "stop")
