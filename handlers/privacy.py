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
ASKED_KEY = "forget_asked"


async def forget_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    asked = int(services(context).clock().timestamp())
    buttons = InlineKeyboardMarkup([[
        InlineKeyboardButton(text(update, context, "privacy.forget.yes"),
                             callback_data=f"forget:yes:{asked}"),
        InlineKeyboardButton(text(update, context, "privacy.forget.no"),
                             callback_data=f"forget:no:{asked}"),
    ]])
    message = await context.bot.send_message(
        update.effective_chat.id, text(update, context, "privacy.forget.ask"),
        reply_markup=buttons,
    )
    # For "yes" or "no" typed instead of pressed (handlers.typed).
    context.chat_data[ASKED_KEY] = (message.message_id, asked)


async def on_forget_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    match = CONFIRM_PATTERN.match(query.data or "")
    if match is None:  # the pattern registered for this handler makes this unreachable
        await query.answer(text(update, context, "ui.errors.stale_button"))
        return
    await query.answer()
    context.chat_data.pop(ASKED_KEY, None)
    reply = await answer(update, context, match.group(1) == "yes", int(match.group(2)))
    await query.edit_message_text(text(update, context, reply), reply_markup=None)


async def typed_answer(update: Update, context: ContextTypes.DEFAULT_TYPE, said: str | None
                       ) -> bool:
    """"yes" or "no" typed while "Delete everything?" waits: as its buttons; anything else
    typed then asks again. False when the question is not open."""
    asked = context.chat_data.get(ASKED_KEY)
    if asked is None:
        return False
    message_id, asked_at = asked
    if services(context).clock() - datetime.fromtimestamp(asked_at, UTC) > CONFIRM_FOR:
        context.chat_data.pop(ASKED_KEY, None)  # long gone: the text is about something else
        return False
    if said is None:
        await context.bot.edit_message_reply_markup(update.effective_chat.id, message_id,
                                                    reply_markup=None)
        await forget_command(update, context)
        return True
    context.chat_data.pop(ASKED_KEY, None)
    reply = await answer(update, context, said == "yes", asked_at)
    await context.bot.edit_message_text(text(update, context, reply), update.effective_chat.id,
                                        message_id, reply_markup=None)
    return True


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE, delete: bool,
                 asked_at: int) -> str:
    """Deletes everything on a "yes" to a question still fresh; the reply's text key."""
    asked = datetime.fromtimestamp(asked_at, UTC)
    if not delete:
        return "privacy.forget.kept"
    if not timedelta(0) <= services(context).clock() - asked <= CONFIRM_FOR:
        return "privacy.forget.expired"
    await forget_everything(update, context)
    return "privacy.forget.done"


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
