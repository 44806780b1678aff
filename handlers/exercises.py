"""/exercises: the programme's exercises, to look at before doing them.

A list with one button per exercise; a button opens that exercise as one message, its looping
animation with its name, purpose, steps and dose as the caption, and a button back to the
list. The safety rule of /workout holds here too: no exercise's name, steps or picture reaches
a chat without a current clear safety screen, so the command and every button ask
``bot.workouts.workout_gate`` again (a list can wait in the chat for weeks).
"""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot import workouts
from bot.app import services
from bot.content import Content, Exercise
from bot.pictures import animation_or_none
from bot.sending.files import send_pictured
from bot.workout_text import numbered_steps, times
from handlers.common import language_of, text
from handlers.screening import screen_button

# Callback data: "ex:list" shows the list again, "ex:show:<id>" opens one exercise. Exercise
# ids are lowercase words (bot.content_model.ID_PATTERN), so neither can be taken for the other.
PREFIX_PATTERN = r"^ex:"
LIST = "ex:list"
SHOW_PATTERN = re.compile(r"^ex:show:([a-z][a-z0-9_]{0,40})$")

# The card's wording of a dose, by how the exercise uses its sides (workout.card.*).
DOSE_KEYS = {"none": "dose_plain", "each_in_turn": "dose_sides",
             "alternating": "dose_alternating"}


def exercise_page(content: Content, lang: str, exercise: Exercise) -> str:
    """What one exercise looks like outside a workout: the card without the workout's place
    or today's pick from a range, so the dose reads as the article gives it."""
    key = f"exercises.{exercise.id}"
    first = content.text(f"{key}.side_first", lang) if exercise.has_sides else ""
    dose = content.text(f"workout.card.{DOSE_KEYS[exercise.sides]}", lang,
                        hold=exercise.hold_seconds, reps=times(exercise.reps), first=first)
    if not exercise.dose_from_article:
        dose += "\n" + content.text("workout.card.our_dose", lang)
    parts = [f"{content.text(f'{key}.name', lang)}\n{content.text(f'{key}.purpose', lang)}",
             numbered_steps(content, lang, exercise.id), dose]
    if content.has_text(f"{key}.note", lang):
        parts.append(content.text(f"{key}.note", lang))
    return "\n\n".join(parts)


def list_keyboard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> InlineKeyboardMarkup:
    """One exercise a row, in programme order: the names are too long to share a row."""
    content, lang = services(context).content, language_of(update, context)
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(content.text(f"exercises.{exercise_id}.name", lang),
                              callback_data=f"ex:show:{exercise_id}")]
        for exercise_id in content.exercises
    ])


async def gate_closed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Whether the chat's screen keeps the exercises closed; if so, it has been told why, with
    the button to the safety questions (as /workout does)."""
    svc, chat_id = services(context), update.effective_chat.id
    async with svc.sessions() as session:
        gate = await workouts.workout_gate(session, chat_id, svc.clock())
    if gate in (workouts.Gate.OPEN, workouts.Gate.OPEN_JUST_SCREENED):
        # Looking is not exercising: the quick check of the day waits for /workout.
        return False
    key = ("screening.outcome.urgent" if gate is workouts.Gate.URGENT
           else f"ui.library.gate.{gate.value}")
    await context.bot.send_message(
        chat_id, text(update, context, key),
        reply_markup=InlineKeyboardMarkup([[screen_button(update, context)]]),
    )
    return True


async def send_list(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The list as a new message: the exercise above it keeps its picture, and the list comes
    where the person is reading, at the bottom of the chat."""
    if await gate_closed(update, context):
        return
    await context.bot.send_message(update.effective_chat.id,
                                   text(update, context, "ui.library.list"),
                                   reply_markup=list_keyboard(update, context))


async def send_exercise(
    update: Update, context: ContextTypes.DEFAULT_TYPE, exercise: Exercise
) -> None:
    if await gate_closed(update, context):
        return
    svc = services(context)
    page = exercise_page(svc.content, language_of(update, context), exercise)
    back = InlineKeyboardMarkup([[InlineKeyboardButton(text(update, context, "ui.library.back"),
                                                       callback_data=LIST)]])
    picture = await animation_or_none(svc.pictures, exercise.id)
    await send_pictured(context.bot, update.effective_chat.id, picture, page, back,
                        file_ids=svc.file_ids)


async def exercises_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send_list(update, context)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every "ex:" button; data this module never made (forged, or from an older version
    naming an exercise that is gone) gets a short answer on the button, and nothing else."""
    query = update.callback_query
    if query.data == LIST:
        await query.answer()
        await send_list(update, context)
        return
    match = SHOW_PATTERN.match(query.data or "")
    exercise = services(context).content.exercises.get(match.group(1)) if match else None
    if exercise is None:
        await query.answer(text(update, context, "ui.library.unknown"))
        return
    await query.answer()
    await send_exercise(update, context, exercise)
