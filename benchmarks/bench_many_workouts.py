"""A thousand live workouts in one bot: lost prompts, errors, and a stop under that load.

Not a test: it prints figures and takes ten to twenty minutes. The bot runs as its own process
(``python -m bot``, as deployed) against the fake Bot API on 127.0.0.1, which allows 30
messages a second and answers 429 beyond, over a fresh database: SQLite in a temporary
folder, or, when DATABASE_URL names a PostgreSQL server, a database created there and dropped
afterwards.

WORKOUTS people, cleared by the safety questions, each have a workout at its first exercise
(text-only guidance: the lying hamstring stretch, four 20 s holds, a side switch), stored as
a restart leaves it, so the bot offers each again as it starts (getting there through the
quick check instead would take a thousand chats over ten minutes at Telegram's pace; neither
is measured). Then each presses Start at a random moment within --stagger seconds.

    python -m benchmarks.bench_many_workouts [--workouts 1000]
        Every exercise runs to its "Done". Reported: prompts lost (a workout whose status did
        not show every beat of its plan, or never got to "Done"), warnings and errors in the
        bot's log ("database is locked" among them), the prompts' step lateness (far beyond a
        second here: a thousand workouts want several times Telegram's 30 messages a second,
        so this shows the backlog, not the pace of a workout), and messages per
        workout-minute.

    python -m benchmarks.bench_many_workouts --stop TERM|INT [--after 30]
        --after seconds after the last Start, the signal: how long the bot takes to exit,
        what it sent after the signal, how many workouts it stored as live, and the bot's
        log from the signal on (at INFO: the steps of the stop, with their times). Then the
        bot starts again: how long until every workout is offered again, and how soon a
        newcomer's /start is answered meanwhile.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url

from benchmarks.bench_workout import MS, SECONDS, spread
from bot.content import load_content
from bot.db import create_engine, migrate
from bot.fakeapi import BotEvent, FakeBotAPI, FakeUser
from bot.live_workout import SOUND_AFTER_HOLD
from bot.models import Chat, ScreeningResult, WorkoutSession, utcnow
from bot.preferences import TEXT
from bot.workout import BeatKind
from bot.workouts import ACTIVE_STATUSES, new_run
from tests.harness import fresh_database
from tests.workout_helpers import expect_card, run_exercise

ROOT = Path(__file__).resolve().parent.parent
FIRST_CHAT = 5_000_000
# Chats getting ready at one time: enough to keep Telegram's pace busy.
PREPARING_AT_ONCE = 100
# Seconds any one step may take: with a thousand chats, the bot's queue is minutes long.
PATIENCE = 900.0
# Methods that show something in a chat: what Telegram counts against its limits.
SHOWING = ("sendMessage", "sendAnimation", "sendVoice", "editMessageText",
           "editMessageCaption", "editMessageReplyMarkup", "deleteMessage")


@dataclass
class BotProcess:
    """``python -m bot`` with its stderr kept."""

    process: asyncio.subprocess.Process
    stderr: list[str]
    reader: asyncio.Task[None]

    @classmethod
    async def start(cls, api: FakeBotAPI, url: str, folder: str, *, log_level: str = "WARNING"
                    ) -> BotProcess:
        env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT),
               "TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_API_URL": api.base_url,
               "DATABASE_URL": url, "LOG_LEVEL": log_level,
               "BACKCOACH_PICTURE_CACHE": f"{folder}/pictures",
               "BACKCOACH_VOICE_CACHE": f"{folder}/voices"}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", env=env, cwd=folder,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        lines: list[str] = []

        async def read() -> None:
            assert process.stderr is not None
            async for line in process.stderr:
                lines.append(line.decode(errors="replace").rstrip())

        return cls(process, lines, asyncio.create_task(read()))

    async def stop(self, sig: int = signal.SIGTERM) -> float:
        """Seconds from the signal to the exit."""
        signalled = time.monotonic()
        self.process.send_signal(sig)
        await self.process.wait()
        exited = time.monotonic() - signalled
        await self.reader
        return exited

    def timeline(self, since: float) -> None:
        """The log from the wall-clock time ``since`` on: each message once, with the seconds
        after ``since`` of its first line and how often it came."""
        first: dict[str, float] = {}
        times: Counter[str] = Counter()
        for line in self.stderr:
            try:  # the bot's log format starts with asctime
                at = datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").timestamp()
            except ValueError:
                continue
            if at >= since:
                message = line[24:144]
                first.setdefault(message, at - since)
                times[message] += 1
        for message, at in sorted(first.items(), key=lambda item: item[1]):
            repeated = f"  ({times[message]} times)" if times[message] > 1 else ""
            print(f"  +{at:6.2f} s  {message}{repeated}")

    def report_log(self) -> None:
        seen = Counter(line.split(": ", 1)[-1][:140] for line in self.stderr
                       if " WARNING " in line or " ERROR " in line or " CRITICAL " in line)
        locked = sum("database is locked" in line for line in self.stderr)
        print(f"warnings and errors in the bot's log: {sum(seen.values())}; "
              f"'database is locked' in {locked} lines")
        for line, times in seen.most_common(8):
            print(f"  {times} times: {line}")


async def store_workouts(url: str, chats: range) -> None:
    """Each chat cleared by the safety questions two hours ago, with text-only guidance, and
    a workout at its first exercise, waiting for Start, as a restart leaves it."""
    run = new_run(load_content(), harder=False)
    engine = create_engine(make_url(url))
    try:
        await migrate(engine)
        async with engine.begin() as connection:
            now = utcnow()
            await connection.execute(insert(Chat), [
                {"id": chat_id, "guidance": TEXT, "prefers_harder": False, "created_at": now,
                 "updated_at": now} for chat_id in chats])
            await connection.execute(insert(ScreeningResult), [
                {"chat_id": chat_id, "outcome": "cleared", "answers": {},
                 "completed_at": now - timedelta(hours=2)} for chat_id in chats])
            await connection.execute(insert(WorkoutSession), [
                {"chat_id": chat_id, "status": run.status.value, "harder": False,
                 "state": run.to_dict(), "feeling_before": 3, "exercises_done": 0,
                 "exercises_skipped": 0, "active_seconds": 0, "started_at": now,
                 "updated_at": now} for chat_id in chats])
    finally:
        await engine.dispose()


async def stored_live(url: str) -> int:
    engine = create_engine(make_url(url))
    try:
        async with engine.connect() as connection:
            return await connection.scalar(
                select(func.count()).select_from(WorkoutSession).where(
                    WorkoutSession.status.in_([s.value for s in ACTIVE_STATUSES]))) or 0
    finally:
        await engine.dispose()


async def prepare(users: list[FakeUser], name: str) -> float:
    """Every chat offered its workout again, its status waiting for Start; seconds it took."""
    started = time.monotonic()

    async def ready(user: FakeUser) -> None:
        await expect_card(user, name, timeout=PATIENCE)
        await user.expect("tap Start", kind="message", timeout=PATIENCE)

    await asyncio.gather(*(ready(user) for user in users))
    return time.monotonic() - started


async def started_exercise(user: FakeUser, name: str, delay: float) -> list[BotEvent] | None:
    """Start after ``delay``; what the exercise showed up to its "Done", or None if it never
    got there."""
    await asyncio.sleep(delay)
    try:
        return await run_exercise(user, name, timeout=PATIENCE)
    except AssertionError:
        return None


def messages_per_workout_minute(api: FakeBotAPI, chats: set[int], since: float, until: float
                                ) -> float:
    calls = [c for c in api.calls if c.method in SHOWING and c.error is None
             and c.params.get("chat_id") in chats and since <= c.timestamp <= until]
    return len(calls) / (len(chats) * (until - since) / 60)


async def load(args: argparse.Namespace) -> None:
    content = load_content()
    name = content.text("exercises.hamstring_stretch.name")
    plan = new_run(content, harder=False).plan(0)
    chats = range(FIRST_CHAT, FIRST_CHAT + args.workouts)
    with tempfile.TemporaryDirectory() as folder:
        async with FakeBotAPI() as api, fresh_database(folder) as url:
            await store_workouts(url, chats)
            api.set_rate_limit(global_per_second=30)
            bot = await BotProcess.start(api, url, folder, log_level="INFO" if args.stop
                                         else "WARNING")
            try:
                users = [api.user(chat_id) for chat_id in chats]
                ready = await prepare(users, name)
                print(f"database: {make_url(url).get_backend_name()}; {args.workouts} workouts "
                      f"at their first exercise after {ready:.0f} s")
                started = time.monotonic()
                if args.stop:
                    await stop_under_load(args, api, bot, url, folder, users, name, started)
                    return
                runs = await asyncio.gather(*(
                    started_exercise(user, name, random.uniform(0, args.stagger))
                    for user in users))
                ended = time.monotonic()
            finally:
                if bot.process.returncode is None:
                    await bot.stop()
    finished = [run for run in runs if run is not None]
    # The prompts a person must not miss: each hold's "Hold — 20 s" edit and each short message
    # that sounds (a release, the other side). A beat the short message announces updates the
    # status only with capacity to spare, so those edits may be replaced, by design.
    holds = sum(1 for beat in plan if beat.kind is BeatKind.HOLD)
    sounds = sum(1 for before, beat in itertools.pairwise(plan)
                 if beat.kind is BeatKind.SWITCH_SIDE or (beat.kind is BeatKind.REST
                 and before.seconds >= SOUND_AFTER_HOLD))
    short = sum(1 for run in finished
                if sum(1 for e in run if e.kind == "edit" and "Hold — 20 s" in (e.text or ""))
                < holds or sum(1 for e in run if e.kind == "message") < sounds)
    edits = [[e for e in run if e.kind == "edit"] for run in finished]
    print(f"exercises run to their end: {len(finished)} of {args.workouts} "
          f"({ended - started:.0f} s); with a hold prompt or a sounding message missing: "
          f"{short}; 429 responses: {api.rate_limited_count} (each waited out and sent again)")
    lateness = []
    for shown in edits:
        for previous, prompt in itertools.pairwise(shown):
            planned = SECONDS.search(previous.text or "")
            if planned:
                lateness.append(prompt.timestamp - previous.timestamp - float(planned.group(1)))
    print(f"step lateness (the backlog): {spread(lateness)}")
    print(f"messages and edits per workout-minute: "
          f"{messages_per_workout_minute(api, set(chats), started, ended):.1f}")
    bot.report_log()


async def stop_under_load(args: argparse.Namespace, api: FakeBotAPI, bot: BotProcess, url: str,
                          folder: str, users: list[FakeUser], name: str, started: float) -> None:
    runs = [asyncio.create_task(started_exercise(user, name, random.uniform(0, args.stagger)))
            for user in users]
    await asyncio.sleep(args.stagger + args.after)
    chats = {user.id for user in users}
    sent_before = len(api.calls)
    signalled, wall = time.monotonic(), time.time()
    exited = await bot.stop(getattr(signal, f"SIG{args.stop}"))
    after = [c for c in api.calls[sent_before:] if c.method in SHOWING
             and c.timestamp > signalled]
    for run in runs:
        run.cancel()
    await asyncio.gather(*runs, return_exceptions=True)
    live = await stored_live(url)
    print(f"SIG{args.stop} {args.after:.0f} s into the exercises: the bot exited after "
          f"{exited:.2f} s (exit status {bot.process.returncode})")
    print(f"Bot API calls that show something, after the signal: {len(after)} "
          f"(within 0.1 s: {sum(1 for c in after if c.timestamp - signalled <= 0.1)})")
    print(f"workouts stored as live: {live} of {args.workouts}")
    print("the bot's log from the signal on:")
    bot.timeline(wall)


    offered = {user.id: len(user.history) for user in users}
    restarted = time.monotonic()
    again = await BotProcess.start(api, url, folder)
    try:
        newcomer = api.user(FIRST_CHAT - 1)
        polls = len(api.calls_to("getUpdates"))
        await api.wait_until(lambda: len(api.calls_to("getUpdates")) > polls, timeout=120)
        polling = time.monotonic() - restarted
        await asyncio.sleep(5)  # the offers are under way
        asked = time.monotonic()
        await newcomer.send("/start")
        await newcomer.expect("Back Coach", timeout=PATIENCE)
        answered = time.monotonic() - asked

        def all_offered() -> bool:
            return all(any("interrupted because I restarted" in (e.text or "")
                           for e in user.history[offered[user.id]:]) for user in users)

        await api.wait_until(all_offered, timeout=PATIENCE)
        every = time.monotonic() - restarted
    finally:
        await again.stop()
    waited = [c.timestamp for c in api.calls if c.method == "sendAnimation"
              and c.params.get("chat_id") in chats and c.timestamp > restarted]
    print(f"restarted: polling after {polling:.1f} s; every workout offered again "
          f"{every:.0f} s after the start ({len(waited)} cards); a newcomer's /start "
          f"5 s into the offers answered in {answered * MS:.0f} ms")
    again.report_log()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workouts", type=int, default=1000)
    parser.add_argument("--stagger", type=float, default=20.0,
                        help="seconds over which the Starts are pressed")
    parser.add_argument("--stop", choices=("TERM", "INT"),
                        help="stop the bot with this signal, then start it again")
    parser.add_argument("--after", type=float, default=30.0,
                        help="with --stop: seconds after the last Start")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    random.seed(args.seed)
    asyncio.run(load(args))


if __name__ == "__main__":
    main()
