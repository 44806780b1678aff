"""Settings: defaults, parsing, and the one-line errors that name the variable."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.config import (
    DATABASE_DEFAULT,
    LISTEN_DEFAULT,
    TELEGRAM_API_DEFAULT,
    ConfigError,
    RedactingFormatter,
    Settings,
)

TOKEN = "123456789:AAHfakeTokenForTestsOnly_abcdefgh"


def settings(**env: str) -> Settings:
    return Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, **env}, dotenv=None)


def test_defaults() -> None:
    s = settings()
    assert s.database_url.render_as_string() == DATABASE_DEFAULT
    assert s.telegram_api_url == TELEGRAM_API_DEFAULT
    assert s.time_scale == 1.0
    assert s.log_level == "INFO"


def test_all_settings_are_read() -> None:
    s = settings(
        DATABASE_URL="postgresql+asyncpg://bot@db.example/coach",
        TELEGRAM_API_URL="http://127.0.0.1:8081/bot",
        BACKCOACH_TIME_SCALE="0.01",
        LOG_LEVEL="debug",
    )
    assert s.database_url.database == "coach"
    assert s.telegram_api_url == "http://127.0.0.1:8081/bot"
    assert s.time_scale == 0.01
    assert s.log_level == "DEBUG"


@pytest.mark.parametrize(
    ("given", "driver"),
    [("postgresql://u@h/d", "postgresql+asyncpg"), ("sqlite:///x.db", "sqlite+aiosqlite")],
)
def test_plain_database_urls_get_the_async_driver(given: str, driver: str) -> None:
    assert settings(DATABASE_URL=given).database_url.drivername == driver


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"TELEGRAM_BOT_TOKEN": ""}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_BOT_TOKEN": "not a token"}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_BOT_TOKEN": "123:short"}, "TELEGRAM_BOT_TOKEN"),
        ({"DATABASE_URL": "::nonsense::"}, "DATABASE_URL"),
        ({"DATABASE_URL": "mysql://u@h/d"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgresql+psycopg2://u@h/d"}, "DATABASE_URL"),
        ({"TELEGRAM_API_URL": "api.telegram.org"}, "TELEGRAM_API_URL"),
        ({"BACKCOACH_TIME_SCALE": "fast"}, "BACKCOACH_TIME_SCALE"),
        ({"BACKCOACH_TIME_SCALE": "0"}, "BACKCOACH_TIME_SCALE"),
        ({"BACKCOACH_TIME_SCALE": "nan"}, "BACKCOACH_TIME_SCALE"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"BACKCOACH_WEBHOOK_URL": "bot.example.org/hook"}, "BACKCOACH_WEBHOOK_URL"),
        # Telegram posts to HTTPS only.
        ({"BACKCOACH_WEBHOOK_URL": "http://bot.example.org/hook"}, "BACKCOACH_WEBHOOK_URL"),
        ({"BACKCOACH_WEBHOOK_URL": "https://bot.example.org/a b"}, "BACKCOACH_WEBHOOK_URL"),
        ({"BACKCOACH_LISTEN": "8443"}, "BACKCOACH_LISTEN"),
        ({"BACKCOACH_LISTEN": "127.0.0.1:99999"}, "BACKCOACH_LISTEN"),
        ({"BACKCOACH_LISTEN": ":8443"}, "BACKCOACH_LISTEN"),
        ({"BACKCOACH_HEALTH_LISTEN": "localhost:http"}, "BACKCOACH_HEALTH_LISTEN"),
        ({"BACKCOACH_WEBHOOK_SECRET": "has spaces"}, "BACKCOACH_WEBHOOK_SECRET"),
        ({"BACKCOACH_WEBHOOK_SECRET": "x" * 257}, "BACKCOACH_WEBHOOK_SECRET"),
    ],
)
def test_bad_settings_name_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, **env}, dotenv=None)
    message = str(caught.value)
    assert message.startswith(variable)
    assert "\n" not in message


def test_a_malformed_token_is_never_echoed() -> None:
    secret = "987654321:this is almost a token"
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"TELEGRAM_BOT_TOKEN": secret}, dotenv=None)
    assert "almost" not in str(caught.value)


def test_dotenv_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        f'# local settings\nexport TELEGRAM_BOT_TOKEN="{TOKEN}"\nLOG_LEVEL=WARNING\n\n'
    )
    s = Settings.from_env({"LOG_LEVEL": "ERROR"}, dotenv=dotenv)
    assert s.token == TOKEN
    assert s.log_level == "ERROR"


def test_repr_hides_token_and_database_password() -> None:
    s = settings(DATABASE_URL="postgresql://coach:hunter2@db/coach")
    assert TOKEN not in repr(s)
    assert "hunter2" not in repr(s)


def test_log_formatter_redacts_the_token_in_messages_and_tracebacks() -> None:
    formatter = RedactingFormatter("%(message)s", TOKEN)
    try:
        raise RuntimeError(f"GET https://api.telegram.org/bot{TOKEN}/getMe failed")
    except RuntimeError as error:
        record = logging.LogRecord(
            "httpx", logging.ERROR, __file__, 1, "url %s", (f"/bot{TOKEN}/x",), (
                type(error), error, error.__traceback__
            )
        )
    text = formatter.format(record)
    assert TOKEN not in text
    assert "<token>" in text


def test_polling_unless_a_webhook_address_is_set() -> None:
    s = settings()
    assert (s.webhook_url, s.listen, s.webhook_secret, s.health_listen) == (
        None, LISTEN_DEFAULT, None, None)
    s = settings(BACKCOACH_WEBHOOK_URL="https://bot.example.org/backcoach",
                 BACKCOACH_LISTEN="0.0.0.0:8080", BACKCOACH_WEBHOOK_SECRET="s3cret_-token",
                 BACKCOACH_HEALTH_LISTEN="[::1]:9100")
    assert s.webhook_url == "https://bot.example.org/backcoach"
    assert s.listen == ("0.0.0.0", 8080)
    assert s.webhook_secret == "s3cret_-token"
    assert s.health_listen == ("::1", 9100)


def test_a_bot_api_server_of_ones_own_may_post_to_plain_http() -> None:
    s = settings(TELEGRAM_API_URL="http://127.0.0.1:8081/bot",
                 BACKCOACH_WEBHOOK_URL="http://127.0.0.1:8443/")
    assert s.webhook_url == "http://127.0.0.1:8443/"


def test_the_webhook_secret_is_never_shown() -> None:
    secret = "a_webhook_secret_nobody_sees"
    assert secret not in repr(settings(BACKCOACH_WEBHOOK_SECRET=secret))
    with pytest.raises(ConfigError) as caught:
        settings(BACKCOACH_WEBHOOK_SECRET=secret + "!")
    assert secret not in str(caught.value)
