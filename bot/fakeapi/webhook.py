"""Webhook delivery of the fake Bot API: with a webhook set, updates are posted to the bot.

As Telegram does: each update is posted as JSON to the webhook's address with the secret token
in the ``X-Telegram-Bot-Api-Secret-Token`` header; an update is gone once the bot answers 2xx,
and is posted again a moment later otherwise (the bot not listening yet, restarting, or
refusing). Updates go one at a time, in order, so each chat's come in the order they were
sent. ``setWebhook`` refuses what Telegram would refuse without a network: a malformed
address or secret, and a host that cannot resolve (any name under ``.invalid``, RFC 2606).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp

JsonDict = dict[str, Any]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# Seconds before an update the bot did not take is posted again (Telegram waits longer).
RETRY_AFTER = 0.05
POST_TIMEOUT = 10.0


class WebhookRefused(Exception):
    """setWebhook's "Bad Request" description."""


@dataclass(frozen=True)
class WebhookPost:
    """One post of an update to the bot, and how the bot answered (status 0: no answer)."""

    update_id: int
    status: int
    timestamp: float = field(default_factory=time.monotonic)


@dataclass
class Webhook:
    url: str
    secret: str | None
    allowed_updates: list[str]
    last_error: tuple[int, str] | None = None  # (unix time, message), as getWebhookInfo says


def checked(params: JsonDict) -> Webhook:
    """The webhook setWebhook asks for, or WebhookRefused with Telegram's description."""
    url = str(params.get("url") or "")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookRefused("bad webhook: Webhook URL is invalid")
    if parts.hostname.endswith(".invalid"):
        raise WebhookRefused("bad webhook: Failed to resolve host: Name or service not known")
    secret = params.get("secret_token")
    if secret is not None and not _SECRET_SHAPE.match(str(secret)):
        raise WebhookRefused("secret token contains unallowed characters")
    return Webhook(url, None if secret is None else str(secret),
                   list(params.get("allowed_updates") or []))


class WebhookDelivery:
    """Posts the server's pending updates to the webhook while one is set.

    ``deliverable`` gives the updates waiting, filtered by the webhook's allowed kinds;
    ``delivered`` removes one the bot took; ``changed`` waits until something may have
    changed (a new update, the webhook set or removed), up to the seconds given."""

    def __init__(
        self, deliverable: Callable[[list[str]], list[JsonDict]],
        delivered: Callable[[int], None],
        changed: Callable[[float], Awaitable[None]],
    ) -> None:
        self._deliverable, self._delivered, self._changed = deliverable, delivered, changed
        self.webhook: Webhook | None = None
        self.posts: list[WebhookPost] = []
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    def set(self, webhook: Webhook) -> None:
        self.webhook = webhook
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._deliver(), name="fake webhook delivery")

    def delete(self) -> None:
        self.webhook = None

    def info(self) -> JsonDict:
        webhook = self.webhook
        if webhook is None:
            return {"url": "", "has_custom_certificate": False,
                    "pending_update_count": len(self._deliverable([]))}
        result: JsonDict = {
            "url": webhook.url, "has_custom_certificate": False,
            "pending_update_count": len(self._deliverable(webhook.allowed_updates)),
            "max_connections": 40,
        }
        if webhook.allowed_updates:
            result["allowed_updates"] = webhook.allowed_updates
        if webhook.last_error is not None:
            result["last_error_date"], result["last_error_message"] = webhook.last_error
        return result

    async def close(self) -> None:
        self.webhook = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _deliver(self) -> None:
        while (webhook := self.webhook) is not None:
            waiting = self._deliverable(webhook.allowed_updates)
            if not waiting:
                await self._changed(1.0)
                continue
            update = waiting[0]
            status = await self._post(webhook, update)
            self.posts.append(WebhookPost(update["update_id"], status))
            if 200 <= status < 300:
                webhook.last_error = None
                self._delivered(update["update_id"])
            else:
                reason = f"Wrong response from the webhook: {status}" if status else (
                    "Connection refused")
                webhook.last_error = (int(time.time()), reason)
                await asyncio.sleep(RETRY_AFTER)

    async def _post(self, webhook: Webhook, update: JsonDict) -> int:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=POST_TIMEOUT))
        headers = {SECRET_HEADER: webhook.secret} if webhook.secret is not None else {}
        try:
            async with self._session.post(webhook.url, json=update, headers=headers) as answer:
                await answer.read()
                return answer.status
        except (aiohttp.ClientError, TimeoutError):
            return 0
