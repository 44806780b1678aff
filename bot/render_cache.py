"""Files the bot makes once and keeps: voice notes (``bot.speech``), pictures
(``bot.pictures``). Each is named by a hash of everything that makes it, so a name found on
disk is the right file, and a change to what makes it gives a new name.

Making runs in ``executor``; by default a pool of one thread that the cache owns, so that
renders never compete with each other for the two cores and never block the event loop.
Concurrent requests for the same file wait for one render. A file is written to a temporary
name and renamed into place, so a reader never sees half a file and a crash leaves no broken
file under a key's name. Files are never deleted here: a new version simply makes new names
(delete the directory to reclaim the old ones).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

logger = logging.getLogger(__name__)

Make = Callable[[], bytes]


class RenderCache:
    def __init__(self, directory: Path, executor: concurrent.futures.Executor | None = None,
                 *, thread_name: str = "render") -> None:
        self.directory = Path(directory)
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._own_executor = executor is None
        self._executor = executor or concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix=thread_name
        )
        self._pending: dict[str, asyncio.Future[Path]] = {}
        self._ahead: set[asyncio.Task[None]] = set()  # see ahead()
        self.renders = 0  # files made by this cache (not found on disk)

    async def get(self, path: Path, make: Make) -> Path:
        """``path`` (in this cache's directory), made with ``make`` in the worker first if it
        is not on disk yet."""
        key = path.name
        pending = self._pending.get(key)
        if pending is None:
            # One stat of a local file: cheaper than a hop to a thread.
            if path.is_file():  # noqa: ASYNC240
                return path
            # A task of its own, not the caller's: a caller that gives up (cancelled, timed
            # out) stops neither the render nor the others waiting for it.
            pending = asyncio.ensure_future(self._render(make, path))
            self._pending[key] = pending
            pending.add_done_callback(lambda task: self._finished(key, task))
        return await asyncio.shield(pending)

    def ahead(self, work: Callable[[], Awaitable[None]]) -> None:
        """Run ``work`` (renders the caller wants ready early) in the background; ``close``
        drops what is left of it, so that stopping the bot does not wait for files nobody may
        ask for."""
        task = asyncio.ensure_future(work())
        self._ahead.add(task)
        task.add_done_callback(self._ahead.discard)

    async def _render(self, make: Make, path: Path) -> Path:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._render_to, make, path)
        self.renders += 1
        return path

    def _finished(self, key: str, task: asyncio.Future[Path]) -> None:
        del self._pending[key]
        if not task.cancelled() and task.exception() is not None:
            # Retrieved here too, in case every caller gave up: no "never retrieved" noise.
            logger.warning("%s could not be made: %r", key[:12], task.exception())

    def _render_to(self, make: Make, path: Path) -> None:
        """In the worker thread: make, then write atomically."""
        data = make()
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
        logger.debug("%s: %d bytes", path.name, len(data))

    def close(self) -> None:
        """Stops the work ahead, and the cache's own worker thread (a given executor is the
        caller's); a render under way is finished."""
        for task in list(self._ahead):
            task.cancel()
        if self._own_executor:
            self._executor.shutdown(wait=True, cancel_futures=True)
