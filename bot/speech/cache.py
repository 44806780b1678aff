"""Rendered voice notes on disk, one file per script key (``bot.render_cache``)."""

from __future__ import annotations

import concurrent.futures
import logging
from functools import partial
from pathlib import Path

from bot.render_cache import RenderCache
from bot.speech.render import render
from bot.speech.script import VoiceScript

logger = logging.getLogger(__name__)


class VoiceLibrary:
    """``voice(script)`` gives the path of the script's Ogg/Opus note, rendering it first if
    it is not on disk yet, off the event loop (``bot.render_cache``).

    Rendering runs in one worker thread by default, which also serializes synthesis (not
    thread-safe in espeak-ng, and serialized in bot/speech/synth.py anyway). A session's notes
    take a few hundred kilobytes per language and dose.
    """

    def __init__(
        self, directory: Path, executor: concurrent.futures.Executor | None = None
    ) -> None:
        self._files = RenderCache(directory, executor, thread_name="voice-render")
        self.directory = self._files.directory

    @property
    def renders(self) -> int:
        """Notes rendered by this library (not found on disk)."""
        return self._files.renders

    def path_for(self, script: VoiceScript) -> Path:
        return self.directory / f"{script.key()}.ogg"

    async def voice(self, script: VoiceScript) -> Path:
        return await self._files.get(self.path_for(script), partial(render, script))

    def prepare(self, scripts: list[VoiceScript]) -> None:
        """Render these notes in the background, one after another, in this order: the ones
        needed first are ready first. ``close`` drops what is left."""
        self._files.ahead(partial(self._prepare, scripts))

    async def _prepare(self, scripts: list[VoiceScript]) -> None:
        for script in scripts:
            try:
                await self.voice(script)
            except Exception:
                logger.exception("A voice note could not be made ahead")
                return

    def close(self) -> None:
        """Stops rendering ahead, and the library's own worker thread (a given executor is the
        caller's); a render under way is finished."""
        self._files.close()
