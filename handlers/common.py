"""Greeting, help, and the replies for anything the bot does not understand."""

from __future__ import annotations

import logging

from telegram import KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.app import POLLING_TROUBLE_KEY, services
from bot.chats import UPDATE_LANGUAGE, language_for, stored_language
from bot.sending.failures import SendingStopped
from handlers.menu import closest_command, menu_lines

logger = logging.getLogger(__name__)


# Per chat, in memory: the language, and the Telegram language_code it was worked out from.
LANGUAGE, TELEGRAM_CODE = "language", "telegram_code"


def telegram_code(update: Update) -> str | None:
    return update.effective_user.language_code if update.effective_user else None


def language_of(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    cached = context.chat_data.get(LANGUAGE) if context.chat_data is not None else None
    return cached or language_for(telegram_code(update), services(context).content.languages)


def text(update: Update, context: ContextTypes.DEFAULT_TYPE, key: str, **values: object) -> str:
    return services(context).content.text(key, language_of(update, context), **values)


async def remember_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs before every other handler: the chat's language, read from the database once per
    chat and again only when the person's Telegram language changes."""
    if update.effective_chat is None or context.chat_data is None:
        return
    code = telegram_code(update)
    if LANGUAGE in context.chat_data and context.chat_data.get(TELEGRAM_CODE) == code:
        UPDATE_LANGUAGE.set(context.chat_data[LANGUAGE])
        return
    svc = services(context)
    language = await stored_language(svc.sessions, update.effective_chat.id, code,
                                     svc.content.languages)
    # Nothing stored yet: Telegram's language, which a row made later starts with.
    language = language or language_for(code, svc.content.languages)
    context.chat_data.update({LANGUAGE: language, TELEGRAM_CODE: code})
    UPDATE_LANGUAGE.set(language)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    lines = [text(update, context, "ui.help.header"), ""]
    lines += menu_lines(services(context).content, language_of(update, context))
    lines += ["", text(update, context, "ui.help.footer")]
    await update.effective_message.reply_text("\n".join(lines))


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command the bot does not have: the likely one it was meant to be, if any, on a button
    that sends it (a reply keyboard's button sends its text as the person's message)."""
    typed = (update.effective_message.text or "/").split()[0][1:].split("@")[0]
    meant = closest_command(typed)
    if meant is None:
        await update.effective_message.reply_text(
            text(update, context, "ui.errors.unknown_command"))
        return
    private = update.effective_chat.type == ChatType.PRIVATE
    keyboard = ReplyKeyboardMarkup([[KeyboardButton(f"/{meant}")]], one_time_keyboard=True,
                                   resize_keyboard=True) if private else None
    await update.effective_message.reply_text(
        text(update, context, "ui.errors.did_you_mean", typed=f"/{typed}", meant=f"/{meant}"),
        reply_markup=keyboard)


async def free_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(text(update, context, "ui.errors.free_text"))


async def stale_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any button no conversation claims: from an old message, or forged."""
    await update.callback_query.answer(text(update, context, "ui.errors.stale_button"))


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    error = context.error
    if is_polling_failure(update, context) and isinstance(error, TelegramError):
        context.bot_data[POLLING_TROUBLE_KEY](error)
        return
    # Updates can carry health answers, so only their ids are logged, never their content.
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(error, SendingStopped):  # the bot is stopping: nothing more is sent
        logger.info("Update %s was not answered: the bot is stopping", update_id)
        return
    logger.error("Unhandled error while handling update %s", update_id, exc_info=error)
    if isinstance(update, Update) and update.effective_chat:
        try:
            await context.bot.send_message(
                update.effective_chat.id, text(update, context, "ui.errors.unexpected")
            )
        except Exception:  # the apology is best-effort; the error is already logged
            logger.warning("Could not tell chat about the error", exc_info=True)
        # One apology per message: the handlers after the one that failed are not run, since
        # what broke it (the database, say) would most likely break them too.
        raise ApplicationHandlerStop


def is_polling_failure(update: object, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """run_polling hands a failed poll to the error handlers with no update, job or task."""
    return update is None and context.job is None and context.coroutine is None
