"""Spoken guidance: one exercise's timed plan as a Telegram voice note (Ogg/Opus), offline.

The note *is* the timer. ``exercise_script`` turns the plan (bot/workout.py's beats, plus the
rest after the exercise when the next one starts by itself) into phrases at fixed offsets:
"Hold." at each hold's start, a countdown, "and release." at its end. ``render`` speaks each
phrase with espeak-ng (from the ``espeakng-loader`` wheel, through ctypes: no system package,
no network, no model download), lays the speech into silence exactly as long as the plan
(each anchored phrase's speech starts at its offset; the tests hold it to ±0.3 s) and encodes
it with PyAV's libopus. ``VoiceLibrary`` keeps the notes on disk under a hash of the script
and the engine, and renders a missing one in a worker thread, so the event loop never waits.

The price: espeak-ng's formant voice sounds robotic next to a neural one; we take it because
it ships as a wheel for English and Russian, speaks in milliseconds on a small CPU and needs
no model from a hub. A note is also fixed once sent: it cannot follow a pause or a skip, so
whoever sends it decides what happens then (the text prompts keep their own timers).
Optional words (the exercise's name and setup line, "two of ten") are left out where they
would not fit before the next beat; the beat words never move.
"""

from bot.speech.cache import VoiceLibrary
from bot.speech.script import Phrase, VoiceScript, exercise_script, missing_cues
from bot.speech.version import ENGINE_VERSION

# bot.speech.render (render(), speech_layout()) is left as a module: the cache calls it.

__all__ = [
    "ENGINE_VERSION",
    "Phrase",
    "VoiceLibrary",
    "VoiceScript",
    "exercise_script",
    "missing_cues",
]
