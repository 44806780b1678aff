"""Rendered exercise pictures on disk, one file per picture key (``bot.render_cache``)."""

from __future__ import annotations

import concurrent.futures
import logging
from collections.abc import Iterable
from functools import partial
from pathlib import Path

from bot.pictures.poses import PoseBook, PoseError, load_poses
from bot.pictures.render import (
    ANIMATION_SUFFIX,
    STILL_SUFFIX,
    picture_key,
    render_animation,
    render_still,
)
from bot.render_cache import RenderCache

logger = logging.getLogger(__name__)

ANIMATION, STILL = "animation", "still"
_SUFFIXES = {ANIMATION: ANIMATION_SUFFIX, STILL: STILL_SUFFIX}


class PictureLibrary:
    """``animation(exercise_id)`` gives the path of the exercise's looping MP4, and
    ``still(exercise_id)`` of its PNG, drawing the file first if it is not on disk yet.

    The poses are loaded and checked when the library is made (``poses`` or
    content/poses.toml), so a broken pose stops the bot at start. Drawing and encoding run in
    ``executor``; by default a pool of one thread that this library owns, so that pictures
    never compete with each other for the two cores and never block the event loop
    (``bot.render_cache``: one render for concurrent requests, atomic writes). Its name is
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
        self._files = RenderCache(directory, executor, thread_name="picture-render")
        self.directory = self._files.directory
        self._keys: dict[tuple[str, str, bool], str] = {}

    @property
    def renders(self) -> int:
        """Pictures drawn by this library (not found on disk)."""
        return self._files.renders

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
        draw = render_animation if kind == ANIMATION else render_still
        return await self._files.get(
            self.path_for(exercise_id, kind, second_side=second_side),
            partial(draw, self.poses, exercise_id, second_side=second_side))

    def drawn(self, exercise_id: str, kind: str = ANIMATION) -> Path | None:
        """The picture's path if it is on disk already, for a message that must not wait for
        it (a reminder); None otherwise, and for an exercise without poses."""
        try:
            path = self.path_for(exercise_id, kind)
        except PoseError:
            return None
        return path if path.is_file() else None

    def prepare(self, exercise_ids: Iterable[str]) -> None:
        """Draw these exercises' pictures in the background, one after another, in this order
        (each one's animation, then its still): the ones needed first are ready first.
        ``close`` drops what is left."""
        self._files.ahead(partial(self._prepare, list(exercise_ids)))

    async def _prepare(self, exercise_ids: list[str]) -> None:
        for exercise_id in exercise_ids:
            try:
                await self.animation(exercise_id)
                await self.still(exercise_id)
            except Exception:
                logger.exception("The pictures of %s could not be drawn ahead", exercise_id)
                return

    def close(self) -> None:
        """Stops drawing ahead, and the library's own worker thread (a given executor is the
        caller's); a render under way is finished."""
        self._files.close()


async def animation_or_none(library: PictureLibrary | None, exercise_id: str) -> Path | None:
    """The exercise's animation, drawn if need be; None without a library or if it cannot be
    drawn: an exercise shown without its picture beats one not shown."""
    if library is None:
        return None
    try:
        return await library.animation(exercise_id)
    except Exception:
        logger.exception("The picture of %s could not be drawn; the text goes alone",
                         exercise_id)
        return None
