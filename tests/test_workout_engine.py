"""The workout engine: doses from the article, timers, buttons pressed late or twice, restarts.

Pure and fast: no Telegram, no database, no sleeping. Timers are simulated by calling
beat_elapsed() with the generation the engine handed out.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from bot.content import Content, Exercise, Pacing, Range, SessionStep, load_content
from bot.workout import (
    Beat,
    BeatKind,
    Event,
    Status,
    Transition,
    WorkoutRun,
    WorkoutStateError,
    plan_exercise,
    plan_seconds,
    planned_seconds,
)

G, H, R, S = BeatKind.GET_READY, BeatKind.HOLD, BeatKind.REST, BeatKind.SWITCH_SIDE

CONTENT: Content = load_content()
PACING = Pacing(
    get_ready_seconds=5,
    rest_between_reps_seconds=3,
    switch_side_seconds=5,
    rest_between_exercises_seconds=15,
    first_get_ready_seconds=10,
)


def exercise(
    exercise_id: str,
    sides: str = "none",
    hold: tuple[int, int] = (5, 5),
    reps: tuple[int, int] = (2, 2),
) -> Exercise:
    return Exercise(
        id=exercise_id,
        kind="strength",
        hold_seconds=Range(*hold),
        reps=Range(*reps),
        sides=sides,
        side_kind=None if sides == "none" else "leg",
        dose_from_article=True,
    )


# A small session with one exercise of each side pattern.
SMALL = (
    SessionStep("warmup", exercise("plain", hold=(2, 4), reps=(2, 3))),
    SessionStep("strength", exercise("turns", "each_in_turn", hold=(3, 3), reps=(2, 2))),
    SessionStep("cooldown", exercise("alternates", "alternating", hold=(1, 1), reps=(1, 1))),
)


def holds(beats: tuple[Beat, ...]) -> list[tuple[int, int | None, float]]:
    return [(b.rep, b.side, b.seconds) for b in beats if b.kind is H]


def kinds(beats: tuple[Beat, ...]) -> list[BeatKind]:
    return [b.kind for b in beats]


def real_plan(exercise_id: str, *, harder: bool = False) -> tuple[Beat, ...]:
    return plan_exercise(CONTENT.exercises[exercise_id], CONTENT.pacing, harder=harder)


def tick(run: WorkoutRun) -> Transition:
    """The timer the driver scheduled last has fired."""
    return run.beat_elapsed(run.generation)


def started(session: tuple[SessionStep, ...] = SMALL, **options: bool) -> WorkoutRun:
    run = WorkoutRun(session, PACING, **options)
    run.start_exercise()
    return run


def state(run: WorkoutRun) -> dict[str, object]:
    return run.to_dict()


# --- The plan: every exercise of the real content against the article ---------------------

# exercise id -> (sides, (hold s, reps) as the article starts, (hold s, reps) harder)
ARTICLE_DOSES = {
    # "Hold for 20-30 seconds and repeat 2-3 times. Perform for the other leg."
    "hamstring_stretch": ("each_in_turn", (20, 2), (30, 3)),
    # "Hold for 5 seconds and repeat 5 times."
    "knees_to_chest": ("none", (5, 5), (5, 5)),
    "standing_back_arch": ("none", (5, 5), (5, 5)),
    # Not in the article; program.toml mirrors the hamstring stretch and says so.
    "quadriceps_stretch": ("each_in_turn", (20, 2), (30, 3)),
    # "Hold for 5-10 seconds, repeat 10 times."
    "crunch": ("none", (5, 10), (10, 10)),
    # "Repeat 10 times, then repeat the same number of times on the other side."
    "oblique_crunch": ("each_in_turn", (5, 10), (5, 10)),
    "superman": ("none", (5, 10), (10, 10)),
    # "Do with the other leg and arm. Repeat 10 times for each side."
    "opposite_raises": ("alternating", (5, 10), (5, 10)),
}


def expected_holds(sides: str, hold: int, reps: int) -> list[tuple[int, int | None, float]]:
    if sides == "none":
        return [(rep, None, hold) for rep in range(1, reps + 1)]
    if sides == "each_in_turn":
        return [(rep, side, hold) for side in (1, 2) for rep in range(1, reps + 1)]
    return [(rep, side, hold) for rep in range(1, reps + 1) for side in (1, 2)]


def test_every_session_exercise_has_an_expected_dose() -> None:
    session_ids = {step.exercise.id for step in CONTENT.session}
    assert session_ids == set(ARTICLE_DOSES)
    assert not CONTENT.exercises["quadriceps_stretch"].dose_from_article


@pytest.mark.parametrize("harder", [False, True], ids=["easier", "harder"])
@pytest.mark.parametrize("exercise_id", sorted(ARTICLE_DOSES))
def test_plan_matches_the_article_dose(exercise_id: str, harder: bool) -> None:
    sides, easier_dose, harder_dose = ARTICLE_DOSES[exercise_id]
    hold, reps = harder_dose if harder else easier_dose
    beats = real_plan(exercise_id, harder=harder)
    pacing = CONTENT.pacing

    assert CONTENT.exercises[exercise_id].sides == sides
    assert holds(beats) == expected_holds(sides, hold, reps)
    assert beats[0] == Beat(G, pacing.get_ready_seconds, 1, reps, None if sides == "none" else 1)
    assert beats[-1].kind is H, "no rest after the very last hold"
    # Holds and pauses alternate: every pause leads into a hold with the same rep and side.
    assert kinds(beats)[1::2] == [H] * len(holds(beats))
    for pause, hold_beat in zip(beats[0::2], beats[1::2], strict=True):
        assert pause.kind is not H
        assert (pause.rep, pause.side) == (hold_beat.rep, hold_beat.side)
        assert pause.reps == hold_beat.reps == reps
    switches = [b for b in beats if b.kind is S]
    assert len(switches) == (1 if sides == "each_in_turn" else 0)
    assert all(b.seconds == pacing.switch_side_seconds for b in switches)
    assert all(b.seconds == pacing.rest_between_reps_seconds for b in beats if b.kind is R)


def test_hamstring_stretch_one_leg_then_switch_then_the_other() -> None:
    assert kinds(real_plan("hamstring_stretch")) == [G, H, R, H, S, H, R, H]
    assert holds(real_plan("hamstring_stretch")) == [
        (1, 1, 20),
        (2, 1, 20),
        (1, 2, 20),
        (2, 2, 20),
    ]
    harder = real_plan("hamstring_stretch", harder=True)
    assert kinds(harder) == [G, H, R, H, R, H, S, H, R, H, R, H]
    assert [(b.rep, b.side) for b in harder if b.kind is H] == [
        (1, 1),
        (2, 1),
        (3, 1),
        (1, 2),
        (2, 2),
        (3, 2),
    ]
    assert {b.seconds for b in harder if b.kind is H} == {30}


def test_oblique_crunch_ten_on_one_side_then_ten_on_the_other() -> None:
    beats = real_plan("oblique_crunch")
    assert kinds(beats) == [G] + [H, R] * 9 + [H, S] + [H, R] * 9 + [H]
    assert [b.side for b in beats if b.kind is H] == [1] * 10 + [2] * 10


def test_opposite_raises_alternate_sides_without_switch_beats() -> None:
    beats = real_plan("opposite_raises")
    assert kinds(beats) == [G] + [H, R] * 19 + [H]
    hold_beats = [b for b in beats if b.kind is H]
    assert [b.side for b in hold_beats] == [1, 2] * 10
    assert [b.rep for b in hold_beats] == [rep for rep in range(1, 11) for _ in (1, 2)]
    assert {(b.seconds, b.reps) for b in hold_beats} == {(5, 10)}
    # The rest before the second side's hold already names that side.
    assert (beats[2].kind, beats[2].rep, beats[2].side) == (R, 1, 2)


def test_harder_changes_only_what_the_article_gives_as_a_range() -> None:
    assert holds(real_plan("crunch", harder=True)) == [(rep, None, 10) for rep in range(1, 11)]
    assert holds(real_plan("superman", harder=True)) == [(rep, None, 10) for rep in range(1, 11)]
    for exercise_id in ("knees_to_chest", "standing_back_arch", "oblique_crunch"):
        assert real_plan(exercise_id, harder=True) == real_plan(exercise_id)


def test_session_order_is_warm_up_stretches_strength_cool_down() -> None:
    phases = [step.phase for step in CONTENT.session]
    assert phases == ["warmup"] * 4 + ["strength"] * 4 + ["cooldown"] * 3
    for step in CONTENT.session:
        assert step.exercise.kind == ("strength" if step.phase == "strength" else "stretch")
    assert [step.exercise.id for step in CONTENT.session] == [
        "hamstring_stretch",
        "knees_to_chest",
        "standing_back_arch",
        "quadriceps_stretch",
        "crunch",
        "oblique_crunch",
        "superman",
        "opposite_raises",
        "knees_to_chest",
        "hamstring_stretch",
        "quadriceps_stretch",
    ]


def test_planned_seconds_of_the_real_session() -> None:
    # Beats: hamstring 96, knees 42, arch 42, quadriceps 96, crunch 82, oblique 164,
    # superman 82, opposite raises 162, then knees 42, hamstring 96, quadriceps 96;
    # plus 10 rests of 15 s between the 11 exercises. Harder: hamstring and quadriceps 202,
    # crunch and superman 132. The first exercise is started by a tap: 5 s more to get ready.
    assert planned_seconds(CONTENT.session, CONTENT.pacing, harder=False) == 1000 + 150 + 5
    assert planned_seconds(CONTENT.session, CONTENT.pacing, harder=True) == 1524 + 150 + 5


def test_unknown_sides_are_refused() -> None:
    with pytest.raises(ValueError, match="sides"):
        plan_exercise(exercise("odd", "sometimes"), PACING, harder=False)


# --- Driving a whole session ------------------------------------------------------------


@pytest.mark.parametrize("auto_start_next", [False, True], ids=["wait", "auto"])
@pytest.mark.parametrize("harder", [False, True], ids=["easier", "harder"])
def test_a_whole_session_driven_by_a_fake_timer_loop(harder: bool, auto_start_next: bool) -> None:
    run = WorkoutRun(
        CONTENT.session, CONTENT.pacing, harder=harder, auto_start_next=auto_start_next
    )
    scheduled = 0.0
    starts = 0
    for _ in range(10_000):
        if run.status is Status.FINISHED:
            break
        if run.status is Status.AWAITING_START:
            result = run.start_exercise(step=run.step_index)
            starts += 1
        else:
            result = tick(run)
        assert result.applied, result.reason
        if result.schedule_in is not None:
            scheduled += result.schedule_in
    assert run.status is Status.FINISHED
    every_step = tuple(range(len(CONTENT.session)))
    assert run.done_steps == every_step
    assert run.skipped_steps == ()
    assert scheduled == planned_seconds(CONTENT.session, CONTENT.pacing, harder, taps=starts)
    assert starts == (1 if auto_start_next else len(CONTENT.session))
    summary = run.summary()
    assert summary.done_steps == every_step
    assert summary.status is Status.FINISHED
    rests = CONTENT.pacing.rest_between_exercises_seconds * (len(CONTENT.session) - 1)
    # The summary counts the exercises' own beats, with the short "get ready".
    longer = CONTENT.pacing.first_get_ready_seconds - CONTENT.pacing.get_ready_seconds
    assert summary.done_seconds == scheduled - rests - longer * starts


def test_each_beat_is_announced_in_order_with_its_own_timer() -> None:
    run = WorkoutRun(SMALL, PACING)
    first = run.start_exercise()
    seen = [(first.event, first.beat, first.schedule_in)]
    while True:
        result = tick(run)
        if result.event is not Event.NEXT_BEAT:
            break
        seen.append((result.event, result.beat, result.schedule_in))
    plan = run.plan(0, long_start=True)
    assert seen == [(Event.EXERCISE_STARTED, plan[0], PACING.first_get_ready_seconds)] + [
        (Event.NEXT_BEAT, beat, beat.seconds) for beat in plan[1:]
    ]
    assert result.event is Event.EXERCISE_DONE
    assert result.status is Status.RESTING_BETWEEN_EXERCISES
    assert (result.ended_step, result.step_index, result.beat) == (0, 1, None)
    assert result.schedule_in == PACING.rest_between_exercises_seconds
    assert run.done_steps == (0,)

    after_rest = tick(run)
    assert (after_rest.event, after_rest.status) == (Event.REST_OVER, Status.AWAITING_START)
    assert after_rest.schedule_in is None
    assert run.current_step == SMALL[1]


def test_auto_start_next_starts_the_next_exercise_after_the_rest() -> None:
    run = started(auto_start_next=True)
    while run.status is Status.RUNNING:
        tick(run)
    result = tick(run)
    assert (result.event, result.status, result.step_index) == (
        Event.EXERCISE_STARTED,
        Status.RUNNING,
        1,
    )
    assert result.beat == run.plan(1)[0]
    assert result.schedule_in == PACING.get_ready_seconds


def test_start_during_the_rest_cuts_it_short() -> None:
    run = started()
    while run.status is Status.RUNNING:
        tick(run)
    rest_generation = run.generation
    result = run.start_exercise(step=1)
    assert (result.event, result.status, result.step_index) == (
        Event.EXERCISE_STARTED,
        Status.RUNNING,
        1,
    )
    assert not run.beat_elapsed(rest_generation).applied


def test_progress_and_current_step() -> None:
    run = WorkoutRun(CONTENT.session, CONTENT.pacing)
    progress = run.progress()
    assert progress is not None
    assert (progress.step_number, progress.step_count, progress.phase) == (1, 11, "warmup")
    assert (progress.phase_step_number, progress.phase_step_count) == (1, 4)
    for _ in range(8):
        run.skip()
    progress = run.progress()
    assert progress is not None
    assert (progress.step_number, progress.phase) == (9, "cooldown")
    assert (progress.phase_step_number, progress.phase_step_count) == (1, 3)
    assert run.current_step == CONTENT.session[8]
    for _ in range(3):
        run.skip()
    assert run.progress() is None
    assert run.current_step is None
    assert run.current_beat is None


# --- Pause and resume -------------------------------------------------------------------


def run_at_beat(step_index: int, beat_index: int) -> WorkoutRun:
    run = WorkoutRun(SMALL, PACING)
    for _ in range(step_index):
        run.skip()
    run.start_exercise()
    for _ in range(beat_index):
        tick(run)
    assert (run.status, run.step_index, run.beat_index) == (Status.RUNNING, step_index, beat_index)
    return run


ALL_BEATS = [
    (step_index, beat_index)
    for step_index in range(len(SMALL))
    for beat_index in range(len(plan_exercise(SMALL[step_index].exercise, PACING, harder=False)))
]


@pytest.mark.parametrize(("step_index", "beat_index"), ALL_BEATS)
def test_pause_and_resume_at_every_beat_keep_the_remaining_time(
    step_index: int, beat_index: int
) -> None:
    run = run_at_beat(step_index, beat_index)
    beat = run.plan(step_index)[beat_index]
    timer = run.generation

    paused = run.pause(beat.seconds * 0.25)
    assert (paused.event, paused.status, paused.beat) == (Event.PAUSED, Status.PAUSED, beat)
    assert paused.schedule_in is None
    assert paused.remaining_seconds == run.remaining_seconds == beat.seconds * 0.75
    assert not run.beat_elapsed(timer).applied, "the timer of the paused beat is stale"
    assert run.status is Status.PAUSED

    resumed = run.resume()
    assert (resumed.event, resumed.status, resumed.beat) == (Event.RESUMED, Status.RUNNING, beat)
    assert resumed.schedule_in == beat.seconds * 0.75
    assert run.remaining_seconds is None
    assert run.beat_index == beat_index

    # A second pause counts from the resume, not from the start of the beat.
    again = run.pause(beat.seconds * 0.5)
    assert again.remaining_seconds == beat.seconds * 0.25
    run.resume()
    moved = tick(run)
    assert moved.applied
    assert moved.event in (Event.NEXT_BEAT, Event.EXERCISE_DONE)


@pytest.mark.parametrize(
    ("elapsed", "remaining"),
    [(0.0, 10.0), (-1.0, 10.0), (12.5, 0.0), (float("nan"), 10.0), (float("inf"), 10.0)],
)
def test_pause_never_invents_time(elapsed: float, remaining: float) -> None:
    run = started()  # started by a tap: get ready for 10 s
    assert run.pause(elapsed).remaining_seconds == remaining


def test_pause_and_resume_during_the_rest_between_exercises() -> None:
    run = started()
    while run.status is Status.RUNNING:
        tick(run)
    paused = run.pause(10, step=1)
    assert (paused.status, paused.remaining_seconds, paused.beat) == (Status.PAUSED, 5, None)
    resumed = run.resume(step=1)
    assert (resumed.status, resumed.schedule_in) == (Status.RESTING_BETWEEN_EXERCISES, 5)
    assert tick(run).event is Event.REST_OVER


def test_pause_and_resume_only_when_they_make_sense() -> None:
    run = WorkoutRun(SMALL, PACING)
    assert run.pause(1).event is Event.NOT_APPLICABLE  # nothing runs before Start
    assert not run.resume().applied
    run.start_exercise()
    assert not run.resume().applied  # not paused
    assert run.pause(1).applied
    generation = run.generation
    assert not run.pause(1).applied  # pressed twice
    assert run.generation == generation
    assert run.resume().applied
    assert not run.resume().applied  # pressed twice


# --- Skip -------------------------------------------------------------------------------


def at_status(status: Status, step_index: int = 0) -> WorkoutRun:
    """A run of SMALL at ``step_index`` in ``status`` (resting means: before that step)."""
    run = WorkoutRun(SMALL, PACING)
    for _ in range(step_index - (status is Status.RESTING_BETWEEN_EXERCISES)):
        run.skip()
    if status is Status.RESTING_BETWEEN_EXERCISES:
        run.start_exercise()
        while run.status is Status.RUNNING:
            tick(run)
    elif status in (Status.RUNNING, Status.PAUSED):
        run.start_exercise()
        tick(run)
        if status is Status.PAUSED:
            run.pause(1)
    elif status is Status.STOPPED:
        run.stop()
    elif status is Status.FINISHED:
        for _ in SMALL:
            run.skip()
    assert (run.status, run.step_index) == (
        status,
        len(SMALL) if status is Status.FINISHED else step_index,
    )
    return run


@pytest.mark.parametrize(
    "status",
    [Status.AWAITING_START, Status.RUNNING, Status.PAUSED, Status.RESTING_BETWEEN_EXERCISES],
)
def test_skip_moves_to_the_next_exercise_awaiting_start(status: Status) -> None:
    run = at_status(status, step_index=1)
    done_before, skipped_before = run.done_steps, run.skipped_steps
    timer = run.generation
    result = run.skip(step=1)
    assert (result.event, result.status, result.ended_step) == (
        Event.SKIPPED,
        Status.AWAITING_START,
        1,
    )
    assert (result.step_index, result.beat_index, result.beat) == (2, 0, None)
    assert result.schedule_in is None and result.remaining_seconds is None
    assert run.skipped_steps == (*skipped_before, 1)
    assert run.done_steps == done_before
    assert not run.beat_elapsed(timer).applied


@pytest.mark.parametrize(
    "status",
    [Status.AWAITING_START, Status.RUNNING, Status.PAUSED, Status.RESTING_BETWEEN_EXERCISES],
)
def test_skip_of_the_last_exercise_finishes(status: Status) -> None:
    run = at_status(status, step_index=2)
    result = run.skip()
    assert (result.event, result.status, result.ended_step) == (Event.SKIPPED, Status.FINISHED, 2)
    assert 2 in run.skipped_steps


@pytest.mark.parametrize("status", [Status.FINISHED, Status.STOPPED])
def test_skip_after_the_end_does_nothing(status: Status) -> None:
    run = at_status(status)
    before = state(run)
    assert run.skip().event is Event.NOT_APPLICABLE
    assert state(run) == before


def test_a_late_button_of_an_earlier_exercise_does_not_act_on_the_current_one() -> None:
    run = started()
    while run.status is Status.RUNNING:
        tick(run)
    # Resting before step 1; the person presses Skip on step 0's old message.
    before = state(run)
    for press in (run.skip, run.start_exercise):
        result = press(step=0)
        assert not result.applied
        assert "not the current step" in (result.reason or "")
    assert not run.pause(1, step=0).applied
    assert not run.resume(step=0).applied
    assert state(run) == before


# --- Stop, stale timers, double presses -------------------------------------------------


@pytest.mark.parametrize(
    "status",
    [Status.AWAITING_START, Status.RUNNING, Status.PAUSED, Status.RESTING_BETWEEN_EXERCISES],
)
def test_stop_from_every_active_status(status: Status) -> None:
    run = at_status(status, step_index=1)
    timer = run.generation
    result = run.stop()
    assert (result.event, result.status, result.schedule_in) == (
        Event.STOPPED,
        Status.STOPPED,
        None,
    )
    assert result.step_index == 1 and run.current_step == SMALL[1]
    assert not run.beat_elapsed(timer).applied
    assert run.summary().status is Status.STOPPED


ANY_PRESS: list[Callable[[WorkoutRun], Transition]] = [
    lambda run: run.start_exercise(),
    lambda run: run.pause(1),
    lambda run: run.resume(),
    lambda run: run.skip(),
    lambda run: run.stop(),
    lambda run: run.resume_after_restart(),
    tick,
]


@pytest.mark.parametrize("status", [Status.FINISHED, Status.STOPPED])
def test_nothing_applies_after_the_end(status: Status) -> None:
    run = at_status(status)
    before = state(run)
    for press in ANY_PRESS:
        result = press(run)
        assert (result.applied, result.event, result.status) == (
            False,
            Event.NOT_APPLICABLE,
            status,
        )
    assert state(run) == before


def test_a_stale_timer_never_moves_the_workout() -> None:
    run = started()
    first_timer = run.generation
    assert tick(run).event is Event.NEXT_BEAT
    before = state(run)
    # The same timer firing again (or late): already consumed.
    for generation in (first_timer, first_timer - 1, run.generation + 1):
        result = run.beat_elapsed(generation)
        assert (result.applied, result.reason) == (False, "stale timer")
    assert state(run) == before


def test_every_applied_transition_hands_out_a_new_generation() -> None:
    run = WorkoutRun(SMALL, PACING)
    generations = [run.generation]
    for press in (
        run.start_exercise,
        lambda: tick(run),
        lambda: run.pause(0.5),
        run.resume,
        run.skip,
        run.resume_after_restart,
        run.start_exercise,
        run.stop,
    ):
        result = press()
        assert result.applied
        assert result.generation == run.generation
        generations.append(run.generation)
    assert generations == sorted(set(generations))


def test_double_presses_are_harmless() -> None:
    run = WorkoutRun(SMALL, PACING)
    assert run.start_exercise().applied
    before = state(run)
    second = run.start_exercise()
    assert (second.applied, second.event, second.status) == (
        False,
        Event.NOT_APPLICABLE,
        Status.RUNNING,
    )
    assert second.beat == run.current_beat
    assert state(run) == before

    assert run.skip(step=0).applied
    assert not run.skip(step=0).applied, "the second press carries the old step"
    assert run.skipped_steps == (0,)

    assert run.stop().applied
    assert not run.stop().applied


# --- Storage and restarts ---------------------------------------------------------------


def test_to_dict_is_json_and_round_trips_mid_exercise() -> None:
    run = WorkoutRun(CONTENT.session, CONTENT.pacing, harder=True)
    run.skip()
    run.start_exercise()
    while run.status is Status.RUNNING:
        tick(run)
    run.start_exercise()  # step 2 after cutting the rest short
    for _ in range(3):
        tick(run)
    run.pause(1)
    data = json.loads(json.dumps(run.to_dict()))

    restored = WorkoutRun.from_dict(CONTENT.session, data)
    assert restored.to_dict() == run.to_dict()
    assert (restored.status, restored.step_index, restored.beat_index) == (Status.PAUSED, 2, 3)
    assert restored.remaining_seconds == run.remaining_seconds
    assert (restored.done_steps, restored.skipped_steps) == ((1,), (0,))
    assert restored.harder and restored.current_beat == run.current_beat
    # The same presses give the same results: the engine is deterministic.
    assert restored.resume() == run.resume()
    assert tick(restored) == tick(run)


def test_from_dict_keeps_the_pacing_the_run_started_with() -> None:
    run = WorkoutRun(SMALL, Pacing(1, 2, 3, 4, 6))
    restored = WorkoutRun.from_dict(SMALL, json.loads(json.dumps(run.to_dict())))
    assert restored.pacing == Pacing(1, 2, 3, 4, 6)


@pytest.mark.parametrize(
    "status",
    [Status.AWAITING_START, Status.RUNNING, Status.PAUSED, Status.RESTING_BETWEEN_EXERCISES],
)
def test_resume_after_restart_goes_back_to_the_start_of_the_exercise(status: Status) -> None:
    run = at_status(status, step_index=1)
    restored = WorkoutRun.from_dict(SMALL, json.loads(json.dumps(run.to_dict())))
    old_timer = restored.generation
    result = restored.resume_after_restart()
    assert (result.event, result.status, result.step_index, result.beat_index) == (
        Event.RESTORED,
        Status.AWAITING_START,
        1,
        0,
    )
    assert result.schedule_in is None and restored.remaining_seconds is None
    assert not restored.beat_elapsed(old_timer).applied
    assert restored.done_steps == run.done_steps
    started_again = restored.start_exercise(step=1)
    assert started_again.beat == restored.plan(1)[0]
    assert started_again.schedule_in == PACING.first_get_ready_seconds


def corrupt(change: Callable[[dict[str, object]], None]) -> dict[str, object]:
    data = json.loads(json.dumps(at_status(Status.PAUSED, step_index=1).to_dict()))
    change(data)
    return data


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(version=99),
        lambda d: d.update(exercise_ids=["plain", "turns"]),
        lambda d: d.pop("generation"),
        lambda d: d.update(status="dancing"),
        lambda d: d.update(step_index=True),
        lambda d: d.update(step_index=7),
        lambda d: d.update(beat_index=99),
        lambda d: d.update(remaining_seconds=None),
        lambda d: d.update(remaining_seconds=-1),
        lambda d: d.update(paused_from="finished"),
        lambda d: d.update(done_steps=[0], skipped_steps=[0]),
        lambda d: d.update(done_steps=[5]),
        lambda d: d.update(harder="yes"),
        lambda d: d.update(pacing={"get_ready_seconds": 5}),
        lambda d: d.update(status="finished"),
        lambda d: d.update(generation=-1),
    ],
)
def test_from_dict_refuses_corrupt_or_foreign_state(
    change: Callable[[dict[str, object]], None],
) -> None:
    with pytest.raises(WorkoutStateError):
        WorkoutRun.from_dict(SMALL, corrupt(change))


def test_from_dict_refuses_state_of_another_session() -> None:
    data = WorkoutRun(SMALL, PACING).to_dict()
    with pytest.raises(WorkoutStateError, match="different session"):
        WorkoutRun.from_dict(CONTENT.session, data)


def test_summary_counts_only_done_exercises() -> None:
    run = WorkoutRun(SMALL, PACING)
    run.skip()
    run.start_exercise()
    while run.status is Status.RUNNING:
        tick(run)
    run.stop()
    summary = run.summary()
    assert (summary.status, summary.done_steps, summary.skipped_steps) == (
        Status.STOPPED,
        (1,),
        (0,),
    )
    assert summary.step_count == 3
    # "turns": get ready 5 + 4 holds of 3 s + a rest of 3 s on each side + a switch of 5 s.
    assert summary.done_seconds == plan_seconds(run.plan(1)) == 5 + 12 + 6 + 5


def test_an_empty_session_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        WorkoutRun((), PACING)


# --- the long "get ready" after a tap, and rewinding ------------------------------------------


def test_an_exercise_started_by_a_tap_gets_the_long_get_ready() -> None:
    run = WorkoutRun(SMALL, PACING, auto_start_next=True)
    first = run.start_exercise(step=0)
    assert first.schedule_in == PACING.first_get_ready_seconds
    assert first.beat == Beat(G, PACING.first_get_ready_seconds, 1, 2, None)
    assert run.long_start and run.plan(0)[0].seconds == PACING.first_get_ready_seconds
    while run.status is Status.RUNNING:
        tick(run)
    followed_its_rest = tick(run)
    assert (followed_its_rest.event, followed_its_rest.step_index) == (Event.EXERCISE_STARTED, 1)
    assert followed_its_rest.schedule_in == PACING.get_ready_seconds
    assert not run.long_start


def test_the_plan_of_another_step_is_the_one_that_follows_its_rest() -> None:
    run = started()
    assert run.plan(0)[0].seconds == PACING.first_get_ready_seconds
    assert run.plan(1)[0].seconds == PACING.get_ready_seconds
    assert run.plan(1, long_start=True)[0].seconds == PACING.first_get_ready_seconds
    # Every beat but the first is the same either way.
    assert run.plan(1, long_start=True)[1:] == run.plan(1)[1:]


@pytest.mark.parametrize("status", [Status.RUNNING, Status.PAUSED,
                                    Status.RESTING_BETWEEN_EXERCISES])
def test_rewind_goes_back_to_the_start_of_the_exercise(status: Status) -> None:
    run = at_status(status, step_index=1)
    old_timer = run.generation
    result = run.rewind(step=1)
    assert (result.event, result.status, result.step_index, result.beat_index) == (
        Event.REWOUND, Status.AWAITING_START, 1, 0)
    assert result.schedule_in is None and run.remaining_seconds is None
    assert not run.beat_elapsed(old_timer).applied
    assert run.start_exercise(step=1).schedule_in == PACING.first_get_ready_seconds


def test_rewind_checks_the_step_and_the_status() -> None:
    assert not at_status(Status.RUNNING, step_index=1).rewind(step=0).applied
    assert not at_status(Status.AWAITING_START, step_index=1).rewind().applied
    assert not WorkoutRun(SMALL, PACING).rewind().applied


def test_a_state_saved_before_the_long_get_ready_still_restores() -> None:
    data = json.loads(json.dumps(at_status(Status.RUNNING, step_index=1).to_dict()))
    del data["long_start"]
    del data["pacing"]["first_get_ready_seconds"]
    restored = WorkoutRun.from_dict(SMALL, data)
    assert restored.pacing.first_get_ready_seconds == PACING.get_ready_seconds
    assert not restored.long_start
