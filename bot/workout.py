"""The workout engine: a pure, deterministic state machine for one guided session.

The person lies on the floor and cannot tap, so every hold and release is prompted on a
timer. This module only decides *what* happens; the Telegram layer owns the timers, the
messages and the database. Each transition returns a ``Transition`` that says what to show
and which timer (if any) to schedule, tagged with ``generation``.

Contract for the driver:
- All seconds here are program seconds, unscaled. Multiply ``schedule_in`` by the time scale
  when scheduling, and divide the measured elapsed time by it before calling ``pause()``.
- Tag each timer with ``Transition.generation`` and pass it back to ``beat_elapsed()``.
  Every applied transition changes the generation, so at most one timer is ever valid: a
  stale, duplicated or late timer is answered with NOT_APPLICABLE and moves nothing.
- Buttons may pass the step index they were sent with (``step=``): a late press on an
  older exercise's message then cannot act on the current exercise.
- Nothing raises for a button pressed twice or late; ``Transition.applied`` is False.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import Any

from bot.content import Exercise, Pacing, SessionStep

STATE_VERSION = 1


class BeatKind(StrEnum):
    GET_READY = "get_ready"
    HOLD = "hold"
    REST = "rest"
    SWITCH_SIDE = "switch_side"


@dataclass(frozen=True)
class Beat:
    """One timed part of an exercise.

    A non-HOLD beat carries the rep and side of the hold it leads into, so the driver can
    say "next: 2 of 10, left leg" while the person rests.
    """

    kind: BeatKind
    seconds: float  # unscaled
    rep: int  # 1-based, counted within a side
    reps: int  # per side
    side: int | None  # 1 = first, 2 = second, None = no sides


def plan_exercise(
    exercise: Exercise, pacing: Pacing, *, harder: bool, long_start: bool = False
) -> tuple[Beat, ...]:
    """The beats of one exercise, from "get ready" to its last hold (no rest after it).

    ``long_start``: the exercise was started by a tap, so its "get ready" is the longer one.
    """
    hold = float(exercise.hold_seconds.pick(harder))
    reps = exercise.reps.pick(harder)
    rep_numbers = range(1, reps + 1)
    holds: list[tuple[int, int | None]]
    if exercise.sides == "none":
        holds = [(rep, None) for rep in rep_numbers]
    elif exercise.sides == "each_in_turn":
        holds = [(rep, side) for side in (1, 2) for rep in rep_numbers]
    elif exercise.sides == "alternating":
        holds = [(rep, side) for rep in rep_numbers for side in (1, 2)]
    else:
        raise ValueError(f"{exercise.id}: unknown sides {exercise.sides!r}")

    first_rep, first_side = holds[0]
    get_ready = pacing.first_get_ready_seconds if long_start else pacing.get_ready_seconds
    beats = [Beat(BeatKind.GET_READY, get_ready, first_rep, reps, first_side)]
    for rep, side in holds:
        if beats[-1].kind is BeatKind.HOLD:
            # Alternating sides change on every hold; only a whole-side change (each in
            # turn) needs the longer pause to turn over or change legs.
            if exercise.sides == "each_in_turn" and side != beats[-1].side:
                kind, seconds = BeatKind.SWITCH_SIDE, pacing.switch_side_seconds
            else:
                kind, seconds = BeatKind.REST, pacing.rest_between_reps_seconds
            beats.append(Beat(kind, seconds, rep, reps, side))
        beats.append(Beat(BeatKind.HOLD, hold, rep, reps, side))
    return tuple(beats)


def plan_seconds(beats: Sequence[Beat]) -> float:
    return sum(beat.seconds for beat in beats)


def planned_seconds(
    session: Sequence[SessionStep], pacing: Pacing, harder: bool, *, taps: int = 1
) -> float:
    """Everything the timers will run for a whole session done without pauses: every beat,
    plus the rests between exercises (none after the last). ``taps``: how many exercises
    are started by a tap, with the long "get ready" (1 with auto-continue: the first)."""
    beats = sum(plan_seconds(plan_exercise(s.exercise, pacing, harder=harder)) for s in session)
    longer = (pacing.first_get_ready_seconds - pacing.get_ready_seconds) * taps
    return beats + longer + pacing.rest_between_exercises_seconds * max(len(session) - 1, 0)


class Status(StrEnum):
    # Short values: the driver may store them in workout_sessions.status (16 characters).
    AWAITING_START = "awaiting_start"
    RUNNING = "running"
    PAUSED = "paused"
    RESTING_BETWEEN_EXERCISES = "resting"
    FINISHED = "finished"
    STOPPED = "stopped"


class Event(StrEnum):
    """What a transition did; ``Transition.status`` says where the workout is now."""

    NOT_APPLICABLE = "not_applicable"
    EXERCISE_STARTED = "exercise_started"  # RUNNING at beat 0 (Start, or auto-start after rest)
    NEXT_BEAT = "next_beat"  # RUNNING at a later beat of the same exercise
    PAUSED = "paused"
    RESUMED = "resumed"  # back to RUNNING or RESTING_BETWEEN_EXERCISES with the time left
    EXERCISE_DONE = "exercise_done"  # ended_step done; now RESTING_BETWEEN_EXERCISES or FINISHED
    REST_OVER = "rest_over"  # now AWAITING_START: show the next exercise with Start/Skip/Stop
    SKIPPED = "skipped"  # ended_step skipped; now AWAITING_START or FINISHED
    STOPPED = "stopped"
    RESTORED = "restored"  # after a restart: AWAITING_START at the interrupted exercise
    REWOUND = "rewound"  # AWAITING_START at the start of the exercise the person was in


_ACTIVE = tuple(status for status in Status if status not in (Status.FINISHED, Status.STOPPED))


@dataclass(frozen=True)
class Transition:
    applied: bool
    event: Event
    status: Status
    generation: int  # tag the scheduled timer with this
    step_index: int  # current step; len(session) once FINISHED
    beat_index: int
    beat: Beat | None  # the current beat while RUNNING, or PAUSED inside an exercise
    schedule_in: float | None = None  # schedule one timer for this many (unscaled) seconds
    remaining_seconds: float | None = None  # while PAUSED: what resume() will schedule
    ended_step: int | None = None  # the step this transition marked done or skipped
    reason: str | None = None  # why NOT_APPLICABLE, for logs


@dataclass(frozen=True)
class Progress:
    step_number: int  # 1-based, over the whole session
    step_count: int
    phase: str
    phase_step_number: int  # 1-based, within the phase
    phase_step_count: int


@dataclass(frozen=True)
class Summary:
    status: Status
    done_steps: tuple[int, ...]
    skipped_steps: tuple[int, ...]
    step_count: int
    done_seconds: float  # the planned beats of the done exercises, rests between them excluded


class WorkoutStateError(ValueError):
    """Stored state cannot be restored (corrupt, or the session changed since it was saved)."""


class WorkoutRun:
    """One session, step by step.

    With ``auto_start_next=False`` (the default) the rest after an exercise ends in
    AWAITING_START: the next exercise may need a new position (lying to standing), so the
    person presses Start when ready. Start during that rest cuts it short.

    An exercise started by a tap gets the long "get ready" (``Pacing.first_get_ready_seconds``):
    the phone is still in the person's hand. One that follows its rest by itself keeps the
    short one.
    """

    def __init__(
        self,
        session: Sequence[SessionStep],
        pacing: Pacing,
        *,
        harder: bool = False,
        auto_start_next: bool = False,
    ) -> None:
        if not session:
            raise ValueError("a workout needs at least one exercise")
        self.session = tuple(session)
        self.pacing = pacing
        self.harder = harder
        self.auto_start_next = auto_start_next
        self._plans = tuple(plan_exercise(s.exercise, pacing, harder=harder) for s in session)
        self._long_plans = tuple(
            plan_exercise(s.exercise, pacing, harder=harder, long_start=True) for s in session
        )
        # Whether the current exercise was started by a tap (see _begin_exercise).
        self._long_start = False
        self._status = Status.AWAITING_START
        self._step_index = 0
        self._beat_index = 0
        self._generation = 0
        # Length of the pending timer, so pause() can turn "elapsed" into "remaining".
        self._scheduled_seconds: float | None = None
        self._remaining_seconds: float | None = None
        self._paused_from: Status | None = None
        self._done: list[int] = []
        self._skipped: list[int] = []

    # --- Reading the state ---------------------------------------------------------------

    @property
    def status(self) -> Status:
        return self._status

    @property
    def step_index(self) -> int:
        return self._step_index

    @property
    def beat_index(self) -> int:
        return self._beat_index

    @property
    def generation(self) -> int:
        return self._generation

    @property
    def remaining_seconds(self) -> float | None:
        return self._remaining_seconds

    @property
    def done_steps(self) -> tuple[int, ...]:
        return tuple(sorted(self._done))

    @property
    def skipped_steps(self) -> tuple[int, ...]:
        return tuple(sorted(self._skipped))

    @property
    def current_step(self) -> SessionStep | None:
        """The exercise shown, running, or coming up after the rest; None once finished."""
        return self.session[self._step_index] if self._step_index < len(self.session) else None

    @property
    def current_beat(self) -> Beat | None:
        in_exercise = self._status is Status.RUNNING or self._paused_from is Status.RUNNING
        return self.plan(self._step_index)[self._beat_index] if in_exercise else None

    @property
    def long_start(self) -> bool:
        """Whether the current exercise was started by a tap, with the long "get ready"."""
        return self._long_start

    def plan(self, step_index: int, *, long_start: bool | None = None) -> tuple[Beat, ...]:
        """The beats of a step: by default as the current exercise runs (or, for any other
        step, as it runs when it follows its rest by itself)."""
        if long_start is None:
            long_start = self._long_start and step_index == self._step_index
        return (self._long_plans if long_start else self._plans)[step_index]

    def progress(self) -> Progress | None:
        step = self.current_step
        if step is None:
            return None
        in_phase = [i for i, s in enumerate(self.session) if s.phase == step.phase]
        return Progress(
            step_number=self._step_index + 1,
            step_count=len(self.session),
            phase=step.phase,
            phase_step_number=in_phase.index(self._step_index) + 1,
            phase_step_count=len(in_phase),
        )

    def summary(self) -> Summary:
        return Summary(
            status=self._status,
            done_steps=self.done_steps,
            skipped_steps=self.skipped_steps,
            step_count=len(self.session),
            done_seconds=sum(plan_seconds(self._plans[i]) for i in self._done),
        )

    # --- Transitions ----------------------------------------------------------------------

    def start_exercise(self, step: int | None = None) -> Transition:
        refused = self._refuse(step, Status.AWAITING_START, Status.RESTING_BETWEEN_EXERCISES)
        return refused or self._begin_exercise(long_start=True)

    def beat_elapsed(self, generation: int) -> Transition:
        if generation != self._generation:
            return self._not_applicable("stale timer")
        if self._status is Status.RUNNING:
            plan = self.plan(self._step_index)
            if self._beat_index + 1 < len(plan):
                self._beat_index += 1
                return self._emit(Event.NEXT_BEAT, plan[self._beat_index].seconds)
            self._done.append(self._step_index)
            return self._advance(Event.EXERCISE_DONE, rest=True)
        if self._status is Status.RESTING_BETWEEN_EXERCISES:
            if self.auto_start_next:
                return self._begin_exercise(long_start=False)
            self._status = Status.AWAITING_START
            return self._emit(Event.REST_OVER)
        return self._not_applicable(f"no timer runs while {self._status}")

    def pause(self, elapsed_seconds: float, step: int | None = None) -> Transition:
        """Pauses the running beat (or the rest between exercises).

        ``elapsed_seconds``: unscaled time since the pending timer was scheduled, i.e. since
        the last Transition with ``schedule_in`` (after a resume, since the resume).
        """
        refused = self._refuse(step, Status.RUNNING, Status.RESTING_BETWEEN_EXERCISES)
        if refused:
            return refused
        scheduled = self._scheduled_seconds or 0.0
        # A timer measured late or a clock that went backwards must not invent time.
        elapsed = elapsed_seconds if math.isfinite(elapsed_seconds) else 0.0
        self._remaining_seconds = scheduled - min(max(elapsed, 0.0), scheduled)
        self._paused_from = self._status
        self._status = Status.PAUSED
        return self._emit(Event.PAUSED)

    def resume(self, step: int | None = None) -> Transition:
        refused = self._refuse(step, Status.PAUSED)
        if refused:
            return refused
        assert self._paused_from is not None and self._remaining_seconds is not None
        self._status, self._paused_from = self._paused_from, None
        remaining, self._remaining_seconds = self._remaining_seconds, None
        return self._emit(Event.RESUMED, remaining)

    def skip(self, step: int | None = None) -> Transition:
        """Skips the current exercise: during the rest between exercises that is the one
        coming up. Goes to the next exercise's AWAITING_START without a rest: the person
        has the phone in hand."""
        refused = self._refuse(step, *_ACTIVE)
        if refused:
            return refused
        if self._step_index not in self._done:
            self._skipped.append(self._step_index)
        return self._advance(Event.SKIPPED, rest=False)

    def stop(self) -> Transition:
        refused = self._refuse(None, *_ACTIVE)
        if refused:
            return refused
        self._status = Status.STOPPED
        self._clear_pause()
        return self._emit(Event.STOPPED)

    def resume_after_restart(self) -> Transition:
        """Timers do not survive a restart: go back to the start of the interrupted exercise
        (or the one coming up after a rest) and wait for Start."""
        refused = self._refuse(None, *_ACTIVE)
        return refused or self._back_to_start(Event.RESTORED)

    def rewind(self, step: int | None = None) -> Transition:
        """Back to the start of the exercise the person is in (or the one coming up after a
        rest), waiting for Start: how spoken guidance resumes after a pause, since the voice
        message cannot be told where to carry on."""
        refused = self._refuse(step, Status.RUNNING, Status.PAUSED,
                               Status.RESTING_BETWEEN_EXERCISES)
        return refused or self._back_to_start(Event.REWOUND)

    def _back_to_start(self, event: Event) -> Transition:
        self._status = Status.AWAITING_START
        self._beat_index = 0
        self._long_start = False
        self._clear_pause()
        return self._emit(event)

    # --- Internals -------------------------------------------------------------------------

    def _begin_exercise(self, *, long_start: bool) -> Transition:
        self._status = Status.RUNNING
        self._beat_index = 0
        self._long_start = long_start
        return self._emit(Event.EXERCISE_STARTED, self.plan(self._step_index)[0].seconds)

    def _advance(self, event: Event, *, rest: bool) -> Transition:
        ended = self._step_index
        self._step_index += 1
        self._beat_index = 0
        self._long_start = False
        self._clear_pause()
        if self._step_index >= len(self.session):
            self._status = Status.FINISHED
            return self._emit(event, None, ended)
        if rest:
            self._status = Status.RESTING_BETWEEN_EXERCISES
            return self._emit(event, self.pacing.rest_between_exercises_seconds, ended)
        self._status = Status.AWAITING_START
        return self._emit(event, None, ended)

    def _clear_pause(self) -> None:
        self._paused_from = None
        self._remaining_seconds = None

    def _emit(
        self, event: Event, schedule_in: float | None = None, ended: int | None = None
    ) -> Transition:
        """An applied transition: a fresh generation, and at most this one timer pending."""
        self._generation += 1
        self._scheduled_seconds = schedule_in
        return self._snapshot(event, schedule_in, ended)

    def _refuse(self, step: int | None, *allowed: Status) -> Transition | None:
        if self._status not in allowed:
            return self._not_applicable(f"not while {self._status}")
        if step is not None and step != self._step_index:
            return self._not_applicable(f"step {step} is not the current step")
        return None

    def _not_applicable(self, reason: str) -> Transition:
        return replace(self._snapshot(Event.NOT_APPLICABLE), applied=False, reason=reason)

    def _snapshot(
        self, event: Event, schedule_in: float | None = None, ended: int | None = None
    ) -> Transition:
        return Transition(
            applied=True,
            event=event,
            status=self._status,
            generation=self._generation,
            step_index=self._step_index,
            beat_index=self._beat_index,
            beat=self.current_beat,
            schedule_in=schedule_in,
            remaining_seconds=self._remaining_seconds,
            ended_step=ended,
        )

    # --- Storage ---------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe state. The pacing is kept so a restored run replays the same plan even
        if the content's pacing changed meanwhile."""
        return {
            "version": STATE_VERSION,
            "exercise_ids": [s.exercise.id for s in self.session],
            "pacing": asdict(self.pacing),
            "harder": self.harder,
            "auto_start_next": self.auto_start_next,
            "status": str(self._status),
            "step_index": self._step_index,
            "beat_index": self._beat_index,
            "long_start": self._long_start,
            "generation": self._generation,
            "scheduled_seconds": self._scheduled_seconds,
            "remaining_seconds": self._remaining_seconds,
            "paused_from": None if self._paused_from is None else str(self._paused_from),
            "done_steps": list(self._done),
            "skipped_steps": list(self._skipped),
        }

    @classmethod
    def from_dict(cls, session: Sequence[SessionStep], data: Mapping[str, Any]) -> WorkoutRun:
        """Raises WorkoutStateError if ``data`` is corrupt or was saved for another session
        (the content changed between deploys): the driver should then start afresh."""
        try:
            return cls._restore(session, data)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise WorkoutStateError(f"cannot restore the workout: {error}") from error

    @classmethod
    def _restore(cls, session: Sequence[SessionStep], data: Mapping[str, Any]) -> WorkoutRun:
        if data["version"] != STATE_VERSION:
            raise ValueError(f"unknown state version {data['version']!r}")
        if list(data["exercise_ids"]) != [s.exercise.id for s in session]:
            raise ValueError("it was saved for a different session")
        pacing = {name: _seconds(value) for name, value in data["pacing"].items()}
        # Saved before the long "get ready" existed: it was as long as the short one.
        pacing.setdefault("first_get_ready_seconds", pacing.get("get_ready_seconds"))
        run = cls(
            session,
            Pacing(**pacing),
            harder=_exact(data["harder"], bool),
            auto_start_next=_exact(data["auto_start_next"], bool),
        )
        run._status = Status(data["status"])
        run._paused_from = None if data["paused_from"] is None else Status(data["paused_from"])
        run._step_index = _exact(data["step_index"], int)
        run._beat_index = _exact(data["beat_index"], int)
        run._long_start = _exact(data.get("long_start", False), bool)
        run._generation = _exact(data["generation"], int)
        run._scheduled_seconds = _seconds(data["scheduled_seconds"], optional=True)
        run._remaining_seconds = _seconds(data["remaining_seconds"], optional=True)
        run._done = [_exact(i, int) for i in data["done_steps"]]
        run._skipped = [_exact(i, int) for i in data["skipped_steps"]]
        run._check_consistent()
        return run

    def _check_consistent(self) -> None:
        count = len(self.session)
        finished = self._status is Status.FINISHED
        paused = self._status is Status.PAUSED
        resumable = (Status.RUNNING, Status.RESTING_BETWEEN_EXERCISES)
        ended = [*self._done, *self._skipped]
        if self._generation < 0 or not 0 <= self._step_index <= count:
            raise ValueError("a number is out of range")
        if (self._step_index == count) != finished:
            raise ValueError("the step index does not fit the status")
        if not finished and not 0 <= self._beat_index < len(self.plan(self._step_index)):
            raise ValueError("the beat index is out of range")
        if paused != (self._paused_from in resumable) or paused != (
            self._remaining_seconds is not None
        ):
            raise ValueError("the pause fields do not fit the status")
        if len(set(ended)) != len(ended) or not all(0 <= i < count for i in ended):
            raise ValueError("done and skipped steps overlap or are out of range")


def _exact(value: Any, kind: type) -> Any:
    # Exact types: bool is an int in Python, but JSON true is never a step index.
    if type(value) is not kind:
        raise ValueError(f"expected {kind.__name__}, got {value!r}")
    return value


def _seconds(value: Any, *, optional: bool = False) -> Any:
    if value is None and optional:
        return None
    if type(value) not in (int, float) or not 0 <= value < math.inf:
        raise ValueError(f"expected seconds, got {value!r}")
    return float(value)
