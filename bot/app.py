"""Assembling and running the bot: settings → content → database → Telegram application."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from telegram.ext import Application, ApplicationBuilder, BaseRateLimiter, ContextTypes

from bot.config import ConfigError, RedactingFormatter, Settings
from bot.content import Content, load_content
from bot.db import (
    UnknownSchemaRevision,
    create_engine,
    driver_message,
    make_sessionmaker,
    migrate,
)
from bot.models import utcnow
from bot.ops.election import Role
from bot.ops.webhook import Webhook
from bot.pictures import PictureLibrary
from bot.polling import PollingTrouble
from bot.sending.gate import Gate
from bot.sending.http import AiohttpRequest
from bot.sending.limiter import PriorityLimiter
from bot.speech import VoiceLibrary
from bot.timers import JobQueueTimers, MakeTimers
from bot.update_order import PerChatOrder

logger = logging.getLogger(__name__)

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Telegram's limit for one chat: about a message a second, short bursts allowed. A workout's
# busiest moment (the end of an exercise: its last edit, the next card, its voice note and a
# new status message) is one burst.
CHAT_RATE, CHAT_BURST = 1.0, 5


@dataclass(frozen=True)
class Services:
    """What every handler needs, shared through ``application.bot_data``."""

    settings: Settings
    content: Content
    engine: AsyncEngine
    sessions: async_sessionmaker
    # Seconds of silence after which a conversation (such as the safety screen) ends.
    conversation_timeout: float = 15 * 60
    # The wall clock (aware UTC) for everything calendar-based; tests drive their own.
    clock: Callable[[], datetime] = utcnow
    # Makes the timers of live workouts once the application runs; tests pass timers they move.
    make_timers: MakeTimers = JobQueueTimers
    # Where the voice messages of spoken guidance are made and kept; None: text only.
    voices: VoiceLibrary | None = None
    # Where the exercises' pictures are drawn and kept; None: cards without pictures.
    pictures: PictureLibrary | None = None
    # Telegram's file id of each file this bot has uploaded, by file name (bot.sending.files).
    file_ids: dict[str, str] = field(default_factory=dict)

    def scaled(self, seconds: float) -> float:
        return seconds * self.settings.time_scale


SERVICES_KEY = "services"
POLLING_TROUBLE_KEY = "polling_trouble"
# Set once the bot is stopping: how many updates it has left unhandled since.
UPDATES_SKIPPED_KEY = "updates_skipped"
# Set once the process may have lost the active role (bot/ops/election.py).
ROLE_LOST_KEY = "role_lost"


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data[SERVICES_KEY]


# The lowest level each library may log at, whatever LOG_LEVEL says: below it, it logs what
# people typed and answered (health data stays out of the log at every level) or the token.
LIBRARY_LOG_FLOORS: dict[str, int] = {
    # At DEBUG every SQL call with its parameters, which hold the safety answers.
    "aiosqlite": logging.INFO,
    # At INFO statements and their parameters, at DEBUG the rows read (engine, pool, orm).
    "sqlalchemy": logging.WARNING,
    # At DEBUG whole updates and API calls: people's messages and answers.
    "telegram": logging.INFO,
    # At INFO every request URL, and the URL holds the token; httpcore is the layer below.
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    # At INFO a line for every run of the reminder job.
    "apscheduler": logging.WARNING,
}


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter(LOG_FORMAT, settings.token))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    hold_library_logging(settings.log_level)


def hold_library_logging(log_level: str) -> None:
    """Keep each library in LIBRARY_LOG_FLOORS at its floor, or at ``log_level`` if higher."""
    level = logging.getLevelNamesMapping()[log_level]
    for name, floor in LIBRARY_LOG_FLOORS.items():
        logging.getLogger(name).setLevel(max(floor, level))


async def open_database(settings: Settings) -> AsyncEngine:
    """Connect and migrate, or fail with one line that names DATABASE_URL."""
    engine = create_engine(settings.database_url)
    try:
        await migrate(engine)
    except UnknownSchemaRevision as error:
        await engine.dispose()
        await finish_sqlite_threads()
        raise ConfigError(
            f"DATABASE_URL: the database at {settings.database_url_for_display} was made by a "
            f"newer version of Back Coach (schema revision {error.revision}); run that version "
            "or a newer one, or point DATABASE_URL at another database"
        ) from None
    except (SQLAlchemyError, OSError) as error:
        await engine.dispose()
        await finish_sqlite_threads()
        reason = driver_message(error)
        raise ConfigError(
            f"DATABASE_URL: cannot use the database at {settings.database_url_for_display}: "
            f"{reason}"
        ) from None
    return engine


SQLITE_THREAD_GRACE_SECONDS = 5


async def finish_sqlite_threads() -> None:
    """After a failed SQLite connect, aiosqlite still answers from its worker thread; let it
    finish while the event loop is open, or it reports "Event loop is closed" as a traceback
    on the way out."""
    for thread in threading.enumerate():
        if "_connection_worker_thread" in thread.name:
            await asyncio.to_thread(thread.join, SQLITE_THREAD_GRACE_SECONDS)


def file_base_url(api_url: str) -> str:
    return api_url[: -len("/bot")] + "/file/bot" if api_url.endswith("/bot") else api_url


def telegram_limiter(settings: Settings) -> PriorityLimiter:
    return PriorityLimiter(Gate(
        # Telegram allows about 30 messages a second and counts them per second: one at a
        # time, evenly spaced at 29 a second, never bursts past that; what a person waits
        # for first, then reminders, then countdowns (bot/sending/gate.py). The limit per
        # chat follows the time scale, as a workout's pace does.
        rate=29, chat_rate=CHAT_RATE / settings.time_scale, chat_burst=CHAT_BURST,
    ), max_retries=3)


def build_application(
    services_: Services, register: Callable[[Application], None], *,
    rate_limiter: BaseRateLimiter | None = None,
) -> Application:
    """The Telegram application with its handlers; ``register`` adds them (see handlers/).

    ``rate_limiter``: Telegram's limits when None (``telegram_limiter``); a benchmark of the
    handlers' own cost passes ``bot.sending.limiter.Unlimited``."""
    settings = services_.settings
    application = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.telegram_api_url)
        .base_file_url(file_base_url(settings.telegram_api_url))
        .rate_limiter(rate_limiter or telegram_limiter(settings))
        # Eight connections carry Telegram's 30 messages a second with a round trip of up to a
        # quarter of a second, and the answers to button presses beside them; aiohttp's client
        # costs each update far less than python-telegram-bot's default (bot/sending/http.py).
        .request(AiohttpRequest(settings.http_connections))
        .get_updates_request(AiohttpRequest(1))
        # Different chats at once, each chat's updates in order (bot/update_order.py).
        .concurrent_updates(PerChatOrder())
        .post_shutdown(close_services)
        .build()
    )
    application.bot_data[SERVICES_KEY] = services_
    application.bot_data[POLLING_TROUBLE_KEY] = PollingTrouble()
    register(application)
    return application


# python-telegram-bot's own stop signals.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGABRT)


def run(application: Application, *, allowed_updates: Sequence[str],
        webhook: Webhook | None = None, role: Role | None = None,
        loop: asyncio.AbstractEventLoop | None = None) -> bool:
    """python-telegram-bot's ``run_polling``, or ``run_webhook`` with a webhook, stopped by
    a signal without waiting for what is queued to send (``stop_sending``): with a thousand
    workouts live, or a burst of reminders waiting, a stop that let them drain would take
    minutes. ``allowed_updates``: the kinds of update the handlers use; Telegram sends no
    other. With a ``role``, the bot stops the same way the moment it may have lost the active
    role; returns False then, True after a stop signal. ``loop``: the process's event loop,
    which the caller closes; a new one if None."""
    loop = loop or asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    for stop_signal in STOP_SIGNALS:
        loop.add_signal_handler(stop_signal, stop_now, application)
    watch = loop.create_task(step_down_when_lost(application, role)) if role else None
    try:
        if webhook is None:
            application.run_polling(stop_signals=None, allowed_updates=allowed_updates,
                                    close_loop=False)
        else:
            application.run_webhook(**webhook.server_options(), allowed_updates=allowed_updates,
                                    stop_signals=None, close_loop=False)
    finally:
        if watch is not None:
            watch.cancel()
            loop.run_until_complete(asyncio.gather(watch, return_exceptions=True))
    return not application.bot_data.get(ROLE_LOST_KEY, False)


async def step_down_when_lost(application: Application, role: Role) -> None:
    await role.lost()
    logger.error("This process may no longer be the active one (its database connection "
                 "ended or stopped answering): stopping, so that a standby takes over")
    application.bot_data[ROLE_LOST_KEY] = True
    stop_now(application)


def stop_now(application: Application) -> None:
    logger.info("Stopping: nothing more is sent")
    stop_sending(application)
    application.stop_running()


def stop_sending(application: Application) -> None:
    """The first step of a stop: no timer fires any more, and every message waiting for its
    turn, or asked for later, fails at once, unsent (``PriorityLimiter.close``). What handles
    an update or runs a job then ends quickly, and the stop that waits for them (python-
    telegram-bot's ``Application.stop``) follows within moments; ``post_stop`` stores what
    must outlive the process."""
    application.bot_data[UPDATES_SKIPPED_KEY] = 0
    job_queue = application.job_queue
    if job_queue is not None and job_queue.scheduler.running:
        job_queue.scheduler.pause()
    limiter = application.bot.rate_limiter
    if isinstance(limiter, PriorityLimiter):
        limiter.close()


def skipped_while_stopping(application: Application) -> bool:
    """Whether the bot is stopping; if so, counts one more update it leaves unhandled."""
    skipped = application.bot_data.get(UPDATES_SKIPPED_KEY)
    if skipped is None:
        return False
    application.bot_data[UPDATES_SKIPPED_KEY] = skipped + 1
    return True


def updates_skipped(application: Application) -> int:
    return application.bot_data.get(UPDATES_SKIPPED_KEY) or 0


async def start_in_process(
    application: Application, *, poll_timeout: int = 10,
    allowed_updates: Sequence[str] | None = None, webhook: Webhook | None = None,
) -> None:
    """What ``run`` does before it blocks, for a bot that shares its event loop (the terminal
    demo, the tests): connect, run the start-up hook, poll for updates or take the webhook."""
    await application.initialize()
    if application.post_init:
        await application.post_init(application)
    await application.start()
    assert application.updater is not None
    if webhook is None:
        await application.updater.start_polling(
            poll_interval=0.0, timeout=poll_timeout, allowed_updates=allowed_updates,
            error_callback=application.bot_data[POLLING_TROUBLE_KEY],
        )
        return
    await application.updater.start_webhook(**webhook.server_options(),
                                            allowed_updates=allowed_updates)


async def stop_in_process(application: Application) -> None:
    """What ``run`` does after a stop signal."""
    assert application.updater is not None
    stop_sending(application)
    await application.updater.stop()
    await application.stop()
    if application.post_stop:
        await application.post_stop(application)
    if application.post_shutdown:
        await application.post_shutdown(application)
    await application.shutdown()


async def close_services(application: Application) -> None:
    services: Services = application.bot_data[SERVICES_KEY]
    await services.engine.dispose()
    if services.voices is not None:
        services.voices.close()
    if services.pictures is not None:
        services.pictures.close()


async def check_database(settings: Settings) -> None:
    """Fail early on an unusable database, and migrate it, before Telegram is contacted."""
    engine = await open_database(settings)
    await engine.dispose()


def make_services(settings: Settings, content: Content | None = None) -> Services:
    # The engine connects lazily, so its connections belong to the loop that runs the bot.
    engine = create_engine(settings.database_url)
    return Services(settings, content or load_content(), engine, make_sessionmaker(engine),
                    voices=VoiceLibrary(settings.voice_cache),
                    pictures=PictureLibrary(settings.picture_cache))
