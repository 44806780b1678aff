"""What a rendered note depends on besides its script, for the cache key."""

from __future__ import annotations

import ctypes
import functools

import espeakng_loader

from bot.speech.synth import PITCH, RATE_WPM, VOICES, VOLUME

# Bump when the assembly (bot/speech/render.py) or the encoding changes what a note sounds
# like, so that cached notes are rendered again.
ASSEMBLY_VERSION = "1"


@functools.cache
def espeak_version() -> str:
    """libespeak-ng's version, e.g. "1.52.0". espeak_Info needs no espeak_Initialize, so this
    leaves the library's state alone."""
    lib = ctypes.CDLL(espeakng_loader.get_library_path())
    lib.espeak_Info.restype = ctypes.c_char_p
    lib.espeak_Info.argtypes = [ctypes.c_void_p]
    return (lib.espeak_Info(None) or b"unknown").decode()


def engine_version() -> str:
    voices = ",".join(f"{lang}={voice}" for lang, voice in sorted(VOICES.items()))
    return (
        f"espeak-ng {espeak_version()} ({voices}; {RATE_WPM} wpm, pitch {PITCH}, "
        f"volume {VOLUME}); assembly {ASSEMBLY_VERSION}"
    )


ENGINE_VERSION = engine_version()
