"""The shapes of Back Coach content: the programme, its questions and doses, and the texts.

Loaded and validated by ``bot.content.load_content``; see bot/content.py.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial

from babel import Locale

from bot.formatting import LOCALE_KEY, Count, WrittenValues, locale, plural_form

REFERENCE_LANGUAGE = "en"

EXERCISE_KINDS = ("stretch", "strength")
SIDES = ("none", "each_in_turn", "alternating")
SIDE_KINDS = ("leg", "side", "arm_and_leg")
QUESTION_KINDS = ("contraindication", "diagnosis", "red_flag_urgent", "red_flag")
URGENT_QUESTION_KIND = "red_flag_urgent"  # a "yes" ends the screen at once
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
class BackRating:
    """What the 0-10 back rating, asked before and after a workout, leads to."""

    # A rating before the workout this high counts as severe pain right now: no workout.
    no_workout_from: int
    # After the workout: a rise this big, or a rating this high, means resting from them.
    rest_after_rise: int
    rest_from: int


@dataclass(frozen=True)
class Pacing:
    get_ready_seconds: float
    rest_between_reps_seconds: float
    switch_side_seconds: float
    rest_between_exercises_seconds: float
    # When the person starts an exercise by a tap, the phone is still in their hand: time to
    # put it down and get into position before the first hold.
    first_get_ready_seconds: float


@dataclass(frozen=True)
class Content:
    exercises: Mapping[str, Exercise]
    session: tuple[SessionStep, ...]
    questions: tuple[Question, ...]
    pacing: Pacing
    walking_goal_km: Range
    tip_ids: tuple[str, ...]
    desk_break_stretches: tuple[Exercise, ...]  # what desk breaks suggest, in turn
    back_rating: BackRating
    languages: tuple[str, ...]  # the reference language first
    texts_by_language: Mapping[str, Mapping[str, TextValue]] = field(repr=False)

    def text(self, key: str, lang: str = REFERENCE_LANGUAGE, /, **values: object) -> str:
        """The text for ``key`` in ``lang`` (the reference language if ``lang`` is unknown),
        with its {placeholders} filled from ``values``."""
        entry = self._entry(key, lang)
        if not isinstance(entry, str):
            raise TypeError(f"text {key!r} is a list; use text_list()")
        written = WrittenValues(values, self.locale_for(lang), partial(self._counted, lang))
        try:
            return entry.format_map(written)
        except KeyError as missing:
            raise KeyError(f"text {key!r} needs a value for {{{missing.args[0]}}}") from None

    def locale_for(self, lang: str) -> Locale:
        """The CLDR locale ``lang`` is written in (``bot.formatting``)."""
        code = self._texts_for(lang).get(LOCALE_KEY)
        return locale(code if isinstance(code, str) else lang)

    def _counted(self, lang: str, count: Count) -> str:
        form = f"{count.key}.{plural_form(count.number, self.locale_for(lang))}"
        return self.text(form if self.has_text(form, lang) else f"{count.key}.other", lang,
                         n=count.number if count.shown is None else count.shown)

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
