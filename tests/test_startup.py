"""Starting the real entry point: clear one-line failures, and a working bot when all is well."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import pytest

import bot.content
from bot.__main__ import main
from bot.fakeapi import FakeBotAPI
from bot.startup import pauses
from tests.harness import bot_environment

GOOD_TOKEN = "123456789:AAHfakeTokenForTestsOnly_abcdefgh"


async def run_entry_point(
    env: dict[str, str], cwd: Path, *, timeout: float = 30
) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot",
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(Path.cwd()), **env},
        cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), timeout)
    return process.returncode or 0, stderr.decode()


def assert_one_clean_line(stderr: str, variable: str, secret: str = GOOD_TOKEN) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert variable in lines[0]
    assert "Traceback" not in stderr
    assert secret not in stderr


async def test_missing_token(tmp_path: Path) -> None:
    code, stderr = await run_entry_point({}, tmp_path)
    assert code == 2
    assert_one_clean_line(stderr, "TELEGRAM_BOT_TOKEN")


async def test_malformed_token_is_not_printed(tmp_path: Path) -> None:
    token = "123456789:has spaces and is wrong"
    code, stderr = await run_entry_point({"TELEGRAM_BOT_TOKEN": token}, tmp_path)
    assert code == 2
    assert_one_clean_line(stderr, "TELEGRAM_BOT_TOKEN", secret=token)


async def test_token_rejected_by_the_bot_api(api: FakeBotAPI, tmp_path: Path) -> None:
    env = bot_environment(api, f"sqlite+aiosqlite:///{tmp_path}/bot.db")
    env["TELEGRAM_BOT_TOKEN"] = GOOD_TOKEN  # well-formed, but not the fake server's token
    code, stderr = await run_entry_point(env, tmp_path)
    assert code == 2
    assert_one_clean_line(stderr.split("backcoach:", 1)[-1], "TELEGRAM_BOT_TOKEN")
    assert GOOD_TOKEN not in stderr


@pytest.mark.parametrize(
    "database_url",
    [
        "postgresql+asyncpg://nobody@127.0.0.1:1/nothing",
        "sqlite+aiosqlite:////nonexistent-directory/backcoach.db",
        "oracle://scott@db/orcl",
    ],
)
async def test_unusable_database(api: FakeBotAPI, tmp_path: Path, database_url: str) -> None:
    env = bot_environment(api, database_url, LOG_LEVEL="INFO")
    code, stderr = await run_entry_point(env, tmp_path)
    assert code == 2
    assert_one_clean_line(stderr, "DATABASE_URL", secret=api.token)


async def test_an_unreachable_bot_api_is_waited_for_then_named_in_one_line(
    tmp_path: Path,
) -> None:
    with socket.socket() as closed:  # a port on this machine that nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    env = {"TELEGRAM_BOT_TOKEN": GOOD_TOKEN, "BACKCOACH_START_WAIT": "3",
           "TELEGRAM_API_URL": f"http://proxyuser:hunter2@127.0.0.1:{port}/bot"}
    code, stderr = await run_entry_point(env, tmp_path)
    assert code == 2
    *waits, last = stderr.strip().splitlines()
    assert [pauses for pauses in waits if "trying again in" not in pauses] == []
    assert [float(line.rsplit(" in ", 1)[1].rstrip(" s")) for line in waits] == pauses(3)
    assert last.startswith("backcoach: TELEGRAM_API_URL: cannot reach the Bot API at "
                           f"http://proxyuser:***@127.0.0.1:{port}/bot (httpx.ConnectError")
    assert "after trying for 3 s" in last
    assert "Traceback" not in stderr and "hunter2" not in stderr and GOOD_TOKEN not in stderr
    assert not os.listdir(tmp_path), "a failed start left files behind"


def test_broken_content_stops_the_bot_naming_file_and_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    import content

    broken = tmp_path / "content"
    shutil.copytree(content.CONTENT_DIR, broken)
    program = broken / "program.toml"
    before, crunch = program.read_text().split("[exercises.crunch]", 1)
    crunch = crunch.replace("reps = [10]", "reps = [0]", 1)
    program.write_text(f"{before}[exercises.crunch]{crunch}")
    monkeypatch.setattr(content, "CONTENT_DIR", broken)
    monkeypatch.setattr(bot.content, "CONTENT_DIR", broken, raising=False)
    monkeypatch.chdir(tmp_path)
    for name, value in {"TELEGRAM_BOT_TOKEN": GOOD_TOKEN,
                        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/bot.db"}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as exited:
        main([])
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert "program.toml" in error and "crunch" in error
    assert GOOD_TOKEN not in error


async def test_the_console_entry_point_runs_the_bot(api: FakeBotAPI, tmp_path: Path) -> None:
    env = bot_environment(api, f"sqlite+aiosqlite:///{tmp_path}/bot.db")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot",
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(Path.cwd()), **env},
        cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        user = api.user(501, first_name="Maria")
        await user.send("/start")
        greeting = await user.expect("Maria", timeout=30)
        assert "doctor" in greeting.text
        assert api.calls_to("setMyCommands"), "the command menu was not registered"
        await user.send("/screen")
        await user.expect("Question 1 of ", timeout=30)
        await user.press("Yes")
        await user.expect("medical help now", timeout=30)
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    log = stderr.decode()
    assert api.token not in log, "the token leaked into the log"
    assert "Traceback" not in log
    assert "DEBUG" in log, "the bot did not log at the level it was given"
    # Health data never reaches the log, even at DEBUG: no question, answer or outcome.
    for private in ("numbness", "scr:", "medical help", "Question 1"):
        assert private not in log, private
