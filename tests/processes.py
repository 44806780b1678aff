"""The real bot as a process of its own (``python -m bot``), against the test's fake Bot API:
for what only a whole process shows (signals, a crash, two processes on one database).

There are no tests in this module."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url

from bot import timing
from bot.db import create_engine, migrate
from bot.fakeapi import FakeBotAPI, FakeUser
from bot.models import Chat, Reminder, ScreeningResult, WorkoutSession, utcnow
from bot.preferences import TEXT
from bot.workouts import ACTIVE_STATUSES
from tests.harness import bot_environment
from tests.workout_helpers import expect_card, reach_overview


async def fill(url: str, workout_chats: Iterable[int], reminder_chats: Iterable[int]) -> None:
    """Everyone cleared by the safety questions; each reminder chat has a reminder due now."""
    workout_chats, reminder_chats = list(workout_chats), list(reminder_chats)
    engine = create_engine(make_url(url))
    try:
        await migrate(engine)
        now = utcnow()
        due = now - timedelta(seconds=30)
        rows = {
            Chat: [{"id": chat_id, "guidance": TEXT, "time_zone": "UTC",
                    "prefers_harder": False, "created_at": now, "updated_at": now}
                   for chat_id in [*workout_chats, *reminder_chats]],
            ScreeningResult: [{"chat_id": chat_id, "outcome": "cleared", "answers": {},
                               "completed_at": now - timedelta(hours=2)}
                              for chat_id in workout_chats],
            Reminder: [{"chat_id": chat_id, "kind": "walk",
                        "local_time": str(timing.LocalTime(due.hour, due.minute)),
                        "weekdays": timing.EVERY_DAY, "active": True, "next_due_at": due,
                        "created_at": now} for chat_id in reminder_chats],
        }
        async with engine.begin() as connection:
            for model, values in rows.items():
                if values:
                    await connection.execute(insert(model), values)
    finally:
        await engine.dispose()


async def stored(url: str) -> tuple[int, int]:
    """Workouts stored as live, and reminders still due (claimed and put back, or never
    claimed)."""
    engine = create_engine(make_url(url))
    try:
        async with engine.connect() as connection:
            live = await connection.scalar(select(func.count()).select_from(WorkoutSession).where(
                WorkoutSession.status.in_([s.value for s in ACTIVE_STATUSES])))
            due = await connection.scalar(select(func.count()).select_from(Reminder).where(
                Reminder.next_due_at <= utcnow()))
            return live or 0, due or 0
    finally:
        await engine.dispose()


async def exercising(user: FakeUser) -> None:
    """The first exercise under way: Start pressed, its first hold shown."""
    await reach_overview(user)
    await user.press("Let's go")
    await expect_card(user, timeout=60)
    await user.expect("tap Start", kind="message", timeout=60)
    await user.press("Start")
    await user.expect("Hold", kind="edit", timeout=60)


async def start_bot(api: FakeBotAPI, url: str, folder: Path,
                    **extra_env: str) -> asyncio.subprocess.Process:
    env = bot_environment(api, url, **{"LOG_LEVEL": "INFO", **extra_env})
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot",
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(Path.cwd()), **env},
        cwd=folder, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)


class BotProcess:
    """A running bot whose log lines are read as they come, each with the time it came."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[tuple[float, str]] = []
        self._new_line = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, api: FakeBotAPI, url: str, folder: Path, **extra_env: str
                    ) -> BotProcess:
        return cls(await start_bot(api, url, folder, **extra_env))

    async def _read(self) -> None:
        assert self.process.stderr is not None
        async for raw in self.process.stderr:
            self.lines.append((time.monotonic(), raw.decode(errors="replace").rstrip()))
            self._new_line.set()
        self._new_line.set()

    @property
    def log(self) -> str:
        return "\n".join(line for _, line in self.lines)

    async def line(self, text: str, timeout: float = 60) -> float:
        """When the first log line holding ``text`` came; waits for it up to ``timeout``."""
        async def seen() -> float:
            while True:
                for at, line in self.lines:
                    if text in line:
                        return at
                if self._reader.done():
                    raise AssertionError(f"the bot ended without logging {text!r}:\n{self.log}")
                self._new_line.clear()
                await self._new_line.wait()

        try:
            return await asyncio.wait_for(seen(), timeout)
        except TimeoutError:
            raise AssertionError(f"no log line with {text!r} in {timeout} s:\n{self.log}"
                                 ) from None

    async def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        await self.ended(60)

    async def stop(self, stop_signal: signal.Signals = signal.SIGTERM,
                   timeout: float = 120) -> int:
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(stop_signal)
        return await self.ended(timeout)

    async def ended(self, timeout: float) -> int:
        code = await asyncio.wait_for(self.process.wait(), timeout)
        await asyncio.wait_for(self._reader, timeout)
        return code
