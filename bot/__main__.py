"""``backcoach`` / ``python -m bot``: start the bot with long polling.

``backcoach demo`` instead opens a chat with the bot in the terminal (see bot/demo.py).
"""

from __future__ import annotations

import asyncio
import sys

from telegram.error import InvalidToken, NetworkError

from bot.app import build_application, check_database, configure_logging, make_services
from bot.config import ConfigError, Settings
from bot.content import ContentError, load_content
from handlers import register

EXIT_BAD_SETUP = 2


def fail(message: str) -> None:
    print(f"backcoach: {message}", file=sys.stderr)
    sys.exit(EXIT_BAD_SETUP)


def main(argv: list[str] | None = None) -> None:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments == ["demo"]:
        from bot.demo import main as demo

        demo()
        return
    if arguments:
        fail(f"unknown arguments {' '.join(arguments)!r}: run without any, or 'demo'")
    try:
        settings = Settings.from_env()
        configure_logging(settings)
        content = load_content()
        asyncio.run(check_database(settings))
    except (ConfigError, ContentError) as error:
        fail(str(error))
    application = build_application(make_services(settings, content), register)
    try:
        application.run_polling()
    except InvalidToken:
        fail("TELEGRAM_BOT_TOKEN was rejected by the Bot API: check the token from @BotFather")
    except NetworkError as error:
        reason = str(error).replace(settings.token, "<token>")
        fail(f"TELEGRAM_API_URL: cannot reach {settings.telegram_api_url} ({reason})")


if __name__ == "__main__":
    main()
