"""Reading content/program.toml: the exercises and their doses, the session, the screening
questions, the pacing and the tips, each field checked as it is read."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.content_model import (
    EXERCISE_KINDS,
    EXERCISE_TEXT_RESERVED_TABLES,
    ID_PATTERN,
    PHASE_EXERCISE_KIND,
    PHASES,
    QUESTION_KINDS,
    SIDE_KINDS,
    SIDES,
    URGENT_QUESTION_KIND,
    BackRating,
    ContentError,
    Exercise,
    Pacing,
    Question,
    Range,
    SessionStep,
)

# --- Reading files -----------------------------------------------------------------------


def file_label(directory: Path, path: Path) -> str:
    """How a file is named in errors: "content/program.toml" wherever the directory lives."""
    return f"{directory.name}/{path.relative_to(directory).as_posix()}"


def read_toml(directory: Path, path: Path) -> dict[str, object]:
    label = file_label(directory, path)
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except FileNotFoundError:
        raise ContentError(f"{label}: file not found") from None
    except tomllib.TOMLDecodeError as error:
        # tomllib's message already carries "(at line N, column M)".
        raise ContentError(f"{label}: invalid TOML: {error}") from None
    except UnicodeDecodeError as error:
        raise ContentError(f"{label}: not valid UTF-8: {error}") from None


def describe(value: object) -> str:
    return repr(value) if not isinstance(value, dict) else "a table"


# --- program.toml --------------------------------------------------------------------------


@dataclass(frozen=True)
class Program:
    exercises: dict[str, Exercise]
    session: tuple[SessionStep, ...]
    questions: tuple[Question, ...]
    pacing: Pacing
    walking_goal_km: Range
    tip_ids: tuple[str, ...]
    desk_break_stretches: tuple[Exercise, ...]
    back_rating: BackRating


class _TableReader:
    """Reads one TOML table field by field and remembers what it read, so that whatever is
    left over (usually a typo) can be reported as an unknown field."""

    def __init__(self, table: object, file_label: str, path: str) -> None:
        self.file_label = file_label
        self.path = path
        if not isinstance(table, dict):
            raise self.error(None, f"expected a table, got {describe(table)}")
        self._table: dict[str, object] = table
        self._read: set[str] = set()

    def error(self, name: str | None, message: str) -> ContentError:
        location = ".".join(part for part in (self.path, name) if part)
        return ContentError(f"{self.file_label}: {location or '(top level)'}: {message}")

    def field_path(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def has(self, name: str) -> bool:
        return name in self._table

    def raw(self, name: str) -> object:
        if name not in self._table:
            raise self.error(name, "missing")
        self._read.add(name)
        return self._table[name]

    def table(self, name: str) -> _TableReader:
        return _TableReader(self.raw(name), self.file_label, self.field_path(name))

    def names(self) -> list[str]:
        return list(self._table)

    def choice(self, name: str, allowed: Iterable[str]) -> str:
        allowed = tuple(allowed)
        value = self.raw(name)
        if not isinstance(value, str) or value not in allowed:
            raise self.error(name, f"expected one of {', '.join(allowed)}; got {describe(value)}")
        return value

    def boolean(self, name: str) -> bool:
        value = self.raw(name)
        if not isinstance(value, bool):
            raise self.error(name, f"expected true or false, got {describe(value)}")
        return value

    def seconds(self, name: str) -> float:
        value = self.raw(name)
        # bool is an int in Python, but `true` seconds is always a mistake.
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise self.error(name, f"expected a number of seconds ≥ 0, got {describe(value)}")
        return float(value)

    def rating(self, name: str) -> int:
        """A point on the 0-10 back rating above 0 (a limit at 0 would stop every workout)."""
        value = self.raw(name)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 10:
            raise self.error(name, f"expected a whole number from 1 to 10, got {describe(value)}")
        return value

    def positive_range(self, name: str) -> Range:
        value = self.raw(name)
        if (
            not isinstance(value, list)
            or len(value) not in (1, 2)
            or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in value)
        ):
            raise self.error(name, f"expected 1 or 2 positive integers, got {describe(value)}")
        low, high = value[0], value[-1]
        if low > high:
            raise self.error(name, f"the easier end comes first: expected low ≤ high, got {value}")
        return Range(low, high)

    def id_list(self, name: str) -> tuple[str, ...]:
        value = self.raw(name)
        if not isinstance(value, list) or not value:
            raise self.error(name, f"expected a non-empty list of ids, got {describe(value)}")
        for item in value:
            if not isinstance(item, str) or not ID_PATTERN.fullmatch(item):
                raise self.error(name, f"expected ids like 'knees_to_chest', got {item!r}")
        duplicates = sorted({item for item in value if value.count(item) > 1})
        if duplicates:
            raise self.error(name, f"listed more than once: {', '.join(duplicates)}")
        return tuple(value)

    def finish(self) -> None:
        unknown = [name for name in self._table if name not in self._read]
        if unknown:
            raise self.error(unknown[0], "unknown field")


def load_program(directory: Path) -> Program:
    path = directory / "program.toml"
    label = file_label(directory, path)
    top = _TableReader(read_toml(directory, path), label, "")

    pacing_table = top.table("pacing")
    pacing = Pacing(
        get_ready_seconds=pacing_table.seconds("get_ready_seconds"),
        rest_between_reps_seconds=pacing_table.seconds("rest_between_reps_seconds"),
        switch_side_seconds=pacing_table.seconds("switch_side_seconds"),
        rest_between_exercises_seconds=pacing_table.seconds("rest_between_exercises_seconds"),
        first_get_ready_seconds=pacing_table.seconds("first_get_ready_seconds"),
    )
    pacing_table.finish()

    walking_table = top.table("walking")
    walking_goal_km = walking_table.positive_range("goal_km")
    walking_table.finish()

    exercises = _read_exercises(top.table("exercises"))
    session = _read_session(top.table("session"), exercises)

    desk_table = top.table("desk_breaks")
    desk_break_stretches = _read_stretches(desk_table, "stretches", exercises)
    desk_table.finish()

    rating_table = top.table("back_rating")
    back_rating = BackRating(
        no_workout_from=rating_table.rating("no_workout_from"),
        rest_after_rise=rating_table.rating("rest_after_rise"),
        rest_from=rating_table.rating("rest_from"),
    )
    rating_table.finish()

    tips_table = top.table("tips")
    tip_ids = tips_table.id_list("order")
    tips_table.finish()

    questions = _read_questions(top, label)
    top.finish()
    return Program(exercises, session, questions, pacing, walking_goal_km, tip_ids,
                    desk_break_stretches, back_rating)


def _read_stretches(
    table: _TableReader, name: str, exercises: Mapping[str, Exercise]
) -> tuple[Exercise, ...]:
    stretches = []
    for exercise_id in table.id_list(name):
        exercise = exercises.get(exercise_id)
        if exercise is None:
            raise table.error(name, f"unknown exercise {exercise_id!r}")
        if exercise.kind != "stretch":
            raise table.error(name, f"{exercise_id!r} is a {exercise.kind} exercise, not a stretch")
        stretches.append(exercise)
    return tuple(stretches)


def _read_exercises(table: _TableReader) -> dict[str, Exercise]:
    exercises: dict[str, Exercise] = {}
    for exercise_id in table.names():
        if not ID_PATTERN.fullmatch(exercise_id):
            raise table.error(exercise_id, "exercise ids use lowercase letters, digits and _")
        if exercise_id in EXERCISE_TEXT_RESERVED_TABLES:
            raise table.error(exercise_id, "this name is reserved for shared workout words")
        spec = table.table(exercise_id)
        sides = spec.choice("sides", SIDES)
        if sides == "none":
            if spec.has("side_kind"):
                raise spec.error("side_kind", 'only allowed when sides is not "none"')
            side_kind = None
        else:
            side_kind = spec.choice("side_kind", SIDE_KINDS)
        exercises[exercise_id] = Exercise(
            id=exercise_id,
            kind=spec.choice("kind", EXERCISE_KINDS),
            hold_seconds=spec.positive_range("hold_seconds"),
            reps=spec.positive_range("reps"),
            sides=sides,
            side_kind=side_kind,
            dose_from_article=spec.boolean("dose_from_article"),
        )
        spec.finish()
    if not exercises:
        raise table.error(None, "no exercises")
    return exercises


def _read_session(
    table: _TableReader, exercises: Mapping[str, Exercise]
) -> tuple[SessionStep, ...]:
    steps: list[SessionStep] = []
    for phase in PHASES:
        for exercise_id in table.id_list(phase):
            exercise = exercises.get(exercise_id)
            if exercise is None:
                raise table.error(phase, f"unknown exercise {exercise_id!r}")
            wanted_kind = PHASE_EXERCISE_KIND[phase]
            if exercise.kind != wanted_kind:
                raise table.error(
                    phase,
                    f"{exercise_id!r} is a {exercise.kind} exercise; "
                    f"{phase} takes only {wanted_kind} exercises",
                )
            steps.append(SessionStep(phase, exercise))
    table.finish()
    used = {step.exercise.id for step in steps}
    for exercise_id in exercises:
        if exercise_id not in used:
            raise ContentError(
                f"{table.file_label}: exercises.{exercise_id}: not used in any session phase"
            )
    return tuple(steps)


def _read_questions(top: _TableReader, label: str) -> tuple[Question, ...]:
    entries = top.raw("screening")
    if not isinstance(entries, list) or not entries:
        raise top.error("screening", "expected one or more [[screening]] questions")
    questions: list[Question] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        spec = _TableReader(entry, label, f"screening[{index}]")
        question_id = spec.raw("id")
        if not isinstance(question_id, str) or not ID_PATTERN.fullmatch(question_id):
            raise spec.error("id", f"expected an id like 'severe_pain', got {question_id!r}")
        if question_id in seen:
            raise spec.error(
                "id", f"duplicate question id {question_id!r} (also screening[{seen[question_id]}])"
            )
        seen[question_id] = index
        questions.append(
            Question(
                id=question_id,
                kind=spec.choice("kind", QUESTION_KINDS),
                recheck_before_workout=spec.boolean("recheck_before_workout"),
            )
        )
        spec.finish()
        # A "yes" to an urgent red flag ends the screen, so one asked late could be skipped.
        if questions[-1].kind == URGENT_QUESTION_KIND and any(
            q.kind != URGENT_QUESTION_KIND for q in questions[:-1]
        ):
            raise spec.error("kind", "an urgent red flag must come before every other question")
    return tuple(questions)
