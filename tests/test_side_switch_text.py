"""The side switch reads as one sentence that names the side starting now, in every language:
"Now the left leg. Get into position… 5 s", not "Now the other leg. (left leg) …"."""

from __future__ import annotations

import pytest

from bot.content import Content, SessionStep, load_content
from bot.content_model import SIDE_KINDS
from bot.live_workout import LiveWorkout, sound_for
from bot.workout import BeatKind, Event, Status, Transition, WorkoutRun, plan_exercise
from bot.workout_text import beat_status, side_switch

CONTENT: Content = load_content()
SWITCHING = [s for s in CONTENT.session if s.exercise.sides == "each_in_turn"]


def step(exercise_id: str) -> SessionStep:
    return next(s for s in CONTENT.session if s.exercise.id == exercise_id)


def switch_status(lang: str, session_step: SessionStep) -> str:
    beats = plan_exercise(session_step.exercise, CONTENT.pacing, harder=False)
    [beat] = [b for b in beats if b.kind is BeatKind.SWITCH_SIDE]
    return beat_status(CONTENT, lang, session_step, beat)


def switch_ping(lang: str, session_step: SessionStep) -> str | None:
    run = WorkoutRun([session_step], CONTENT.pacing)
    beats = run.plan(0)
    [index] = [i for i, b in enumerate(beats) if b.kind is BeatKind.SWITCH_SIDE]
    live = LiveWorkout(chat_id=1, workout_id=1, run=run, lang=lang, stage="exercising")
    transition = Transition(applied=True, event=Event.NEXT_BEAT, status=Status.RUNNING,
                            generation=0, step_index=0, beat_index=index, beat=beats[index])
    return sound_for(CONTENT, live, transition)


@pytest.mark.parametrize(("lang", "exercise_id", "expected"), [
    ("en", "hamstring_stretch", "🔄 Now the left leg. Get into position… 5 s"),
    ("ru", "hamstring_stretch", "🔄 Теперь левая нога. Займите исходное положение… 5 с"),
    ("en", "oblique_crunch",
     "🔄 Now the other side: right shoulder to left hip. Get into position… 5 s"),
    ("ru", "oblique_crunch",
     "🔄 Теперь другая сторона: правое плечо к левому бедру. Займите исходное положение… 5 с"),
])
def test_the_switch_names_the_new_side_in_one_sentence(
    lang: str, exercise_id: str, expected: str
) -> None:
    assert switch_status(lang, step(exercise_id)) == expected


@pytest.mark.parametrize("lang", CONTENT.languages)
@pytest.mark.parametrize("session_step", SWITCHING, ids=lambda s: s.exercise.id)
def test_every_switch_names_its_side_without_brackets(
    lang: str, session_step: SessionStep
) -> None:
    second = CONTENT.text(f"exercises.{session_step.exercise.id}.side_second", lang)
    sentence = side_switch(CONTENT, lang, session_step, 2)
    for text in (switch_status(lang, session_step), switch_ping(lang, session_step)):
        assert text is not None
        assert sentence in text and second in text, text
        assert "(" not in text and ")" not in text, text
    assert sentence[0].isupper() and sentence.endswith("."), sentence
    assert sentence.count(".") == 1, sentence  # one sentence, not a phrase and a tag
    assert switch_ping(lang, session_step) == f"🔄 {sentence}"


@pytest.mark.parametrize("lang", CONTENT.languages)
@pytest.mark.parametrize("kind", SIDE_KINDS)
def test_every_side_kind_has_a_switch_sentence(lang: str, kind: str) -> None:
    # The program may give any exercise any side kind; validation does not see workout.*.
    assert "{side}" in CONTENT.texts_by_language[lang][f"workout.side_switch.{kind}"]
