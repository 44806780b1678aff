"""`backcoach demo`: a person chats with the real bot in the terminal, buttons pressed by letter,
numbers typed as numbers."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from bot.content import load_content
from bot.demo import Files, describe, run_demo
from bot.fakeapi import BotEvent
from tests.harness import PICTURE_CACHE, VOICE_CACHE


class Terminal:
    """The demo's input and output, typed and read by the test as a person at a terminal."""

    def __init__(self) -> None:
        self.typed: asyncio.Queue[str | None] = asyncio.Queue()
        self.screen: list[str] = []

    async def lines(self) -> AsyncIterator[str]:
        while (line := await self.typed.get()) is not None:
            yield line

    def write(self, text: str) -> None:
        self.screen.append(text)

    async def type(self, line: str) -> None:
        await self.typed.put(line)

    async def wait_for(self, contains: str, timeout: float = 60) -> str:
        """The first block on screen, from the last one checked, that contains the text."""
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            for block in self.screen:
                if contains in block:
                    self.screen = self.screen[self.screen.index(block) + 1:]
                    return block
            await asyncio.sleep(0.01)
        raise AssertionError(f"{contains!r} not on screen:\n" + "\n".join(self.screen))


async def test_a_person_chats_screens_and_starts_a_workout_in_the_terminal(
    tmp_path: Path,
) -> None:
    terminal = Terminal()
    environ = {"USER": "maria", "LANG": "en_US.UTF-8", "BACKCOACH_TIME_SCALE": "0.01",
               "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/demo.db"}
    demo = asyncio.create_task(run_demo(terminal.lines(), terminal.write, environ))
    try:
        await terminal.wait_for("type a button's letter to press it")
        await terminal.type("/start")
        await terminal.wait_for("Hi Maria!")
        await terminal.type("/screen")
        total = len(load_content().questions)
        for number in range(1, total + 1):
            question = await terminal.wait_for(f"Question {number} of {total}")
            assert "[a] ✅ Yes   [b] ❌ No" in question
            await terminal.type("b")
        cleared = await terminal.wait_for("Nothing in your answers rules out")
        assert "[a] 🏃 Start a workout" in cleared
        await terminal.type("A")
        feeling = await terminal.wait_for("How does your back feel right now?")
        # The keyboard's rows stay rows: 0-5, 6-10, then Skip.
        assert "\n   [a] 0   [b] 1   [c] 2   [d] 3   [e] 4   [f] 5\n   [g] 6" in feeling
        assert feeling.endswith("[l] Skip")
        await terminal.type("3")  # a number is the number, not the third button
        noted = await terminal.wait_for("(edited) › How does your back feel right now?")
        assert "3 out of 10" in noted
        overview = await terminal.wait_for("Today's workout")
        assert "[a] ▶️ Let's go" in overview
        await terminal.type("a")
        # The card comes under its picture: the animation is saved as a file too.
        card = await terminal.wait_for("[animation saved to ")
        assert "Lying hamstring stretch" in card
        picture = Path(card.split("[animation saved to ", 1)[1].split("]", 1)[0])
        assert picture.suffix == ".mp4"
        assert b"ftyp" in (await asyncio.to_thread(picture.read_bytes))[:12]
        # Spoken guidance, the default: the voice message is saved as a file, like a picture.
        saved = await terminal.wait_for("[voice saved to ")
        path = Path(saved.split("[voice saved to ", 1)[1].split("]", 1)[0])
        assert path.suffix == ".ogg" and (await asyncio.to_thread(path.read_bytes))[:4] == b"OggS"
        status = await terminal.wait_for("Press ▶ on the voice message")
        assert "[a] ▶️ I pressed play" in status
        await terminal.type("a")
        await terminal.wait_for("Hold — 20 s")
        await terminal.type("/quit")
        # The demo lets the chat settle first, up to 10 s: a workout keeps it busy that long.
        await asyncio.wait_for(demo, 60)
    finally:
        demo.cancel()


async def test_the_console_command_runs_the_demo(tmp_path: Path) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "demo",
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(Path.cwd()),
             "HOME": str(tmp_path), "LANG": "ru_RU.UTF-8", "USER": "olga",
             "TMPDIR": str(temporary), "BACKCOACH_VOICE_CACHE": str(VOICE_CACHE),
             "BACKCOACH_PICTURE_CACHE": str(PICTURE_CACHE)},
        cwd=tmp_path, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    output, errors = await asyncio.wait_for(process.communicate(b"/start\n"), 60)
    assert process.returncode == 0, errors.decode()
    shown = output.decode()
    assert "Привет, Olga!" in shown
    assert "Traceback" not in errors.decode()
    # Nothing was saved, so no folder for files was made; the chat's own is gone too.
    assert list(temporary.iterdir()) == []


def test_a_keyboard_under_the_message_box_is_shown_with_letters_too() -> None:
    event = BotEvent("message", 1, 5, "Did you mean /workout?",
                     {"keyboard": [[{"text": "/workout"}]], "one_time_keyboard": True})
    assert describe(event, Files()).endswith("\n   [a] /workout")
