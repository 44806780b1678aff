"""The messages of a workout that are edited or taken away rather than sent: the status
message's edits (urgent, or cosmetic where they only follow what the person already has), its
buttons taken off, and the short messages that sound taken away again."""

from __future__ import annotations

import logging
from functools import partial

from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, ContextTypes

from bot.app import SERVICES_KEY, Services
from bot.live_workout import LiveWorkout
from bot.sending.failures import Failure, classify
from bot.sending.limiter import BULK, Priority, cosmetic, urgent_edit
from handlers.prompts import deliver

logger = logging.getLogger(__name__)


async def edit(target: Application | ContextTypes.DEFAULT_TYPE, chat_id: int,
               message_id: int | None, new_text: str, markup: InlineKeyboardMarkup | None,
               *, priority: Priority | None = None) -> None:
    if message_id is None:
        return
    svc: Services = target.bot_data[SERVICES_KEY]
    try:
        await deliver(svc, partial(
            target.bot.edit_message_text, new_text, chat_id=chat_id, message_id=message_id,
            reply_markup=markup, rate_limit_args=priority or urgent_edit(chat_id, message_id)))
    except BadRequest as error:
        # Also what a second try says when the first one arrived after all.
        if "not modified" not in error.message.lower():
            raise


async def edit_markup(application: Application, chat_id: int, message_id: int | None,
                      markup: InlineKeyboardMarkup | None) -> None:
    """Take buttons off an earlier message, if it can be done: buttons left there only offer
    what the workout checks anyway, and the message that follows matters more."""
    if message_id is None:
        return
    svc: Services = application.bot_data[SERVICES_KEY]
    try:
        await deliver(svc, partial(application.bot.edit_message_reply_markup, chat_id=chat_id,
                                   message_id=message_id, reply_markup=markup))
    except TelegramError as error:
        failure = classify(error)
        if failure is Failure.BLOCKED:
            raise
        if "not modified" not in error.message.lower():
            logger.warning("Could not take the buttons off a workout message (%s)",
                           failure.value)


async def edit_cosmetic(application: Application, chat_id: int, message_id: int | None,
                        new_text: str, markup: InlineKeyboardMarkup | None) -> None:
    """An edit of the status that only follows what the person already has (a countdown, or
    a beat the voice message or a short message that sounds has announced). It is worth less
    than every prompt: it waits behind reminders, a newer edit of the message replaces it
    while it waits, and one missed is not retried as a stall. The workout's next step gives
    it up if it still waits then (``taken``), so that waiting never holds the workout up."""
    try:
        await edit(application, chat_id, message_id, new_text, markup,
                   priority=cosmetic(chat_id, message_id))
    except TelegramError as error:
        logger.info("A status update was not shown (%s)", classify(error).value)


async def drop_sound(application: Application, live: LiveWorkout) -> None:
    """Take the last short message away, beside the prompt that follows, not before it: the
    delete waits with the reminders (it only tidies the chat), while the prompt goes first."""
    message_id, live.sound_message_id = live.sound_message_id, None
    if message_id is not None:
        application.create_task(delete_sound(application, live.chat_id, message_id))


async def delete_sound(application: Application, chat_id: int, message_id: int) -> None:
    svc: Services = application.bot_data[SERVICES_KEY]
    try:
        await deliver(svc, partial(application.bot.delete_message, chat_id, message_id,
                                   rate_limit_args=BULK))
    except TelegramError as error:
        # One short message left over spoils nothing; a blocked bot ends the workout at its
        # next prompt.
        logger.info("A short workout message stayed in the chat (%s)", classify(error).value)
