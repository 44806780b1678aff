"""Greeting, help, and the replies for anything the bot does not understand."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot.app import services
from handlers.menu import menu_lines

logger = logging.getLogger(__name__)


def language_of(update: Update) -> str:
    user = update.effective_user
    code = (user.language_code if user else None) or "en"
    return code.split("-")[0].lower()


def text(update: Update, context: ContextTypes.DEFAULT_TYPE, key: str, **values: object) -> str:
    return services(context).content.text(key, language_of(update), **values)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    name = update.effective_user.first_name if update.effective_user else ""
    await update.effective_message.reply_text(
        text(update, context, "ui.start.greeting", name=name)
        + "\n\n"
        + text(update, context, "ui.start.next_step")
    )


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    lines = [text(update, context, "ui.help.header"), ""]
    lines += menu_lines(services(context).content, language_of(update))
    lines += ["", text(update, context, "ui.help.footer")]
    await update.effective_message.reply_text("\n".join(lines))


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(text(update, context, "ui.errors.unknown_command"))


async def free_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(text(update, context, "ui.errors.free_text"))


async def stale_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any button no conversation claims: from an old message, or forged."""
    await update.callback_query.answer(text(update, context, "ui.errors.stale_button"))


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    # Updates can carry health answers, so only their ids are logged, never their content.
    update_id = update.update_id if isinstance(update, Update) else None
    logger.error("Unhandled error while handling update %s", update_id, exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat:
        try:
            await context.bot.send_message(
                update.effective_chat.id, text(update, context, "ui.errors.unexpected")
            )
        except Exception:  # the apology is best-effort; the error is already logged
            logger.warning("Could not tell chat about the error", exc_info=True)
