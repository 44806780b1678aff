"""Whether the bot is alive and ready, over HTTP, and its metrics for Prometheus.

``GET /healthz/live``: 200 whenever the process answers at all (a supervisor restarts it
otherwise). ``GET /healthz``: whether this process is ready to do the bot's work, as JSON::

    {"live": true, "ready": true, "role": "active", "database": "ok", "bot_api": "ok"}

with 200 when ready and 503 when not. Ready means: this process is the active one, the
database answers ``SELECT 1`` and the Bot API answers ``getMe``, each within
``CHECK_TIMEOUT``. A standby is live but not ready: 503 with ``"role": "standby"``, so that a
load balancer that sends traffic (webhook updates) only where ``/healthz`` says 200 reaches the
active process alone; its database and Bot API are still checked and reported. ``getMe``'s
answer is kept for ``BOT_API_CACHE_SECONDS``, so a supervisor polling every second does not
cost a Bot API call a second. ``GET /metrics``: ``bot.ops.metrics`` in Prometheus's text format.

An error is reported as its kind and the first line of its message, shortened, with the bot
token, the webhook's secret, the database password and any password in a URL taken out: these
pages are often reachable by more people than the bot's configuration is.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Bot
from telegram.ext import Application

from bot.config import Settings
from bot.db import create_engine, driver_error
from bot.ops.metrics import RoleName, metrics_of
from bot.sending.http import one_off_bot

CHECK_TIMEOUT = 2.0
BOT_API_CACHE_SECONDS = 5.0
REASON_LENGTH = 200

# A check answers None when what it checks works, and raises when it does not.
Check = Callable[[], Awaitable[None]]

# user:password@ in any URL; a BotFather token (digits, a colon, the secret) anywhere.
_URL_PASSWORD = re.compile(r"(\w+://[^/@:\s]*):[^/@\s]*@")
_TOKEN_SHAPE = re.compile(r"\d+:[\w-]{20,}")


@dataclass(frozen=True)
class Checks:
    """What readiness asks: the database, the Bot API, and which role this process has."""

    database: Check
    bot_api: Check
    role: Callable[[], RoleName] = lambda: "active"
    # Strings never to show in an answer (the token, the database password).
    secrets: Sequence[str] = ()


def reason(error: BaseException, secrets: Sequence[str] = ()) -> str:
    """An error in a line: its kind and its first line, with no secret in it."""
    cause = driver_error(error)
    lines = str(cause).strip().splitlines()
    said = f"{type(cause).__name__}: {lines[0]}" if lines else type(cause).__name__
    for secret in secrets:
        if secret:
            said = said.replace(secret, "<hidden>")
    said = _TOKEN_SHAPE.sub("<token>", _URL_PASSWORD.sub(r"\1:***@", said))
    return said if len(said) <= REASON_LENGTH else said[: REASON_LENGTH - 1] + "…"


class Cached:
    """A check whose answer serves every call for ``seconds`` after it was asked; calls that
    come while it is under way wait for that one instead of asking again."""

    def __init__(self, check: Check, seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._check = check
        self._seconds = seconds
        self._clock = clock
        self._asked = 0.0
        self._task: asyncio.Future[None] | None = None

    async def __call__(self) -> None:
        task = self._task
        if task is None or (task.done() and self._clock() - self._asked >= self._seconds):
            self._asked = self._clock()
            task = self._task = asyncio.ensure_future(self._check())
            # Read even if every caller gave up waiting, so asyncio does not log it as lost.
            task.add_done_callback(lambda done: done.cancelled() or done.exception())
        # One caller's timeout must not cancel the answer the others wait for.
        await asyncio.shield(task)


class HealthServer:
    """``/healthz``, ``/healthz/live`` and ``/metrics`` on ``host``:``port`` (0: any free
    port; ``port`` tells which once started). Every request reads ``checks`` and ``registry``
    afresh, so a process that starts serving as a standby can hand them over to its
    application once that runs, without a moment in which nothing answers."""

    def __init__(self, host: str, port: int, checks: Checks, *,
                 registry: CollectorRegistry | None = None,
                 timeout: float = CHECK_TIMEOUT) -> None:
        self.host = host
        self.port = port
        self.checks = checks
        self.registry = registry or CollectorRegistry()
        self.timeout = timeout
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/healthz", self._health)
        app.router.add_get("/healthz/live", self._live)
        app.router.add_get("/metrics", self._metrics)
        # No line per request: a supervisor polling every second would fill the log.
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        self.port = runner.addresses[0][1]

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def health(self) -> dict[str, Any]:
        """The body of ``/healthz``."""
        database, bot_api = await asyncio.gather(
            self._ask(self.checks.database), self._ask(self.checks.bot_api))
        role = self.checks.role()
        ready = role == "active" and database == "ok" and bot_api == "ok"
        return {"live": True, "ready": ready, "role": role, "database": database,
                "bot_api": bot_api}

    async def _ask(self, check: Check) -> str:
        try:
            async with asyncio.timeout(self.timeout):
                await check()
        except TimeoutError:
            return f"no answer within {self.timeout:g} s"
        except Exception as error:  # whatever went wrong is the answer, not a crash
            return reason(error, self.checks.secrets)
        return "ok"

    async def _health(self, request: web.Request) -> web.Response:
        body = await self.health()
        return _json(body, 200 if body["ready"] else 503)

    async def _live(self, request: web.Request) -> web.Response:
        return _json({"live": True}, 200)

    async def _metrics(self, request: web.Request) -> web.Response:
        return web.Response(body=generate_latest(self.registry),
                            headers={"Content-Type": CONTENT_TYPE_LATEST})


def _json(body: dict[str, Any], status: int) -> web.Response:
    # No caching on the way: an answer is only true when it is given.
    return web.Response(text=json.dumps(body), status=status, content_type="application/json",
                        headers={"Cache-Control": "no-store"})


def database_check(engine: AsyncEngine) -> Check:
    async def database() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    return database


def bot_api_check(bot: Bot) -> Check:
    """``getMe``, its answer (good or bad) kept for ``BOT_API_CACHE_SECONDS``."""
    async def get_me() -> None:
        await bot.get_me(read_timeout=CHECK_TIMEOUT, write_timeout=CHECK_TIMEOUT,
                         connect_timeout=CHECK_TIMEOUT, pool_timeout=CHECK_TIMEOUT)
    return Cached(get_me, BOT_API_CACHE_SECONDS)


def secrets_of(settings: Settings) -> tuple[str, ...]:
    secrets = (settings.token, settings.token.partition(":")[2],
               settings.database_url.password or "", settings.webhook_secret or "")
    return tuple(secret for secret in secrets if secret)


def application_checks(application: Application[Any, Any, Any, Any, Any, Any],
                       engine: AsyncEngine, settings: Settings, *,
                       role: Callable[[], RoleName] | None = None) -> Checks:
    """The checks of a bot: its own database engine and its own bot. ``role``: the
    application's metrics say it (``Metrics.set_active``) unless told otherwise."""
    metrics = metrics_of(application)
    return Checks(database=database_check(engine), bot_api=bot_api_check(application.bot),
                  role=role or (lambda: metrics.role), secrets=secrets_of(settings))


@contextlib.asynccontextmanager
async def standalone_checks(settings: Settings, role: Callable[[], RoleName]
                            ) -> AsyncIterator[Checks]:
    """Checks for a process with no application yet (a standby waiting for the active role),
    with an engine and a bot of their own, closed on the way out. Once the application is
    initialized, ``application_checks`` take over (``HealthServer.checks``)."""
    engine = create_engine(settings.database_url)
    # A bot that asks nothing at once (``async with Bot`` would ask getMe): a Bot API that
    # does not answer is for the check to report, not a reason to fail.
    try:
        async with one_off_bot(settings) as bot:
            yield Checks(database=database_check(engine), bot_api=bot_api_check(bot),
                         role=role, secrets=secrets_of(settings))
    finally:
        await engine.dispose()
