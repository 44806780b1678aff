"""Ending a live workout, or not: Stop asks first, /cancel ends at once, and /workout in the
middle of one asks whether to carry on or start again.

Stop sits next to Skip, so one press never ends a session: the workout pauses while the
question "End the workout?" waits, and only the answer from that very message ends it. A Stop
from an older message (or a forged one) can do no more than ask.
"""

from __future__ import annotations

from functools import partial

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, ContextTypes

from bot.app import SERVICES_KEY, Services, services
from bot.live_workout import EXERCISING, FEELING_AFTER, FEELING_QUESTION, LiveWorkout
from bot.workout import Status
from handlers import open_questions
from handlers.workout_live import (
    cancel_timers,
    carry_out,
    control_button,
    live_workouts,
    pick_up,
    save,
    say,
    send,
    show,
    taken,
    timer_name,
    timers,
)
from handlers.workout_messages import edit, edit_markup

CARRY_ON = "carry_on"  # "Carry on, or start again?", an open question (handlers.open_questions)


async def on_stop_button(update: Update, context: ContextTypes.DEFAULT_TYPE, live: LiveWorkout,
                         action: str) -> None:
    """Stop asks; "Yes, end it" on that question ends; "Keep going" carries on."""
    query, svc = update.callback_query, services(context)
    if live.stage == FEELING_AFTER:
        await query.answer(say(svc, live, "workout.answers.exercise_over"))
        return
    if action == "stop":
        await query.answer()
        await ask_to_stop(context.application, live)
        return
    if live.question_message_id is None or query.message.message_id != live.question_message_id:
        await query.answer(say(svc, live, "workout.answers.already_answered"))
        return
    await query.answer()
    await answer_stop_question(context.application, live, end=action == "end")


async def answer_stop_question(application: Application, live: LiveWorkout, *, end: bool
                               ) -> None:
    """"End the workout?" answered, by its buttons or in words."""
    svc: Services = application.bot_data[SERVICES_KEY]
    question_id, live.question_message_id = live.question_message_id, None
    if end:
        await edit(application, live.chat_id, question_id,
                   say(svc, live, "workout.stop.question"), None)
        transition = live.run.stop()
        if transition.applied:
            await show(application, live, transition)
        return
    await edit(application, live.chat_id, question_id, say(svc, live, "workout.stop.kept"),
               None)
    await go_on_after_asking(application, live)


async def ask_to_stop(application: Application, live: LiveWorkout) -> None:
    svc: Services = application.bot_data[SERVICES_KEY]
    if live.question_message_id is not None:
        return  # asked already: the question is the last thing in the chat
    run = live.run
    if live.stage == EXERCISING and run.status in (Status.RUNNING,
                                                   Status.RESTING_BETWEEN_EXERCISES):
        live.paused_to_ask = True
        elapsed = timers(application).elapsed(timer_name(live.chat_id))
        await show(application, live, run.pause(elapsed))
    step = run.step_index
    keyboard = InlineKeyboardMarkup([[
        control_button(svc, live, "end", "workout.buttons.end", step),
        control_button(svc, live, "keep", "workout.buttons.keep", step),
    ]])
    live.question_message_id = await send(
        application, live, say(svc, live, "workout.stop.question"), keyboard, controlling=False)


async def go_on_after_asking(application: Application, live: LiveWorkout) -> None:
    """"Keep going": the workout goes on as it was before Stop paused it."""
    if not live.paused_to_ask:
        return
    live.paused_to_ask = False
    run = live.run
    transition = run.rewind() if live.voice else run.resume()
    if transition.applied:
        await show(application, live, transition)


async def stop_live_workout(application: Application, chat_id: int, *, quietly: bool = False
                            ) -> bool:
    """/cancel: the live workout ends at once, with one message (its summary)."""
    live = live_workouts(application).get(chat_id)
    if live is None:
        return False
    svc: Services = application.bot_data[SERVICES_KEY]
    async with taken(application, live):
        await close_question(application, live)
        transition = live.run.stop()
        if not transition.applied:  # over already; only the rating was still asked for
            live_workouts(application).pop(chat_id, None)
            if not quietly:
                await edit(application, chat_id, live.control_message_id,
                           f"{live.rating_text or say(svc, live, FEELING_QUESTION[FEELING_AFTER])}"
                           f"\n\n{say(svc, live, 'workout.feeling.skipped')}", None)
            return not quietly
        if quietly:
            cancel_timers(application, chat_id)
            live_workouts(application).pop(chat_id, None)
            await save(svc, live)
            await edit(application, chat_id, live.control_message_id,
                       say(svc, live, "workout.status.stopped"), None)
            return True
        await show(application, live, transition)
    return True


async def close_question(application: Application, live: LiveWorkout) -> None:
    """Take the buttons off "End the workout?" once something else has ended it."""
    question_id, live.question_message_id = live.question_message_id, None
    await edit_markup(application, live.chat_id, question_id, None)


async def ask_carry_on_or_anew(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """/workout while one is under way: ask before throwing it away. False: none is."""
    live = live_workouts(context.application).get(update.effective_chat.id)
    if live is None or live.stage != EXERCISING or live.run.status in (Status.FINISHED,
                                                                      Status.STOPPED):
        return False
    svc = services(context)
    step = live.run.step_index
    asked = await context.bot.send_message(
        live.chat_id, say(svc, live, "workout.live.question"),
        reply_markup=InlineKeyboardMarkup([[
            control_button(svc, live, "carry", "workout.buttons.carry_on", step),
            control_button(svc, live, "anew", "workout.buttons.start_again", step),
        ]]))
    open_questions.remember(context, CARRY_ON, asked)
    return True


async def carry_on(update: Update, context: ContextTypes.DEFAULT_TYPE, live: LiveWorkout
                   ) -> None:
    """"Carry on": the workout shown again where it is, with its buttons at the bottom."""
    query = update.callback_query
    await edit(context, live.chat_id, query.message.message_id, query.message.text, None)
    async with taken(context.application, live):
        if live.question_message_id is not None or live.paused_to_ask:
            await close_question(context.application, live)
            await go_on_after_asking(context.application, live)
            return
        await edit_markup(context.application, live.chat_id, live.control_message_id, None)
        await carry_out(context.application, live, partial(pick_up, context.application, live))
