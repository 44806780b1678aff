"""Rendered voice notes on disk, one file per script key, rendered off the event loop."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import tempfile
from pathlib import Path

from bot.speech.render import render
from bot.speech.script import VoiceScript

logger = logging.getLogger(__name__)


class VoiceLibrary:
    """``voice(script)`` gives the path of the script's Ogg/Opus note, rendering it first if
    it is not on disk yet.

    Rendering runs in ``executor``; by default a pool of one thread that this library owns,
    so that synthesis (not thread-safe in espeak-ng, and serialized in bot/speech/synth.py
    anyway) and encoding never compete with each other for the two cores and never block the
    event loop. Concurrent requests for the same script wait for one render. Files are
    written to a temporary name and renamed into place, so a reader never sees half a note
    and a crash leaves no broken file under a key's name. Notes are never deleted here: a
    session's notes take a few hundred kilobytes per language and dose, and a new engine or
    script version simply renders new names (delete the directory to reclaim the old ones).
    """

    def __init__(
        self, directory: Path, executor: concurrent.futures.Executor | None = None
    ) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._own_executor = executor is None
        self._executor = executor or concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="voice-render"
        )
        self._pending: dict[str, asyncio.Future[Path]] = {}
        self._ahead: set[asyncio.Task[None]] = set()  # see prepare()
        self.renders = 0  # notes rendered by this library (not found on disk)

    def path_for(self, script: VoiceScript) -> Path:
        return self.directory / f"{script.key()}.ogg"

    async def voice(self, script: VoiceScript) -> Path:
        key = script.key()
        pending = self._pending.get(key)
        if pending is None:
            path = self.directory / f"{key}.ogg"
            if path.is_file():
                return path
            # A task of its own, not the caller's: a caller that gives up (cancelled, timed
            # out) stops neither the render nor the others waiting for it.
            pending = asyncio.ensure_future(self._render(script, path))
            self._pending[key] = pending
            pending.add_done_callback(lambda task: self._finished(key, task))
        return await asyncio.shield(pending)

    def prepare(self, scripts: list[VoiceScript]) -> None:
        """Render these notes in the background, one after another, in this order: the ones
        needed first are ready first. ``close`` drops what is left, so that stopping the bot
        does not wait for notes nobody may ask for."""
        task = asyncio.ensure_future(self._prepare(scripts))
        self._ahead.add(task)
        task.add_done_callback(self._ahead.discard)

    async def _prepare(self, scripts: list[VoiceScript]) -> None:
        for script in scripts:
            try:
                await self.voice(script)
            except Exception:
                logger.exception("A voice note could not be made ahead")
                return

    async def _render(self, script: VoiceScript, path: Path) -> Path:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._render_to, script, path)
        self.renders += 1
        return path

    def _finished(self, key: str, task: asyncio.Future[Path]) -> None:
        del self._pending[key]
        if not task.cancelled() and task.exception() is not None:
            # Retrieved here too, in case every caller gave up: no "never retrieved" noise.
            logger.warning("voice note %s failed: %r", key[:12], task.exception())

    def _render_to(self, script: VoiceScript, path: Path) -> None:
        """In the worker thread: render, then write atomically."""
        data = render(script)
        descriptor, temporary = tempfile.mkstemp(
            dir=self.directory, prefix=f".{path.stem[:16]}-", suffix=".tmp"
        )
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(data)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        logger.debug("voice note %s: %.1f s, %d bytes", path.name, script.seconds, len(data))

    def close(self) -> None:
        """Stops rendering ahead, and the library's own worker thread (a given executor is the
        caller's); a render under way is finished."""
        for task in list(self._ahead):
            task.cancel()
        if self._own_executor:
            self._executor.shutdown(wait=True, cancel_futures=True)
