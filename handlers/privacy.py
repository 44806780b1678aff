"""Your data: /export sends it as a JSON file, /forget deletes all of it after a yes/no."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot import privacy
from bot.app import services
from handlers.common import text
from handlers.workout_stop import stop_live_workout

# The question's time is in its buttons, so an old "Yes" cannot delete anything by accident.
CONFIRM_PATTERN = re.compile(r"^forget:(yes|no):(\d{1,12})$")
CONFIRM_FOR = timedelta(minutes=10)


async def forget_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    asked = int(services(context).clock().timestamp())
    buttons = InlineKeyboardMarkup([[
        InlineKeyboardButton(text(update, context, "privacy.forget.yes"),
                             callback_data=f"forget:yes:{asked}"),
        InlineKeyboardButton(text(update, context, "privacy.forget.no"),
                             callback_data=f"forget:no:{asked}"),
    ]])
    await context.bot.send_message(
        update.effective_chat.id, text(update, context, "privacy.forget.ask"),
        reply_markup=buttons,
    )


async def on_forget_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    match = CONFIRM_PATTERN.match(query.data or "")
    if match is None:  # the pattern registered for this handler makes this unreachable
        await query.answer(text(update, context, "ui.errors.stale_button"))
        return
    await query.answer()
    svc = services(context)
    asked = datetime.fromtimestamp(int(match.group(2)), UTC)
    if match.group(1) == "no":
        reply = "privacy.forget.kept"
    elif not timedelta(0) <= svc.clock() - asked <= CONFIRM_FOR:
        reply = "privacy.forget.expired"
    else:
        await forget_everything(update, context)
        reply = "privacy.forget.done"
    await query.edit_message_text(text(update, context, reply), reply_markup=None)


async def forget_everything(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Whatever runs for the chat stops first, so that nothing writes its rows back."""
    application, chat_id = context.application, update.effective_chat.id
    await stop_live_workout(application, chat_id, quietly=True)
    application.drop_chat_data(chat_id)
    if update.effective_user is not None:
        application.drop_user_data(update.effective_user.id)
    # Reminders live only in the database, so deleting their rows cancels them.
    async with services(context).sessions.begin() as session:
        await privacy.forget(session, chat_id)


async def export_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, chat_id = services(context), update.effective_chat.id
    now = svc.clock()
    async with svc.sessions() as session:
        document = await privacy.export(session, chat_id, now)
    if document is None:
        await context.bot.send_message(chat_id, text(update, context, "privacy.export.nothing"))
        return
    await context.bot.send_document(
        chat_id, document, filename=f"backcoach-data-{now.date().isoformat()}.json",
        caption=text(update, context, "privacy.export.caption"),
    )
