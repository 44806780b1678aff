"""``backcoach demo``: a chat with the real bot in the terminal, with no token and no network.

The bot runs exactly as in production, but talks to a Bot API server inside this process on
127.0.0.1 (the same one the tests use). What you type is sent as your message; a letter in
brackets presses that button of the bot's newest message (a number is a number: "3" at the
0 to 10 question is 3); edits show up as updates of the same message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import tempfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from bot.app import (
    build_application,
    check_database,
    hold_library_logging,
    make_services,
    start_in_process,
    stop_in_process,
)
from bot.config import Settings
from bot.fakeapi import BotEvent, FakeBotAPI, FakeUser

DEMO_CHAT_ID = 1001
KEYS = "abcdefghijklmnopqrstuvwxyz"  # a button's key, in the keyboard's order
SPEAKER, ARROW = "Back Coach", " \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} "
QUIT = {"/quit", "/exit", "quit", "exit"}
BANNER = (
    "Back Coach demo: a local chat with the real bot (no Telegram, no network).\n"
    "Type a message or a /command; type a button's letter to press it; /quit to leave.\n"
    "Start with /start."
)


def demo_environment(api: FakeBotAPI, folder: str, environ: dict[str, str]) -> dict[str, str]:
    return {
        **environ,
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_URL": api.base_url,
        "DATABASE_URL": environ.get("DATABASE_URL") or f"sqlite+aiosqlite:///{folder}/demo.db",
        "LOG_LEVEL": environ.get("LOG_LEVEL", "WARNING"),
        # Voice messages and pictures outlive one demo: made once, they are there for the next.
        "BACKCOACH_VOICE_CACHE": environ.get("BACKCOACH_VOICE_CACHE")
        or str(Path(tempfile.gettempdir()) / "backcoach-voices"),
        "BACKCOACH_PICTURE_CACHE": environ.get("BACKCOACH_PICTURE_CACHE")
        or str(Path(tempfile.gettempdir()) / "backcoach-pictures"),
    }


def terminal_language(environ: dict[str, str]) -> str:
    """The person's language as Telegram would report it, taken from the terminal's locale."""
    locale = environ.get("LC_ALL") or environ.get("LC_MESSAGES") or environ.get("LANG") or "en"
    return locale.split("_")[0].split(".")[0].lower() or "en"


class Files:
    """The folder pictures, voice messages and files the bot sends are saved to, made when the
    first one comes, so that a demo without any leaves no empty folder behind."""

    def __init__(self) -> None:
        self.folder: Path | None = None

    def save(self, name: str, data: bytes) -> Path:
        if self.folder is None:
            self.folder = Path(tempfile.mkdtemp(prefix="backcoach-demo-files-"))
        path = self.folder / name
        path.write_bytes(data)
        return path


def keyboard_lines(event: BotEvent) -> list[str]:
    """The message's buttons, row by row as Telegram shows them, each with its key."""
    markup = event.reply_markup or {}
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    lines, number = [], 0
    for row in rows:
        keys = []
        for button in row:
            keys.append(f"[{KEYS[number]}] {button.get('text', '')}")
            number += 1
        lines.append("   " + "   ".join(keys))
    return lines


def describe(event: BotEvent, files: Files) -> str | None:
    """One event of the chat as the terminal shows it."""
    if event.kind == "callback_answer":
        return f"  ({event.text})" if event.text else None
    if event.kind == "delete":
        return f"  (message #{event.message_id} deleted)"
    if event.kind in ("photo", "document", "voice", "animation"):
        if event.kind == "photo":
            extension = ".png" if (event.file or b"").startswith(b"\x89PNG") else ".jpg"
            name = f"photo-{event.message_id}{extension}"
        elif event.kind == "voice":
            name = f"voice-{event.message_id}.ogg"
        elif event.kind == "animation":
            name = f"animation-{event.message_id}.mp4"
        else:
            name = event.file_name or f"file-{event.message_id}"
        path = files.save(name, event.file or b"")
        caption = f"\n{event.text}" if event.text else ""
        return f"{SPEAKER} #{event.message_id}{ARROW}[{event.kind} saved to {path}]{caption}"
    edited = " (edited)" if event.kind == "edit" else ""
    return "\n".join([f"{SPEAKER} #{event.message_id}{edited}{ARROW}{event.text}",
                      *keyboard_lines(event)])


async def show_chat(user: FakeUser, write: Callable[[str], None], files: Files) -> None:
    while True:
        with contextlib.suppress(AssertionError):  # no news for a while: keep waiting
            shown = describe(await user.next(timeout=3600), files)
            if shown:
                write(shown)


async def act(user: FakeUser, line: str) -> None:
    """Send what was typed, or press a button of the bot's newest message by its letter."""
    newest = user.last_message() if user.messages else None
    rows = ((newest or {}).get("reply_markup") or {}).get("inline_keyboard") or []
    buttons = [button for row in rows for button in row]
    key = line.lower()
    if newest and len(key) == 1 and key in KEYS[:len(buttons)]:
        button = buttons[KEYS.index(key)]
        if "callback_data" in button:
            await user.press_data(newest["message_id"], button["callback_data"],
                                  label=button.get("text"))
            return
    offered = user.reply_keyboard()  # a keyboard under the message box sends its button's text
    if len(key) == 1 and key in KEYS[:len(offered)]:
        await user.send(offered[KEYS.index(key)])
        return
    await user.send(line)


async def run_demo(
    lines: AsyncIterator[str], write: Callable[[str], None],
    environ: dict[str, str] | None = None,
) -> None:
    environ = dict(os.environ if environ is None else environ)
    with tempfile.TemporaryDirectory(prefix="backcoach-demo-") as folder:
        async with FakeBotAPI() as api:
            settings = Settings.from_env(demo_environment(api, folder, environ), dotenv=None)
            logging.basicConfig(level=settings.log_level, stream=sys.stderr)
            hold_library_logging(settings.log_level)
            await check_database(settings)
            from handlers import register

            application = build_application(make_services(settings), register)
            await start_in_process(application, poll_timeout=1)
            user = api.user(DEMO_CHAT_ID, first_name=environ.get("USER", "").title() or "Friend",
                            language_code=terminal_language(environ))
            # Pictures, voice messages and files the bot sends are kept after the demo ends.
            files = Files()
            printer = asyncio.create_task(show_chat(user, write, files))
            write(BANNER)
            try:
                async for line in lines:
                    line = line.strip()
                    if line.lower() in QUIT:
                        break
                    if line:
                        # Typed ahead (or piped in): read the bot's answer to the last line first,
                        # so a number presses a button of the message it was meant for.
                        await settle(user, quiet=0.2, longest=3)
                        await act(user, line)
            finally:
                await settle(user, quiet=1.5, longest=10)
                printer.cancel()
                await stop_in_process(application)


async def settle(user: FakeUser, *, quiet: float, longest: float) -> None:
    """Let the bot finish answering the last thing typed before the chat closes."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + longest
    seen = -1
    while len(user.history) != seen and loop.time() < deadline:
        seen = len(user.history)
        await asyncio.sleep(quiet)


async def stdin_lines() -> AsyncIterator[str]:
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            return
        yield line


def main() -> None:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_demo(stdin_lines(), lambda text: print(text, flush=True)))
