"""Settings read from the environment (and a ``.env`` file in the working directory).

Every problem is reported as one :class:`ConfigError` line that names the variable, so an
operator sees at once what to fix. The token is a secret: no message here ever contains it.
"""

from __future__ import annotations

import logging
import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

TELEGRAM_API_DEFAULT = "https://api.telegram.org/bot"
DATABASE_DEFAULT = "sqlite+aiosqlite:///backcoach.db"
HTTP_CONNECTIONS_DEFAULT = 8
LISTEN_DEFAULT = ("127.0.0.1", 8443)

# BotFather tokens are "<numeric bot id>:<secret>"; checking the shape catches pasting mistakes
# (quotes, spaces, a truncated secret) before any request is made.
_TOKEN_SHAPE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")
_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}
_LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
# What Telegram accepts as a webhook's secret token.
_SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    token: str
    database_url: URL
    telegram_api_url: str
    time_scale: float
    log_level: str
    # Seconds to keep trying a Bot API that does not answer at start before giving up.
    start_wait: float = 60.0
    # Seconds a reminder waits for the Bot API's answer before it counts as maybe delivered.
    reminder_timeout: float = 5.0
    # Where voice messages are kept once made (made again if the folder is lost).
    voice_cache: Path = Path("voice-cache")
    # Where the exercises' pictures are kept once drawn (drawn again if the folder is lost).
    picture_cache: Path = Path("picture-cache")
    # HTTP connections to the Bot API kept open at most (bot.app.build_application says why
    # so few).
    http_connections: int = HTTP_CONNECTIONS_DEFAULT
    # Webhook mode when set: the public HTTPS address Telegram posts updates to. None: polling.
    webhook_url: str | None = None
    # Where the bot itself listens for the webhook's posts (behind a reverse proxy).
    listen: tuple[str, int] = LISTEN_DEFAULT
    # The secret Telegram sends with every post; None: one made once and kept in the database.
    webhook_secret: str | None = None
    # Where /healthz and /metrics are served; None: not served.
    health_listen: tuple[str, int] | None = None

    def __repr__(self) -> str:  # keeps the token out of tracebacks and debug logs
        return (
            f"Settings(token=<hidden>, database_url={self.database_url_for_display!r}, "
            f"telegram_api_url={self.telegram_api_url_for_display!r}, "
            f"time_scale={self.time_scale}, "
            f"log_level={self.log_level!r}, webhook_url={self.webhook_url!r}, "
            f"webhook_secret={'<hidden>' if self.webhook_secret else None})"
        )

    @property
    def database_url_for_display(self) -> str:
        return self.database_url.render_as_string(hide_password=True)

    @property
    def telegram_api_url_for_display(self) -> str:
        return hide_url_password(self.telegram_api_url)

    @property
    def telegram_api_url_is_default(self) -> bool:
        return self.telegram_api_url == TELEGRAM_API_DEFAULT

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, require_token: bool = True,
                 dotenv: Path | None = Path(".env")) -> Settings:
        values = dict(read_dotenv(dotenv)) if dotenv is not None else {}
        values.update(os.environ if environ is None else environ)
        return cls(
            token=parse_token(values.get("TELEGRAM_BOT_TOKEN", ""), required=require_token),
            database_url=parse_database_url(values.get("DATABASE_URL", "")),
            telegram_api_url=parse_api_url(values.get("TELEGRAM_API_URL", "")),
            time_scale=parse_time_scale(values.get("BACKCOACH_TIME_SCALE", "")),
            log_level=parse_log_level(values.get("LOG_LEVEL", "")),
            start_wait=parse_start_wait(values.get("BACKCOACH_START_WAIT", "")),
            reminder_timeout=parse_reminder_timeout(
                values.get("BACKCOACH_REMINDER_TIMEOUT", "")),
            voice_cache=Path(values.get("BACKCOACH_VOICE_CACHE", "") or "voice-cache"),
            picture_cache=Path(values.get("BACKCOACH_PICTURE_CACHE", "") or "picture-cache"),
            http_connections=parse_http_connections(values.get("BACKCOACH_HTTP_CONNECTIONS", "")),
            webhook_url=parse_webhook_url(values.get("BACKCOACH_WEBHOOK_URL", ""),
                                          https_only=not values.get("TELEGRAM_API_URL", "")),
            listen=parse_listen(values.get("BACKCOACH_LISTEN", ""), "BACKCOACH_LISTEN")
            or LISTEN_DEFAULT,
            webhook_secret=parse_webhook_secret(values.get("BACKCOACH_WEBHOOK_SECRET", "")),
            health_listen=parse_listen(values.get("BACKCOACH_HEALTH_LISTEN", ""),
                                       "BACKCOACH_HEALTH_LISTEN"),
        )


def read_dotenv(path: Path) -> dict[str, str]:
    """``KEY=value`` lines; blank lines and ``#`` comments are skipped, quotes are stripped."""
    if not path.is_file():
        return {}
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def parse_token(raw: str, *, required: bool) -> str:
    token = raw.strip()
    if not token:
        if required:
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and put its token "
                "in the environment or in .env"
            )
        return ""
    if not _TOKEN_SHAPE.match(token):
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN is malformed: expected the form 123456789:AAH... as given by "
            "@BotFather"
        )
    return token


def parse_database_url(raw: str) -> URL:
    text = raw.strip() or DATABASE_DEFAULT
    try:
        url = make_url(text)
    except ArgumentError:
        raise ConfigError(
            "DATABASE_URL is malformed: expected e.g. sqlite+aiosqlite:///backcoach.db or "
            "postgresql+asyncpg://user@host/dbname"
        ) from None
    backend = url.get_backend_name()
    if backend not in _ASYNC_DRIVERS:
        raise ConfigError(
            f"DATABASE_URL uses an unsupported database {backend!r}: use sqlite or postgresql"
        )
    # Plain "postgresql://" and "sqlite://" URLs are common in hosting panels; pick the async
    # driver for them rather than failing.
    if url.drivername == backend:
        url = url.set(drivername=_ASYNC_DRIVERS[backend])
    if url.drivername != _ASYNC_DRIVERS[backend]:
        raise ConfigError(
            f"DATABASE_URL driver {url.drivername!r} is not supported: use "
            f"{_ASYNC_DRIVERS[backend]}"
        )
    return url


def parse_api_url(raw: str) -> str:
    url = raw.strip() or TELEGRAM_API_DEFAULT
    if not re.match(r"^https?://[^/\s]+", url):
        raise ConfigError(
            "TELEGRAM_API_URL is malformed: expected e.g. https://api.telegram.org/bot"
        )
    return url


def parse_number(raw: str, variable: str, default: float, accept: Callable[[float], bool],
                 expected: str) -> float:
    """A number setting: ``default`` when unset, else one ``accept`` allows (NaN never is)."""
    text = raw.strip()
    if not text:
        return default
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if math.isnan(number) or not accept(number):
        raise ConfigError(f"{variable} must be {expected}, got {text!r}")
    return number


def parse_time_scale(raw: str) -> float:
    return parse_number(raw, "BACKCOACH_TIME_SCALE", 1.0, lambda scale: 0 < scale <= 100,
                        "a number above 0 and at most 100 (1 is real time)")


def parse_start_wait(raw: str) -> float:
    return parse_number(raw, "BACKCOACH_START_WAIT", 60.0, lambda seconds: 0 <= seconds <= 3600,
                        "a number of seconds from 0 to 3600")


def parse_reminder_timeout(raw: str) -> float:
    return parse_number(raw, "BACKCOACH_REMINDER_TIMEOUT", 5.0,
                        lambda seconds: 0 < seconds <= 120,
                        "a number of seconds above 0 and at most 120")


def parse_http_connections(raw: str) -> int:
    return int(parse_number(raw, "BACKCOACH_HTTP_CONNECTIONS", HTTP_CONNECTIONS_DEFAULT,
                            lambda count: count == int(count) and 1 <= count <= 256,
                            "a whole number from 1 to 256"))


def parse_webhook_url(raw: str, *, https_only: bool) -> str | None:
    """The webhook's public address; None (polling) when unset. Telegram posts only to
    HTTPS; a Bot API server of one's own (TELEGRAM_API_URL set) may post to plain HTTP."""
    url = raw.strip()
    if not url:
        return None
    scheme = "https" if https_only else "https?"
    if not re.match(rf"^{scheme}://[^/\s?#]+(/[^\s?#]*)?$", url):
        raise ConfigError(
            "BACKCOACH_WEBHOOK_URL is malformed: expected the public HTTPS address Telegram "
            "posts updates to, e.g. https://bot.example.org/backcoach"
        )
    return url


def parse_listen(raw: str, variable: str) -> tuple[str, int] | None:
    """``host:port`` (``[::1]:8443`` for IPv6); None when unset."""
    text = raw.strip()
    if not text:
        return None
    host, _, port = text.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ConfigError(f"{variable} must be host:port, e.g. 127.0.0.1:8443, got {text!r}")
    return host, int(port)


def parse_webhook_secret(raw: str) -> str | None:
    secret = raw.strip()
    if not secret:
        return None
    if not _SECRET_SHAPE.match(secret):
        # The value itself is a secret: it is not repeated here.
        raise ConfigError(
            "BACKCOACH_WEBHOOK_SECRET must be 1 to 256 characters of A-Z, a-z, 0-9, _ and -"
        )
    return secret


def hide_url_password(url: str) -> str:
    """``https://user:secret@host/bot`` → ``https://user:***@host/bot``, as for DATABASE_URL."""
    return re.sub(r"^(\w+://[^/@:]*):[^/@]*@", r"\1:***@", url)


def parse_log_level(raw: str) -> str:
    level = raw.strip().upper() or "INFO"
    if level not in _LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)}, got {raw!r}")
    return level


class RedactingFormatter(logging.Formatter):
    """Replaces secrets wherever they show up in a formatted record, tracebacks included
    (HTTP clients put the token in request URLs)."""

    def __init__(self, fmt: str, *secrets: str) -> None:
        super().__init__(fmt)
        self._secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self._secrets:
            text = text.replace(secret, "<token>")
        return text
