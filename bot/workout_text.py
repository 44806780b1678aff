"""What the coach says at each point of a workout, in the chat's language.

Pure functions of the content and the engine's state, so every wording can be tested without
Telegram, and the Telegram layer only decides which message to send or edit.
"""

from __future__ import annotations

import math

from bot.content import Content, Exercise, Range, SessionStep
from bot.formatting import Count
from bot.workout import Beat, BeatKind, Summary, WorkoutRun, planned_seconds

PHASES = ("warmup", "strength", "cooldown")


def minutes(seconds: float) -> int:
    return max(1, math.ceil(seconds / 60)) if seconds > 0 else 0


def overview(content: Content, lang: str, run: WorkoutRun, *, voice: bool) -> str:
    counts = {phase: sum(1 for s in run.session if s.phase == phase) for phase in PHASES}
    taps = 1 if run.auto_start_next else len(run.session)
    total = planned_seconds(run.session, run.pacing, run.harder, taps=taps)
    guidance = (f"workout.overview.guidance_{'voice' if voice else 'text'}_"
                f"{'auto' if run.auto_start_next else 'tap'}")
    text = content.text(
        "workout.overview.text", lang, guidance=content.text(guidance, lang),
        count=Count(len(run.session), "workout.count.exercises"), minutes=minutes(total),
        **{phase: content.text(f"exercises.phase.{phase}.title", lang) for phase in PHASES},
        **{f"{phase}_count": counts[phase] for phase in PHASES},
    )
    doses = "workout.overview.harder_doses" if run.harder else "workout.overview.easier_doses"
    return f"{text}\n\n{content.text(doses, lang)}"


def side_name(content: Content, lang: str, step: SessionStep, side: int | None) -> str:
    if side is None:
        return ""
    field = "side_first" if side == 1 else "side_second"
    return content.text(f"exercises.{step.exercise.id}.{field}", lang)


def side_switch(content: Content, lang: str, step: SessionStep, side: int | None) -> str:
    """The sentence that names the side starting now ("Now the left leg."): ``side`` is that
    of a SWITCH_SIDE beat, which always has one."""
    return content.text(f"workout.side_switch.{step.exercise.side_kind}", lang,
                        side=side_name(content, lang, step, side))


def numbered_steps(content: Content, lang: str, exercise_id: str) -> str:
    steps = content.text_list(f"exercises.{exercise_id}.steps", lang)
    return "\n".join(f"{n}. {line}" for n, line in enumerate(steps, start=1))


def desk_break_dose(content: Content, lang: str, exercise: Exercise) -> str:
    """A desk break's dose in full: hold, repeats, both legs, and whose dose it is."""
    if exercise.has_sides:
        dose = content.text(
            "reminders.message.desk_dose_sides", lang, hold=exercise.hold_seconds,
            reps=times(exercise.reps),
            first=content.text(f"exercises.{exercise.id}.side_first", lang),
            second=content.text(f"exercises.{exercise.id}.side_second", lang))
    else:
        dose = content.text("reminders.message.desk_dose_plain", lang,
                            hold=exercise.hold_seconds, reps=times(exercise.reps))
    if not exercise.dose_from_article:
        dose += " " + content.text("workout.card.our_dose", lang)
    return dose


def exercise_card(content: Content, lang: str, run: WorkoutRun, step_index: int) -> str:
    """The message that introduces one exercise: where we are, what it does, how, how much."""
    step = run.session[step_index]
    exercise = step.exercise
    key = f"exercises.{exercise.id}"
    in_phase = [i for i, s in enumerate(run.session) if s.phase == step.phase]
    parts = []
    if in_phase[0] == step_index:
        parts.append(content.text(f"exercises.phase.{step.phase}.intro", lang))
    parts.append(content.text(
        "workout.card.position", lang,
        phase=content.text(f"exercises.phase.{step.phase}.title", lang),
        number=in_phase.index(step_index) + 1, count=len(in_phase),
    ))
    parts.append(f"{content.text(f'{key}.name', lang)}\n{content.text(f'{key}.purpose', lang)}")
    parts.append(numbered_steps(content, lang, exercise.id))
    dose_key = {"none": "dose_plain", "each_in_turn": "dose_sides",
                "alternating": "dose_alternating"}[exercise.sides]
    dose = content.text(
        f"workout.card.{dose_key}", lang, hold=exercise.hold_seconds, reps=times(exercise.reps),
        first=side_name(content, lang, step, 1 if exercise.has_sides else None),
    )
    if exercise.hold_seconds.is_range or exercise.reps.is_range:
        dose += " " + content.text(
            "workout.card.today", lang, hold=exercise.hold_seconds.pick(run.harder),
            reps=exercise.reps.pick(run.harder),
        )
    parts.append(dose)
    if not exercise.dose_from_article:
        parts.append(content.text("workout.card.our_dose", lang))
    if content.has_text(f"{key}.note", lang):
        parts.append(content.text(f"{key}.note", lang))
    return "\n\n".join(parts)


def beat_status(
    content: Content, lang: str, step: SessionStep, beat: Beat, seconds: float | None = None,
    *, rest_after: float | None = None,
) -> str:
    """One line (or two) for the status message while an exercise runs; ``rest_after``: the
    rest after a hold, told with it ("then release 3 s")."""
    shown = round(beat.seconds if seconds is None else seconds)
    side = side_name(content, lang, step, beat.side)
    with_side = "_side" if side else ""
    if beat.kind is BeatKind.GET_READY:
        return content.text(f"workout.status.get_ready{with_side}", lang, seconds=shown, side=side)
    if beat.kind is BeatKind.HOLD:
        then_rest = "" if rest_after is None else "_then_rest"
        return content.text(
            f"workout.status.hold{then_rest}{with_side}", lang, seconds=shown, rep=beat.rep,
            reps=beat.reps, side=side, rest=round(rest_after or 0),
        )
    if beat.kind is BeatKind.REST:
        return content.text(
            f"workout.status.rest{with_side}", lang, seconds=shown, rep=beat.rep, reps=beat.reps,
            side=side,
        )
    switch = side_switch(content, lang, step, beat.side)
    return content.text("workout.status.switch", lang, switch=switch, seconds=shown)


def exercise_name(content: Content, lang: str, step: SessionStep) -> str:
    return content.text(f"exercises.{step.exercise.id}.name", lang)


def summary_text(content: Content, lang: str, summary: Summary, finished: bool) -> str:
    if not summary.done_steps:
        key = "workout.summary.nothing_done" if finished else "workout.summary.stopped_early"
    else:
        key = "workout.summary.finished" if finished else "workout.summary.stopped"
    counted = "workout.count.all_exercises" if key.endswith("nothing_done") else (
        "workout.count.of_exercises")
    return content.text(
        key, lang, done=len(summary.done_steps), skipped=len(summary.skipped_steps),
        count=Count(summary.step_count, counted), minutes=minutes(summary.done_seconds),
    )


def times(reps: Range) -> Count:
    """A number of repetitions as the dose says it: "10 times", «10 раз», a range such as
    2 to 3 by its end (CLDR's plural ranges do the same for both languages)."""
    return Count(reps.high, "workout.count.times", shown=reps)
