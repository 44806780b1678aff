""""⏰ Later" on a walk or workout reminder: first when (in 15 minutes, in an hour, this
evening), then the snooze. Which choices there are is bot/reminder_later.py's; the snooze
itself bot/reminders.py's (``snooze``).

The choices take the place of "Later" under the reminder, next to the button it had ("Done",
"Start workout"), which stays: asking when is not yet a promise to walk later.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot import reminder_later, reminders
from bot.app import services
from bot.reminder_later import EVENING, Later
from handlers import timezone
from handlers.common import text
from handlers.remind_steps import add_note

PREFIX = "rem:later:"


async def offer(update: Update, context: ContextTypes.DEFAULT_TYPE, reminder_id: int) -> None:
    """Put the choices of when under the reminder."""
    query = update.callback_query
    svc, chat_id = services(context), update.effective_chat.id
    async with svc.sessions() as session:
        reminder = await reminders.own_reminder(session, chat_id, reminder_id)
        zone_name = await reminders.chat_zone(session, chat_id) or "UTC"
    if reminder is None or not reminder.active:  # paused or deleted since, or forged
        await query.answer()
        await add_note(update, text(update, context, "reminders.message.later_gone"))
        return
    choices = [
        InlineKeyboardButton(text(update, context, f"reminders.later.{choice.name.lower()}",
                                  time=str(EVENING)),
                             callback_data=f"{PREFIX}{reminder_id}:{choice}")
        for choice in reminder_later.choices(svc.clock(), zone_name)]
    await query.answer(text(update, context, "reminders.later.ask"))
    await query.edit_message_reply_markup(InlineKeyboardMarkup([choices, *others(update)]))


def others(update: Update) -> list[list[InlineKeyboardButton]]:
    """The reminder's own buttons but "Later" and its choices."""
    markup = update.callback_query.message.reply_markup
    rows = [[button for button in row if not (button.callback_data or "").startswith(PREFIX)]
            for row in (markup.inline_keyboard if markup else ())]
    return [row for row in rows if row]


async def snooze(update: Update, context: ContextTypes.DEFAULT_TYPE, reminder_id: int,
                 choice: Later) -> None:
    query = update.callback_query
    svc, chat_id = services(context), update.effective_chat.id
    now = svc.clock()
    async with svc.sessions.begin() as session:
        zone_name = await reminders.chat_zone(session, chat_id) or "UTC"
        at = reminder_later.again_at(choice, now, zone_name)
        again = None if at is None else await reminders.snooze(session, chat_id, reminder_id, at)
    if at is None:  # "this evening" pressed once the evening had come: choose again
        await offer(update, context, reminder_id)
        return
    await query.answer()
    if again is None:
        note = text(update, context, "reminders.message.later_gone")
    else:
        note = text(update, context, "reminders.message.later",
                    time=timezone.local_clock(zone_name, again))
    await add_note(update, note)
