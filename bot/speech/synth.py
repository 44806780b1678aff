"""Text to speech, offline: espeak-ng from the ``espeakng-loader`` wheel, called through ctypes.

The wheel carries libespeak-ng and its data (English and Russian voices among them), so no
system espeak is needed and nothing is fetched at run time. The library keeps global state
and is not thread-safe: every call here holds ``_LOCK``. ctypes releases the GIL during the C
call, so a synthesis running in a worker thread leaves the event loop free.
"""

from __future__ import annotations

import ctypes
import functools
import threading
from dataclasses import dataclass

import espeakng_loader
import numpy as np

# espeak_AUDIO_OUTPUT: AUDIO_OUTPUT_SYNCHRONOUS returns from espeak_Synth when all is spoken.
_AUDIO_OUTPUT_SYNCHRONOUS = 2
# Without it, espeak_Initialize calls exit() when its data cannot be read: the whole bot would go.
_INITIALIZE_DONT_EXIT = 0x8000
# espeak_PARAMETER
_RATE, _VOLUME, _PITCH = 1, 2, 3
_CHARS_UTF8 = 1
_POS_CHARACTER = 1
_EE_OK = 0

# The voice per language of the content; a language without one is spoken in English.
VOICES: dict[str, str] = {"en": "en-us", "ru": "ru"}
DEFAULT_VOICE = "en-us"

# Words per minute: brisk enough that a countdown number ("seven", "четыре") takes well under
# its one-second slot, slow enough to follow while lying on the floor.
RATE_WPM = 175
VOLUME = 100  # espeak's scale, 0-200
PITCH = 45  # 0-100, espeak's default is 50

_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Speech:
    samples: np.ndarray  # mono int16
    rate: int  # samples per second

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate


class SpeechEngineError(RuntimeError):
    """espeak-ng could not be loaded or refused to speak."""


class _Engine:
    """The one libespeak-ng of this process (the library is a singleton)."""

    def __init__(self) -> None:
        self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        lib = self.lib
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetSynthCallback.restype = None
        lib.espeak_SetSynthCallback.argtypes = [_CALLBACK]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        data_path = espeakng_loader.get_data_path().encode()
        self.rate = lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path, _INITIALIZE_DONT_EXIT
        )
        if self.rate <= 0:
            raise SpeechEngineError(f"espeak-ng did not start (data at {data_path!r})")
        self._chunks: list[np.ndarray] = []
        # Kept on self: the C library holds the pointer for as long as the process lives.
        self._callback = _CALLBACK(self._collect)
        lib.espeak_SetSynthCallback(self._callback)
        self._voice: str | None = None

    def _collect(self, wav: ctypes._Pointer, count: int, _events: int | None) -> int:
        if count > 0 and wav:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        return 0  # 0: go on

    def speak(self, text: str, voice: str) -> Speech:
        if voice != self._voice:
            if self.lib.espeak_SetVoiceByName(voice.encode()) != _EE_OK:
                raise SpeechEngineError(f"espeak-ng has no voice {voice!r}")
            self._voice = voice
            # Applied again after each change of voice, whatever espeak-ng keeps across one.
            for parameter, value in ((_RATE, RATE_WPM), (_VOLUME, VOLUME), (_PITCH, PITCH)):
                self.lib.espeak_SetParameter(parameter, value, 0)
        encoded = text.encode()
        buffer = ctypes.create_string_buffer(encoded)
        self._chunks = []
        status = self.lib.espeak_Synth(
            buffer, len(encoded) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None
        )
        if status != _EE_OK:
            raise SpeechEngineError(f"espeak-ng failed ({status}) to speak {text!r}")
        chunks, self._chunks = self._chunks, []
        samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
        return Speech(samples.astype(np.int16, copy=False), self.rate)


@functools.cache
def _engine() -> _Engine:
    return _Engine()


def voice_for(lang: str) -> str:
    return VOICES.get(lang, DEFAULT_VOICE)


def synthesize(text: str, lang: str) -> Speech:
    """``text`` spoken in ``lang``'s voice, as mono int16 PCM at espeak-ng's rate (22050 Hz).
    Thread-safe: calls are serialized."""
    with _LOCK:
        return _engine().speak(text, voice_for(lang))
