"""How long do the exercise pictures take to draw, how big are they, and does drawing them
disturb the other chats' timers?

Draws the animation and the still of every exercise (the first side) through a PictureLibrary
on an empty temporary folder (cold), then asks for them again (warm: all on disk). Meanwhile
another "chat" runs an asyncio timer every 0.5 s on the same event loop and measures how late
each fires; the same timer is measured idle for comparison. Then, for the choice of format,
the same frames are encoded as a GIF too, and both encoders are timed.

Usage: python -m benchmarks.bench_pictures [--idle 5] [--second-side]
Not a test: it prints figures and takes well under a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.bench_speech import lateness_line, timed
from bot.pictures import RENDERER_VERSION, PictureLibrary, load_poses
from bot.pictures.poses import PoseBook
from bot.pictures.render import encode_gif, encode_mp4, render_frames


async def draw_all(library: PictureLibrary, ids: list[str], second_side: bool
                   ) -> list[tuple[Path, Path]]:
    return [
        (await library.animation(exercise_id, second_side=second_side),
         await library.still(exercise_id, second_side=second_side))
        for exercise_id in ids
    ]


def formats(book: PoseBook, ids: list[str]) -> None:
    """MP4 against GIF on the same frames: sizes and encoding times."""
    print("format comparison (the same frames):")
    totals = {"draw": 0.0, "mp4": 0.0, "gif": 0.0}
    sizes = {"mp4": 0, "gif": 0}
    for exercise_id in ids:
        started = time.perf_counter()
        frames = render_frames(book, exercise_id)
        drawn = time.perf_counter()
        mp4 = encode_mp4(frames, book.picture.fps)
        encoded = time.perf_counter()
        gif = encode_gif(frames)
        done = time.perf_counter()
        totals["draw"] += drawn - started
        totals["mp4"] += encoded - drawn
        totals["gif"] += done - encoded
        sizes["mp4"] += len(mp4)
        sizes["gif"] += len(gif)
        seconds = sum(duration for _, duration in frames)
        print(f"  {exercise_id:20} {len(frames):3} frames, {seconds:4.1f} s loop: "
              f"MP4 {len(mp4) / 1024:5.1f} KiB, GIF {len(gif) / 1024:5.1f} KiB")
    print(f"  all: MP4 {sizes['mp4'] / 1024:.0f} KiB, GIF {sizes['gif'] / 1024:.0f} KiB "
          f"({sizes['gif'] / sizes['mp4']:.1f}x); drawing the frames {totals['draw']:.2f} s, "
          f"encoding MP4 {totals['mp4']:.2f} s, GIF {totals['gif']:.2f} s")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle", type=float, default=5.0, help="seconds of idle timer figures")
    parser.add_argument("--second-side", action="store_true", help="draw the mirror images")
    args = parser.parse_args()

    started = time.perf_counter()
    book = load_poses()
    loaded = time.perf_counter() - started
    ids = list(book.exercises)
    print(f"renderer {RENDERER_VERSION}; poses loaded and checked in {loaded * 1000:.0f} ms")

    idle: list[float] = []
    await timed(asyncio.sleep(args.idle), idle)

    with tempfile.TemporaryDirectory() as folder:
        library = PictureLibrary(Path(folder), poses=book)
        try:
            busy: list[float] = []
            cold = await timed(draw_all(library, ids, args.second_side), busy)
            warm_lateness: list[float] = []
            warm = await timed(draw_all(library, ids, args.second_side), warm_lateness)
            paths = await draw_all(library, ids, args.second_side)
            sizes = [(a.stat().st_size, s.stat().st_size) for a, s in paths]
        finally:
            library.close()

    count = len(ids)
    print(f"pictures: {count} animations + {count} stills, drawn {library.renders}")
    print(f"cold: {cold:.2f} s in all, {cold / count * 1000:.0f} ms an exercise "
          "(animation and still)")
    print(f"warm: {warm * 1000:.1f} ms in all, {warm / (2 * count) * 1e6:.0f} µs a picture")
    animations = [size for size, _ in sizes]
    stills = [size for _, size in sizes]
    print(f"animations (MP4): {sum(animations) / 1024:.0f} KiB in all, "
          f"{min(animations) / 1024:.1f}-{max(animations) / 1024:.1f} KiB, median "
          f"{statistics.median(animations) / 1024:.1f} KiB")
    print(f"stills (PNG): {sum(stills) / 1024:.0f} KiB in all, {min(stills) / 1024:.1f}-"
          f"{max(stills) / 1024:.1f} KiB")
    print(lateness_line(f"0.5 s timer, idle ({args.idle:.0f} s)", idle))
    print(lateness_line("0.5 s timer, during the cold render", busy))
    formats(book, ids)


if __name__ == "__main__":
    asyncio.run(main())
