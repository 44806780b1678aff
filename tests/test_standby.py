"""Two bot processes on one database: one is active, the other waits as a standby and takes
over when the active one dies (SIGKILL), carrying on its live workouts and its reminders.

On PostgreSQL (bot/ops/election.py). On SQLite a second process refuses to start instead.
Each process's /healthz and /metrics say which one is active.
Each test prints what it measured (``pytest -s``): the takeover time, reminders sent twice
and lost."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import make_url

from bot.__main__ import EXIT_LOST_ROLE
from bot.dispatch import CLAIM_BATCH, MAX_IN_FLIGHT
from bot.fakeapi import FakeBotAPI
from bot.ops.election import ELECTION_KEY
from tests.harness import free_port, postgres_admin_url, webhook_environment
from tests.processes import BotProcess, exercising, fill, start_bot, stored

WORKOUT_CHATS = range(7101, 7104)
# A burst of about fifteen seconds at Telegram's pace.
REMINDER_CHATS = range(810_000, 810_450)
STANDBY_LINE = "standby: another Back Coach process is active"
# What a crash may cost (bot/dispatch.py): the batch claimed and the messages in flight.
CRASH_MAY_LOSE = CLAIM_BATCH + MAX_IN_FLIGHT

on_postgresql = pytest.mark.skipif(postgres_admin_url() is None,
                                   reason="a standby takes over on PostgreSQL")
on_sqlite = pytest.mark.skipif(postgres_admin_url() is not None,
                               reason="one process per SQLite file")


async def health(port: int, path: str = "/healthz") -> tuple[int, dict[str, object] | str]:
    async with aiohttp.ClientSession() as session, session.get(
            f"http://127.0.0.1:{port}{path}") as answer:
        body = await answer.text()
        return answer.status, json.loads(body) if path.startswith("/healthz") else body


def metric(page: str, name: str) -> float:
    [value] = [sample.value for family in text_string_to_metric_families(page)
               for sample in family.samples if sample.name == name]
    return value


def taking_updates_since(api: FakeBotAPI, moment: float) -> float | None:
    """When a bot first asked for updates after ``moment``: a poll, or its webhook set."""
    return next((call.timestamp for call in api.calls
                 if call.method in ("getUpdates", "setWebhook") and call.timestamp > moment),
                None)


def instance_env(health_port: int, webhook: bool) -> dict[str, str]:
    """One instance's own settings: its health port and, in webhook mode, its webhook port."""
    return {"BACKCOACH_HEALTH_LISTEN": f"127.0.0.1:{health_port}",
            **(webhook_environment() if webhook else {})}


def reminder_sends(api: FakeBotAPI) -> Counter[int]:
    return Counter(call.params["chat_id"] for call in api.calls_to("sendMessage")
                   if call.error is None and call.params.get("chat_id") in REMINDER_CHATS)


@on_postgresql
@pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
async def test_a_standby_takes_over_the_live_workouts_of_a_killed_process(
    api: FakeBotAPI, database_url: str, tmp_path: Path, webhook: bool
) -> None:
    await fill(database_url, WORKOUT_CHATS, [])
    ports = free_port(), free_port()
    first = await BotProcess.start(api, database_url, tmp_path,
                                   **instance_env(ports[0], webhook))
    second: BotProcess | None = None
    try:
        users = [api.user(chat_id) for chat_id in WORKOUT_CHATS]
        await asyncio.gather(*(exercising(user) for user in users))
        second = await BotProcess.start(api, database_url, tmp_path,
                                        **instance_env(ports[1], webhook))
        await second.line(STANDBY_LINE)
        assert await health(ports[0]) == (200, {
            "live": True, "ready": True, "role": "active", "database": "ok", "bot_api": "ok"})
        status, standing_by = await health(ports[1])
        assert (status, standing_by["role"], standing_by["ready"]) == (503, "standby", False)
        assert (await health(ports[1], "/healthz/live"))[0] == 200
        _, page = await health(ports[1], "/metrics")
        assert metric(str(page), "backcoach_active") == 0
        # The standby neither polls nor answers: the active one does.
        helper = api.user(7199)
        await helper.send("/help")
        await helper.expect("/workout")

        read = {user.id: len(user.history) for user in users}
        killed = time.monotonic()
        await first.kill()
        await api.wait_until(lambda: taking_updates_since(api, killed) is not None, timeout=60)
        took_over = taking_updates_since(api, killed)
        assert took_over is not None
        for user in users:
            offer = await user.expect("interrupted because I restarted", timeout=60)
            assert len(user.history) > read[user.id]
            assert offer.kind == "animation"
            await user.expect("tap Start", kind="message", timeout=60)
            await user.press("Start")
            await user.expect("Get ready", kind="edit", timeout=60)
        offered = time.monotonic()
        await helper.send("/help")
        await helper.expect("/workout", timeout=60)
        status, now_active = await health(ports[1])
        assert (status, now_active["role"], now_active["ready"]) == (200, "active", True)
        _, page = await health(ports[1], "/metrics")
        assert metric(str(page), "backcoach_active") == 1
        assert metric(str(page), "backcoach_live_workouts") == len(WORKOUT_CHATS)
        assert metric(str(page), "backcoach_updates_total") >= len(WORKOUT_CHATS) + 1
        mode = "webhook set" if webhook else "polling"
        print(f"\ntakeover: {mode} again {took_over - killed:.2f} s after SIGKILL, "
              f"every workout offered again by {offered - killed:.2f} s")
        assert (api.webhook.webhook is not None) == webhook
        assert "this one is active now" in second.log
    finally:
        await first.kill()
        if second is not None:
            assert await second.stop() == 0, second.log[-3000:]
    assert "Traceback" not in second.log, second.log[-3000:]


@on_postgresql
async def test_a_burst_of_reminders_goes_on_after_a_takeover_none_sent_twice(
    api: FakeBotAPI, database_url: str, tmp_path: Path
) -> None:
    await fill(database_url, [], REMINDER_CHATS)
    api.set_rate_limit(global_per_second=30)
    first = await BotProcess.start(api, database_url, tmp_path)
    second: BotProcess | None = None
    try:
        await api.wait_until(lambda: sum(reminder_sends(api).values()) >= 60, timeout=60)
        second = await BotProcess.start(api, database_url, tmp_path)
        await second.line(STANDBY_LINE)
        await api.wait_until(lambda: sum(reminder_sends(api).values()) >= 150, timeout=60)
        killed = time.monotonic()
        sent_by_first = sum(reminder_sends(api).values())
        await first.kill()

        async def accounted() -> bool:
            _, due = await stored(database_url)
            return due == 0 and len(reminder_sends(api)) >= len(REMINDER_CHATS) - CRASH_MAY_LOSE

        deadline = time.monotonic() + 120
        while not await accounted():
            assert time.monotonic() < deadline, "the standby did not send the rest"
            await asyncio.sleep(0.5)
        took_over = taking_updates_since(api, killed)
        assert took_over is not None
    finally:
        await first.kill()
        if second is not None:
            assert await second.stop() == 0, second.log[-3000:]
    sends = reminder_sends(api)
    twice = sum(1 for count in sends.values() if count > 1)
    _, due = await stored(database_url)
    lost = len(REMINDER_CHATS) - len(sends) - due
    print(f"\nburst of {len(REMINDER_CHATS)}: {sent_by_first} sent before SIGKILL, taken over "
          f"in {took_over - killed:.2f} s, {len(sends)} sent in all, {twice} sent twice, "
          f"{lost} lost, {due} still due; 429s: {api.rate_limited_count}")
    assert twice == 0
    assert lost <= CRASH_MAY_LOSE


@on_sqlite
async def test_a_second_process_on_one_sqlite_file_refuses_in_one_line(
    api: FakeBotAPI, migrated_database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    first = await BotProcess.start(api, migrated_database_url, tmp_path,
                                   BACKCOACH_HEALTH_LISTEN=f"127.0.0.1:{port}")
    try:
        user = api.user(7201)
        await user.send("/help")
        await user.expect("/workout", timeout=60)
        assert await health(port) == (200, {
            "live": True, "ready": True, "role": "active", "database": "ok", "bot_api": "ok"})
        env = {"LOG_LEVEL": "WARNING"}
        second = await start_bot(api, migrated_database_url, tmp_path, **env)
        _, stderr = await asyncio.wait_for(second.communicate(), 120)
        assert second.returncode == 2
        [line] = stderr.decode().strip().splitlines()
        assert line == ("backcoach: DATABASE_URL: another Back Coach process is running on "
                        f"{migrated_database_url.split(':///', 1)[1]}; one process per SQLite "
                        "database (for a standby, use PostgreSQL)")
        await user.send("/help")
        await user.expect("/workout", timeout=60)
    finally:
        assert await first.stop() == 0, first.log[-3000:]


async def terminate_the_role_connection(database_url: str) -> int:
    """Ends the database connection that holds the active role, as a network cut would."""
    connection = await asyncpg.connect(
        make_url(database_url).set(drivername="postgresql").render_as_string(
            hide_password=False))
    try:
        # A bigint key is kept as its high and low 32 bits, in classid and objid.
        return await connection.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_locks "
            "WHERE locktype = 'advisory' AND granted AND objsubid = 1 "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND ((classid::bigint << 32) | objid::bigint) = $1", ELECTION_KEY)
    finally:
        await connection.close()


@on_postgresql
async def test_an_active_process_that_loses_its_database_connection_steps_down(
    api: FakeBotAPI, database_url: str, tmp_path: Path
) -> None:
    await fill(database_url, [], [])
    first = await BotProcess.start(api, database_url, tmp_path)
    second: BotProcess | None = None
    try:
        user = api.user(7301)
        await user.send("/help")
        await user.expect("/workout", timeout=60)
        second = await BotProcess.start(api, database_url, tmp_path)
        await second.line(STANDBY_LINE)
        assert await terminate_the_role_connection(database_url) == 1
        # It stops within CHECK_EVERY + CHECK_TIMEOUT, for its supervisor to start it again.
        assert await first.ended(60) == EXIT_LOST_ROLE
        assert "may no longer be the active one" in first.log
        await second.line("this one is active now")
        await user.send("/help")
        await user.expect("/workout", timeout=60)
    finally:
        await first.kill()
        if second is not None:
            assert await second.stop() == 0, second.log[-3000:]


@on_postgresql
async def test_a_standby_stops_at_once_when_asked(
    api: FakeBotAPI, database_url: str, tmp_path: Path
) -> None:
    await fill(database_url, [], [])
    first = await BotProcess.start(api, database_url, tmp_path)
    try:
        await api.wait_until(lambda: bool(api.calls_to("getUpdates")), timeout=60)
        second = await BotProcess.start(api, database_url, tmp_path)
        await second.line(STANDBY_LINE)
        assert await second.stop(timeout=30) == 0
        assert second.lines[-1][1] == "backcoach: stopped"
    finally:
        assert await first.stop() == 0, first.log[-3000:]
