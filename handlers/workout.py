"""The guided workout in Telegram: /workout and its buttons.

``bot.workout`` decides what happens; ``handlers.workout_live`` shows it and runs the timers;
``handlers.workout_stop`` ends it (or not), ``handlers.workout_restart`` picks it up after a
restart, and ``handlers.workout_voice`` sends its voice messages.
"""

from __future__ import annotations

import re
from functools import partial

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, ContextTypes, ConversationHandler

from bot import preferences, workouts
from bot.app import Services, services
from bot.live_workout import (
    EXERCISING,
    FEELING_AFTER,
    FEELING_BEFORE,
    FEELING_QUESTION,
    OVERVIEW,
    LiveWorkout,
    save_run,
)
from bot.screening import Decision, Purpose
from bot.workout import Status, Transition
from bot.workout_text import overview
from handlers import open_questions
from handlers.common import language_of, text
from handlers.screening import reasons_text, screen_button, start_check
from handlers.workout_live import (
    carry_out,
    control_button,
    feeling_keyboard,
    live_workouts,
    pick_up,
    present_step,
    say,
    show,
    taken,
    timer_name,
    timers,
)
from handlers.workout_messages import edit, edit_markup
from handlers.workout_stop import (
    CARRY_ON,
    ask_carry_on_or_anew,
    carry_on,
    on_stop_button,
    stop_live_workout,
)
from handlers.workout_voice import prepare_session

CONTROL_PATTERN = re.compile(
    r"^wo:(\d{1,12}):(\d{1,3}):"
    r"(go|harder|easier|start|skip|stop|pause|resume|settled|sore|end|keep|carry|anew)$"
)
FEELING_PATTERN = re.compile(r"^wo:(\d{1,12}):f([ba]):(\d{1,2}|s)$")
BEGIN = "wo:begin"
SETTLED = "settled"  # "Has your back settled?", an open question (handlers.open_questions)


# --- starting: the gate, the quick check, the feeling, the overview --------------------------


async def workout_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/workout (or "Start workout" on a reminder): the screen decides, then the quick check."""
    if update.callback_query:
        await update.callback_query.answer()
    if await pick_up_stalled(context.application, update.effective_chat.id):
        return ConversationHandler.END
    if await ask_carry_on_or_anew(update, context):
        return ConversationHandler.END
    return await through_the_gate(update, context, ask_if_settled=True)


async def through_the_gate(
    update: Update, context: ContextTypes.DEFAULT_TYPE, *, ask_if_settled: bool
) -> int:
    """The screen decides; then, if the back hurt more after the last workout, whether it has
    settled; then the quick check."""
    svc, chat_id = services(context), update.effective_chat.id
    async with svc.sessions.begin() as session:
        gate = await workouts.workout_gate(session, chat_id, svc.clock())
        sore = await workouts.hurt_more_last_time(session, chat_id, svc.content.back_rating)
    if gate not in (workouts.Gate.OPEN, workouts.Gate.OPEN_JUST_SCREENED):
        key = ("screening.outcome.urgent" if gate is workouts.Gate.URGENT
               else f"workout.gate.{gate.value}")
        await context.bot.send_message(
            chat_id, text(update, context, key),
            reply_markup=InlineKeyboardMarkup([[screen_button(update, context)]]),
        )
        return ConversationHandler.END
    if ask_if_settled and sore is not None:
        asked = await context.bot.send_message(
            chat_id, text(update, context, "workout.settled.question"),
            reply_markup=InlineKeyboardMarkup([[
                settled_button(update, context, sore, "settled", "workout.settled.yes"),
                settled_button(update, context, sore, "sore", "workout.settled.no"),
            ]]))
        open_questions.remember(context, SETTLED, asked)
        return ConversationHandler.END
    await stop_live_workout(context.application, chat_id, quietly=True)
    if gate is workouts.Gate.OPEN_JUST_SCREENED:
        await start_workout(update, context)
        return ConversationHandler.END
    return await start_check(update, context, Purpose.RECHECK)


def settled_button(update: Update, context: ContextTypes.DEFAULT_TYPE, workout_id: int,
                   action: str, label_key: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text(update, context, label_key),
                                callback_data=f"wo:{workout_id}:0:{action}")


async def on_settled_answer(
    update: Update, context: ContextTypes.DEFAULT_TYPE, workout_id: int, settled: bool
) -> None:
    """"Has it settled?" answered: yes goes on to the quick check, no means no workout today."""
    # A press by anyone but the chat's own person never gets here (handlers.guards).
    query, svc, chat_id = update.callback_query, services(context), update.effective_chat.id
    async with svc.sessions() as session:
        sore = await workouts.hurt_more_last_time(session, chat_id, svc.content.back_rating)
    if sore != workout_id:  # answered "yes" already, or not the latest workout's question
        await query.answer(text(update, context, "workout.answers.already_answered"))
        return
    open_questions.forget(context, SETTLED)
    await query.answer()
    answer = text(update, context, "workout.settled.yes" if settled else "workout.settled.no")
    await edit(context, chat_id, query.message.message_id,
               f"{text(update, context, 'workout.settled.question')}\n\n{answer}", None)
    if not settled:
        await context.bot.send_message(chat_id, text(update, context, "workout.settled.rest"))
        return
    # The gate again: the button may have waited for days.
    await through_the_gate(update, context, ask_if_settled=False)


async def pick_up_stalled(application: Application, chat_id: int) -> bool:
    """A workout whose last step could not be shown goes on where it is, not from the start."""
    live = live_workouts(application).get(chat_id)
    if live is None or not live.stalled:
        return False
    async with taken(application, live):
        await pick_up(application, live)
    return True


async def after_quick_check(
    update: Update, context: ContextTypes.DEFAULT_TYPE, decision: Decision
) -> None:
    chat_id = update.effective_chat.id
    if not decision.allows_exercise:
        reasons = reasons_text(update, context, decision)
        await context.bot.send_message(
            chat_id, text(update, context, "screening.recheck.blocked", reasons=reasons)
        )
        return
    await context.bot.send_message(chat_id, text(update, context, "screening.recheck.cleared"))
    await start_workout(update, context)


async def start_workout(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A new workout row, then the first question: how does the back feel?"""
    svc, chat_id = services(context), update.effective_chat.id
    async with svc.sessions.begin() as session:
        chosen = await preferences.load(session, chat_id)
        run = workouts.new_run(svc.content, harder=chosen.harder,
                               auto_continue=chosen.auto_continue)
        row = await workouts.begin(session, chat_id, run, feeling_before=None)
    live = LiveWorkout(chat_id, row.id, run, language_of(update, context), FEELING_BEFORE,
                       voice=chosen.voice and svc.voices is not None)
    live_workouts(context.application)[chat_id] = live
    message = await context.bot.send_message(
        chat_id, say(svc, live, FEELING_QUESTION[FEELING_BEFORE]),
        reply_markup=feeling_keyboard(svc, live, "b"),
    )
    live.control_message_id = message.message_id


async def on_feeling(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query, svc = update.callback_query, services(context)
    match = FEELING_PATTERN.match(query.data or "")
    live = await owned_live_workout(update, context, int(match.group(1)) if match else -1)
    if live is None or match is None:
        return
    asked = FEELING_BEFORE if match.group(2) == "b" else FEELING_AFTER
    value = None if match.group(3) == "s" else int(match.group(3))
    if live.stage != asked or (value is not None and value not in workouts.FEELING_SCALE):
        await query.answer(say(svc, live, "workout.answers.already_answered"))
        return
    await query.answer()
    await note_feeling(context, live, value)


async def note_feeling(
    context: ContextTypes.DEFAULT_TYPE, live: LiveWorkout, value: int | None
) -> None:
    """Store the rating (None: skipped), close the question, and go on."""
    svc, asked = services(context), live.stage
    limits = svc.content.back_rating
    hurt_more = too_sore = False
    if value is not None:
        async with svc.sessions.begin() as session:
            await workouts.record_feeling(
                session, live.chat_id, live.workout_id,
                "before" if asked == FEELING_BEFORE else "after", value,
            )
            if asked == FEELING_AFTER:
                hurt_more = await workouts.hurt_more_after_workout(
                    session, live.workout_id, limits)
            elif workouts.too_sore_to_start(limits, value):
                live.run.stop()
                too_sore = True
                await save_run(session, live)
    noted = (say(svc, live, "workout.feeling.noted", value=value) if value is not None
             else say(svc, live, "workout.feeling.skipped"))
    asking = live.rating_text if asked == FEELING_AFTER else None
    await edit(context, live.chat_id, live.control_message_id,
               f"{asking or say(svc, live, FEELING_QUESTION[asked])}\n\n{noted}", None)
    if asked == FEELING_AFTER or too_sore:
        live_workouts(context.application).pop(live.chat_id, None)
        if value is not None:
            key = ("workout.feeling.too_sore_before" if too_sore else
                   "workout.feeling.hurt_more_after" if hurt_more else
                   "workout.feeling.thanks_after")
            await context.bot.send_message(live.chat_id, say(svc, live, key))
        return
    live.stage = OVERVIEW
    message = await context.bot.send_message(
        live.chat_id, overview(svc.content, live.lang, live.run, voice=live.voice),
        reply_markup=overview_keyboard(svc, live),
    )
    live.control_message_id = message.message_id


def overview_keyboard(svc: Services, live: LiveWorkout) -> InlineKeyboardMarkup:
    toggle = ("easier", "workout.overview.use_easier") if live.run.harder else (
        "harder", "workout.overview.use_harder")
    return InlineKeyboardMarkup([
        [control_button(svc, live, "go", "workout.overview.go", 0)],
        [control_button(svc, live, toggle[0], toggle[1], 0),
         control_button(svc, live, "stop", "workout.buttons.stop", 0)],
    ])


# --- the buttons during the workout ---------------------------------------------------------


async def on_control(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query, svc = update.callback_query, services(context)
    match = CONTROL_PATTERN.match(query.data or "")
    if match and match.group(3) in ("settled", "sore"):
        await on_settled_answer(update, context, int(match.group(1)), match.group(3) == "settled")
        return
    live = await owned_live_workout(update, context, int(match.group(1)) if match else -1)
    if live is None or match is None:
        return
    step, action = int(match.group(2)), match.group(3)
    if action in ("carry", "anew"):  # each takes the lock itself, if it goes on
        await on_carry_on_or_anew(update, context, live, action)
        return
    async with taken(context.application, live):
        if action in ("go", "harder", "easier"):
            await on_overview_button(update, context, live, action)
            return
        if action in ("stop", "end", "keep"):
            await on_stop_button(update, context, live, action)
            return
        transition = None
        if live.stage == EXERCISING:
            elapsed = timers(context.application).elapsed(timer_name(live.chat_id))
            transition = apply_press(live, action, step, elapsed)
        if transition is not None and transition.applied:
            await query.answer()
            await show(context.application, live, transition)
            await start_by_itself(context.application, live)
        elif live.stalled:
            # Whatever was pressed, the person has not seen where the workout is: show it.
            await query.answer()
            await pick_up(context.application, live)
        else:
            await query.answer(say(svc, live, "workout.answers.exercise_over"))


def apply_press(live: LiveWorkout, action: str, step: int, elapsed: float) -> Transition:
    """What a control button does to the run; ``elapsed``: programme seconds of the timer."""
    run = live.run
    if action == "start":
        return run.start_exercise(step)
    if action == "skip":
        return run.skip(step)
    if action == "pause":
        return run.pause(elapsed, step)
    # The voice message cannot be told to carry on where it was paused: with spoken
    # guidance, Resume starts the exercise again with a voice message of its own.
    return run.rewind(step) if live.voice else run.resume(step)


async def start_by_itself(application: Application, live: LiveWorkout) -> None:
    """With auto-continue in text-only guidance, an exercise waiting for Start (after a skip)
    begins at once, with the long "get ready": the phone is in the person's hand already.
    Spoken guidance waits for "I pressed play", which keeps the voice and the text together."""
    run = live.run
    if (live.voice or not run.auto_start_next or live.stalled or live.stage != EXERCISING
            or run.status is not Status.AWAITING_START):
        return
    await show(application, live, run.start_exercise(run.step_index))


async def on_overview_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, live: LiveWorkout, action: str
) -> None:
    query, svc = update.callback_query, services(context)
    if live.stage != OVERVIEW or query.message.message_id != live.control_message_id:
        await query.answer(say(svc, live, "workout.answers.already_answered"))
        return
    await query.answer()
    if action == "go":
        await lets_go(context.application, live)
        return
    harder = action == "harder"
    live.run = workouts.new_run(svc.content, harder=harder,
                                auto_continue=live.run.auto_start_next)
    async with svc.sessions.begin() as session:
        await workouts.set_harder_preference(session, live.chat_id, harder)
        await save_run(session, live)
    await edit(context, live.chat_id, live.control_message_id,
               overview(svc.content, live.lang, live.run, voice=live.voice),
               overview_keyboard(svc, live))


async def lets_go(application: Application, live: LiveWorkout) -> None:
    """"Let's go" on the overview, pressed or typed: the first exercise."""
    live.stage = EXERCISING
    await edit_markup(application, live.chat_id, live.control_message_id, None)
    if live.voice:
        prepare_session(application, live)
    await carry_out(application, live, partial(present_step, application, live))
    await start_by_itself(application, live)


async def owned_live_workout(
    update: Update, context: ContextTypes.DEFAULT_TYPE, workout_id: int
) -> LiveWorkout | None:
    """The chat's live workout if the button belongs to it; otherwise the press is answered."""
    query = update.callback_query
    if query.message is None or query.from_user.id != query.message.chat.id:
        await query.answer(text(update, context, "workout.answers.not_yours"))
        return None
    live = live_workouts(context.application).get(query.message.chat.id)
    if live is None or live.workout_id != workout_id:
        await query.answer(text(update, context, "workout.answers.workout_over"))
        return None
    return live


async def cancel_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if await stop_live_workout(context.application, update.effective_chat.id):
        return
    await update.effective_message.reply_text(text(update, context, "ui.screen.nothing_to_cancel"))


async def on_carry_on_or_anew(update: Update, context: ContextTypes.DEFAULT_TYPE,
                              live: LiveWorkout, action: str) -> None:
    """The answer to "carry on, or start again?" asked by /workout during a workout."""
    query = update.callback_query
    open_questions.forget(context, CARRY_ON)
    if live.stage != EXERCISING or live.run.status in (Status.FINISHED, Status.STOPPED):
        await query.answer(say(services(context), live, "workout.answers.already_answered"))
        return
    await query.answer()
    if action == "carry":
        await carry_on(update, context, live)
        return
    await edit(context, live.chat_id, query.message.message_id, query.message.text, None)
    await through_the_gate(update, context, ask_if_settled=True)
