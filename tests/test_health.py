"""/healthz, /healthz/live and /metrics over real HTTP on 127.0.0.1: what a load balancer, a
supervisor and Prometheus see when all is well, on a standby, and when the database or the Bot
API fails; and the checks of a running bot against the fake Bot API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from telegram.error import NetworkError

from bot.config import Settings
from bot.db import create_engine
from bot.fakeapi import FakeBotAPI
from bot.ops.health import (
    Cached,
    Checks,
    HealthServer,
    application_checks,
    standalone_checks,
)
from bot.ops.metrics import Metrics, RoleName, metrics_of
from tests.harness import RunningBot, bot_environment

TOKEN = "123456789:AAHsecretSECRETsecretSECRET_xyz"


async def works() -> None:
    pass


def failing(error: BaseException) -> Callable[[], Any]:
    async def check() -> None:
        raise error
    return check


@asynccontextmanager
async def serving(checks: Checks, **options: Any) -> AsyncIterator[str]:
    server = HealthServer("127.0.0.1", 0, checks, **options)
    await server.start()
    try:
        assert server.port != 0
        yield f"http://127.0.0.1:{server.port}"
    finally:
        await server.stop()


async def get(url: str) -> tuple[int, Any, str]:
    """Status, JSON body (or text) and content type."""
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        body = await response.text()
        kind = response.headers["Content-Type"]
        return response.status, await response.json() if "json" in kind else body, kind


async def test_ready_when_active_and_the_database_and_bot_api_answer() -> None:
    async with serving(Checks(database=works, bot_api=works)) as url:
        status, body, kind = await get(f"{url}/healthz")
    assert status == 200 and kind.startswith("application/json")
    assert body == {"live": True, "ready": True, "role": "active", "database": "ok",
                    "bot_api": "ok"}


async def test_a_standby_is_live_but_not_ready() -> None:
    async with serving(Checks(database=works, bot_api=works, role=lambda: "standby")) as url:
        status, body, _ = await get(f"{url}/healthz")
        live_status, live, _ = await get(f"{url}/healthz/live")
    assert status == 503
    assert body == {"live": True, "ready": False, "role": "standby", "database": "ok",
                    "bot_api": "ok"}
    assert (live_status, live) == (200, {"live": True})


async def test_a_database_that_fails_makes_it_not_ready_without_showing_the_password() -> None:
    error = OperationalError(
        "SELECT 1", {}, Exception("could not connect to postgresql://bc:hunter2@db:5432/bc\n"
                                  "is the server running?"))
    checks = Checks(database=failing(error), bot_api=works, secrets=("hunter2",))
    async with serving(checks) as url:
        status, body, _ = await get(f"{url}/healthz")
        live_status, _, _ = await get(f"{url}/healthz/live")
    assert (status, body["ready"], body["bot_api"], live_status) == (503, False, "ok", 200)
    assert body["database"] == "Exception: could not connect to postgresql://bc:***@db:5432/bc"
    assert "hunter2" not in str(body) and "SELECT" not in body["database"]


async def test_a_bot_api_that_fails_makes_it_not_ready_without_showing_the_token() -> None:
    error = NetworkError(f"httpx.ConnectError: https://api.telegram.org/bot{TOKEN}/getMe")
    # The secret is known (TOKEN) and the token's shape is caught even when it is not.
    for secrets in ((TOKEN,), ()):
        async with serving(Checks(database=works, bot_api=failing(error),
                                  secrets=secrets)) as url:
            status, body, _ = await get(f"{url}/healthz")
        assert (status, body["ready"], body["database"]) == (503, False, "ok")
        assert body["bot_api"].startswith("NetworkError: httpx.ConnectError: https://api.")
        assert "AAHsecret" not in body["bot_api"]


async def test_a_check_that_hangs_is_reported_after_the_timeout() -> None:
    never = asyncio.Event()

    async def hangs() -> None:
        await never.wait()

    async with serving(Checks(database=hangs, bot_api=works), timeout=0.05) as url:
        status, body, _ = await get(f"{url}/healthz")
    assert (status, body["database"], body["bot_api"]) == (503, "no answer within 0.05 s", "ok")


async def test_metrics_are_served_in_prometheus_text_format() -> None:
    metrics = Metrics()
    metrics.updates.inc(3)
    async with serving(Checks(database=works, bot_api=works), registry=metrics.registry) as url:
        status, body, kind = await get(f"{url}/metrics")
    assert status == 200 and kind.startswith("text/plain") and "version=" in kind
    families = {family.name: family for family in text_string_to_metric_families(body)}
    assert families["backcoach_updates"].samples[0].value == 3
    assert {"backcoach_reminders", "backcoach_telegram_rate_limited", "backcoach_active",
            "backcoach_live_workouts", "backcoach_workout_step_lateness_seconds"} <= set(families)
    assert all(family.documentation for family in families.values())


async def test_one_bot_api_answer_serves_the_polls_of_a_few_seconds() -> None:
    calls, now = 0, [100.0]
    release = asyncio.Event()

    async def get_me() -> None:
        nonlocal calls
        calls += 1
        await release.wait()

    cached = Cached(get_me, 5.0, clock=lambda: now[0])
    # Polls that come while the call is under way wait for it rather than ask again.
    waiting = [asyncio.create_task(cached()) for _ in range(3)]
    await asyncio.sleep(0)
    release.set()
    await asyncio.gather(*waiting)
    async with serving(Checks(database=works, bot_api=cached)) as url:
        for _ in range(3):
            assert (await get(f"{url}/healthz"))[1]["bot_api"] == "ok"
        assert calls == 1
        now[0] += 5.0
        await get(f"{url}/healthz")
        assert calls == 2


async def test_a_cached_failure_is_reported_until_it_is_asked_again() -> None:
    answers = [ConnectionError("refused"), None]
    now = [0.0]

    async def get_me() -> None:
        if (error := answers.pop(0)) is not None:
            raise error

    cached = Cached(get_me, 5.0, clock=lambda: now[0])
    for _ in range(2):
        with pytest.raises(ConnectionError):
            await cached()
    now[0] = 5.0
    await cached()
    assert answers == []


async def test_a_running_bot_is_ready_and_asks_getme_once_for_many_polls(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    assert bot.application is not None
    server = HealthServer("127.0.0.1", 0, application_checks(
        bot.application, bot.services.engine, bot.settings),
        registry=metrics_of(bot.application).registry)
    await server.start()
    url = f"http://127.0.0.1:{server.port}"
    try:
        before = len(api.calls_to("getMe"))
        for _ in range(3):
            status, body, _ = await get(f"{url}/healthz")
            assert (status, body) == (200, {"live": True, "ready": True, "role": "active",
                                            "database": "ok", "bot_api": "ok"})
        assert len(api.calls_to("getMe")) == before + 1
        # The process becomes a standby: the metric and /healthz say so together.
        metrics_of(bot.application).set_active(False)
        status, body, _ = await get(f"{url}/healthz")
        assert (status, body["role"]) == (503, "standby")
        _, text, _ = await get(f"{url}/metrics")
        assert "backcoach_active 0.0" in text
    finally:
        await server.stop()
    with pytest.raises(aiohttp.ClientConnectionError):
        await get(f"{url}/healthz/live")


async def test_a_running_bot_reports_a_bot_api_outage_without_its_token(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    assert bot.application is not None
    api.outage("error", methods=["getMe"])
    checks = application_checks(bot.application, bot.services.engine,
                                bot.settings)
    async with serving(checks) as url:
        status, body, _ = await get(f"{url}/healthz")
    assert (status, body["ready"], body["database"]) == (503, False, "ok")
    assert body["bot_api"] == "NetworkError: Bad Gateway"
    assert api.token not in str(body) and api.token.partition(":")[2] not in str(body)


async def test_a_running_bot_reports_a_database_it_cannot_open(
    bot: RunningBot, tmp_path: Path
) -> None:
    assert bot.application is not None
    engine = create_engine(make_url(f"sqlite+aiosqlite:///{tmp_path}/missing/folder/bot.db"))
    checks = application_checks(bot.application, engine, bot.settings)
    try:
        async with serving(checks) as url:
            status, body, _ = await get(f"{url}/healthz")
    finally:
        await engine.dispose()
    assert (status, body["ready"], body["bot_api"]) == (503, False, "ok")
    # The first line of what the driver said, under its own name.
    assert body["database"].startswith("FileNotFoundError: [Errno 2] No such file or directory")


async def test_a_standby_without_an_application_yet_answers_then_hands_over(
    api: FakeBotAPI, migrated_database_url: str
) -> None:
    settings = Settings.from_env(bot_environment(api, migrated_database_url), dotenv=None)
    role: list[RoleName] = ["standby"]
    async with standalone_checks(settings, lambda: role[0]) as checks:
        server = HealthServer("127.0.0.1", 0, checks)
        await server.start()
        url = f"http://127.0.0.1:{server.port}"
        try:
            status, body, _ = await get(f"{url}/healthz")
            assert (status, body) == (503, {"live": True, "ready": False, "role": "standby",
                                            "database": "ok", "bot_api": "ok"})
            role[0] = "active"  # the election is won; the application takes over
            server.checks = Checks(database=works, bot_api=works)
            assert (await get(f"{url}/healthz"))[0] == 200
        finally:
            await server.stop()
