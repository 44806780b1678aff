"""``backcoach`` / ``python -m bot``: start the bot with long polling.

``backcoach demo`` instead opens a chat with the bot in the terminal (see bot/demo.py).
"""

from __future__ import annotations

import asyncio
import sys

from telegram.error import InvalidToken, NetworkError

from bot.app import (
    build_application,
    check_database,
    configure_logging,
    make_services,
    run_polling,
)
from bot.config import ConfigError, Settings
from bot.content import ContentError, load_content
from bot.startup import describe, reach_bot_api, unreachable
from handlers import register

EXIT_BAD_SETUP = 2


def say(message: str) -> None:
    print(f"backcoach: {message}", file=sys.stderr, flush=True)


def fail(message: str) -> None:
    say(message)
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
        # The Bot API first: a start without network leaves nothing behind, not even a database.
        asyncio.run(reach_bot_api(settings, say))
        asyncio.run(check_database(settings))
    except (ConfigError, ContentError) as error:
        fail(str(error))
    application = build_application(make_services(settings, content), register)
    try:
        run_polling(application)
    except InvalidToken:
        fail("TELEGRAM_BOT_TOKEN was rejected by the Bot API: check the token from @BotFather")
    except NetworkError as error:  # it answered a moment ago, and went away again
        fail(str(unreachable(settings, describe(error, settings), 0)))


if __name__ == "__main__":
    main()
