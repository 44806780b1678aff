"""Tests for the content layer: the shipped program matches the article, and every broken
edit of the content files is reported with the file and the field."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.content import (
    REFERENCE_LANGUAGE,
    Content,
    ContentError,
    Exercise,
    Range,
    load_content,
)
from content import CONTENT_DIR

# Ranges are shown with an en dash, as in print; ruff flags the literal character.
EN_DASH = "\N{EN DASH}"

# --- Helpers -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> Content:
    return load_content()


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A private copy of the shipped content, named "content" like the real one so that
    error messages read the same. Only the reference language is kept: a test that edits it
    should not trip the check that every other language has the same keys."""
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    for locale in (target / "locales").iterdir():
        if locale.name != REFERENCE_LANGUAGE:
            shutil.rmtree(locale)
    return target


def edit(path: Path, old: str, new: str, *, section: str | None = None) -> None:
    """Replaces ``old`` exactly once, inside the TOML table ``section`` when given, so the
    same line in another exercise is never touched by accident."""
    text = path.read_text(encoding="utf-8")
    start, end = 0, len(text)
    if section is not None:
        header = f"[{section}]\n"
        assert text.count(header) == 1, f"{header!r} should appear once in {path.name}"
        start = text.index(header)
        next_header = re.search(r"^\[", text[start + len(header) :], flags=re.MULTILINE)
        end = start + len(header) + next_header.start() if next_header else len(text)
    part = text[start:end]
    assert part.count(old) == 1, f"{old!r} should appear once in {section or path.name}"
    path.write_text(text[:start] + part.replace(old, new) + text[end:], encoding="utf-8")


def append(path: Path, extra: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")


def load_error(directory: Path) -> str:
    with pytest.raises(ContentError) as caught:
        load_content(directory)
    return str(caught.value)


def program(directory: Path) -> Path:
    return directory / "program.toml"


def en(directory: Path, stem: str) -> Path:
    return directory / "locales" / "en" / f"{stem}.toml"


# --- The shipped content matches the article ----------------------------------------------


def test_shipped_content_loads(shipped: Content) -> None:
    assert shipped.languages[0] == "en"
    assert shipped.session
    assert shipped.questions
    assert shipped.tip_ids


# id: (kind, hold seconds, reps per side, sides, side_kind, dose from the article)
ARTICLE_DOSES: dict[str, tuple[str, Range, Range, str, str | None, bool]] = {
    # "Hold for 20-30 seconds and repeat 2-3 times. Perform for the other leg."
    "hamstring_stretch": ("stretch", Range(20, 30), Range(2, 3), "each_in_turn", "leg", True),
    "knees_to_chest": ("stretch", Range(5, 5), Range(5, 5), "none", None, True),
    "standing_back_arch": ("stretch", Range(5, 5), Range(5, 5), "none", None, True),
    # No dose in the article: ours mirrors the hamstring stretch and says so.
    "quadriceps_stretch": ("stretch", Range(20, 30), Range(2, 3), "each_in_turn", "leg", False),
    "crunch": ("strength", Range(5, 10), Range(10, 10), "none", None, True),
    "oblique_crunch": ("strength", Range(5, 5), Range(10, 10), "each_in_turn", "side", True),
    "superman": ("strength", Range(5, 10), Range(10, 10), "none", None, True),
    # "Repeat 10 times for each side", one leg-and-arm pair after the other.
    "opposite_raises": ("strength", Range(5, 5), Range(10, 10), "alternating", "arm_and_leg", True),
}


@pytest.mark.parametrize("exercise_id", ARTICLE_DOSES)
def test_doses_match_the_article(shipped: Content, exercise_id: str) -> None:
    kind, hold, reps, sides, side_kind, from_article = ARTICLE_DOSES[exercise_id]
    exercise = shipped.exercises[exercise_id]
    assert exercise == Exercise(exercise_id, kind, hold, reps, sides, side_kind, from_article)


def test_no_exercises_beyond_the_article(shipped: Content) -> None:
    assert set(shipped.exercises) == set(ARTICLE_DOSES)


def test_session_stretches_then_strength_then_stretches(shipped: Content) -> None:
    by_phase = [(step.phase, step.exercise.id) for step in shipped.session]
    assert by_phase == [
        ("warmup", "hamstring_stretch"),
        ("warmup", "knees_to_chest"),
        ("warmup", "standing_back_arch"),
        ("warmup", "quadriceps_stretch"),
        ("strength", "crunch"),
        ("strength", "oblique_crunch"),
        ("strength", "superman"),
        ("strength", "opposite_raises"),
        ("cooldown", "knees_to_chest"),
        ("cooldown", "hamstring_stretch"),
        ("cooldown", "quadriceps_stretch"),
    ]
    for step in shipped.session:
        assert step.exercise.kind == ("strength" if step.phase == "strength" else "stretch")


def test_walking_goal_matches_the_article(shipped: Content) -> None:
    assert shipped.walking_goal_km == Range(6, 8)
    assert "walk_daily" in shipped.tip_ids
    body = shipped.text("tips.walk_daily.body")
    assert f"{shipped.walking_goal_km} km" in body
    assert "best workout" in body


def test_form_details_from_the_article(shipped: Content) -> None:
    opposite_steps = " ".join(shipped.text_list("exercises.opposite_raises.steps"))
    assert f"3{EN_DASH}5 cm" in opposite_steps
    assert "towel" in opposite_steps
    assert "forehead" in opposite_steps
    assert "pillow" in opposite_steps
    assert shipped.text("exercises.opposite_raises.side_first") == "right leg + left arm"
    assert shipped.text("exercises.opposite_raises.side_second") == "left leg + right arm"
    arch_steps = " ".join(shipped.text_list("exercises.standing_back_arch.steps"))
    assert "balance" in arch_steps
    assert "comfortable" in arch_steps
    assert "comfortable" in shipped.text("exercises.standing_back_arch.note")


def test_quadriceps_dose_is_said_to_be_ours_once(shipped: Content) -> None:
    """The card adds workout.card.our_dose to a dose not from the article; the note, shown on
    the same card, must not say it again."""
    assert not shipped.exercises["quadriceps_stretch"].dose_from_article
    assert "our suggestion" in shipped.text("workout.card.our_dose")
    for language in shipped.languages:
        note = shipped.text("exercises.quadriceps_stretch.note", language)
        assert "our" not in note.split() and "предлагаем" not in note
    assert "all fours" in shipped.text("exercises.quadriceps_stretch.note")


def test_no_text_promises_an_effect_the_article_does_not(shipped: Content) -> None:
    for key in ("tips.walk_daily.body", "tips.posture.body", "workout.feeling.thanks_after",
                "reminders.message.workout"):
        for claim in ("what they need", "whether the exercises help", "exactly those",
                      "They help when"):
            assert claim not in shipped.text(key), key


def test_every_exercise_has_its_texts(shipped: Content) -> None:
    for exercise in shipped.exercises.values():
        prefix = f"exercises.{exercise.id}"
        assert shipped.text(f"{prefix}.name")
        assert shipped.text(f"{prefix}.purpose")
        assert len(shipped.text_list(f"{prefix}.steps")) >= 3
        if exercise.has_sides:
            assert shipped.text(f"{prefix}.side_first") != shipped.text(f"{prefix}.side_second")
            assert shipped.text(f"exercises.switch_side.{exercise.side_kind}")
    for phase in ("warmup", "strength", "cooldown"):
        assert shipped.text(f"exercises.phase.{phase}.title")


def test_tips_cover_the_articles_habits(shipped: Content) -> None:
    assert 4 <= len(shipped.tip_ids) <= 6
    assert shipped.tip_ids == (
        "walk_daily",
        "posture",
        "get_up_often",
        "sit_well",
        "stretch_before_and_after",
    )
    for tip_id in shipped.tip_ids:
        sentences = re.findall(r"[.!?](?:\s|$)", shipped.text(f"tips.{tip_id}.body"))
        assert 2 <= len(sentences) <= 3, tip_id
    assert "straight" in shipped.text("tips.posture.body")
    assert "one position" in shipped.text("tips.get_up_often.body")
    assert "desk" in shipped.text("tips.sit_well.body")


# --- Screening questions ------------------------------------------------------------------


def test_questions_order_kinds_and_rechecks(shipped: Content) -> None:
    assert [(q.id, q.kind) for q in shipped.questions] == [
        ("red_flag_urgent", "red_flag_urgent"),
        ("serious_accident", "red_flag_urgent"),
        ("fever", "red_flag"),
        ("severe_pain", "contraindication"),
        ("bleeding", "contraindication"),
        ("flare_up", "contraindication"),
        ("pain_after_injury", "red_flag"),
        ("night_pain", "red_flag"),
        ("chest_pain_or_fainting", "red_flag"),
        ("cancer_or_weight_loss", "red_flag"),
        ("spinal_injury", "contraindication"),
        ("kidney_or_heart_disease", "contraindication"),
        ("pregnancy", "contraindication"),
        ("fragile_bones", "diagnosis"),
        ("diagnosed_condition", "diagnosis"),
    ]
    rechecked = [q.id for q in shipped.questions if q.recheck_before_workout]
    assert rechecked == ["red_flag_urgent", "fever", "severe_pain", "bleeding", "flare_up"]


# Words each question must use, so every topic of the article (and of the red flags) is asked.
QUESTION_TOPICS = {
    "severe_pain": ["severe pain"],
    "bleeding": ["bleeding", "normal period"],
    "flare_up": ["long-term illness", "flaring up"],
    "spinal_injury": ["injured your spine", "broken vertebra", "spine surgery"],
    "kidney_or_heart_disease": ["kidney", "heart", "blood vessels"],
    "pregnancy": ["pregnant"],
    "diagnosed_condition": ["osteochondrosis", "degenerative disc disease",
                            "slipped (herniated) disc", "scoliosis"],
    "red_flag_urgent": ["recently", "between your legs", "genitals", "back passage",
                        "difficulty peeing", "leaking urine or stool", "both legs"],
    "serious_accident": ["serious accident"],
    "fever": ["fever", "infection", "today"],
    "pain_after_injury": ["fall", "accident", "hard blow"],
    "night_pain": ["worse at night", "rest"],
    "chest_pain_or_fainting": ["chest pain", "fainted", "dizzy", "balance"],
    "cancer_or_weight_loss": ["cancer", "lost weight"],
    "fragile_bones": ["osteoporosis", "fragile bones", "steroid tablets"],
}
# The same topics in Russian, in the words people use.
QUESTION_TOPICS_RU = {
    "red_flag_urgent": ["промежности", "половых органов", "заднего прохода", "мочеиспусканием",
                        "обеих ногах"],
    "diagnosed_condition": ["остеохондроз", "межпозвонковая грыжа", "сколиоз"],
    "bleeding": ["месячных"],
    "fragile_bones": ["остеопороз", "стероидные гормоны"],
}


@pytest.mark.parametrize("question_id", QUESTION_TOPICS)
def test_question_covers_its_topic(shipped: Content, question_id: str) -> None:
    question = shipped.text(f"screening.questions.{question_id}.question")
    for word in QUESTION_TOPICS[question_id]:
        assert word in question
    assert question.splitlines()[0].endswith("?")
    assert shipped.text(f"screening.questions.{question_id}.reason").endswith(".")


def test_every_question_has_a_topic_and_no_groin(shipped: Content) -> None:
    assert set(QUESTION_TOPICS) == {q.id for q in shipped.questions}
    for question_id, words in QUESTION_TOPICS_RU.items():
        question = shipped.text(f"screening.questions.{question_id}.question", "ru")
        for word in words:
            assert word in question, (question_id, word)
    assert "паху" not in shipped.text("screening.questions.red_flag_urgent.question", "ru")


def test_screening_outcomes(shipped: Content) -> None:
    intro = shipped.text("screening.intro")
    assert "private" in intro
    assert "doctor" in intro
    assert "not sure" in intro and "choose Yes" in intro
    assert "over 50" in intro
    urgent = shipped.text("screening.outcome.urgent")
    assert "now" in urgent and "today" not in urgent
    assert "emergency department" in urgent and "emergency services" in urgent
    diagnosis = shipped.text("screening.outcome.diagnosis", reasons="REASONS")
    assert "therapeutic exercise" in diagnosis.lower() and "REASONS" in diagnosis
    assert "physiotherapist" in diagnosis
    blocked = shipped.text("screening.outcome.blocked", reasons="REASONS")
    assert "REASONS" in blocked
    assert "REASONS" in shipped.text("screening.recheck.blocked", reasons="REASONS")
    assert shipped.text("screening.rescreen.prompt").endswith("?")


# --- Text lookup --------------------------------------------------------------------------


def test_text_formats_placeholders(shipped: Content) -> None:
    assert "Because" in shipped.text(
        "screening.outcome.blocked",
        reasons=shipped.text("screening.questions.severe_pain.reason"),
    )


def test_text_missing_value_names_the_placeholder(shipped: Content) -> None:
    with pytest.raises(KeyError, match=r"screening\.outcome\.blocked.*\{reasons\}"):
        shipped.text("screening.outcome.blocked")


def test_text_missing_key_names_the_key(shipped: Content) -> None:
    with pytest.raises(KeyError, match=r"exercises\.crunch\.colour"):
        shipped.text("exercises.crunch.colour")
    assert not shipped.has_text("exercises.crunch.colour")
    assert shipped.has_text("exercises.crunch.name")


def test_unknown_language_falls_back_to_english(shipped: Content) -> None:
    assert shipped.text("exercises.crunch.name", "xx") == shipped.text("exercises.crunch.name")
    assert shipped.text_list("exercises.crunch.steps", "xx") == shipped.text_list(
        "exercises.crunch.steps"
    )
    assert shipped.has_text("exercises.crunch.name", "xx")


def test_text_and_text_list_refuse_the_other_shape(shipped: Content) -> None:
    with pytest.raises(TypeError, match="text_list"):
        shipped.text("exercises.crunch.steps")
    with pytest.raises(TypeError, match=r"text\(\)"):
        shipped.text_list("exercises.crunch.name")


def test_doubled_braces_show_as_braces(content_dir: Path) -> None:
    append(
        en(content_dir, "screening"),
        '\n[extra]\nsingle = "use {{braces}}"\nitems = ["a {{b}}"]\n',
    )
    loaded = load_content(content_dir)
    assert loaded.text("screening.extra.single") == "use {braces}"
    assert loaded.text_list("screening.extra.items") == ("a {b}",)


def test_range() -> None:
    assert str(Range(5, 10)) == f"5{EN_DASH}10"
    assert str(Range(5, 5)) == "5"
    assert Range(5, 10).is_range
    assert not Range(5, 5).is_range
    assert Range(5, 10).pick(harder=False) == 5
    assert Range(5, 10).pick(harder=True) == 10


# --- program.toml validation ----------------------------------------------------------------

CRUNCH = "exercises.crunch"

# (table to edit or None for the whole file, old, new, fragments the error must contain)
PROGRAM_BREAKAGES = {
    "toml syntax": (
        None,
        "goal_km = [6, 8]",
        "goal_km = [6, 8",
        ["invalid TOML: Unclosed array (at line "],
    ),
    "missing field": (CRUNCH, "reps = [10]\n", "", ["exercises.crunch.reps: missing"]),
    "unknown field": (
        CRUNCH,
        "reps = [10]\n",
        'reps = [10]\ncolour = "red"\n',
        ["exercises.crunch.colour: unknown field"],
    ),
    "range as text": (
        CRUNCH,
        "hold_seconds = [5, 10]",
        'hold_seconds = "5"',
        ["exercises.crunch.hold_seconds: expected 1 or 2 positive integers, got '5'"],
    ),
    "zero reps": (
        CRUNCH,
        "reps = [10]",
        "reps = [0]",
        ["exercises.crunch.reps: expected 1 or 2 positive integers, got [0]"],
    ),
    "three numbers": (
        CRUNCH,
        "reps = [10]",
        "reps = [8, 9, 10]",
        ["exercises.crunch.reps: expected 1 or 2 positive integers"],
    ),
    "boolean as number": (
        CRUNCH,
        "reps = [10]",
        "reps = [true]",
        ["exercises.crunch.reps: expected 1 or 2 positive integers"],
    ),
    "range backwards": (
        CRUNCH,
        "hold_seconds = [5, 10]",
        "hold_seconds = [10, 5]",
        ["exercises.crunch.hold_seconds", "low ≤ high"],
    ),
    "unknown kind": (
        CRUNCH,
        'kind = "strength"',
        'kind = "cardio"',
        ["exercises.crunch.kind: expected one of stretch, strength"],
    ),
    "unknown sides": (
        CRUNCH,
        'sides = "none"',
        'sides = "both"',
        ["exercises.crunch.sides: expected one of none, each_in_turn, alternating"],
    ),
    "unknown side_kind": (
        "exercises.hamstring_stretch",
        'side_kind = "leg"',
        'side_kind = "foot"',
        ["exercises.hamstring_stretch.side_kind: expected one of leg, side, arm_and_leg"],
    ),
    "side_kind missing with sides": (
        "exercises.oblique_crunch",
        'side_kind = "side"\n',
        "",
        ["exercises.oblique_crunch.side_kind: missing"],
    ),
    "side_kind without sides": (
        CRUNCH,
        'sides = "none"\n',
        'sides = "none"\nside_kind = "leg"\n',
        ["exercises.crunch.side_kind: only allowed when sides is not"],
    ),
    "dose_from_article as text": (
        CRUNCH,
        "dose_from_article = true",
        'dose_from_article = "yes"',
        ["exercises.crunch.dose_from_article: expected true or false"],
    ),
    "reserved exercise id": (
        None,
        "[exercises.crunch]",
        "[exercises.switch_side]",
        ["exercises.switch_side: this name is reserved"],
    ),
    "negative pause": (
        "pacing",
        "get_ready_seconds = 5",
        "get_ready_seconds = -1",
        ["pacing.get_ready_seconds: expected a number of seconds"],
    ),
    "missing pause": ("pacing", "switch_side_seconds = 5\n", "", ["pacing.switch_side_seconds"]),
    "walking goal backwards": (
        "walking",
        "goal_km = [6, 8]",
        "goal_km = [8, 6]",
        ["walking.goal_km", "low ≤ high"],
    ),
    "unknown table": (
        "pacing",
        "[pacing]\n",
        "[extras]\nanything = 1\n\n[pacing]\n",
        ["extras: unknown field"],
    ),
    "back rating limit out of the scale": (
        "back_rating",
        "no_workout_from = 7",
        "no_workout_from = 11",
        ["back_rating.no_workout_from", "from 1 to 10"],
    ),
    "unknown exercise in session": (
        "session",
        '"superman", ',
        '"supermen", ',
        ["session.strength: unknown exercise 'supermen'"],
    ),
    "strength exercise in the warm-up": (
        "session",
        "warmup = [",
        'warmup = ["crunch", ',
        ["session.warmup: 'crunch' is a strength exercise"],
    ),
    "exercise listed twice in a phase": (
        "session",
        '"superman", ',
        '"superman", "superman", ',
        ["session.strength: listed more than once: superman"],
    ),
    "exercise never used": (
        "session",
        '"superman", ',
        "",
        ["exercises.superman: not used in any session phase"],
    ),
    "empty phase": (
        "session",
        'cooldown = ["knees_to_chest", "hamstring_stretch", "quadriceps_stretch"]',
        "cooldown = []",
        ["session.cooldown: expected a non-empty list"],
    ),
    "duplicate question id": (
        None,
        'id = "bleeding"',
        'id = "severe_pain"',
        ["screening[4].id: duplicate question id 'severe_pain' (also screening[3])"],
    ),
    "unknown question kind": (
        None,
        'id = "pregnancy"\nkind = "contraindication"',
        'id = "pregnancy"\nkind = "maybe"',
        ["screening[12].kind: expected one of contraindication"],
    ),
    "urgent red flag after another question": (
        None,
        'id = "pregnancy"\nkind = "contraindication"',
        'id = "pregnancy"\nkind = "red_flag_urgent"',
        ["screening[12].kind: an urgent red flag must come before every other question"],
    ),
    "question field missing": (
        None,
        'id = "pregnancy"\nkind = "contraindication"\nrecheck_before_workout = false\n',
        'id = "pregnancy"\nkind = "contraindication"\n',
        ["screening[12].recheck_before_workout: missing"],
    ),
    "bad tip id": ("tips", 'order = ["walk_daily"', 'order = ["Walk Daily"', ["tips.order"]),
    "unknown desk-break stretch": (
        "desk_breaks",
        '"quadriceps_stretch"]',
        '"neck_roll"]',
        ["desk_breaks.stretches: unknown exercise 'neck_roll'"],
    ),
    "strength exercise as a desk break": (
        "desk_breaks",
        '"quadriceps_stretch"]',
        '"superman"]',
        ["desk_breaks.stretches: 'superman' is a strength exercise, not a stretch"],
    ),
    "no desk-break stretches": (
        "desk_breaks",
        'stretches = ["standing_back_arch", "quadriceps_stretch"]',
        "stretches = []",
        ["desk_breaks.stretches: expected a non-empty list"],
    ),
}


@pytest.mark.parametrize("breakage", PROGRAM_BREAKAGES)
def test_program_validation(content_dir: Path, breakage: str) -> None:
    section, old, new, fragments = PROGRAM_BREAKAGES[breakage]
    edit(program(content_dir), old, new, section=section)
    message = load_error(content_dir)
    assert message.startswith("content/program.toml: ")
    for fragment in fragments:
        assert fragment in message


def test_missing_program_file(content_dir: Path) -> None:
    program(content_dir).unlink()
    assert load_error(content_dir) == "content/program.toml: file not found"


# --- Locale validation -----------------------------------------------------------------------

# (file stem, table to edit or None, old, new, fragments the error must contain)
LOCALE_BREAKAGES = {
    "toml syntax": ("tips", None, 'title = "Walk every day"', 'title = "Walk', ["invalid TOML"]),
    "exercise name missing": (
        "exercises",
        "crunch",
        'name = "Crunch"\n',
        "",
        ["crunch.name: missing"],
    ),
    "steps not a list": (
        "exercises",
        "knees_to_chest",
        "steps = [",
        'steps = "Lie down."\nunused = [',
        ["knees_to_chest.steps: expected a list of texts"],
    ),
    "side texts missing": (
        "exercises",
        "hamstring_stretch",
        'side_second = "left leg"\n',
        "",
        ["hamstring_stretch.side_second: missing"],
    ),
    "side texts where there are no sides": (
        "exercises",
        "crunch",
        'name = "Crunch"\n',
        'name = "Crunch"\nside_first = "right"\n',
        ["crunch.side_first: unknown text"],
    ),
    "misspelled exercise table": (
        "exercises",
        None,
        "[superman]",
        "[supermen]",
        ["supermen.name: unknown text", "superman.name: missing"],
    ),
    "switch wording missing": (
        "exercises",
        "switch_side",
        'arm_and_leg = "Now the other leg and arm."\n',
        "",
        ["switch_side.arm_and_leg: missing"],
    ),
    "phase title missing": (
        "exercises",
        "phase.cooldown",
        'title = "Cool-down stretches"\n',
        "",
        ["phase.cooldown.title: missing"],
    ),
    "empty text": ("exercises", "crunch", 'name = "Crunch"', 'name = "  "', ["crunch.name: empty"]),
    "placeholder where none is filled": (
        "exercises",
        "crunch",
        'name = "Crunch"',
        'name = "Crunch {count}"',
        ["crunch.name: expected placeholders none, found {count}"],
    ),
    "broken braces": (
        "exercises",
        "crunch",
        'name = "Crunch"',
        'name = "Crunch {"',
        ["crunch.name: ", "'{'"],
    ),
    "positional placeholder": (
        "screening",
        "outcome",
        "{reasons}\n\nYour health",
        "{0}\n\nYour health",
        ["outcome.blocked: placeholder {0} must be a plain name"],
    ),
    "question reason missing": (
        "screening",
        "questions.bleeding",
        "reason = ",
        "reasoning = ",
        ["questions.bleeding.reason: missing", "questions.bleeding.reasoning: unknown text"],
    ),
    "outcome without its placeholder": (
        "screening",
        "outcome",
        "{reasons}\n\nTherapeutic",
        "(reasons)\n\nTherapeutic",
        ["outcome.diagnosis: expected placeholders {reasons}, found none"],
    ),
    "recheck text missing": (
        "screening",
        "recheck",
        'cleared = "Thanks, all clear for today. Let\'s begin."\n',
        "",
        ["recheck.cleared: missing"],
    ),
    "tip body missing": ("tips", "posture", "body = ", "text = ", ["posture.body: missing"]),
    "number instead of text": (
        "tips",
        "posture",
        'title = "Mind your posture"',
        "title = 5",
        ["posture.title: expected text or a list of texts, got 5"],
    ),
}


@pytest.mark.parametrize("breakage", LOCALE_BREAKAGES)
def test_locale_validation(content_dir: Path, breakage: str) -> None:
    stem, section, old, new, fragments = LOCALE_BREAKAGES[breakage]
    edit(en(content_dir, stem), old, new, section=section)
    message = load_error(content_dir)
    assert message.startswith(f"content/locales/en/{stem}.toml: ")
    for fragment in fragments:
        assert fragment in message


def test_empty_list_of_steps(content_dir: Path) -> None:
    path = en(content_dir, "exercises")
    text = path.read_text(encoding="utf-8")
    crunch_steps = re.compile(r"(\[crunch\].*?steps = )\[.*?\n\]", flags=re.DOTALL)
    path.write_text(crunch_steps.sub(r"\1[]", text, count=1), encoding="utf-8")
    assert "content/locales/en/exercises.toml: crunch.steps: empty list" in load_error(content_dir)


def test_tip_in_order_needs_texts(content_dir: Path) -> None:
    edit(program(content_dir), '"sit_well", ', '"sit_well", "drink_water", ', section="tips")
    message = load_error(content_dir)
    assert "content/locales/en/tips.toml: drink_water.title: missing" in message
    assert "content/locales/en/tips.toml: drink_water.body: missing" in message


def test_all_text_problems_are_reported_together(content_dir: Path) -> None:
    edit(en(content_dir, "tips"), 'title = "Mind your posture"\n', "", section="posture")
    edit(en(content_dir, "exercises"), 'name = "Crunch"\n', "", section="crunch")
    message = load_error(content_dir)
    assert "tips.toml: posture.title: missing" in message
    assert "exercises.toml: crunch.name: missing" in message


def test_reference_language_is_required(content_dir: Path) -> None:
    (content_dir / "locales" / "en").rename(content_dir / "locales" / "de")
    assert "content/locales/en: missing" in load_error(content_dir)


# --- A second language --------------------------------------------------------------------------


@pytest.fixture
def with_second_language(content_dir: Path) -> Path:
    shutil.copytree(content_dir / "locales" / "en", content_dir / "locales" / "ru")
    return content_dir


def ru(directory: Path, stem: str) -> Path:
    return directory / "locales" / "ru" / f"{stem}.toml"


def test_second_language_loads(with_second_language: Path) -> None:
    edit(ru(with_second_language, "exercises"), 'name = "Crunch"', 'name = "Скручивание"')
    loaded = load_content(with_second_language)
    assert loaded.languages == ("en", "ru")
    assert loaded.text("exercises.crunch.name", "ru") == "Скручивание"
    assert loaded.text("exercises.crunch.name", "en") == "Crunch"


def test_second_language_missing_key(with_second_language: Path) -> None:
    edit(ru(with_second_language, "tips"), 'title = "Mind your posture"\n', "", section="posture")
    assert "content/locales/ru/tips.toml: posture.title: missing" in load_error(
        with_second_language
    )


def test_second_language_missing_file(with_second_language: Path) -> None:
    ru(with_second_language, "tips").unlink()
    message = load_error(with_second_language)
    assert "content/locales/ru/tips.toml: walk_daily.title: missing" in message


def test_second_language_extra_key(with_second_language: Path) -> None:
    append(ru(with_second_language, "screening"), '\n[extra]\nsurplus = "Лишнее"\n')
    assert (
        "content/locales/ru/screening.toml: extra.surplus: unknown key (not in en)"
        in load_error(with_second_language)
    )


def test_second_language_mismatched_placeholder(with_second_language: Path) -> None:
    append(en(with_second_language, "screening"), '\n[extra]\ngreeting = "Hi {name}"\n')
    append(ru(with_second_language, "screening"), '\n[extra]\ngreeting = "Привет, {user}"\n')
    assert (
        "content/locales/ru/screening.toml: extra.greeting: placeholders {user} differ from "
        "en's {name}" in load_error(with_second_language)
    )


def test_second_language_list_where_english_has_text(with_second_language: Path) -> None:
    append(en(with_second_language, "screening"), '\n[extra]\nnote = "One"\n')
    append(ru(with_second_language, "screening"), '\n[extra]\nnote = ["Один"]\n')
    assert (
        "content/locales/ru/screening.toml: extra.note: expected a single text, as in en"
        in load_error(with_second_language)
    )


def test_second_language_required_placeholder(with_second_language: Path) -> None:
    edit(ru(with_second_language, "screening"), "{reasons}\n\nYour", "{причины}\n\nYour",
         section="outcome")
    message = load_error(with_second_language)
    assert "content/locales/ru/screening.toml: outcome.blocked" in message
    assert "{причины}" in message
