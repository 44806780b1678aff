"""Changing a reminder from /reminders: "✏️ Change" goes through the /remind conversation's
own steps (the time, a desk break's end and interval, the days), each offering to keep what
the reminder has, and saves onto the same reminder instead of making a new one.

The conversation is built in handlers/reminders.py, which enters here from the button and
comes back here (``save``) once the days are known.
"""

from __future__ import annotations

import re
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

from bot import reminder_edits, reminders
from bot.app import services
from bot.models import Reminder
from bot.reminders import Kind, Window
from handlers import desk_breaks, timezone
from handlers.common import text
from handlers.remind_steps import DRAFT, END, ask_time, exclusive
from handlers.reminder_list import describe, refresh_list
from handlers.timezone import send

EDIT_PATTERN = re.compile(r"^rem:edit:(\d{1,12})$")


@exclusive
async def edit_from_list(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    reminder_id = int(EDIT_PATTERN.match(query.data or "").group(1))
    async with services(context).sessions() as session:
        # Another chat's reminder (a forged button) is as good as gone.
        reminder = await reminders.own_reminder(session, update.effective_chat.id, reminder_id)
    if reminder is None:
        await query.answer(text(update, context, "reminders.list.gone"))
        return END
    await query.answer()
    context.chat_data[DRAFT] = draft_of(reminder, query.message.message_id)
    await send(update, context, text(update, context, "reminders.edit.intro",
                                     what=describe(update, context, reminder)))
    if reminder.kind == Kind.DESK_BREAK:
        return await desk_breaks.ask_start(update, context)
    return await ask_time(update, context)


def draft_of(reminder: Reminder, list_message_id: int) -> dict[str, Any]:
    """The draft of a change: the reminder as it is, which each step offers to keep and
    overwrites with the answer."""
    gathered: dict[str, Any] = {
        "then": "edit", "edit": reminder.id, "list": list_message_id, "kind": reminder.kind,
        "time": reminder.local_time, "days": reminder.weekdays}
    if reminder.kind == Kind.DESK_BREAK:
        gathered.update(window_end=reminder.window_end, every=reminder.every_minutes)
    return gathered


async def save(update: Update, context: ContextTypes.DEFAULT_TYPE, gathered: dict[str, Any],
               weekdays: int, window: Window | None) -> int:
    """The last step of a change: the new time, days (and window) onto the same reminder."""
    svc, chat_id = services(context), update.effective_chat.id
    now = svc.clock()
    async with svc.sessions.begin() as session:
        reminder = await reminder_edits.change_reminder(
            session, chat_id, gathered["edit"], reminders.stored_time(gathered["time"]),
            weekdays, now, window)
        zone_name = await reminders.chat_zone(session, chat_id) or "UTC"
    if reminder is None:  # deleted while it was being changed
        await send(update, context, text(update, context, "reminders.list.gone"))
        return END
    if not reminder.active:
        await send(update, context, text(update, context, "reminders.edit.changed_paused",
                                         what=describe(update, context, reminder)))
    else:
        await send(update, context, text(
            update, context, f"reminders.edit.changed_{reminder.kind}",
            time=reminder.local_time, end=reminder.window_end, every=reminder.every_minutes,
            days=timezone.days_text(update, context, reminder.weekdays),
            next=timezone.next_text(update, context, reminder.next_due_at, zone_name, now)))
    await refresh_list(update, context, gathered.get("list"))
    return END
