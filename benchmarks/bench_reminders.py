"""Reminders at scale: start-up with many stored reminders, and a burst of reminders due at once.

Not a test: it prints figures and takes minutes. Both use the fake Bot API on 127.0.0.1 and a
fresh database: SQLite in a temporary folder, or, when DATABASE_URL names a PostgreSQL server,
a database created there and dropped afterwards (as in the tests).

    python -m benchmarks.bench_reminders startup [--reminders 100000] [--overdue]
        Runs the real entry point (``python -m bot``) as a child process over a database that
        holds that many reminders, and measures the time until it answers a /start queued
        before it began, and its peak RSS after a few dispatcher ticks. --overdue makes every
        reminder two hours late, so the first tick has to skip them all (the catch-up rule);
        it also reports how long that takes.

    python -m benchmarks.bench_reminders burst [--reminders 10000] [--workouts 50]
        Runs the bot in-process against the fake Bot API enforcing 30 messages a second, makes
        every reminder due at the same moment, and counts what arrives: rate, losses,
        duplicates, 429s. While the burst goes out, WORKOUTS people each press Start on one
        exercise of the real workout (knees to chest) at real time, at random moments in ten
        seconds: how long until the press is answered (answerCallbackQuery), how long from the
        press to the first prompt, the hold prompts' step lateness (as in
        benchmarks/bench_workout.py) and the drift of the last prompt from the plan that began
        with the press; and the reminders' rate while the workouts ran.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url

from benchmarks.bench_workout import SECONDS, ready_at_exercise
from bot import timing
from bot.content import load_content
from bot.db import create_engine, migrate
from bot.fakeapi import BotEvent, FakeBotAPI, FakeUser
from bot.models import Chat, Reminder, ScreeningResult, utcnow
from tests.harness import (
    PICTURE_CACHE,
    VOICE_CACHE,
    RunningBot,
    draw_every_picture,
    fresh_database,
)
from tests.workout_helpers import is_countdown

ROOT = Path(__file__).resolve().parent.parent
ZONES = ("Europe/Berlin", "America/New_York", "Asia/Kolkata", "Europe/Moscow", "UTC",
         "Australia/Sydney", "America/Sao_Paulo", "Asia/Tokyo")
FIRST_CHAT = 10_000_000
CHUNK = 5_000


class Arrivals:
    """Reminder messages the fake server accepted, read incrementally from its call log."""

    def __init__(self, api: FakeBotAPI, chats: range) -> None:
        self.api, self.chats, self.read, self.times = api, chats, 0, list[float]()

    def count(self) -> int:
        calls = self.api.calls
        for call in calls[self.read:]:
            if (call.method == "sendMessage" and call.error is None
                    and call.params.get("chat_id") in self.chats):
                self.times.append(call.timestamp)
        self.read = len(calls)
        return len(self.times)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def fill(url: str, count: int, due: datetime | None) -> None:
    """``count`` chats, each cleared by the safety questions, with one daily reminder each, at
    their own next local time; or, given ``due``, all due then and set for that time of day
    in UTC, so that none of them falls due a second time while the figures are taken."""
    engine = create_engine(make_url(url))
    await migrate(engine)
    now, rng = utcnow(), random.Random(5)
    async with engine.begin() as connection:
        for start in range(0, count, CHUNK):
            ids = range(FIRST_CHAT + start, FIRST_CHAT + min(count, start + CHUNK))
            chats, rows = [], []
            for chat_id in ids:
                zone = rng.choice(ZONES) if due is None else "UTC"
                at = (timing.LocalTime(rng.randrange(6, 22), rng.choice((0, 15, 30, 45)))
                      if due is None else timing.LocalTime(due.hour, due.minute))
                chats.append({"id": chat_id, "time_zone": zone, "prefers_harder": False,
                              "created_at": now, "updated_at": now})
                rows.append({"chat_id": chat_id, "kind": rng.choice(("walk", "workout")),
                             "local_time": str(at), "weekdays": timing.EVERY_DAY, "active": True,
                             "next_due_at": due or timing.next_due(at, timing.EVERY_DAY, zone, now),
                             "created_at": now})
            await connection.execute(insert(Chat), chats)
            await connection.execute(insert(Reminder), rows)
            # Each person answered the safety questions and was cleared, so that a workout
            # reminder is sent as such (without a screen it says once that the questions come
            # first, then stays quiet, and a burst of them would send next to nothing).
            await connection.execute(insert(ScreeningResult), [
                {"chat_id": chat_id, "outcome": "cleared", "answers": {}, "completed_at": now}
                for chat_id in ids])
    await engine.dispose()


async def count_overdue(url: str) -> int:
    engine = create_engine(make_url(url))
    async with engine.connect() as connection:
        overdue = await connection.scalar(select(func.count()).select_from(Reminder).where(
            Reminder.active.is_(True), Reminder.next_due_at <= utcnow()))
    await engine.dispose()
    return int(overdue or 0)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM: this needs Linux's /proc")


# --- start-up ------------------------------------------------------------------------------------


async def startup(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        async with FakeBotAPI() as api, fresh_database(folder) as url:
            started = time.monotonic()
            due = utcnow() - timedelta(hours=2) if args.overdue else None
            await fill(url, args.reminders, due)
            print(f"database: {make_url(url).get_backend_name()}, {args.reminders} reminders "
                  f"stored in {time.monotonic() - started:.1f} s"
                  + (", all two hours overdue" if args.overdue else ""))
            # The pictures on disk, as after the bot's first run (drawing them at a first
            # start takes a few seconds of CPU and ~150 MB more at its peak).
            await draw_every_picture(PICTURE_CACHE)
            user = api.user(42)
            await user.send("/start")  # waiting for the bot before it runs
            env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT),
                   "TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_API_URL": api.base_url,
                   "DATABASE_URL": url, "LOG_LEVEL": "WARNING",
                   "BACKCOACH_PICTURE_CACHE": str(PICTURE_CACHE),
                   "BACKCOACH_VOICE_CACHE": str(VOICE_CACHE)}
            launched = time.monotonic()
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", env=env, cwd=folder,
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
            try:
                await api.wait_until(lambda: bool(api.calls_to("getUpdates")), timeout=120)
                polling = time.monotonic() - launched
                await user.expect("Back Coach", timeout=120)
                answered = time.monotonic() - launched
                caught_up = None
                if args.overdue:
                    for _ in range(1200):
                        if not await count_overdue(url):
                            caught_up = time.monotonic() - launched
                            break
                        await asyncio.sleep(0.5)
                await asyncio.sleep(args.settle)  # a few dispatcher ticks
                rss = peak_rss_mb(process.pid)
            finally:
                process.send_signal(signal.SIGINT)
                _, stderr = await asyncio.wait_for(process.communicate(), 30)
    print(f"polling for updates after {polling:.2f} s; first reply after {answered:.2f} s")
    if caught_up is not None:
        print(f"every overdue reminder skipped (catch-up rule) {caught_up:.1f} s after launch")
    print(f"peak RSS {rss:.0f} MB (after {args.settle:.0f} s more of ticking)")
    print(f"messages sent to reminder chats: "
          f"{sum(1 for c in api.calls_to('sendMessage') if c.params.get('chat_id') != 42)}")
    if stderr.strip():
        print("bot's stderr:\n" + stderr.decode(errors="replace")[-2000:])


# --- burst ---------------------------------------------------------------------------------------


async def burst(args: argparse.Namespace) -> None:
    name = load_content().text("exercises.knees_to_chest.name")
    chats = range(FIRST_CHAT, FIRST_CHAT + args.reminders)
    with tempfile.TemporaryDirectory() as folder:
        async with FakeBotAPI() as api, fresh_database(folder) as url:
            # All due at one moment, once the workouts below are ready to start.
            # Getting a chat to its exercise takes a few seconds: its new messages keep to
            # Telegram's pace for one chat (about one a second, bursts of five).
            due = (utcnow() + timedelta(seconds=30 + 8 * args.workouts)).replace(microsecond=0)
            await fill(url, args.reminders, due)
            api.set_rate_limit(global_per_second=30)
            bot = RunningBot(api, url, BACKCOACH_TIME_SCALE="1", LOG_LEVEL="WARNING")
            await bot.start()
            try:
                users = [api.user(900_000 + n) for n in range(args.workouts)]
                for user in users:
                    await ready_at_exercise(user, bot, name)
                print(f"workouts ready {(due - utcnow()).total_seconds():.0f} s before the "
                      "reminders fall due")
                await asyncio.sleep(max(0.0, (due - utcnow()).total_seconds()))
                made_due = time.monotonic() + (due - utcnow()).total_seconds()

                arrivals = Arrivals(api, chats)
                await api.wait_until(lambda: arrivals.count() > 0, timeout=30)
                first = arrivals.times[0]
                await asyncio.sleep(5)  # the burst is under way
                exercising = time.monotonic()
                runs = await asyncio.gather(*(
                    timed_exercise(api, user, name, random.uniform(0, 10)) for user in users))
                exercised = time.monotonic()
                with contextlib.suppress(AssertionError):  # a shortfall is reported below
                    await api.wait_until(lambda: arrivals.count() >= len(chats),
                                         timeout=args.reminders / 20 + 120)
                await asyncio.sleep(2 * 5.0)  # two more ticks: anything sent twice shows now
                arrivals.count()
            finally:
                await bot.stop()
    per_chat = Counter(call.params["chat_id"] for call in api.calls_to("sendMessage")
                       if call.error is None and call.params.get("chat_id") in chats)
    last = max(arrivals.times)
    window = [t for t in arrivals.times if last - 60 <= t]  # a minute in the middle of a long burst
    steady = (len(window) - 1) / (max(window) - min(window)) if len(window) > 1 else 0
    print(f"database: {make_url(url).get_backend_name()}; {args.reminders} reminders due at once")
    print(f"first delivered {first - made_due:.1f} s after they fell due (the next tick); "
          f"last after {last - made_due:.1f} s")
    print(f"delivery rate: {(len(arrivals.times) - 1) / (last - first):.1f} messages/s overall, "
          f"{steady:.1f}/s over the last minute")
    print(f"lost: {sum(1 for c in chats if per_chat[c] == 0)}; "
          f"sent twice or more: {sum(1 for c in chats if per_chat[c] > 1)}; "
          f"429 responses: {api.rate_limited_count}")
    if not runs:
        return
    # While people exercised and reminders were still waiting to go.
    overlap = min(exercised, last) - exercising
    during = sum(1 for t in arrivals.times if exercising <= t <= exercising + overlap)
    print(f"while {args.workouts} people exercised ({overlap:.0f} s with reminders waiting): "
          f"reminders at {during / max(overlap, 1e-9):.1f}/s")
    lateness, drift = [], []
    for run in runs:
        for previous, prompt in itertools.pairwise(run.prompts):
            planned = float(SECONDS.search(previous.text).group(1))
            lateness.append(prompt.timestamp - previous.timestamp - planned)
        planned_total = sum(float(SECONDS.search(p.text).group(1)) for p in run.prompts[:-1])
        drift.append(run.prompts[-1].timestamp - run.prompts[0].timestamp - planned_total
                     + run.first_prompt)
    print(f"Start pressed: answered after {spread([r.answered for r in runs])}; "
          f"first prompt after {spread([r.first_prompt for r in runs])}")
    print(f"hold prompts: {len(lateness)} steps, lateness {spread(lateness)}; the last prompt "
          f"behind the plan from the press: {spread(drift)}")


@dataclass
class TimedRun:
    answered: float  # seconds from the press to its answer (answerCallbackQuery)
    first_prompt: float  # seconds from the press to the first prompt ("Get ready")
    prompts: list[BotEvent]  # the beat prompts, countdowns left out


async def timed_exercise(api: FakeBotAPI, user: FakeUser, name: str, delay: float) -> TimedRun:
    """Press Start after ``delay`` seconds and follow the exercise to its "Done"."""
    await asyncio.sleep(delay)
    pressed = time.monotonic()
    query_id = await user.press("Start")
    shown: dict[int | None, str | None] = {}
    prompts = []
    while True:
        event = await user.next(timeout=120)
        before, shown[event.message_id] = shown.get(event.message_id), event.text
        if (event.text or "").startswith("✅ Done") and name in event.text:
            break
        if event.kind == "edit" and event.text != before and not is_countdown(before, event.text):
            prompts.append(event)
    answer = next(call for call in api.calls_to("answerCallbackQuery")
                  if call.params.get("callback_query_id") == query_id)
    return TimedRun(answer.timestamp - pressed, prompts[0].timestamp - pressed, prompts)


def spread(seconds: list[float]) -> str:
    ms = 1000
    return (f"median {statistics.median(seconds) * ms:.0f} ms, "
            f"p95 {percentile(seconds, 0.95) * ms:.0f} ms, max {max(seconds) * ms:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("startup")
    start.add_argument("--reminders", type=int, default=100_000)
    start.add_argument("--overdue", action="store_true")
    start.add_argument("--settle", type=float, default=12.0, help="seconds to run after replying")
    many = commands.add_parser("burst")
    many.add_argument("--reminders", type=int, default=10_000)
    many.add_argument("--workouts", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(startup(args) if args.command == "startup" else burst(args))


if __name__ == "__main__":
    main()
