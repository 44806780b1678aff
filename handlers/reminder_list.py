"""/reminders: every reminder of the chat, with buttons to pause, resume, change or delete
each, and one to set a new one (which starts /remind: handlers/reminders.py; "Change" goes
through the same conversation: handlers/reminder_edit.py). A delete can be undone for a while;
/remind off and /remind on pause and resume them all.

What a delete takes away is kept in memory (chat_data) for Undo, not in the database, so
Undo does not survive a restart of the bot: the button then says it can't bring the reminder
back. (Keeping it in the database would take a column or a table: a schema change for a
ten-minute convenience.)
"""

from __future__ import annotations

import contextlib
import re
import secrets
from datetime import timedelta
from typing import NamedTuple

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot import reminder_edits, reminders
from bot.app import services
from bot.formatting import Count
from bot.models import Reminder
from bot.reminder_edits import UNDO_FOR, Deleted
from bot.reminders import Kind
from handlers import timezone
from handlers.common import text
from handlers.remind_steps import add_note
from handlers.timezone import send

LIST_PATTERN = re.compile(r"^rem:(pause|resume|del):(\d{1,12})$")
UNDO_PATTERN = re.compile(r"^rem:undo:([A-Za-z0-9_-]{1,16})$")
NEW = "rem:new"
# chat_data: what Undo can bring back, by a token of its own in the button (not the reminder's
# id, which SQLite may give the next new reminder, so one Undo could bring back another).
DELETED = "deleted_reminders"


class Undoable(NamedTuple):
    deleted: Deleted
    list_message_id: int | None  # the list it was deleted from, shown again after Undo


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
            InlineKeyboardButton(text(update, context, "reminders.list.change", number=number),
                                 callback_data=f"rem:edit:{reminder.id}"),
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
    return text(update, context, f"reminders.list.{key}", number=number,
                what=describe(update, context, reminder))


def describe(update: Update, context: ContextTypes.DEFAULT_TYPE,
             reminder: Reminder | Deleted) -> str:
    """A reminder in a few words: "🚶 Walk at 07:30, every day"."""
    schedule = "desk_break" if reminder.kind == Kind.DESK_BREAK else "daily"
    return text(update, context, "reminders.list.what",
                kind=text(update, context, f"reminders.kind.{reminder.kind}"),
                when=text(update, context, f"reminders.when.{schedule}",
                          time=reminder.local_time, end=reminder.window_end,
                          every=reminder.every_minutes),
                days=timezone.days_text(update, context, reminder.weekdays))


async def on_list_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    action, reminder_id = LIST_PATTERN.match(query.data or "").groups()
    svc, chat_id = services(context), update.effective_chat.id
    now, deleted = svc.clock(), None
    async with svc.sessions.begin() as session:
        if action == "del":
            deleted = await reminder_edits.delete_keeping(session, chat_id, int(reminder_id), now)
            found = deleted is not None
        else:
            changed = await reminders.set_active(session, chat_id, int(reminder_id),
                                                 action == "resume", now)
            found = changed is not None
    done = {"del": "deleted", "pause": "paused", "resume": "resumed"}[action]
    await query.answer(text(update, context, f"reminders.list.{done if found else 'gone'}"))
    await refresh_list(update, context, query.message.message_id)
    if deleted is not None:
        await offer_undo(update, context, deleted, query.message.message_id)


async def refresh_list(update: Update, context: ContextTypes.DEFAULT_TYPE,
                       message_id: int | None) -> None:
    """Show the list as it is now in an earlier message of it."""
    if message_id is None:
        return
    body, markup = await render_list(update, context)
    # Showing it already (pressed twice), or too old or gone to edit: the list is a courtesy
    # here, and /reminders shows it anew.
    with contextlib.suppress(BadRequest):
        await context.bot.edit_message_text(body, update.effective_chat.id, message_id,
                                            reply_markup=markup)


# --- Undo -------------------------------------------------------------------------------------


def kept(context: ContextTypes.DEFAULT_TYPE) -> dict[str, Undoable]:
    return context.chat_data.setdefault(DELETED, {})


async def offer_undo(update: Update, context: ContextTypes.DEFAULT_TYPE, deleted: Deleted,
                     list_message_id: int) -> None:
    now = services(context).clock()
    undoable = kept(context)
    for old in [key for key, item in undoable.items() if not item.deleted.undoable(now)]:
        del undoable[old]  # past their time: nothing keeps them any longer
    token = secrets.token_urlsafe(6)
    undoable[token] = Undoable(deleted, list_message_id)
    button = InlineKeyboardButton(text(update, context, "reminders.list.undo"),
                                  callback_data=f"rem:undo:{token}")
    await send(update, context, text(update, context, "reminders.list.deleted_note",
                                     what=describe(update, context, deleted),
                                     minutes=minutes(UNDO_FOR)),
               InlineKeyboardMarkup([[button]]))


async def on_undo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    token = UNDO_PATTERN.match(query.data or "").group(1)
    svc, chat_id = services(context), update.effective_chat.id
    now = svc.clock()
    item = kept(context).pop(token, None)
    if item is None:  # undone already, kept by a bot since restarted, or forged
        await query.answer(text(update, context, "reminders.list.undo_gone"))
        return
    if not item.deleted.undoable(now):
        await query.answer()
        await add_note(update, text(update, context, "reminders.list.undo_too_late",
                                    minutes=minutes(UNDO_FOR)))
        return
    try:
        async with svc.sessions.begin() as session:
            reminder = await reminder_edits.restore(session, chat_id, item.deleted, now)
            zone_name = await reminders.chat_zone(session, chat_id) or "UTC"
    except reminders.ReminderLimit:
        kept(context)[token] = item  # Undo works again once one is deleted
        await query.answer(text(update, context, "reminders.remind.too_many",
                                max=reminders.MAX_PER_CHAT), show_alert=True)
        return
    await query.answer()
    what = describe(update, context, reminder)
    if reminder.active:
        note = text(update, context, "reminders.list.restored", what=what,
                    next=timezone.next_text(update, context, reminder.next_due_at, zone_name,
                                            now))
    else:
        note = text(update, context, "reminders.list.restored_paused", what=what)
    await query.edit_message_text(note, reply_markup=None)  # the delete is undone: only this
    await refresh_list(update, context, item.list_message_id)


def minutes(span: timedelta) -> int:
    return int(span.total_seconds() // 60)


# --- all of them at once ------------------------------------------------------------------------


async def pause_everything(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    async with services(context).sessions.begin() as session:
        count = await reminders.pause_all(session, [update.effective_chat.id])
    key = "reminders.remind.paused_all" if count else "reminders.remind.nothing_to_pause"
    await send(update, context, text(update, context, key,
                                     count=Count(count, "reminders.count.paused")))


async def resume_everything(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, chat_id = services(context), update.effective_chat.id
    now = svc.clock()
    async with svc.sessions.begin() as session:
        resumed = await reminder_edits.resume_all(session, chat_id, now)
        zone_name = await reminders.chat_zone(session, chat_id) or "UTC"
        any_at_all = bool(resumed) or bool(await reminders.list_reminders(session, chat_id))
    if not resumed:
        key = "reminders.remind.nothing_to_resume" if any_at_all else "reminders.list.empty"
        await send(update, context, text(update, context, key))
        return
    first = min(reminder.next_due_at for reminder in resumed)
    await send(update, context, text(
        update, context, "reminders.remind.resumed_all",
        count=Count(len(resumed), "reminders.count.resumed"),
        next=timezone.next_text(update, context, first, zone_name, now)))
