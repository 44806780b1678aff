"""Loading and validating Back Coach content: the program and the texts people read.

The content is data (content/program.toml and content/locales/<lang>/*.toml) so that the
doses can be checked against the source article and a language can be added without code.
Everything is validated when it is loaded, so a broken edit stops the bot at start-up with
the file and the field named, instead of failing halfway through someone's workout.

Text keys are "<file stem>.<table path>": ``[hamstring_stretch] name = "..."`` in
exercises.toml is ``exercises.hamstring_stretch.name``.
"""

from __future__ import annotations

import re
import string
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from content import CONTENT_DIR

REFERENCE_LANGUAGE = "en"

EXERCISE_KINDS = ("stretch", "strength")
SIDES = ("none", "each_in_turn", "alternating")
SIDE_KINDS = ("leg", "side", "arm_and_leg")
QUESTION_KINDS = ("contraindication", "diagnosis", "red_flag_urgent", "red_flag")
PHASES = ("warmup", "strength", "cooldown")
# The article stretches before and after the strength work, so each phase takes one kind.
PHASE_EXERCISE_KIND = {"warmup": "stretch", "strength": "strength", "cooldown": "stretch"}

# Ids become parts of text keys (and of callback data elsewhere), so they stay simple.
ID_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
# TOML bare keys; anything else could hide a "." that would break the key scheme.
TEXT_KEY_PART_PATTERN = re.compile(r"[A-Za-z0-9_-]+")

# Tables of exercises.toml that hold shared workout words, not exercises.
EXERCISE_TEXT_RESERVED_TABLES = ("phase", "switch_side")

TextValue = str | tuple[str, ...]


class ContentError(Exception):
    """The content files are broken; the message names each file and field at fault."""


@dataclass(frozen=True)
class Range:
    """A dose such as 5 to 10 seconds: the easier end first, the harder end second."""

    low: int
    high: int

    @property
    def is_range(self) -> bool:
        return self.low != self.high

    def pick(self, harder: bool) -> int:
        return self.high if harder else self.low

    def __str__(self) -> str:
        return f"{self.low}\N{EN DASH}{self.high}" if self.is_range else str(self.low)


@dataclass(frozen=True)
class Exercise:
    id: str
    kind: str
    hold_seconds: Range
    reps: Range  # per side when the exercise has sides
    sides: str
    side_kind: str | None
    dose_from_article: bool

    @property
    def has_sides(self) -> bool:
        return self.sides != "none"


@dataclass(frozen=True)
class SessionStep:
    phase: str
    exercise: Exercise


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    recheck_before_workout: bool


@dataclass(frozen=True)
class Pacing:
    get_ready_seconds: float
    rest_between_reps_seconds: float
    switch_side_seconds: float
    rest_between_exercises_seconds: float


@dataclass(frozen=True)
class Content:
    exercises: Mapping[str, Exercise]
    session: tuple[SessionStep, ...]
    questions: tuple[Question, ...]
    pacing: Pacing
    walking_goal_km: Range
    tip_ids: tuple[str, ...]
    desk_break_stretches: tuple[Exercise, ...]  # what desk breaks suggest, in turn
    languages: tuple[str, ...]  # the reference language first
    texts_by_language: Mapping[str, Mapping[str, TextValue]] = field(repr=False)

    def text(self, key: str, lang: str = REFERENCE_LANGUAGE, /, **values: object) -> str:
        """The text for ``key`` in ``lang`` (the reference language if ``lang`` is unknown),
        with its {placeholders} filled from ``values``."""
        entry = self._entry(key, lang)
        if not isinstance(entry, str):
            raise TypeError(f"text {key!r} is a list; use text_list()")
        try:
            return entry.format_map(values)
        except KeyError as missing:
            raise KeyError(f"text {key!r} needs a value for {{{missing.args[0]}}}") from None

    def text_list(self, key: str, lang: str = REFERENCE_LANGUAGE) -> tuple[str, ...]:
        entry = self._entry(key, lang)
        if isinstance(entry, str):
            raise TypeError(f"text {key!r} is a single string; use text()")
        # Validation keeps placeholders out of list items; formatting only turns {{ into {.
        return tuple(item.format() for item in entry)

    def has_text(self, key: str, lang: str = REFERENCE_LANGUAGE) -> bool:
        return key in self._texts_for(lang)

    def _texts_for(self, lang: str) -> Mapping[str, TextValue]:
        return self.texts_by_language.get(lang) or self.texts_by_language[REFERENCE_LANGUAGE]

    def _entry(self, key: str, lang: str) -> TextValue:
        try:
            return self._texts_for(lang)[key]
        except KeyError:
            raise KeyError(f"no text {key!r}") from None


def load_content(directory: Path | None = None) -> Content:
    """Loads and validates the program and every locale; raises ContentError if anything is off."""
    directory = CONTENT_DIR if directory is None else Path(directory)
    program = _load_program(directory)
    texts_by_language = _load_locales(directory)
    _check_texts(directory, program, texts_by_language)
    languages = (REFERENCE_LANGUAGE, *sorted(set(texts_by_language) - {REFERENCE_LANGUAGE}))
    return Content(
        exercises=MappingProxyType(program.exercises),
        session=program.session,
        questions=program.questions,
        pacing=program.pacing,
        walking_goal_km=program.walking_goal_km,
        tip_ids=program.tip_ids,
        desk_break_stretches=program.desk_break_stretches,
        languages=languages,
        texts_by_language=MappingProxyType(
            {lang: MappingProxyType(texts) for lang, texts in texts_by_language.items()}
        ),
    )


# --- Reading files -----------------------------------------------------------------------


def _file_label(directory: Path, path: Path) -> str:
    """How a file is named in errors: "content/program.toml" wherever the directory lives."""
    return f"{directory.name}/{path.relative_to(directory).as_posix()}"


def _read_toml(directory: Path, path: Path) -> dict[str, object]:
    label = _file_label(directory, path)
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


def _describe(value: object) -> str:
    return repr(value) if not isinstance(value, dict) else "a table"


# --- program.toml --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Program:
    exercises: dict[str, Exercise]
    session: tuple[SessionStep, ...]
    questions: tuple[Question, ...]
    pacing: Pacing
    walking_goal_km: Range
    tip_ids: tuple[str, ...]
    desk_break_stretches: tuple[Exercise, ...]


class _TableReader:
    """Reads one TOML table field by field and remembers what it read, so that whatever is
    left over (usually a typo) can be reported as an unknown field."""

    def __init__(self, table: object, file_label: str, path: str) -> None:
        self.file_label = file_label
        self.path = path
        if not isinstance(table, dict):
            raise self.error(None, f"expected a table, got {_describe(table)}")
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
            raise self.error(name, f"expected one of {', '.join(allowed)}; got {_describe(value)}")
        return value

    def boolean(self, name: str) -> bool:
        value = self.raw(name)
        if not isinstance(value, bool):
            raise self.error(name, f"expected true or false, got {_describe(value)}")
        return value

    def seconds(self, name: str) -> float:
        value = self.raw(name)
        # bool is an int in Python, but `true` seconds is always a mistake.
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise self.error(name, f"expected a number of seconds ≥ 0, got {_describe(value)}")
        return float(value)

    def positive_range(self, name: str) -> Range:
        value = self.raw(name)
        if (
            not isinstance(value, list)
            or len(value) not in (1, 2)
            or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in value)
        ):
            raise self.error(name, f"expected 1 or 2 positive integers, got {_describe(value)}")
        low, high = value[0], value[-1]
        if low > high:
            raise self.error(name, f"the easier end comes first: expected low ≤ high, got {value}")
        return Range(low, high)

    def id_list(self, name: str) -> tuple[str, ...]:
        value = self.raw(name)
        if not isinstance(value, list) or not value:
            raise self.error(name, f"expected a non-empty list of ids, got {_describe(value)}")
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


def _load_program(directory: Path) -> _Program:
    path = directory / "program.toml"
    label = _file_label(directory, path)
    top = _TableReader(_read_toml(directory, path), label, "")

    pacing_table = top.table("pacing")
    pacing = Pacing(
        get_ready_seconds=pacing_table.seconds("get_ready_seconds"),
        rest_between_reps_seconds=pacing_table.seconds("rest_between_reps_seconds"),
        switch_side_seconds=pacing_table.seconds("switch_side_seconds"),
        rest_between_exercises_seconds=pacing_table.seconds("rest_between_exercises_seconds"),
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

    tips_table = top.table("tips")
    tip_ids = tips_table.id_list("order")
    tips_table.finish()

    questions = _read_questions(top, label)
    top.finish()
    return _Program(exercises, session, questions, pacing, walking_goal_km, tip_ids,
                    desk_break_stretches)


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
    return tuple(questions)


# --- Locales -------------------------------------------------------------------------------


class _Problems:
    """Collects text problems so a translator sees all the gaps at once, not one per start."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, file_label: str, field_path: str, message: str) -> None:
        self.messages.append(f"{file_label}: {field_path}: {message}")

    def raise_if_any(self) -> None:
        if self.messages:
            raise ContentError("\n".join(self.messages))


def _locale_file_label(directory: Path, lang: str, key: str) -> str:
    stem = key.split(".", 1)[0]
    return f"{directory.name}/locales/{lang}/{stem}.toml"


def _field_in_file(key: str) -> str:
    return key.split(".", 1)[1] if "." in key else key


_FORMATTER = string.Formatter()


def _placeholders(text: str) -> frozenset[str]:
    """The {names} a text needs; ValueError for broken braces or anything but plain names,
    since a translator's "{user.name}" or "{0}" would fail only when the text is shown."""
    names: set[str] = set()
    for _literal, name, format_spec, _conversion in _FORMATTER.parse(text):
        if name is None:
            continue
        if not name.isidentifier():
            raise ValueError(f"placeholder {{{name}}} must be a plain name like {{reasons}}")
        if format_spec and "{" in format_spec:
            raise ValueError(f"placeholder {{{name}}} has a nested placeholder in its format")
        names.add(name)
    return frozenset(names)


def _load_locales(directory: Path) -> dict[str, dict[str, TextValue]]:
    locales_dir = directory / "locales"
    language_dirs = sorted(
        path
        for path in (locales_dir.iterdir() if locales_dir.is_dir() else ())
        if path.is_dir() and not path.name.startswith((".", "_"))
    )
    if REFERENCE_LANGUAGE not in {path.name for path in language_dirs}:
        raise ContentError(
            f"{directory.name}/locales/{REFERENCE_LANGUAGE}: missing; "
            f"{REFERENCE_LANGUAGE} is the reference language"
        )
    problems = _Problems()
    texts_by_language: dict[str, dict[str, TextValue]] = {}
    for language_dir in language_dirs:
        texts: dict[str, TextValue] = {}
        for path in sorted(language_dir.glob("*.toml")):
            label = _file_label(directory, path)
            if not TEXT_KEY_PART_PATTERN.fullmatch(path.stem):
                problems.add(label, "(file name)", "use letters, digits, _ or - only")
                continue
            _flatten_texts(_read_toml(directory, path), path.stem, label, texts, problems)
        texts_by_language[language_dir.name] = texts
    problems.raise_if_any()
    return texts_by_language


def _flatten_texts(
    table: Mapping[str, object],
    prefix: str,
    label: str,
    into: dict[str, TextValue],
    problems: _Problems,
) -> None:
    for name, value in table.items():
        key = f"{prefix}.{name}"
        field_path = _field_in_file(key)
        if not TEXT_KEY_PART_PATTERN.fullmatch(name):
            problems.add(label, field_path, "use letters, digits, _ or - in key names")
        elif isinstance(value, dict):
            _flatten_texts(value, key, label, into, problems)
        elif isinstance(value, str):
            if _check_text(value, label, field_path, problems):
                into[key] = value
        elif isinstance(value, list) and all(isinstance(item, str) for item in value):
            if not value:
                problems.add(label, field_path, "empty list")
                continue
            items_ok = True
            for number, item in enumerate(value):
                item_path = f"{field_path}[{number}]"
                if not _check_text(item, label, item_path, problems):
                    items_ok = False
                elif _placeholders(item):
                    # text_list() takes no values to fill them with.
                    problems.add(label, item_path, "list items cannot have {placeholders}")
                    items_ok = False
            if items_ok:
                into[key] = tuple(value)
        else:
            problems.add(label, field_path, f"expected text or a list of texts, got {value!r}")


def _check_text(text: str, label: str, field_path: str, problems: _Problems) -> bool:
    if not text.strip():
        problems.add(label, field_path, "empty text")
        return False
    try:
        _placeholders(text)
    except ValueError as error:
        problems.add(label, field_path, str(error))
        return False
    return True


# --- Texts against the program ---------------------------------------------------------------


@dataclass(frozen=True)
class _TextSpec:
    shape: type  # str or tuple
    placeholders: frozenset[str] = frozenset()


_SINGLE = _TextSpec(str)
_LIST = _TextSpec(tuple)

_EXERCISE_TEXTS = {"name": _SINGLE, "purpose": _SINGLE, "steps": _LIST}
_EXERCISE_SIDE_TEXTS = {"side_first": _SINGLE, "side_second": _SINGLE}
_EXERCISE_OPTIONAL_TEXTS = {"note": _SINGLE}
_QUESTION_TEXTS = {"question": _SINGLE, "reason": _SINGLE}
_TIP_TEXTS = {"title": _SINGLE, "body": _SINGLE}

# Screening outcomes the bot always needs, whatever the questions are.
_FIXED_TEXTS = {
    "screening.intro": _SINGLE,
    "screening.outcome.cleared": _SINGLE,
    "screening.outcome.blocked": _TextSpec(str, frozenset({"reasons"})),
    "screening.outcome.diagnosis": _SINGLE,
    "screening.outcome.urgent": _SINGLE,
    "screening.recheck.intro": _SINGLE,
    "screening.recheck.cleared": _SINGLE,
    "screening.recheck.blocked": _TextSpec(str, frozenset({"reasons"})),
    "screening.rescreen.prompt": _SINGLE,
}


def _required_texts(program: _Program) -> dict[str, _TextSpec]:
    required = dict(_FIXED_TEXTS)
    for phase in PHASES:
        required[f"exercises.phase.{phase}.title"] = _SINGLE
        required[f"exercises.phase.{phase}.intro"] = _SINGLE
    for exercise in program.exercises.values():
        prefix = f"exercises.{exercise.id}"
        required.update({f"{prefix}.{name}": spec for name, spec in _EXERCISE_TEXTS.items()})
        if exercise.has_sides:
            required.update(
                {f"{prefix}.{name}": spec for name, spec in _EXERCISE_SIDE_TEXTS.items()}
            )
            required[f"exercises.switch_side.{exercise.side_kind}"] = _SINGLE
    for question in program.questions:
        prefix = f"screening.questions.{question.id}"
        required.update({f"{prefix}.{name}": spec for name, spec in _QUESTION_TEXTS.items()})
    for tip_id in program.tip_ids:
        required.update({f"tips.{tip_id}.{name}": spec for name, spec in _TIP_TEXTS.items()})
    return required


def _allowed_texts(program: _Program) -> dict[str, _TextSpec]:
    """Texts the program can use but does not need (notes)."""
    return {
        f"exercises.{exercise_id}.{name}": spec
        for exercise_id in program.exercises
        for name, spec in _EXERCISE_OPTIONAL_TEXTS.items()
    }


# Under these prefixes every key must be one the program knows, so that a typo such as
# [hamstring_strech] or "purpse" is reported instead of silently never shown.
_PROGRAM_OWNED_PREFIXES = ("exercises.", "screening.questions.", "tips.")


def _check_texts(
    directory: Path, program: _Program, texts_by_language: Mapping[str, Mapping[str, TextValue]]
) -> None:
    problems = _Problems()
    required = _required_texts(program)
    known = {**required, **_allowed_texts(program)}

    for lang, texts in texts_by_language.items():
        for key in required:
            if key not in texts:
                problems.add(
                    _locale_file_label(directory, lang, key), _field_in_file(key), "missing"
                )
        for key, value in texts.items():
            spec = known.get(key)
            if spec is None:
                if key.startswith(_PROGRAM_OWNED_PREFIXES):
                    problems.add(
                        _locale_file_label(directory, lang, key),
                        _field_in_file(key),
                        "unknown text: program.toml has no exercise, question or tip using it",
                    )
                continue
            _check_text_against_spec(directory, lang, key, value, spec, problems)

    reference = texts_by_language[REFERENCE_LANGUAGE]
    for lang, texts in texts_by_language.items():
        if lang != REFERENCE_LANGUAGE:
            _compare_with_reference(directory, lang, texts, reference, problems)
    problems.raise_if_any()


def _check_text_against_spec(
    directory: Path,
    lang: str,
    key: str,
    value: TextValue,
    spec: _TextSpec,
    problems: _Problems,
) -> None:
    label = _locale_file_label(directory, lang, key)
    field_path = _field_in_file(key)
    if not isinstance(value, spec.shape):
        wanted = "a single text" if spec.shape is str else "a list of texts"
        problems.add(label, field_path, f"expected {wanted}")
        return
    if isinstance(value, str):
        found = _placeholders(value)
        if found != spec.placeholders:
            problems.add(
                label,
                field_path,
                f"expected placeholders {_format_names(spec.placeholders)}, "
                f"found {_format_names(found)}",
            )


def _compare_with_reference(
    directory: Path,
    lang: str,
    texts: Mapping[str, TextValue],
    reference: Mapping[str, TextValue],
    problems: _Problems,
) -> None:
    for key in sorted(reference.keys() - texts.keys()):
        problems.add(
            _locale_file_label(directory, lang, key),
            _field_in_file(key),
            f"missing (present in {REFERENCE_LANGUAGE})",
        )
    for key in sorted(texts.keys() - reference.keys()):
        problems.add(
            _locale_file_label(directory, lang, key),
            _field_in_file(key),
            f"unknown key (not in {REFERENCE_LANGUAGE})",
        )
    for key in sorted(texts.keys() & reference.keys()):
        value, reference_value = texts[key], reference[key]
        label = _locale_file_label(directory, lang, key)
        if isinstance(value, str) != isinstance(reference_value, str):
            wanted = "a single text" if isinstance(reference_value, str) else "a list of texts"
            problems.add(
                label, _field_in_file(key), f"expected {wanted}, as in {REFERENCE_LANGUAGE}"
            )
        elif isinstance(value, str) and isinstance(reference_value, str):
            found, expected = _placeholders(value), _placeholders(reference_value)
            if found != expected:
                problems.add(
                    label,
                    _field_in_file(key),
                    f"placeholders {_format_names(found)} differ from "
                    f"{REFERENCE_LANGUAGE}'s {_format_names(expected)}",
                )


def _format_names(names: Iterable[str]) -> str:
    return ", ".join(f"{{{name}}}" for name in sorted(names)) or "none"
