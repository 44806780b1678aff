"""A VoiceScript to an Ogg/Opus voice note: speech laid into silence at the planned offsets.

Each phrase is synthesized (bot/speech/synth.py), its leading and trailing silence trimmed
so that the speech itself starts at the offset, and placed into a silent buffer exactly
``script.seconds`` long; the whole is resampled to 48 kHz and encoded as Opus in an Ogg
container (what Telegram's sendVoice plays inline) with PyAV.

Layout: an anchored phrase starts exactly at its offset, always. If it is still speaking
when the next anchored phrase is due, it is cut short there (and a warning is logged: the
texts are too long for the pacing; the tests keep the shipped ones from it). An optional
phrase starts at its offset, or ``GAP`` after the phrase before it if that one is still
speaking, and is kept only if it ends ``GAP`` before the next anchored phrase (or the end of
the note); once one is dropped, the optional phrases that follow it at the same offset are
dropped too.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import av
import numpy as np

from bot.speech.script import GAP, Phrase, VoiceScript
from bot.speech.synth import Speech, synthesize

logger = logging.getLogger(__name__)

SAMPLE_RATE = 48_000  # Opus's own rate
BIT_RATE = 24_000  # plenty for one voice
# libopus settings: 60 ms frames and complexity 5 encode a note about four times faster than
# the defaults (20 ms, 10) and smaller, with no difference to hear in espeak-ng's voice.
OPUS_OPTIONS = {"frame_duration": "60", "compression_level": "5"}
PEAK = 0.8  # each phrase is scaled to this peak (of full scale)
MAX_GAIN = 4.0
SILENCE_THRESHOLD = 0.01  # below this (of full scale) a sample counts as silence
CUT_BEFORE = 0.1  # a cut anchored phrase stops this long before the next one
FADE = 0.02  # seconds of fade-out where a phrase is cut


@dataclass(frozen=True)
class Placed:
    """A phrase as it sounds in the note."""

    index: int  # in script.phrases
    phrase: Phrase
    start: float
    seconds: float  # how long it speaks (after a cut, up to the cut)
    cut: bool = False

    @property
    def end(self) -> float:
        return self.start + self.seconds


def trim(speech: Speech) -> Speech:
    """The speech without the silence espeak-ng puts before and after it."""
    loud = np.flatnonzero(np.abs(speech.samples.astype(np.int32)) > SILENCE_THRESHOLD * 32768)
    if loud.size == 0:
        return Speech(speech.samples[:0], speech.rate)
    return Speech(speech.samples[loud[0] : loud[-1] + 1], speech.rate)


def layout(script: VoiceScript, durations: Sequence[float]) -> tuple[Placed, ...]:
    """Where each phrase goes, given how long each takes to say; dropped phrases are left
    out. Pure: the tests and render() share it."""
    phrases = script.phrases
    if len(durations) != len(phrases):
        raise ValueError("one duration per phrase")
    # The offset of the next anchored phrase after each phrase (or the note's end).
    limits: list[float] = []
    limit = script.seconds
    for phrase in reversed(phrases):
        limits.append(limit)
        if not phrase.optional:
            limit = phrase.at
    limits.reverse()

    placed: list[Placed] = []
    spoken_until = 0.0
    dropped_at: float | None = None
    for index, (phrase, seconds, limit) in enumerate(zip(phrases, durations, limits, strict=True)):
        if not phrase.optional:
            dropped_at = None
            room = max(limit - CUT_BEFORE - phrase.at, 0.0)
            cut = seconds > room
            placed.append(Placed(index, phrase, phrase.at, min(seconds, room), cut))
            spoken_until = placed[-1].end
            continue
        if dropped_at == phrase.at:
            continue  # the chain it belongs to was cut off
        start = max(phrase.at, spoken_until + GAP) if placed else phrase.at
        if start + seconds + GAP <= limit:
            placed.append(Placed(index, phrase, start, seconds))
            spoken_until = placed[-1].end
            dropped_at = None
        else:
            dropped_at = phrase.at
    return tuple(placed)


def _speak(script: VoiceScript) -> list[Speech]:
    return [trim(synthesize(phrase.text, script.lang)) for phrase in script.phrases]


def speech_layout(script: VoiceScript) -> tuple[Placed, ...]:
    """The layout render() uses for ``script``: synthesizes every phrase (no encoding)."""
    return layout(script, [speech.seconds for speech in _speak(script)])


def render(script: VoiceScript) -> bytes:
    """The Ogg/Opus voice note of ``script``, exactly ``script.seconds`` long. Blocking and
    CPU-bound: run it off the event loop (bot/speech/cache.py does)."""
    speeches = _speak(script)
    placed = layout(script, [speech.seconds for speech in speeches])
    rate = speeches[0].rate if speeches else SAMPLE_RATE
    buffer = np.zeros(round(script.seconds * rate), dtype=np.float32)
    for item in placed:
        if item.cut:
            logger.warning(
                "voice note: %r cut short at %.2f s; the phrase is too long for its slot",
                item.phrase.text,
                item.end,
            )
        samples = _loudness(speeches[item.index].samples)
        count = min(round(item.seconds * rate), len(samples))
        samples = samples[:count]
        if item.cut:
            fade = min(count, round(FADE * rate))
            samples[count - fade :] *= np.linspace(1, 0, fade, dtype=np.float32)
        first = round(item.start * rate)
        end = min(first + count, len(buffer))
        buffer[first:end] += samples[: end - first]
    return _encode(_resample(buffer, rate), round(script.seconds * SAMPLE_RATE))


def _loudness(samples: np.ndarray) -> np.ndarray:
    audio = samples.astype(np.float32) / 32768
    peak = float(np.abs(audio).max()) if audio.size else 0.0
    return audio * min(PEAK / peak, MAX_GAIN) if peak > 0 else audio


def _resample(buffer: np.ndarray, rate: int) -> np.ndarray:
    if rate == SAMPLE_RATE:
        return buffer
    frame = av.AudioFrame.from_ndarray(buffer.reshape(1, -1), format="flt", layout="mono")
    frame.rate = rate
    resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
    frames = [*resampler.resample(frame), *resampler.resample(None)]
    return np.concatenate([f.to_ndarray().reshape(-1) for f in frames]).astype(np.float32)


def _encode(audio: np.ndarray, samples: int) -> bytes:
    """Opus in Ogg, mono 48 kHz, exactly ``samples`` long (the Ogg end trim takes the
    encoder's padding off again)."""
    audio = np.clip(audio[:samples], -1, 1)
    if audio.size < samples:
        audio = np.concatenate([audio, np.zeros(samples - audio.size, dtype=np.float32)])
    pcm = np.round(audio * 32767).astype(np.int16)
    output = io.BytesIO()
    with av.open(output, mode="w", format="ogg") as container:
        stream = container.add_stream("libopus", rate=SAMPLE_RATE, layout="mono")
        stream.bit_rate = BIT_RATE
        stream.codec_context.options = dict(OPUS_OPTIONS)
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
        frame.rate = SAMPLE_RATE
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return output.getvalue()
