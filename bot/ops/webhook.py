"""Webhook mode: Telegram posts each update to the bot, instead of the bot asking for them.

The bot listens on ``BACKCOACH_LISTEN`` (plain HTTP, behind a reverse proxy that ends TLS) at
the path of ``BACKCOACH_WEBHOOK_URL``, and tells Telegram that address with ``setWebhook`` at
every start. Telegram sends the secret token with every post, and python-telegram-bot's
webhook server refuses a post without it (403) before reading the update, so nobody who
merely knows the address can act as a user.

The secret is the operator's (``BACKCOACH_WEBHOOK_SECRET``) or, when none is set, one made at
the first start and kept in the database (``bot_settings``): every restart, and every instance
on the same database, then tells Telegram the same one, and a standby that takes over accepts
the posts Telegram already has queued with it.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from telegram.error import BadRequest

from bot.config import ConfigError, Settings
from bot.db import create_engine, make_sessionmaker
from bot.models import BotSetting
from bot.sending.http import one_off_bot

SECRET_SETTING = "webhook_secret"
# 43 characters of A-Z, a-z, 0-9, _ and -: what Telegram accepts, and 256 bits of chance.
SECRET_BYTES = 32


@dataclass(frozen=True)
class Webhook:
    """Where Telegram posts updates, and where the bot listens for them."""

    url: str
    listen: tuple[str, int]
    secret: str

    @property
    def path(self) -> str:
        """The path the bot serves: the public address's own, so a reverse proxy passes
        requests on unchanged."""
        return urlsplit(self.url).path or "/"

    def server_options(self) -> dict[str, object]:
        """python-telegram-bot's ``run_webhook`` and ``start_webhook`` arguments for it."""
        host, port = self.listen
        return {"listen": host, "port": port, "url_path": self.path, "webhook_url": self.url,
                "secret_token": self.secret}

    def __repr__(self) -> str:  # the secret stays out of logs and tracebacks
        return f"Webhook(url={self.url!r}, listen={self.listen!r}, secret=<hidden>)"


async def kept_secret(sessions: async_sessionmaker) -> str:
    """The webhook secret kept in the database, made and stored the first time.

    Two instances starting at once may both make one; the database keeps the first stored and
    the other reads it back, so both tell Telegram the same."""
    async with sessions() as session:
        found = await session.get(BotSetting, SECRET_SETTING)
        if found is not None:
            return found.value
    made = secrets.token_urlsafe(SECRET_BYTES)
    try:
        async with sessions.begin() as session:
            session.add(BotSetting(name=SECRET_SETTING, value=made))
    except IntegrityError:
        async with sessions() as session:
            stored = await session.get(BotSetting, SECRET_SETTING)
            assert stored is not None
            return stored.value
    return made


async def webhook_of(settings: Settings) -> Webhook | None:
    """The webhook to run with; None for long polling (no BACKCOACH_WEBHOOK_URL)."""
    if settings.webhook_url is None:
        return None
    secret = settings.webhook_secret
    if secret is None:
        engine = create_engine(settings.database_url)
        try:
            secret = await kept_secret(make_sessionmaker(engine))
        finally:
            await engine.dispose()
    return Webhook(settings.webhook_url, settings.listen, secret)


async def offer_webhook(settings: Settings, webhook: Webhook,
                        allowed_updates: Sequence[str]) -> None:
    """Tell Telegram the webhook before anything starts, or raise :class:`ConfigError` with
    Telegram's reason when it refuses the address: then the bot stops having done nothing.
    python-telegram-bot tells it again as it starts listening, which changes nothing."""
    async with one_off_bot(settings) as bot:
        try:
            await bot.set_webhook(webhook.url, secret_token=webhook.secret,
                                  allowed_updates=allowed_updates)
        except BadRequest as error:
            raise ConfigError(
                f"BACKCOACH_WEBHOOK_URL: Telegram refused the webhook address {webhook.url}: "
                f"{error.message}"
            ) from None
