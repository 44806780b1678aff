"""What the steps of the /remind conversation share, whichever kind of reminder is being set:
the states, the draft, how a step keeps its update to itself, and the question of the days.

The conversation itself is built in handlers/reminders.py; a desk break's own steps (its
window and interval) are in handlers/desk_breaks.py.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ApplicationHandlerStop, ContextTypes, ConversationHandler

from bot import timing
from bot.timing import LocalTime
from handlers.common import text
from handlers.timezone import quoted, send

ZONE, KIND, TIME, DAYS, WINDOW_END, EVERY = range(6)
END = ConversationHandler.END
DRAFT = "reminder_draft"  # chat_data: what the conversation has gathered so far

DAYS_PATTERN = re.compile(r"^rem:days:(every_day|weekdays|weekends|choose)$")
DAY_MASKS = {"every_day": timing.EVERY_DAY, "weekdays": timing.WEEKDAYS_ONLY,
             "weekends": timing.WEEKENDS}

Step = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[int]]


def exclusive(step: Step) -> Step:
    """What this conversation handles stops there: no other handler answers it as well."""
    @functools.wraps(step)
    async def wrapper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        raise ApplicationHandlerStop(await step(update, context))
    return wrapper


def draft(context: ContextTypes.DEFAULT_TYPE) -> dict[str, Any]:
    return context.chat_data.setdefault(DRAFT, {})


async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE, key: str, state: int) -> int:
    """Ask the question of text `key`; the conversation waits for the answer in `state`."""
    await send(update, context, text(update, context, key))
    return state


async def read_time(update: Update, context: ContextTypes.DEFAULT_TYPE) -> LocalTime | None:
    """The time of day the person typed; None after showing how to write one."""
    typed = update.effective_message.text or ""
    try:
        return timing.parse_time(typed)
    except timing.TimingError:
        await update.effective_message.reply_text(
            text(update, context, "reminders.remind.bad_time", typed=quoted(typed)))
        return None


async def ask_days(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    buttons = [
        [InlineKeyboardButton(text(update, context, f"reminders.remind.{choice}"),
                              callback_data=f"rem:days:{choice}")]
        for choice in (*DAY_MASKS, "choose")
    ]
    await send(update, context, text(update, context, "reminders.remind.ask_days"),
               InlineKeyboardMarkup(buttons))
    return DAYS


async def add_note(update: Update, note: str) -> None:
    """Below the message whose button was pressed: a line saying what happened; no buttons."""
    query = update.callback_query
    if query.message.caption is not None:  # a desk break under its picture
        await query.edit_message_caption(f"{query.message.caption}\n\n{note}",
                                         reply_markup=None)
        return
    await query.edit_message_text(f"{query.message.text or ''}\n\n{note}", reply_markup=None)
