"""/start: who Back Coach is, and buttons for the next step that fits where the person is.

Never screened (or the answers are old): the safety questions come first. Cleared: a workout,
and a reminder to walk. Ruled out by a warning sign: no button that leads towards exercise;
a reminder (walking stays open after a "see a doctor") where the screen allows one.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot import workouts
from bot.app import services
from handlers.common import text
from handlers.reminder_list import NEW as NEW_REMINDER
from handlers.screening import WORKOUT_BEGIN, screen_button

OPEN = (workouts.Gate.OPEN, workouts.Gate.OPEN_JUST_SCREENED)
SCREEN_FIRST = (workouts.Gate.NEVER_SCREENED, workouts.Gate.SCREEN_EXPIRED)


async def start_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    name = update.effective_user.first_name if update.effective_user else ""
    gate = await workout_gate(update, context)
    await update.effective_message.reply_text(
        text(update, context, "ui.start.greeting", name=name)
        + "\n\n" + text(update, context, "ui.start.next_step"),
        reply_markup=next_steps(update, context, gate),
    )


async def workout_gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> workouts.Gate:
    svc = services(context)
    async with svc.sessions() as session:
        return await workouts.workout_gate(session, update.effective_chat.id, svc.clock())


def next_steps(update: Update, context: ContextTypes.DEFAULT_TYPE, gate: workouts.Gate
               ) -> InlineKeyboardMarkup | None:
    remind = [InlineKeyboardButton(text(update, context, "ui.start.remind_button"),
                                   callback_data=NEW_REMINDER)]
    if gate in SCREEN_FIRST:
        return InlineKeyboardMarkup([[screen_button(update, context)]])
    if gate in OPEN:
        workout = InlineKeyboardButton(text(update, context, "ui.screen.workout_button"),
                                       callback_data=WORKOUT_BEGIN)
        return InlineKeyboardMarkup([[workout], remind])
    if gate is workouts.Gate.BLOCKED:
        return InlineKeyboardMarkup([remind])
    return None  # an urgent warning sign: getting help comes first
