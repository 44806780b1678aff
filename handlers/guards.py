"""What no conversation gets to see: updates that come as the bot stops, edited messages, other
people's buttons, group commands.

These run ahead of every other handler (see handlers/__init__.py) and end the update there.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.app import skipped_while_stopping
from handlers.common import text

# Commands that read or change one person's health answers, log or reminders: in a group, any
# member could see or erase them, so these work in a private chat only. /exercises opens by one
# person's safety screen, which a group does not have.
PRIVATE_ONLY = (
    "screen", "workout", "exercises", "remind", "reminders", "timezone", "walk", "progress",
    "export", "forget", "settings",
)


async def while_stopping(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A stopping bot sends nothing more (bot.app.stop_sending): an update it fetched just
    before is left unhandled, since no reply could go out, and the stop does not wait for it."""
    if skipped_while_stopping(context.application):
        raise ApplicationHandlerStop


async def on_edited_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An edit is not a new command or answer: "/walk 5" edited into "/walk 5.5" must not log
    a second walk, nor an edited "yes" answer a safety question. The person is told once."""
    chat = update.effective_chat
    if chat is not None and chat.type == ChatType.PRIVATE:
        await update.effective_message.reply_text(text(update, context, "ui.errors.edited"))
    raise ApplicationHandlerStop


async def drop_foreign_buttons(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In a private chat only its own person can press a button; anything else is forged."""
    query, chat = update.callback_query, update.effective_chat
    if query is None or chat is None or chat.type != ChatType.PRIVATE:
        return
    if query.from_user.id != chat.id:
        await query.answer()
        raise ApplicationHandlerStop


async def private_only(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A personal command in a group: point to the private chat instead of acting."""
    button = InlineKeyboardButton(text(update, context, "ui.private_only.button"),
                                  url=f"https://t.me/{context.bot.username}")
    await update.effective_message.reply_text(
        text(update, context, "ui.private_only.text"),
        reply_markup=InlineKeyboardMarkup([[button]]),
    )
    raise ApplicationHandlerStop
