"""How long do a session's voice notes take to make, how big are they, and does making them
disturb the other chats' timers?

Renders the voice note of every exercise of the session (CONTENT.session: easier doses, the
first exercise started by a tap, every other one starting by itself after the rest before
it, so every note but the last covers that rest) in each language, through a VoiceLibrary on
an empty temporary folder (cold), then again (warm: all on disk). Meanwhile another "chat"
runs an asyncio timer every 0.5 s on the same event loop and measures how late each fires;
the same timer is measured idle for comparison.

Usage: python -m benchmarks.bench_speech [--langs en ru] [--idle 10]
Not a test: it prints figures and takes well under a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bot.content import load_content
from bot.speech import ENGINE_VERSION, VoiceLibrary, VoiceScript, exercise_script
from bot.workout import plan_exercise

PERIOD = 0.5


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def session_scripts(lang: str) -> list[tuple[str, VoiceScript]]:
    content = load_content()
    session, pacing = content.session, content.pacing
    scripts = []
    for index, step in enumerate(session):
        last = index == len(session) - 1
        beats = plan_exercise(step.exercise, pacing, harder=False, long_start=index == 0)
        scripts.append((
            step.exercise.id,
            exercise_script(
                content,
                lang,
                step,
                beats,
                next_step=None if last else session[index + 1],
                rest_after=None if last else pacing.rest_between_exercises_seconds,
                last=last,
            ),
        ))
    return scripts


async def periodic_timer(stop: asyncio.Event, lateness: list[float]) -> None:
    """Another chat's timer: due every PERIOD seconds; records how late each wake-up is."""
    loop = asyncio.get_running_loop()
    due = loop.time() + PERIOD
    while not stop.is_set():
        await asyncio.sleep(max(due - loop.time(), 0))
        lateness.append(loop.time() - due)
        due += PERIOD


async def timed(coroutine, lateness: list[float]) -> float:
    stop = asyncio.Event()
    timer = asyncio.create_task(periodic_timer(stop, lateness))
    started = time.perf_counter()
    await coroutine
    elapsed = time.perf_counter() - started
    stop.set()
    await timer
    return elapsed


async def render_all(library: VoiceLibrary, scripts: list[VoiceScript]) -> list[Path]:
    return [await library.voice(script) for script in scripts]


def lateness_line(label: str, lateness: list[float]) -> str:
    ms = 1000
    return (
        f"{label}: {len(lateness)} wake-ups, lateness median "
        f"{statistics.median(lateness) * ms:.1f} ms, p95 {percentile(lateness, 0.95) * ms:.1f} ms, "
        f"max {max(lateness) * ms:.1f} ms"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--langs", nargs="+", default=["en", "ru"])
    parser.add_argument("--idle", type=float, default=10.0, help="seconds of idle timer figures")
    args = parser.parse_args()
    named = [item for lang in args.langs for item in session_scripts(lang)]
    scripts = [script for _, script in named]
    print(f"engine: {ENGINE_VERSION}")

    idle: list[float] = []
    await timed(asyncio.sleep(args.idle), idle)

    with tempfile.TemporaryDirectory() as folder:
        library = VoiceLibrary(Path(folder))
        try:
            busy: list[float] = []
            cold = await timed(render_all(library, scripts), busy)
            warm_lateness: list[float] = []
            warm = await timed(render_all(library, scripts), warm_lateness)
            paths = await render_all(library, scripts)
            sizes = [path.stat().st_size for path in paths]
        finally:
            library.close()

    audio = sum(script.seconds for script in scripts)
    print(f"notes: {len(scripts)} ({', '.join(args.langs)}; {len(scripts) // len(args.langs)} "
          f"per language), {audio / 60:.1f} min of audio, rendered {library.renders}")
    print(f"cold: {cold:.2f} s in all, {cold / len(scripts) * 1000:.0f} ms a note, "
          f"{audio / cold:.0f}x real time")
    print(f"warm: {warm * 1000:.1f} ms in all, {warm / len(scripts) * 1e6:.0f} µs a note")
    print(f"files: {sum(sizes) / 1024:.0f} KiB in all; a note {min(sizes) / 1024:.0f}-"
          f"{max(sizes) / 1024:.0f} KiB, median {statistics.median(sizes) / 1024:.0f} KiB; "
          f"{sum(sizes) * 8 / audio / 1000:.1f} kbit/s on average")
    for (exercise_id, script), size in zip(named, sizes, strict=True):
        print(f"  {script.lang} {exercise_id:20} {script.seconds:6.1f} s {size / 1024:6.1f} KiB")
    print(lateness_line(f"0.5 s timer, idle ({args.idle:.0f} s)", idle))
    print(lateness_line("0.5 s timer, during the cold render", busy))


if __name__ == "__main__":
    asyncio.run(main())
