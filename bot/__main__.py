"""``backcoach`` / ``python -m bot``: start the bot, with long polling or, when
BACKCOACH_WEBHOOK_URL is set, a webhook (bot/ops/webhook.py); on PostgreSQL, as the active
process or a standby that waits to take over (bot/ops/election.py).

``backcoach demo`` instead opens a chat with the bot in the terminal (see bot/demo.py).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from typing import Any, TypeVar

from telegram.error import InvalidToken, NetworkError

from bot.app import (
    STOP_SIGNALS,
    build_application,
    check_database,
    configure_logging,
    make_services,
    run,
)
from bot.config import ConfigError, Settings
from bot.content import Content, ContentError, load_content
from bot.ops.election import Role, role_for
from bot.ops.process_health import ProcessHealth
from bot.ops.webhook import Webhook, offer_webhook, webhook_of
from bot.startup import describe, reach_bot_api, unreachable
from handlers import ALLOWED_UPDATES, register

EXIT_BAD_SETUP = 2
# The database connection that held the active role ended (bot/ops/election.py).
EXIT_LOST_ROLE = 3
T = TypeVar("T")


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
    except (ConfigError, ContentError) as error:
        fail(str(error))
    # One event loop for the whole process: the active role is held on a connection of it.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    role = role_for(settings.database_url)
    health = ProcessHealth(settings, role)
    try:
        serve(loop, settings, content, role, health)
    finally:
        loop.run_until_complete(health.stop())
        loop.run_until_complete(role.give_up())
        loop.close()


def serve(loop: asyncio.AbstractEventLoop, settings: Settings, content: Content, role: Role,
          health: ProcessHealth) -> None:
    try:
        webhook = until_stopped(loop, prepare(settings, role, health))
    except ConfigError as error:
        fail(str(error))
    except StoppedWhileWaiting:
        say("stopped")
        return
    services = make_services(settings, content)
    application = build_application(services, register)
    health.hand_over(application, services.engine)
    try:
        kept_role = run(application, allowed_updates=ALLOWED_UPDATES, webhook=webhook,
                        role=role, loop=loop)
    except InvalidToken:
        fail("TELEGRAM_BOT_TOKEN was rejected by the Bot API: check the token from @BotFather")
    except NetworkError as error:  # it answered a moment ago, and went away again
        fail(str(unreachable(settings, describe(error, settings), 0)))
    except OSError as error:
        if webhook is None:
            raise
        host, port = webhook.listen
        fail(f"BACKCOACH_LISTEN: cannot listen on {host}:{port}: {error.strerror or error}")
    if not kept_role:
        # Started again by its supervisor, it waits as a standby.
        sys.exit(EXIT_LOST_ROLE)


async def prepare(settings: Settings, role: Role, health: ProcessHealth) -> Webhook | None:
    """Everything before the bot takes updates, in order."""
    await health.start()
    # The Bot API first: a start without network leaves nothing behind, not even a database.
    await reach_bot_api(settings, say)
    # A standby waits here; only the active process migrates the database.
    await role.take(say)
    await check_database(settings)
    webhook = await webhook_of(settings)
    if webhook is not None:
        await offer_webhook(settings, webhook, ALLOWED_UPDATES)
    return webhook


class StoppedWhileWaiting(Exception):
    """SIGTERM or SIGINT before the bot ran: nothing to save."""


def until_stopped(loop: asyncio.AbstractEventLoop, work: Coroutine[Any, Any, T]) -> T:
    """Run ``work``, or raise StoppedWhileWaiting at a stop signal (a standby can wait long)."""
    task = loop.create_task(work)
    for stop_signal in STOP_SIGNALS:
        loop.add_signal_handler(stop_signal, task.cancel)
    try:
        return loop.run_until_complete(task)
    except asyncio.CancelledError:
        raise StoppedWhileWaiting from None
    finally:
        for stop_signal in STOP_SIGNALS:
            loop.remove_signal_handler(stop_signal)


if __name__ == "__main__":
    main()
