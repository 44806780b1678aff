"""What the steps of the /remind conversation share, whichever kind of reminder is being set
or changed: the states, the draft, how a step keeps its update to itself, how an answer is
read whether typed or pressed, and the questions of the time and the days.

The conversation itself is built in handlers/reminders.py; a desk break's own steps (its
window and interval) are in handlers/desk_breaks.py, and what changing a reminder adds in
handlers/reminder_edit.py.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import ApplicationHandlerStop, ContextTypes, ConversationHandler

from bot import timing
from bot.timing import LocalTime
from handlers.common import text
from handlers.timezone import days_text, mark_chosen, quoted, send

ZONE, KIND, TIME, DAYS, WINDOW_END, EVERY = range(6)
END = ConversationHandler.END
DRAFT = "reminder_draft"  # chat_data: what the conversation has gathered so far

# A named set of days; "pick" redraws the question with single days to toggle (the days picked
# so far are in the data, so nothing is kept for it); "done" saves the days in the data.
DAYS_PATTERN = re.compile(r"^rem:days:(every_day|weekdays|weekends|pick|done)(?::(\d{1,3}))?$")
DAY_MASKS = {"every_day": timing.EVERY_DAY, "weekdays": timing.WEEKDAYS_ONLY,
             "weekends": timing.WEEKENDS}
# A time offered as a button ("Keep 07:30" when changing a reminder): the same as typing it.
AT_PATTERN = re.compile(r"^rem:at:(\d{2}:\d{2})$")

Step = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[int]]


def exclusive(step: Step) -> Step:
    """What this conversation handles stops there: no other handler answers it as well."""
    @functools.wraps(step)
    async def wrapper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        raise ApplicationHandlerStop(await step(update, context))
    return wrapper


def draft(context: ContextTypes.DEFAULT_TYPE) -> dict[str, Any]:
    return context.chat_data.setdefault(DRAFT, {})


def editing(context: ContextTypes.DEFAULT_TYPE, field: str) -> Any:
    """What the reminder being changed has as `field` (its time, its days...); None while a
    new reminder is being set."""
    gathered = draft(context)
    return gathered.get(field) if gathered.get("then") == "edit" else None


async def ask(
    update: Update, context: ContextTypes.DEFAULT_TYPE, key: str, state: int,
    keep: str | None = None,
) -> int:
    """Ask the question of text `key`; the conversation waits for the answer in `state`. A time
    to `keep` (the one a reminder being changed has) comes as a button."""
    markup = None if keep is None else InlineKeyboardMarkup([[InlineKeyboardButton(
        text(update, context, "reminders.edit.keep", value=keep), callback_data=f"rem:at:{keep}")]])
    await send(update, context, text(update, context, key), markup)
    return state


async def ask_time(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    return await ask(update, context, "reminders.remind.ask_time", TIME, editing(context, "time"))


async def given(update: Update, pattern: re.Pattern[str]) -> str:
    """The answer to the question asked: what the person typed, or the value that a pressed
    button of `pattern` carries (the button is answered). Once the answer is taken, ``took``."""
    query = update.callback_query
    if query is None:
        return update.effective_message.text or ""
    await query.answer()
    return pattern.match(query.data or "").group(1)


async def took(update: Update, context: ContextTypes.DEFAULT_TYPE, answer: str | None = None
               ) -> None:
    """An answer given with a button was taken: the answer (the button's label unless said)
    goes after the question, as for any question answered with a button, and the buttons go."""
    query = update.callback_query
    if query is not None:
        await mark_chosen(update, context, answer or pressed_label(update) or query.data or "")


def pressed_label(update: Update) -> str | None:
    query = update.callback_query
    markup = query.message.reply_markup if query and query.message else None
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            if button.callback_data == query.data:
                return button.text
    return None


async def read_time(update: Update, context: ContextTypes.DEFAULT_TYPE) -> LocalTime | None:
    """The time of day the person typed (or pressed); None after showing how to write one."""
    typed = await given(update, AT_PATTERN)
    try:
        at = timing.parse_time(typed)
    except timing.TimingError:
        await send(update, context,
                   text(update, context, "reminders.remind.bad_time", typed=quoted(typed)))
        return None
    await took(update, context, str(at))  # "07:30", not "Keep 07:30"
    return at


# --- the days -------------------------------------------------------------------------------


async def ask_days(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await send(update, context, text(update, context, "reminders.remind.ask_days"),
               days_keyboard(update, context))
    return DAYS


def days_keyboard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> InlineKeyboardMarkup:
    """Every day, weekdays, weekends, single days (those of a reminder being changed already
    ticked), and for a reminder being changed, its days as they are."""
    current = editing(context, "days")
    buttons = [
        [InlineKeyboardButton(text(update, context, f"reminders.remind.{choice}"),
                              callback_data=f"rem:days:{choice}")]
        for choice in DAY_MASKS
    ]
    buttons.append([InlineKeyboardButton(text(update, context, "reminders.remind.choose"),
                                         callback_data=f"rem:days:pick:{current or 0}")])
    if current:
        buttons.append([InlineKeyboardButton(
            text(update, context, "reminders.edit.keep_days",
                 days=days_text(update, context, current)),
            callback_data=f"rem:days:done:{current}")])
    return InlineKeyboardMarkup(buttons)


async def show_day_picker(update: Update, context: ContextTypes.DEFAULT_TYPE, mask: int) -> None:
    """The days question with a button per day, those in `mask` ticked; each button carries the
    days as they would be after pressing it, and Done the days as they are."""
    def day(index: int, code: str) -> InlineKeyboardButton:
        name = text(update, context, f"reminders.day_button.{code}")
        label = text(update, context, "reminders.remind.day_picked", day=name) if (
            mask >> index & 1) else name
        return InlineKeyboardButton(label, callback_data=f"rem:days:pick:{mask ^ 1 << index}")

    days = [day(index, code) for index, code in enumerate(timing.DAY_CODES)]
    done = InlineKeyboardButton(text(update, context, "reminders.remind.days_done"),
                                callback_data=f"rem:days:done:{mask}")
    markup = InlineKeyboardMarkup([days[:4], days[4:], [done]])
    try:
        await update.callback_query.edit_message_text(
            text(update, context, "reminders.remind.pick_days"), reply_markup=markup)
    except BadRequest as error:  # the same press twice: nothing to change
        if "not modified" not in error.message:
            raise


async def mark_days(update: Update, context: ContextTypes.DEFAULT_TYPE, answer: str) -> None:
    """The days question answered: the question as first asked (not the picker's), and the
    answer."""
    await update.callback_query.edit_message_text(
        text(update, context, "reminders.remind.chosen",
             question=text(update, context, "reminders.remind.ask_days"), answer=answer),
        reply_markup=None)


async def add_note(update: Update, note: str) -> None:
    """Below the message whose button was pressed: a line saying what happened; no buttons."""
    query = update.callback_query
    if query.message.caption is not None:  # a desk break under its picture
        await query.edit_message_caption(f"{query.message.caption}\n\n{note}",
                                         reply_markup=None)
        return
    await query.edit_message_text(f"{query.message.text or ''}\n\n{note}", reply_markup=None)
