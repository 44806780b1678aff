"""Text typed where the bot offered buttons: words that do what a button does, and otherwise
a reminder of the question that is open, with its buttons again.

Runs after every conversation and command, for any private text nothing else claimed. A live
workout comes first: its 0 to 10 rating ("7", "seven", «семь»), "let's go" on its overview,
"pause", "resume", "skip", "next", "stop" and "start" while it runs, and "yes" or "no" to "End
the workout?". Then /forget's question takes "yes" or "no". Which words stand for which button
is content (``bot.typed_words``). Anything else typed while a question waits gets the question
again with its buttons (the old ones are taken off, so only one set answers), and so do the
questions answered only by buttons (handlers/open_questions.py); with nothing open, the usual
"I'm not sure what you mean".
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.app import SERVICES_KEY, Services, services
from bot.live_workout import (
    EXERCISING,
    FEELING_BEFORE,
    FEELING_QUESTION,
    OVERVIEW,
    LiveWorkout,
)
from bot.typed_words import TypedWords
from handlers import open_questions, privacy
from handlers.common import free_text, language_of, text
from handlers.workout import apply_press, lets_go, note_feeling, overview_keyboard
from handlers.workout import start_by_itself as start_next
from handlers.workout_live import (
    feeling_keyboard,
    live_workouts,
    say,
    show,
    taken,
    timer_name,
    timers,
)
from handlers.workout_messages import edit_markup
from handlers.workout_stop import answer_stop_question, ask_to_stop, close_question

# What each typed button does to a running exercise, as apply_press names it.
PRESSES = {"pause": "pause", "resume": "resume", "skip": "skip", "start": "start"}


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    typed = update.effective_message.text or ""
    words = TypedWords.of(services(context).content, language_of(update, context))
    live = live_workouts(context.application).get(update.effective_chat.id)
    if live is not None:
        async with taken(context.application, live):
            await typed_in_workout(update, context, live, typed, words)
        return
    if await privacy.typed_answer(update, context, words.action(typed, ("yes", "no"))):
        return
    if await open_questions.ask_again(update, context):
        return
    await free_text(update, context)


async def typed_in_workout(update: Update, context: ContextTypes.DEFAULT_TYPE,
                           live: LiveWorkout, typed: str, words: TypedWords) -> None:
    application, svc = context.application, services(context)
    if live.stage in FEELING_QUESTION:
        rating = words.rating(typed)
        if rating is not None:
            await note_feeling(context, live, rating)
        else:
            await ask_again(application, live, live.rating_text or say(
                svc, live, FEELING_QUESTION[live.stage]), say(svc, live, "typed.reply.rating_hint"))
        return
    if live.stage == OVERVIEW:
        if words.action(typed, ("start",)):
            await lets_go(application, live)
        else:
            await ask_again(application, live, say(svc, live, "workout.overview.ask_again"))
        return
    if live.question_message_id is not None:  # "End the workout?"
        answer = words.action(typed, ("yes", "stop", "no", "resume"))
        if answer is None:  # asked again at the bottom, where the person is looking
            await close_question(application, live)
            await ask_to_stop(application, live)
        else:
            await answer_stop_question(application, live, end=answer in ("yes", "stop"))
        return
    action = words.action(typed, ("stop", *PRESSES))
    if action is None:
        if not await open_questions.ask_again(update, context):  # "Carry on, or start again?"
            await update.effective_message.reply_text(say(svc, live, "typed.reply.workout_words"))
    elif action == "stop":
        await ask_to_stop(application, live)
    elif not await press(application, live, PRESSES[action]):
        await update.effective_message.reply_text(
            text(update, context, "typed.reply.not_now", word=typed.strip()))


async def press(application: Application, live: LiveWorkout, action: str) -> bool:
    """A control button's work, typed; False if the workout is not where it can be done."""
    if live.stage != EXERCISING:
        return False
    elapsed = timers(application).elapsed(timer_name(live.chat_id))
    transition = apply_press(live, action, live.run.step_index, elapsed)
    if not transition.applied:
        return False
    await show(application, live, transition)
    await start_next(application, live)
    return True


async def ask_again(application: Application, live: LiveWorkout, question: str,
                    hint: str | None = None) -> None:
    """The open question again, at the bottom of the chat, with its buttons; the buttons of
    the message that asked it first come off."""
    svc: Services = application.bot_data[SERVICES_KEY]
    keyboard = (overview_keyboard(svc, live) if live.stage == OVERVIEW
                else feeling_keyboard(svc, live, "b" if live.stage == FEELING_BEFORE else "a"))
    body = say(svc, live, "typed.reply.open_question", question=question)
    await edit_markup(application, live.chat_id, live.control_message_id, None)
    message = await application.bot.send_message(
        live.chat_id, f"{body}\n\n{hint}" if hint else body, reply_markup=keyboard)
    live.control_message_id = message.message_id
