"""Spoken guidance: the voice note's timeline follows the plan, the audio follows the timeline.

Two notes are rendered once for the whole module (English and Russian) and decoded with PyAV;
speech onsets are found by RMS against silence. The rest checks scripts and layouts, which
need synthesis at most (milliseconds a phrase), and the cache with a one-word note.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import functools
import itertools
import math
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import pytest

import bot.speech.cache as cache_module
from bot.content import Content, SessionStep, load_content
from bot.speech import (
    Phrase,
    VoiceLibrary,
    VoiceScript,
    exercise_script,
    missing_cues,
    synth,
)
from bot.speech import render as render_module
from bot.speech.script import estimate_seconds
from bot.workout import BeatKind, plan_exercise

CONTENT: Content = load_content()
SESSION = CONTENT.session
RATE = 48_000
WINDOW = 0.01  # RMS windows of 10 ms
LOUD = 0.01  # RMS above this (of full scale, about -40 dBFS) is speech
QUIET_BEFORE_ONSET = 0.15  # an onset follows at least this much silence
ONSET_TOLERANCE = 0.3


def step(exercise_id: str) -> SessionStep:
    return next(s for s in SESSION if s.exercise.id == exercise_id)


def script_for(
    lang: str,
    index: int,
    *,
    harder: bool = False,
    long_start: bool = False,
    auto_continue: bool = True,
    pacing=CONTENT.pacing,
) -> VoiceScript:
    current = SESSION[index]
    beats = plan_exercise(current.exercise, pacing, harder=harder, long_start=long_start)
    last = index == len(SESSION) - 1
    return exercise_script(
        CONTENT,
        lang,
        current,
        beats,
        next_step=None if last else SESSION[index + 1],
        rest_after=pacing.rest_between_exercises_seconds if auto_continue and not last else None,
        last=last,
    )


@functools.cache
def spoken_seconds(text: str, lang: str) -> float:
    return render_module.trim(synth.synthesize(text, lang)).seconds


def quick_layout(script: VoiceScript) -> tuple[render_module.Placed, ...]:
    """render_module.speech_layout, with each distinct phrase synthesized once per module."""
    durations = [spoken_seconds(phrase.text, script.lang) for phrase in script.phrases]
    return render_module.layout(script, durations)


# --- Content ----------------------------------------------------------------------------------


def test_every_exercise_has_a_spoken_cue_in_every_language() -> None:
    assert missing_cues(CONTENT) == []
    assert set(CONTENT.languages) >= {"en", "ru"}


# --- The script follows the plan --------------------------------------------------------------

KNEES = SESSION.index(step("knees_to_chest"))


def boundaries(beats) -> list[float]:
    """The start of every beat after the first, and the end of the last."""
    times, t = [], 0.0
    for beat in beats:
        t += beat.seconds
        times.append(t)
    return times


def test_anchored_phrases_sit_on_the_plans_beat_boundaries() -> None:
    current = SESSION[KNEES]
    beats = plan_exercise(current.exercise, CONTENT.pacing, harder=False)
    script = script_for("en", KNEES)
    rest = CONTENT.pacing.rest_between_exercises_seconds
    assert script.seconds == sum(b.seconds for b in beats) + rest

    anchored = {phrase.at: phrase.text for phrase in script.anchored}
    ends = boundaries(beats)
    starts = [0.0, *ends[:-1]]
    hold_starts = [s for s, b in zip(starts, beats, strict=True) if b.kind is BeatKind.HOLD]
    hold_ends = [e for e, b in zip(ends, beats, strict=True) if b.kind is BeatKind.HOLD]
    assert anchored[0.0] == "Get ready."
    assert [anchored[t] for t in hold_starts] == ["Hold."] * 5
    assert [anchored[t] for t in hold_ends] == ["and release."] * 5
    for end in hold_ends:  # a 5 s hold counts down from four: "five" would cover "Hold."
        assert [anchored[end - n] for n in (4, 3, 2, 1)] == ["four", "three", "two", "one"]
        assert end - 5 not in anchored or anchored[end - 5] == "Hold."
    assert [anchored[beats[0].seconds - n] for n in (3, 2, 1)] == ["three", "two", "one"]
    # Nothing anchored off the beat grid, and the closing words follow the last release.
    assert all(at == int(at) for at in anchored)
    texts = [phrase.text for phrase in script.phrases if phrase.at == hold_ends[-1]]
    assert texts == [
        "and release.",
        "Rest.",
        "Next: Standing back bend.",
        CONTENT.text("speech.cue.standing_back_arch"),
    ]


def test_a_change_of_pacing_moves_the_phrases_and_the_key() -> None:
    base = script_for("en", KNEES)
    slower = dataclasses.replace(CONTENT.pacing, rest_between_reps_seconds=4)
    changed = script_for("en", KNEES, pacing=slower)
    assert changed.seconds == base.seconds + 4  # five holds, four rests between them
    holds = [p.at for p in changed.phrases if p.text == "Hold."]
    assert holds == [5.0, 14.0, 23.0, 32.0, 41.0]
    assert changed.key() != base.key()
    assert script_for("en", KNEES).key() == base.key()  # stable


def test_a_long_start_shifts_everything_and_names_the_exercise() -> None:
    base = script_for("en", KNEES)
    long = script_for("en", KNEES, long_start=True)
    extra = CONTENT.pacing.first_get_ready_seconds - CONTENT.pacing.get_ready_seconds
    assert long.seconds == base.seconds + extra
    assert [p.at for p in long.anchored if p.at > 0] == [
        p.at + extra for p in base.anchored if p.at > 0
    ]
    kept = [placed.phrase.text for placed in quick_layout(long) if placed.start < 7]
    assert kept[:3] == ["Get ready.", "Knees to chest.", CONTENT.text("speech.cue.knees_to_chest")]


def test_without_an_automatic_next_exercise_the_note_ends_after_its_closing_words() -> None:
    current = SESSION[KNEES]
    beats = plan_exercise(current.exercise, CONTENT.pacing, harder=False)
    planned = sum(b.seconds for b in beats)
    for last, closing in ((False, "speech.tap_start"), (True, "speech.last")):
        script = exercise_script(
            CONTENT, "en", current, beats, next_step=None, rest_after=None, last=last
        )
        assert script.phrases[-1].text == CONTENT.text(closing)
        assert script.phrases[-1].at == planned
        assert (
            script.seconds == math.ceil(script.seconds) and planned < script.seconds < planned + 6
        )
        layout = quick_layout(script)
        assert layout[-1].phrase == script.phrases[-1]  # kept
        assert script.seconds - layout[-1].end < 2.5  # and the note ends shortly after it


def test_a_switch_of_side_is_said_with_the_exercises_wording_and_counted_into() -> None:
    index = SESSION.index(step("hamstring_stretch"))
    script = script_for("ru", index)
    switch = (
        CONTENT.text("speech.release", "ru") + " " + CONTENT.text("exercises.switch_side.leg", "ru")
    )
    (at,) = [p.at for p in script.anchored if p.text == switch]
    assert [p.text for p in script.anchored if at < p.at < at + 5] == ["два", "один"]
    assert script.anchored[[p.at for p in script.anchored].index(at + 5)].text == "Держите."


def test_every_note_of_the_session_fits_its_voice() -> None:
    """Real synthesis, every language, dose and start: no beat word is ever cut; the closing
    words always fit; after a tap start the exercise's name and setup line are said; and the
    script's estimate is never shorter than the voice for a phrase it spaces numbers by."""
    cases = [
        (long_start, script_for(lang, i, harder=harder, long_start=long_start, auto_continue=auto))
        for lang in CONTENT.languages
        for harder in (False, True)
        for long_start in (False, True)
        for auto in (False, True)
        for i in range(len(SESSION))
    ]
    for long_start, script in cases:
        layout = quick_layout(script)
        assert not [p for p in layout if p.cut], script
        kept = {placed.index for placed in layout}
        # The closing words, or the next exercise's setup line, are the last phrase.
        assert len(script.phrases) - 1 in kept, script.phrases[-1]
        if long_start:
            assert {1, 2} <= kept, script.phrases[:3]  # the exercise's name and setup line
        for phrase in script.anchored:
            assert spoken_seconds(phrase.text, script.lang) <= estimate_seconds(phrase.text)


# --- Layout -----------------------------------------------------------------------------------


def test_layout_never_moves_an_anchored_phrase_and_drops_what_does_not_fit() -> None:
    script = VoiceScript(
        "en",
        10.0,
        (
            Phrase(0.0, "Get ready.", False),
            Phrase(0.0, "name", True),
            Phrase(0.0, "cue", True),
            Phrase(0.0, "more", True),
            Phrase(3.0, "Hold.", False),
            Phrase(4.0, "long anchored", False),
            Phrase(5.0, "one", False),
        ),
    )
    placed = render_module.layout(script, [0.5, 1.0, 2.0, 0.1, 0.5, 2.0, 0.4])
    assert [(p.phrase.text, p.start) for p in placed] == [
        ("Get ready.", 0.0),
        ("name", 0.75),
        ("Hold.", 3.0),  # "cue" would end after 2.75: dropped, and "more" with it
        ("long anchored", 4.0),
        ("one", 5.0),
    ]
    assert placed[3].cut and placed[3].end == pytest.approx(4.9)
    assert not any(p.cut for p in placed if p is not placed[3])


# --- Rendered notes -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Rendered:
    script: VoiceScript
    layout: tuple[render_module.Placed, ...]
    path: Path
    voices: frozenset[str]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Rendered]]:
    folder = tmp_path_factory.mktemp("voice")
    voices: list[str] = []
    speak = synth._Engine.speak

    def spying(engine: synth._Engine, text: str, voice: str) -> synth.Speech:
        voices.append(voice)
        return speak(engine, text, voice)

    notes = {
        "en": script_for("en", KNEES),  # rests between reps, rest after, next exercise
        "ru": script_for("ru", SESSION.index(step("hamstring_stretch")), long_start=True),
    }
    result = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(synth._Engine, "speak", spying)
        for lang, script in notes.items():
            voices.clear()
            path = folder / f"{lang}.ogg"
            path.write_bytes(render_module.render(script))
            result[lang] = Rendered(
                script, render_module.speech_layout(script), path, frozenset(voices)
            )
    yield result


def decode(path: Path) -> tuple[np.ndarray, str, str, int, int]:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        frames = [frame.to_ndarray() for frame in container.decode(stream)]
        audio = np.concatenate(frames, axis=-1).astype(np.float32)
        return audio[0], container.format.name, stream.codec_context.name, stream.rate, len(audio)


def rms_windows(audio: np.ndarray) -> np.ndarray:
    size = round(WINDOW * RATE)
    whole = len(audio) // size * size
    return np.sqrt((audio[:whole].reshape(-1, size) ** 2).mean(axis=1))


def onsets(audio: np.ndarray) -> list[float]:
    """Where speech starts after at least QUIET_BEFORE_ONSET of silence (or the note's start)."""
    found, quiet = [], math.inf
    for index, level in enumerate(rms_windows(audio)):
        if level > LOUD:
            if quiet * WINDOW >= QUIET_BEFORE_ONSET:
                found.append(index * WINDOW)
            quiet = 0
        else:
            quiet += 1
    return found


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_note_is_ogg_opus_exactly_as_long_as_the_plan(
    rendered: dict[str, Rendered], lang: str
) -> None:
    note = rendered[lang]
    audio, container, codec, rate, channels = decode(note.path)
    assert note.path.read_bytes()[:4] == b"OggS"
    assert (container, codec, rate, channels) == ("ogg", "opus", RATE, 1)
    # Decoded samples, not metadata. FFmpeg drops the Opus pre-skip and the end padding by the
    # Ogg granule positions, so the count is exact in practice; one 60 ms frame is allowed.
    assert abs(len(audio) / RATE - note.script.seconds) <= 0.06


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_each_beat_word_starts_on_time_and_the_plans_silences_are_silent(
    rendered: dict[str, Rendered], lang: str
) -> None:
    note = rendered[lang]
    audio = decode(note.path)[0]
    found = onsets(audio)
    assert not [p for p in note.layout if p.cut]
    for placed in note.layout:
        if not placed.phrase.optional:
            nearest = min(found, key=lambda onset: abs(onset - placed.phrase.at))
            assert abs(nearest - placed.phrase.at) <= ONSET_TOLERANCE, placed
    # Every onset belongs to a phrase the layout placed.
    for onset in found:
        assert any(p.start - ONSET_TOLERANCE <= onset <= p.end for p in note.layout), onset
    # No speech in any stretch of a second or more that the layout leaves silent.
    levels = rms_windows(audio)
    edges = [(p.start, p.end) for p in note.layout]
    silences = [(a[1], b[0]) for a, b in itertools.pairwise(edges)]
    silences.append((edges[-1][1], note.script.seconds))
    checked = 0
    for start, end in silences:
        if end - start >= 1.0:
            window = levels[math.ceil((start + 0.1) / WINDOW) : int((end - 0.1) / WINDOW)]
            assert window.max(initial=0) <= LOUD, (start, end)
            checked += 1
    assert checked >= 5


def test_the_russian_note_is_spoken_by_the_russian_voice(rendered: dict[str, Rendered]) -> None:
    assert rendered["ru"].voices == {"ru"}
    assert rendered["en"].voices == {synth.voice_for("en")} and "ru" not in rendered["en"].voices
    # The English voice spells Cyrillic out letter by letter, several times longer.
    hold = next(p for p in rendered["ru"].layout if p.phrase.text == "Держите.")
    assert hold.seconds < 0.8
    assert rendered["ru"].path.read_bytes() != rendered["en"].path.read_bytes()


# --- The cache --------------------------------------------------------------------------------


def tiny(word: str = "one") -> VoiceScript:
    return VoiceScript("en", 1.5, (Phrase(0.0, word, False),))


async def test_a_cached_note_is_not_rendered_again(tmp_path: Path) -> None:
    library = VoiceLibrary(tmp_path / "voices")
    try:
        first = await library.voice(tiny())
        again = await library.voice(tiny())
        assert first == again and first.read_bytes()[:4] == b"OggS"
        assert library.renders == 1
        other = await library.voice(tiny("two"))
        assert other != first and library.renders == 2
        assert stat.S_IMODE((tmp_path / "voices").stat().st_mode) == 0o700
        assert sorted(p.name for p in (tmp_path / "voices").iterdir()) == sorted(
            [f"{tiny().key()}.ogg", f"{tiny('two').key()}.ogg"]
        )  # no temporary files left
    finally:
        library.close()
    reopened = VoiceLibrary(tmp_path / "voices")
    try:
        assert await reopened.voice(tiny()) == first and reopened.renders == 0
    finally:
        reopened.close()


async def test_concurrent_requests_for_one_note_render_it_once(tmp_path: Path) -> None:
    library = VoiceLibrary(tmp_path)
    try:
        paths = await asyncio.gather(*(library.voice(tiny()) for _ in range(3)))
        assert len(set(paths)) == 1 and library.renders == 1
    finally:
        library.close()


async def test_rendering_leaves_the_event_loop_free(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticks = 0
    seen: dict[str, object] = {}
    real_render = render_module.render
    loop_thread = threading.get_ident()

    def watched(script: VoiceScript) -> bytes:
        seen["before"] = ticks
        seen["thread"] = threading.get_ident()
        data = real_render(script)
        seen["after"] = ticks
        return data

    monkeypatch.setattr(cache_module, "render", watched)
    stop = asyncio.Event()

    async def chat() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0)

    ticker = asyncio.create_task(chat())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as executor:
        library = VoiceLibrary(tmp_path, executor)
        await library.voice(script_for("en", KNEES))
    stop.set()
    await ticker
    assert seen["thread"] != loop_thread
    assert seen["after"] > seen["before"]  # the loop went on while the note was rendered
