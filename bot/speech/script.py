"""What a voice note says, and when: built from an exercise's plan, pure (no audio).

t = 0 is the start of the exercise's first beat (GET_READY). An anchored phrase (``optional``
False) marks a beat time and is said exactly then: "Hold." at a hold's start, "and release." at
its end, the countdown numbers one second apart. An optional phrase is extra information
("Knees to chest.", "two of ten.", "Rest."): it follows the phrase before it and is left out
when it would not end before the next anchored phrase (bot/speech/render.py lays them out).
Consecutive optional phrases at the same offset form a chain: once one is left out, so is the
rest of the chain ("Next: Crunch." without its setup line, never the line without the name).

Which countdown numbers fit after an anchored phrase is decided here, from an estimate of
how long that phrase takes to say (``estimate_seconds``, generous for espeak-ng at the rate of
bot/speech/synth.py; the tests check it against the real voice).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.content import Content, Exercise, SessionStep
from bot.speech.version import ENGINE_VERSION
from bot.workout import Beat, BeatKind

GAP = 0.25  # seconds of silence kept before a phrase that follows another
HOLD_COUNTDOWN = 5  # "five, four, three, two, one" before a hold ends
INTO_HOLD_COUNTDOWN = 3  # "three, two, one" before a hold starts
BREATHING_FROM = 15.0  # a hold this long gets "Keep breathing." halfway through
END_PAD = 0.5  # silence after the closing words of a note that ends the exercise


@dataclass(frozen=True)
class Phrase:
    at: float  # seconds from the start of the note
    text: str
    optional: bool  # may be dropped if it does not fit before the next anchored phrase


@dataclass(frozen=True)
class VoiceScript:
    lang: str
    seconds: float  # total length of the note = the planned time it covers
    phrases: tuple[Phrase, ...]

    def __post_init__(self) -> None:
        if self.seconds <= 0:
            raise ValueError("a voice note needs a positive length")
        previous_at, previous_anchor = 0.0, -math.inf
        for phrase in self.phrases:
            if not 0 <= phrase.at < self.seconds:
                raise ValueError(f"{phrase!r} is outside the note (0-{self.seconds} s)")
            if phrase.at < previous_at:
                raise ValueError(f"{phrase!r} is out of order")
            if not phrase.text.strip():
                raise ValueError("empty phrase")
            if not phrase.optional:
                if phrase.at <= previous_anchor:
                    raise ValueError(f"two anchored phrases at {phrase.at} s")
                previous_anchor = phrase.at
            previous_at = phrase.at

    def key(self) -> str:
        """A stable name for the rendered note: changes with the words, their times, the
        length, the language and the engine (``ENGINE_VERSION``)."""
        payload = {
            "engine": ENGINE_VERSION,
            "lang": self.lang,
            "seconds": self.seconds,
            "phrases": [[phrase.at, phrase.text, phrase.optional] for phrase in self.phrases],
        }
        encoded = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
        return hashlib.sha256(encoded).hexdigest()

    @property
    def anchored(self) -> tuple[Phrase, ...]:
        return tuple(phrase for phrase in self.phrases if not phrase.optional)


_NOT_SPOKEN = re.compile(r"[^\w ]")
_PAUSE = re.compile(r"[.,;:!?…»)]\s+\S")


def estimate_seconds(text: str) -> float:
    """A generous guess of how long ``text`` takes to say: letters and spaces, plus a pause at
    each inner punctuation mark."""
    letters = len(_NOT_SPOKEN.sub("", text.strip()))
    return 0.3 + 0.052 * letters + 0.45 * len(_PAUSE.findall(text.strip()))


def cue_key(exercise_id: str) -> str:
    return f"speech.cue.{exercise_id}"


def missing_cues(content: Content) -> list[str]:
    """The setup lines the exercises of ``content`` need and some language lacks."""
    return [
        f"{lang}: {cue_key(exercise_id)}"
        for lang in content.languages
        for exercise_id in content.exercises
        if not content.has_text(cue_key(exercise_id), lang)
    ]


class _Words:
    """The spoken texts of one language (content/locales/<lang>/speech.toml)."""

    def __init__(self, content: Content, lang: str) -> None:
        self.content = content
        self.lang = lang
        self.numbers = content.text_list("speech.numbers", lang)
        self.of_numbers = content.text_list("speech.of_numbers", lang)

    def text(self, key: str, **values: object) -> str:
        return self.content.text(f"speech.{key}", self.lang, **values)

    def number(self, n: int, *, after_of: bool = False) -> str:
        # Beyond the list (more than ten reps), espeak-ng says the digits in the voice's language.
        words = self.of_numbers if after_of else self.numbers
        return words[n - 1] if 1 <= n <= len(words) else str(n)

    def name(self, exercise: Exercise) -> str:
        return self.content.text(f"exercises.{exercise.id}.name", self.lang)

    def cue(self, exercise: Exercise) -> str:
        return self.content.text(cue_key(exercise.id), self.lang)

    def side(self, exercise: Exercise, side: int | None) -> str:
        field = "side_second" if side == 2 else "side_first"
        text = self.content.text(f"exercises.{exercise.id}.{field}", self.lang)
        return text.replace(" + ", f" {self.text('plus')} ")

    def switch(self, exercise: Exercise) -> str:
        return self.content.text(f"exercises.switch_side.{exercise.side_kind}", self.lang)

    def rep(self, exercise: Exercise, beat: Beat) -> str:
        rep, reps = self.number(beat.rep), self.number(beat.reps, after_of=True)
        if exercise.sides == "each_in_turn" and beat.side is not None:
            return self.text("rep_side", rep=rep, reps=reps, side=self.side(exercise, beat.side))
        return self.text("rep", rep=rep, reps=reps)


class _Timeline:
    def __init__(self, words: _Words) -> None:
        self.words = words
        self.phrases: list[Phrase] = []

    def say(self, at: float, text: str, *, optional: bool = False) -> None:
        self.phrases.append(Phrase(round(at, 3), text, optional))

    def countdown(self, after: str, start: float, end: float, top: int, minimum: int = 1) -> None:
        """Numbers from ``top`` down to one, each said ``n`` seconds before ``end``, leaving
        out those that would start before the anchored phrase ``after`` (said at ``start``)
        is over; none at all if fewer than ``minimum`` are left."""
        free_from = start + estimate_seconds(after) + GAP
        numbers = [n for n in range(top, 0, -1) if end - n >= free_from - 1e-9]
        if len(numbers) >= minimum:
            for n in numbers:
                self.say(end - n, self.words.number(n))


def exercise_script(
    content: Content,
    lang: str,
    step: SessionStep,
    beats: Sequence[Beat],
    *,
    next_step: SessionStep | None,
    rest_after: float | None,
    last: bool,
) -> VoiceScript:
    """The voice note of one exercise: ``beats`` (from ``plan_exercise``) and then, when
    ``rest_after`` is given (the next exercise starts by itself after that rest), the rest.

    Without ``rest_after`` the note ends shortly after its closing words ("That was the last
    exercise." when ``last``, otherwise "Tap Start when you are ready"): its length is the
    beats plus a whole number of seconds, estimated generously for those words.
    """
    if not beats or beats[0].kind is not BeatKind.GET_READY or beats[-1].kind is not BeatKind.HOLD:
        raise ValueError("beats must run from GET_READY to a HOLD, as plan_exercise makes them")
    if rest_after is not None and rest_after <= 0:
        raise ValueError("rest_after must be positive (or None: no rest follows)")
    exercise = step.exercise
    words = _Words(content, lang)
    timeline = _Timeline(words)
    say = timeline.say
    start = 0.0
    previous_side: int | None = None
    for beat in beats:
        end = start + beat.seconds
        if beat.kind is BeatKind.GET_READY:
            ready = words.text("get_ready")
            say(start, ready)
            say(start, f"{words.name(exercise)}.", optional=True)
            say(start, words.cue(exercise), optional=True)
            if exercise.has_sides:
                side = words.side(exercise, beat.side)
                say(start, words.text("first_side", side=side), optional=True)
            timeline.countdown(ready, start, end, INTO_HOLD_COUNTDOWN)
        elif beat.kind is BeatKind.HOLD:
            hold = words.text("hold")
            say(start, hold)
            say(start, words.rep(exercise, beat), optional=True)
            if beat.seconds >= BREATHING_FROM:
                halfway = start + math.floor(beat.seconds / 2)
                say(halfway, words.text("keep_breathing"), optional=True)
            timeline.countdown(hold, start, end, HOLD_COUNTDOWN)
            previous_side = beat.side
        elif beat.kind is BeatKind.REST:
            release = words.text("release")
            say(start, release)
            if exercise.sides == "alternating" and beat.side != previous_side:
                say(start, words.switch(exercise), optional=True)
            else:
                say(start, words.text("rest"), optional=True)
            timeline.countdown(release, start, end, INTO_HOLD_COUNTDOWN, minimum=2)
        elif beat.kind is BeatKind.SWITCH_SIDE:
            switch = f"{words.text('release')} {words.switch(exercise)}"
            say(start, switch)
            timeline.countdown(switch, start, end, INTO_HOLD_COUNTDOWN, minimum=2)
        else:
            raise ValueError(f"unknown beat kind {beat.kind!r}")
        start = end

    release = words.text("release")
    say(start, release)
    if rest_after is not None:
        say(start, words.text("rest"), optional=True)
        if next_step is not None:
            say(start, words.text("next", name=words.name(next_step.exercise)), optional=True)
            say(start, words.cue(next_step.exercise), optional=True)
        seconds = start + rest_after
    else:
        closing = words.text("last" if last else "tap_start")
        say(start, closing, optional=True)
        needed = estimate_seconds(release) + GAP + estimate_seconds(closing) + END_PAD
        seconds = start + math.ceil(needed)
    phrases = sorted(timeline.phrases, key=lambda phrase: phrase.at)  # stable
    return VoiceScript(lang=lang, seconds=round(seconds, 3), phrases=tuple(phrases))
