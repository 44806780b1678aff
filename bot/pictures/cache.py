"""Rendered exercise pictures on disk, one file per picture key, rendered off the event loop."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from bot.pictures.poses import PoseBook, load_poses
from bot.pictures.render import (
    ANIMATION_SUFFIX,
    STILL_SUFFIX,
    picture_key,
    render_animation,
    render_still,
)

logger = logging.getLogger(__name__)

ANIMATION, STILL = "animation", "still"
_SUFFIXES = {ANIMATION: ANIMATION_SUFFIX, STILL: STILL_SUFFIX}


class PictureLibrary:
    """``animation(exercise_id)`` gives the path of the exercise's looping MP4, and
    ``still(exercise_id)`` of its PNG, drawing the file first if it is not on disk yet.

    The poses are loaded and checked when the library is made (``poses`` or
    content/poses.toml), so a broken pose stops the bot at start. Drawing and encoding run in
    ``executor``; by default a pool of one thread that this library owns, so that pictures
    never compete with each other for the two cores and never block the event loop.
    Concurrent requests for the same picture wait for one render. A file is written to a
    temporary name and renamed into place, so a reader never sees half a picture. Its name is
    a hash of everything that draws it (the exercise's poses, the body, the colours, the
    picture settings, the renderer's version and the versions of matplotlib, Pillow and
    PyAV), so an edit to poses.toml or the renderer draws new files and never serves a stale
    one; old files are never deleted here (the 16 pictures of a side take about 200 KB).
    """

    def __init__(
        self,
        directory: Path,
        executor: concurrent.futures.Executor | None = None,
        poses: PoseBook | None = None,
    ) -> None:
        self.poses = poses if poses is not None else load_poses()
        self.directory = Path(directory)
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._own_executor = executor is None
        self._executor = executor or concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="picture-render"
        )
        self._keys: dict[tuple[str, str, bool], str] = {}
        self._pending: dict[str, asyncio.Future[Path]] = {}
        self._ahead: set[asyncio.Task[None]] = set()  # see prepare()
        self.renders = 0  # pictures drawn by this library (not found on disk)

    def path_for(self, exercise_id: str, kind: str = ANIMATION, *,
                 second_side: bool = False) -> Path:
        """Where the picture is kept (drawn or not); raises PoseError for an unknown id."""
        return self.directory / f"{self._key(exercise_id, kind, second_side)}{_SUFFIXES[kind]}"

    def _key(self, exercise_id: str, kind: str, second_side: bool) -> str:
        cached = self._keys.get((exercise_id, kind, second_side))
        if cached is None:
            cached = picture_key(self.poses, exercise_id, kind, second_side=second_side)
            self._keys[(exercise_id, kind, second_side)] = cached
        return cached

    async def animation(self, exercise_id: str, *, second_side: bool = False) -> Path:
        """The exercise's loop, start to hold and back, as an MP4 without sound (Telegram's
        sendAnimation). ``second_side``: the mirror image, the left side in front."""
        return await self._picture(exercise_id, ANIMATION, second_side)

    async def still(self, exercise_id: str, *, second_side: bool = False) -> Path:
        """The hold position over a pale ghost of the start, as a PNG."""
        return await self._picture(exercise_id, STILL, second_side)

    async def _picture(self, exercise_id: str, kind: str, second_side: bool) -> Path:
        path = self.path_for(exercise_id, kind, second_side=second_side)
        key = path.name
        pending = self._pending.get(key)
        if pending is None:
            if path.is_file():
                return path
            draw = render_animation if kind == ANIMATION else render_still
            # A task of its own, not the caller's: a caller that gives up (cancelled, timed
            # out) stops neither the render nor the others waiting for it.
            pending = asyncio.ensure_future(
                self._render(lambda: draw(self.poses, exercise_id, second_side=second_side),
                             path))
            self._pending[key] = pending
            pending.add_done_callback(lambda task: self._finished(key, task))
        return await asyncio.shield(pending)

    def prepare(self, exercise_ids: Iterable[str]) -> None:
        """Draw these exercises' pictures in the background, one after another, in this order
        (each one's animation, then its still): the ones needed first are ready first.
        ``close`` drops what is left."""
        task = asyncio.ensure_future(self._prepare(list(exercise_ids)))
        self._ahead.add(task)
        task.add_done_callback(self._ahead.discard)

    async def _prepare(self, exercise_ids: list[str]) -> None:
        for exercise_id in exercise_ids:
            try:
                await self.animation(exercise_id)
                await self.still(exercise_id)
            except Exception:
                logger.exception("The pictures of %s could not be drawn ahead", exercise_id)
                return

    async def _render(self, draw: Callable[[], bytes], path: Path) -> Path:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._render_to, draw, path)
        self.renders += 1
        return path

    def _finished(self, key: str, task: asyncio.Future[Path]) -> None:
        del self._pending[key]
        if not task.cancelled() and task.exception() is not None:
            # Retrieved here too, in case every caller gave up: no "never retrieved" noise.
            logger.warning("picture %s failed: %r", key[:12], task.exception())

    def _render_to(self, draw: Callable[[], bytes], path: Path) -> None:
        """In the worker thread: draw, then write atomically."""
        data = draw()
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
        logger.debug("picture %s: %d bytes", path.name, len(data))

    def close(self) -> None:
        """Stops drawing ahead, and the library's own worker thread (a given executor is the
        caller's); a render under way is finished."""
        for task in list(self._ahead):
            task.cancel()
        if self._own_executor:
            self._executor.shutdown(wait=True, cancel_futures=True)
