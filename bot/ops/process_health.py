"""The health and metrics endpoint of a ``backcoach`` process, from its start to its stop.

It answers from the moment the process starts, before the process knows its role: a standby
that waits for hours reports ``standby`` all that time (``backcoach_active`` 0), with a
database engine and a bot of its own for its checks. Once the bot is built, the endpoint
serves the application's own checks and metrics; ``/healthz`` says ``active`` from the
moment the bot runs.
"""

from __future__ import annotations

import contextlib
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.ext import Application

from bot.config import ConfigError, Settings
from bot.ops.election import ACTIVE, Role
from bot.ops.health import HealthServer, application_checks, standalone_checks
from bot.ops.metrics import Metrics, RoleName, metrics_of


class ProcessHealth:
    def __init__(self, settings: Settings, role: Role) -> None:
        self._settings, self._role = settings, role
        self._resources = contextlib.AsyncExitStack()
        self.server: HealthServer | None = None

    def _role_name(self) -> RoleName:
        return "active" if self._role.name == ACTIVE else "standby"

    async def start(self) -> None:
        """Serve, as a standby until ``hand_over``; nothing when BACKCOACH_HEALTH_LISTEN is
        unset."""
        if self._settings.health_listen is None:
            return
        checks = await self._resources.enter_async_context(
            standalone_checks(self._settings, lambda: "standby"))
        waiting = Metrics()
        waiting.set_active(False)
        host, port = self._settings.health_listen
        server = HealthServer(host, port, checks, registry=waiting.registry)
        try:
            await server.start()
        except OSError as error:
            raise ConfigError(f"BACKCOACH_HEALTH_LISTEN: cannot listen on {host}:{port}: "
                              f"{error.strerror or error}") from None
        self.server = server

    def hand_over(self, application: Application[Any, Any, Any, Any, Any, Any],
                  engine: AsyncEngine) -> None:
        """The application's checks (``engine``: its database's) and metrics from now on;
        ready once it runs."""
        metrics = metrics_of(application)
        metrics.set_active(self._role.name == ACTIVE)
        if self.server is None:
            return

        def role() -> RoleName:
            return self._role_name() if application.running else "standby"

        self.server.checks = application_checks(application, engine, self._settings, role=role)
        self.server.registry = metrics.registry

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.stop()
            self.server = None
        await self._resources.aclose()
