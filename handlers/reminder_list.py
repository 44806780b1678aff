"""/reminders: every reminder of the chat, with buttons to pause, resume or delete each, and
one to set a new one (which starts /remind: handlers/reminders.py)."""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot import reminders
from bot.app import services
from bot.models import Reminder
from bot.reminders import Kind
from handlers import timezone
from handlers.common import text
from handlers.timezone import send

LIST_PATTERN = re.compile(r"^rem:(pause|resume|del):(\d{1,12})$")
NEW = "rem:new"


async def list_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    body, markup = await render_list(update, context)
    await send(update, context, body, markup)


async def render_list(
    update: Update, context: ContextTypes.DEFAULT_TYPE
) -> tuple[str, InlineKeyboardMarkup]:
    chat_id = update.effective_chat.id
    async with services(context).sessions() as session:
        rows = await reminders.list_reminders(session, chat_id)
        zone_name = await reminders.chat_zone(session, chat_id)
        kinds = await reminders.kinds_for_chat(session, chat_id)
    new = [InlineKeyboardButton(text(update, context, "reminders.list.new"), callback_data=NEW)]
    if not rows:
        return text(update, context, "reminders.list.empty"), InlineKeyboardMarkup([new])
    lines = [text(update, context, "reminders.list.header",
                  zone=timezone.zone_label(zone_name or "UTC"))]
    keyboard = []
    for number, reminder in enumerate(rows, start=1):
        lines.append(list_line(update, context, number, reminder, kinds))
        switch = "pause" if reminder.active else "resume"
        keyboard.append([
            InlineKeyboardButton(text(update, context, f"reminders.list.{switch}", number=number),
                                 callback_data=f"rem:{switch}:{reminder.id}"),
            InlineKeyboardButton(text(update, context, "reminders.list.delete", number=number),
                                 callback_data=f"rem:del:{reminder.id}"),
        ])
    if len(rows) < reminders.MAX_PER_CHAT:
        keyboard.append(new)
    return "\n".join(lines), InlineKeyboardMarkup(keyboard)


def list_line(
    update: Update, context: ContextTypes.DEFAULT_TYPE, number: int, reminder: Reminder,
    kinds: tuple[Kind, ...],
) -> str:
    key = "line" if reminder.active else "line_paused"
    if reminder.active and reminder.kind not in kinds:
        key = "on_hold"
    schedule = "desk_break" if reminder.kind == Kind.DESK_BREAK else "daily"
    return text(update, context, f"reminders.list.{key}", number=number,
                kind=text(update, context, f"reminders.kind.{reminder.kind}"),
                when=text(update, context, f"reminders.when.{schedule}",
                          time=reminder.local_time, end=reminder.window_end,
                          every=reminder.every_minutes),
                days=timezone.days_text(update, context, reminder.weekdays))


async def on_list_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    action, reminder_id = LIST_PATTERN.match(query.data or "").groups()
    svc, chat_id = services(context), update.effective_chat.id
    async with svc.sessions.begin() as session:
        if action == "del":
            found = await reminders.delete_reminder(session, chat_id, int(reminder_id))
        else:
            changed = await reminders.set_active(session, chat_id, int(reminder_id),
                                                 action == "resume", svc.clock())
            found = changed is not None
    done = {"del": "deleted", "pause": "paused", "resume": "resumed"}[action]
    await query.answer(text(update, context, f"reminders.list.{done if found else 'gone'}"))
    body, markup = await render_list(update, context)
    try:
        await query.edit_message_text(body, reply_markup=markup)
    except BadRequest as error:  # pressed on a list that already shows this
        if "not modified" not in error.message:
            raise
