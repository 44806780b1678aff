"""Reading content/locales/<lang>/*.toml, and checking the texts against the programme and
every language against the reference one (same keys, same {placeholders})."""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.content_model import (
    PHASES,
    REFERENCE_LANGUAGE,
    TEXT_KEY_PART_PATTERN,
    ContentError,
    TextValue,
)
from bot.content_program import (
    Program,
    file_label,
    read_toml,
)
from bot.formatting import PLURAL_FORMS

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


def load_locales(directory: Path) -> dict[str, dict[str, TextValue]]:
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
            label = file_label(directory, path)
            if not TEXT_KEY_PART_PATTERN.fullmatch(path.stem):
                problems.add(label, "(file name)", "use letters, digits, _ or - only")
                continue
            _flatten_texts(read_toml(directory, path), path.stem, label, texts, problems)
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

_NUMBER_WORDS = "typed.words.numbers"

# Screening outcomes the bot always needs, whatever the questions are.
_FIXED_TEXTS = {
    "screening.intro": _SINGLE,
    "screening.outcome.cleared": _SINGLE,
    "screening.outcome.blocked": _TextSpec(str, frozenset({"reasons"})),
    "screening.outcome.diagnosis": _TextSpec(str, frozenset({"reasons"})),
    "screening.outcome.urgent": _SINGLE,
    "screening.recheck.intro": _SINGLE,
    "screening.recheck.cleared": _SINGLE,
    "screening.recheck.blocked": _TextSpec(str, frozenset({"reasons"})),
    "screening.rescreen.prompt": _SINGLE,
    # The CLDR locale each language is written in (bot.formatting).
    "ui.format.locale": _SINGLE,
    # The words that stand for buttons (bot.typed_words).
    **{f"typed.words.{action}": _LIST
       for action in ("pause", "resume", "skip", "stop", "start", "yes", "no", "numbers")},
}


def _required_texts(program: Program) -> dict[str, _TextSpec]:
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


def _allowed_texts(program: Program) -> dict[str, _TextSpec]:
    """Texts the program can use but does not need (notes)."""
    return {
        f"exercises.{exercise_id}.{name}": spec
        for exercise_id in program.exercises
        for name, spec in _EXERCISE_OPTIONAL_TEXTS.items()
    }


# Under these prefixes every key must be one the program knows, so that a typo such as
# [hamstring_strech] or "purpse" is reported instead of silently never shown.
_PROGRAM_OWNED_PREFIXES = ("exercises.", "screening.questions.", "tips.")


def check_texts(
    directory: Path, program: Program, texts_by_language: Mapping[str, Mapping[str, TextValue]]
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

    for lang, texts in texts_by_language.items():
        numbers = texts.get(_NUMBER_WORDS)
        if isinstance(numbers, tuple) and len(numbers) != len(range(11)):
            problems.add(_locale_file_label(directory, lang, _NUMBER_WORDS),
                         _field_in_file(_NUMBER_WORDS), "expected the words for 0 to 10")

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


def plural_form_of(key: str) -> str | None:
    """The CLDR plural form a key of a counted phrase stands for ("<file>.count.<name>.few",
    bot.formatting.Count), or None for any other key."""
    parent, _, form = key.rpartition(".")
    return form if ".count." in f".{parent}." and form in PLURAL_FORMS else None


def _compare_with_reference(
    directory: Path,
    lang: str,
    texts: Mapping[str, TextValue],
    reference: Mapping[str, TextValue],
    problems: _Problems,
) -> None:
    # A counted phrase has the plural forms its own language has ("few" and "many" in
    # Russian, not in English); each language must have its "other".
    for key in sorted(reference.keys() - texts.keys()):
        if plural_form_of(key) and plural_form_of(key) != "other":
            continue
        problems.add(
            _locale_file_label(directory, lang, key),
            _field_in_file(key),
            f"missing (present in {REFERENCE_LANGUAGE})",
        )
    for key in sorted(texts.keys() - reference.keys()):
        if plural_form_of(key) and f"{key.rpartition('.')[0]}.other" in reference:
            continue
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
        elif isinstance(value, str) and isinstance(reference_value, str) and not (
                plural_form_of(key)):  # each form says its number its own way ("once")
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
