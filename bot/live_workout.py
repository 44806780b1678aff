"""A workout in progress in one chat, apart from Telegram: its stages, when its state is
stored, and what its status message says at each point (``handlers.workout_live`` shows it).

Messages of a session. Each exercise leaves two messages in the chat: its card (what to do,
sent at the start of the rest before it, so it can be read or heard during the rest) and its
status message, edited through every beat and countdown, ending "✅ Done". With spoken
guidance a voice message of the exercise comes with its card. In text-only guidance a short
message makes the phone sound at every change of position, and is deleted when the next one
comes or the exercise ends (an edit never makes a sound). The end of the session is one
message: the summary, with the back-rating question when anything was done.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import workouts
from bot.content import Content
from bot.models import WorkoutSession
from bot.speech import VoiceScript, exercise_script
from bot.workout import Beat, BeatKind, Event, Status, Transition, WorkoutRun
from bot.workout_text import beat_status, exercise_name, side_switch

# Stages of a live workout around the engine's own states.
FEELING_BEFORE, OVERVIEW, EXERCISING, FEELING_AFTER = "before", "overview", "exercising", "after"
FEELING_QUESTION = {
    FEELING_BEFORE: "workout.feeling.before", FEELING_AFTER: "workout.feeling.after",
}
# Engine events after which the stored state must change (a new exercise, an end).
SAVED_EVENTS = frozenset({
    Event.EXERCISE_STARTED, Event.EXERCISE_DONE, Event.REST_OVER, Event.SKIPPED, Event.STOPPED,
    Event.RESTORED, Event.REWOUND,
})

# Rows read by one query: well inside SQLite's limit on a statement's parameters.
ROWS_AT_ONCE = 500
# How often the status message counts down, in programme seconds. Telegram allows a chat about
# one message or edit a second, shared with everything else the chat gets: prompts, the
# messages that sound, the next card. An edit every 5 s keeps a countdown you can glance at
# ("Hold — 15 s", "10 s", "5 s") well inside that, and 50 people exercising at once cost 10
# edits a second, a third of the bot's overall allowance. Beats of 5 s or less only show their
# length: a glance at them is answered by the next prompt.
COUNTDOWN_EVERY = 5.0
# A hold this long or longer ends with a message that sounds: after a short hold the person
# is still watching; after a long one they have put the phone down.
SOUND_AFTER_HOLD = 10.0


@dataclass
class LiveWorkout:
    """A workout in progress in one chat, with the message that carries its live buttons."""

    chat_id: int
    workout_id: int
    run: WorkoutRun
    lang: str
    stage: str
    voice: bool = False  # spoken guidance: each exercise comes with a voice message
    control_message_id: int | None = None  # the status message with the live buttons
    timer_seconds: float | None = None  # the length of the pending timer, in programme seconds
    stalled: bool = False  # a step the person needed could not be shown
    card_step: int | None = None  # the step whose card was shown last
    sound_message_id: int | None = None  # the short message that made the phone sound
    question_message_id: int | None = None  # "End the workout?", while it waits
    paused_to_ask: bool = False  # Stop paused the workout to ask
    rating_text: str | None = None  # the message that asks for the back rating
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def must_save(live: LiveWorkout, t: Transition) -> bool:
    return t.event in SAVED_EVENTS or live.run.status in (Status.FINISHED, Status.STOPPED)


async def save_run(session: AsyncSession, live: LiveWorkout) -> None:
    workout = await session.get(WorkoutSession, live.workout_id)
    if workout is not None:
        workouts.save(workout, live.run, message_id=live.control_message_id)


async def save_runs(session: AsyncSession, lives: list[LiveWorkout]) -> None:
    """``save_run`` for many workouts, their rows read a few hundred at a time."""
    by_id = {live.workout_id: live for live in lives}
    ids = list(by_id)
    for start in range(0, len(ids), ROWS_AT_ONCE):
        rows = await session.scalars(select(WorkoutSession).where(
            WorkoutSession.id.in_(ids[start:start + ROWS_AT_ONCE])))
        for workout in rows:
            live = by_id[workout.id]
            workouts.save(workout, live.run, message_id=live.control_message_id)


def seconds_left(live: LiveWorkout, elapsed: float) -> float:
    """What is left of the pending timer after ``elapsed`` programme seconds."""
    return max((live.timer_seconds or 0.0) - elapsed, 0.0)


def countdown_marks(seconds: float) -> tuple[float, ...]:
    """The times left at which a beat of ``seconds`` updates its countdown, longest first:
    every whole multiple of COUNTDOWN_EVERY below its length (20 s → 15, 10, 5)."""
    count = math.ceil(seconds / COUNTDOWN_EVERY) - 1
    return tuple(COUNTDOWN_EVERY * n for n in range(count, 0, -1))


def status_text(content: Content, live: LiveWorkout, status: Status, beat: Beat | None,
                seconds: float | None) -> str:
    """The status message while an exercise runs, is paused, or rests before the next."""
    if status is Status.PAUSED:
        key = ("workout.status.asking" if live.paused_to_ask else
               "workout.status.paused_voice" if live.voice else "workout.status.paused")
        return content.text(key, live.lang)
    step = live.run.current_step
    if status is Status.RESTING_BETWEEN_EXERCISES:
        key = "workout.rest.between_auto" if live.run.auto_start_next else "workout.rest.between"
        return content.text(key, live.lang, seconds=round(seconds or 0),
                            name=exercise_name(content, live.lang, step))
    if status is Status.AWAITING_START:
        if live.voice:
            return content.text("workout.status.awaiting_voice", live.lang)
        return content.text("workout.status.awaiting", live.lang,
                            seconds=round(live.run.pacing.first_get_ready_seconds))
    run = live.run
    return beat_status(content, live.lang, step, beat, seconds,
                       rest_after=rest_told_with(live, run.step_index, run.beat_index))


def rest_told_with(live: LiveWorkout, step_index: int, beat_index: int) -> float | None:
    """With spoken guidance, the short rest after a hold is told in the hold's status ("then
    release 3 s"), and its own beat leaves the status as it is (``quiet_beat``): the voice
    says "rest", and the edit would add nothing to it while costing one of Telegram's 30
    messages a second. The seconds of that rest, or None."""
    return short_rest_after(live.run.plan(step_index), beat_index) if live.voice else None


def short_rest_after(plan: Sequence[Beat], beat_index: int) -> float | None:
    """The seconds of the rest right after the hold at ``beat_index``, if it is short enough
    to have no countdown of its own; None otherwise."""
    if not 0 <= beat_index < len(plan) - 1:
        return None
    held, following = plan[beat_index], plan[beat_index + 1]
    if held.kind is not BeatKind.HOLD or following.kind is not BeatKind.REST:
        return None
    return following.seconds if following.seconds <= COUNTDOWN_EVERY else None


def quiet_beat(live: LiveWorkout, t: Transition) -> bool:
    """Whether this beat leaves the status as it is: a rest its hold's status told already."""
    return (t.event is Event.NEXT_BEAT and t.beat is not None and t.beat.kind is BeatKind.REST
            and rest_told_with(live, t.step_index, t.beat_index - 1) is not None)


def status_actions(live: LiveWorkout, status: Status) -> tuple[str, ...]:
    """The buttons under the status message."""
    if status is Status.PAUSED:
        return ("resume", "skip", "stop")
    if status is Status.AWAITING_START:
        return ("played" if live.voice else "start", "skip", "stop")
    if status is Status.RESTING_BETWEEN_EXERCISES and not live.voice:
        # With spoken guidance the voice message runs the rest: starting early would leave it
        # behind. Pause, then Resume, starts the next exercise with a voice message of its own.
        return ("start_now", "pause", "skip", "stop")
    return ("pause", "skip", "stop")


def sound_for(content: Content, live: LiveWorkout, t: Transition) -> str | None:
    """In text-only guidance, the short message that makes the phone sound for this
    transition, if the person must move now; None otherwise."""
    if live.voice or not t.applied:
        return None
    run = live.run
    if t.event is Event.REST_OVER:
        return content.text("workout.ping.rest_over", live.lang)
    if t.event is Event.EXERCISE_STARTED and not run.long_start:
        # Started by itself after its rest; one started by a tap needs no alarm.
        return content.text("workout.ping.next", live.lang,
                            name=exercise_name(content, live.lang, run.current_step))
    if t.event is not Event.NEXT_BEAT or t.beat is None:
        return None
    if t.beat.kind is BeatKind.SWITCH_SIDE:
        switch = side_switch(content, live.lang, run.current_step, t.beat.side)
        return content.text("workout.ping.switch", live.lang, switch=switch)
    held = run.plan(t.step_index)[t.beat_index - 1]
    if t.beat.kind is BeatKind.REST and held.seconds >= SOUND_AFTER_HOLD:
        return content.text("workout.ping.release", live.lang)
    return None



def voice_script(content: Content, run: WorkoutRun, lang: str, step_index: int, *,
                 long_start: bool) -> VoiceScript:
    """The voice message of one exercise of the session. With auto-continue it also covers
    the rest after the exercise, which announces the next one: the next voice message is sent
    at the start of that rest, so Telegram plays it straight after this one."""
    last = step_index == len(run.session) - 1
    rest_after = None if last or not run.auto_start_next else (
        run.pacing.rest_between_exercises_seconds)
    return exercise_script(
        content, lang, run.session[step_index], run.plan(step_index, long_start=long_start),
        next_step=None if last else run.session[step_index + 1], rest_after=rest_after,
        last=last)
