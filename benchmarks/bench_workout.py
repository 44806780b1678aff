"""How late do hold prompts arrive when many people work out at once?

Runs the real bot at real time (time scale 1) against the fake Bot API on 127.0.0.1, starts
WORKOUTS workouts (staggered over a few seconds, as people start at different moments), runs
one exercise in each, and measures every prompt's arrival at the fake server:

* step lateness: how much later than its timer a prompt arrived after the previous one;
* drift: how far the last prompt of the exercise is behind the plan that started with it.

The tests check the pacing itself with timers they move by hand (ManualTimers in
tests/harness.py); this measures what real timers on a busy event loop add to it.

Usage: python -m benchmarks.bench_workout [--workouts 50] [--exercise knees_to_chest]
       [--stagger 10] [--scale 1.0]
With DATABASE_URL naming a PostgreSQL server it runs there, otherwise on SQLite.
Not a test: it prints figures and takes about a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import re
import statistics
import tempfile
import time

from bot.content import load_content
from bot.fakeapi import BotEvent, FakeBotAPI, FakeUser
from tests.harness import RunningBot, fresh_database
from tests.workout_helpers import reach_first_exercise, run_exercise, screened

SECONDS = re.compile(r"(\d+) s\b")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def ready_at_exercise(user: FakeUser, bot: RunningBot, name: str) -> None:
    await screened(bot, user.id)
    await reach_first_exercise(user)
    while name not in (user.last_message().get("text") or ""):
        await user.press("Skip")
        await user.expect(kind="message", timeout=30)


async def one_exercise(user: FakeUser, name: str, delay: float) -> list[BotEvent]:
    await asyncio.sleep(delay)
    return await run_exercise(user, name, timeout=120)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workouts", type=int, default=50)
    parser.add_argument("--exercise", default="knees_to_chest")
    parser.add_argument("--stagger", type=float, default=10.0, help="seconds over which to start")
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    content = load_content()
    name = content.text(f"exercises.{args.exercise}.name")

    with tempfile.TemporaryDirectory() as folder:
        async with FakeBotAPI() as api, fresh_database(folder) as database_url:
            api.set_rate_limit(global_per_second=30)
            bot = RunningBot(api, database_url,
                             BACKCOACH_TIME_SCALE=str(args.scale), LOG_LEVEL="WARNING")
            await bot.start()
            try:
                users = [api.user(900_000 + n) for n in range(args.workouts)]
                for user in users:  # one by one: getting there is not what is measured
                    await ready_at_exercise(user, bot, name)
                started = time.monotonic()
                runs = await asyncio.gather(*(
                    one_exercise(user, name, random.uniform(0, args.stagger)) for user in users
                ))
                elapsed = time.monotonic() - started
            finally:
                await bot.stop()

    step_lateness, drift = [], []
    for prompts in runs:
        for previous, prompt in itertools.pairwise(prompts):
            planned = float(SECONDS.search(previous.text).group(1)) * args.scale
            step_lateness.append(prompt.timestamp - previous.timestamp - planned)
        planned_total = sum(
            float(SECONDS.search(p.text).group(1)) for p in prompts[:-1]
        ) * args.scale
        drift.append(prompts[-1].timestamp - prompts[0].timestamp - planned_total)
    ms = 1000
    print(f"workouts: {args.workouts} at once, exercise {args.exercise}, time scale {args.scale}, "
          f"starts staggered over {args.stagger:.0f} s; {elapsed:.1f} s in all")
    print(f"prompts measured: {len(step_lateness)}; 429 responses: {api.rate_limited_count}")
    print(f"step lateness: median {statistics.median(step_lateness) * ms:.1f} ms, "
          f"p99 {percentile(step_lateness, 0.99) * ms:.1f} ms, "
          f"max {max(step_lateness) * ms:.1f} ms")
    print(f"drift by the last prompt: median {statistics.median(drift) * ms:.1f} ms, "
          f"p99 {percentile(drift, 0.99) * ms:.1f} ms")


if __name__ == "__main__":
    asyncio.run(main())
