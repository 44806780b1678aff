"""Desk breaks in the /remind conversation, and the break itself.

After "🪑 Desk breaks" is chosen (handlers/reminders.py), these steps ask when the breaks
start, when they end and how often they come; the start (the reminder's time), the days and
the saving are the steps of a daily reminder. What the times and minutes may be, and which
stretch a break suggests, is decided in bot/desk_breaks.py.
"""

from __future__ import annotations

import re
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot import desk_breaks, timing
from bot.content import Content
from bot.dispatch import Composed
from bot.pictures import PictureLibrary
from bot.reminders import Claimed, Kind, Window, stored_time
from bot.timing import DESK_BREAK_MIN_MINUTES
from bot.workout_text import desk_break_dose, numbered_steps
from handlers.common import text
from handlers.remind_steps import (
    AT_PATTERN,
    EVERY,
    TIME,
    WINDOW_END,
    add_note,
    ask,
    ask_days,
    draft,
    editing,
    exclusive,
    given,
    read_time,
    took,
)
from handlers.timezone import quoted, send

DONE = "desk:done"
DONE_PATTERN = f"^{DONE}$"
EXAMPLE_EVERY = 60
# The intervals offered as buttons, those that fit the window; any other can be typed.
EVERY_CHOICES = (30, 45, 60, 90, 120)
EVERY_PATTERN = re.compile(r"^rem:every:(\d{1,3})$")


def states() -> dict[object, list[BaseHandler]]:
    typed = filters.TEXT & ~filters.COMMAND
    return {
        WINDOW_END: [MessageHandler(typed, on_end), CallbackQueryHandler(on_end, AT_PATTERN)],
        EVERY: [MessageHandler(typed, on_every), CallbackQueryHandler(on_every, EVERY_PATTERN)],
    }


async def ask_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    # The start is the reminder's time: the same step as a daily reminder's, which then
    # comes back here (ask_end). Breaks being changed need no introduction.
    start = editing(context, "time")
    key = "reminders.desk.ask_start" if start is None else "reminders.desk.ask_start_again"
    return await ask(update, context, key, TIME, start)


async def ask_end(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    end = editing(context, "window_end")
    if end is not None and not fits(stored_time(draft(context)["time"]), stored_time(end)):
        end = None  # the new start leaves no room before the old end: no button to keep it
    return await ask(update, context, "reminders.desk.ask_end", WINDOW_END, end)


def fits(start: timing.LocalTime, end: timing.LocalTime) -> bool:
    try:
        desk_breaks.longest_every(start, end)
    except timing.TimingError:
        return False
    return True


@exclusive
async def on_end(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    end = await read_time(update, context)
    if end is None:
        return WINDOW_END
    start = stored_time(draft(context).get("time", "00:00"))
    try:
        longest = desk_breaks.longest_every(start, end)
    except timing.TimingError:
        await send(update, context, text(update, context, "reminders.desk.bad_window",
                                         start=str(start), min=DESK_BREAK_MIN_MINUTES))
        return WINDOW_END
    draft(context)["window_end"] = str(end)
    await send(update, context, text(update, context, "reminders.desk.ask_every",
                                     **every_range(longest)),
               every_buttons(update, context, longest, editing(context, "every")))
    return EVERY


def every_buttons(update: Update, context: ContextTypes.DEFAULT_TYPE, longest: int,
                  current: int | None) -> InlineKeyboardMarkup:
    """The usual intervals that fit the window, and the one breaks being changed have."""
    minutes = sorted({*EVERY_CHOICES, *([current] if current else [])})
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(text(update, context, "reminders.desk.every_button", minutes=every),
                             callback_data=f"rem:every:{every}")
        for every in minutes if DESK_BREAK_MIN_MINUTES <= every <= longest]])


@exclusive
async def on_every(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    typed = await given(update, EVERY_PATTERN)
    gathered = draft(context)
    start = stored_time(gathered.get("time", "00:00"))
    end = stored_time(gathered.get("window_end", "23:59"))
    limits = every_range(desk_breaks.longest_every(start, end))
    try:
        every = desk_breaks.parse_minutes(typed)
        desk_breaks.check_every(every, start, end)
    except timing.TimingError as error:
        if error.code == "bad_minutes":
            reply = text(update, context, "reminders.desk.bad_minutes", typed=quoted(typed),
                         **limits)
        else:
            reply = text(update, context, "reminders.desk.bad_every", every=every, **limits)
        await send(update, context, reply)
        return EVERY
    await took(update, context)
    gathered["every"] = every
    return await ask_days(update, context)


def window(gathered: dict[str, Any]) -> Window | None:
    """The window of the desk break the conversation gathered; None for another kind, or
    for a draft that lacks the end or the interval."""
    if gathered.get("kind") != Kind.DESK_BREAK or not {"window_end", "every"} <= gathered.keys():
        return None
    return Window(stored_time(gathered["window_end"]), gathered["every"])


def every_range(longest: int) -> dict[str, int]:
    return {"min": DESK_BREAK_MIN_MINUTES, "max": longest,
            "example": min(EXAMPLE_EVERY, longest)}


# --- the break itself ---------------------------------------------------------------------


def compose(content: Content, language: str, item: Claimed,
            pictures: PictureLibrary | None = None) -> Composed:
    """A desk break: one of the standing stretches, in turn, with its steps and its picture
    (if drawn), and "Done"."""
    every = item.every_minutes or DESK_BREAK_MIN_MINUTES
    stretch = desk_breaks.stretch_for(content.desk_break_stretches, item.due_at, every)
    body = content.text(
        "reminders.message.desk_break", language,
        name=content.text(f"exercises.{stretch.id}.name", language),
        steps=numbered_steps(content, language, stretch.id),
        dose=desk_break_dose(content, language, stretch),
    )
    done = InlineKeyboardButton(content.text("reminders.message.done_button", language),
                                callback_data=DONE)
    picture = pictures.drawn(stretch.id) if pictures is not None else None
    return Composed(body, InlineKeyboardMarkup([[done]]), picture)


async def on_done(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.callback_query.answer()
    await add_note(update, text(update, context, "reminders.message.desk_done"))

