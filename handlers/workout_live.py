"""A workout in progress in one chat: its timers, and how each engine transition is shown.

Each transition of ``bot.workout``'s engine turns into a new message only where the person must
act (a new exercise, the other side, the rest that ends a set) and otherwise into an edit of one
status message (every hold and release), so the chat is not flooded. Timers are JobQueue jobs
named after the chat and tagged with the engine's generation, so a timer that fires after a
pause, skip or stop changes nothing.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden
from telegram.ext import Application, ContextTypes

from bot import workouts
from bot.app import SERVICES_KEY, Services
from bot.models import WorkoutSession
from bot.workout import BeatKind, Event, Status, Transition, WorkoutRun
from bot.workout_text import beat_status, exercise_card, exercise_name, summary_text

LIVE_KEY = "live_workouts"

# Stages of a live workout around the engine's own states.
FEELING_BEFORE, OVERVIEW, EXERCISING, FEELING_AFTER = "before", "overview", "exercising", "after"
FEELING_QUESTION = {
    FEELING_BEFORE: "workout.feeling.before", FEELING_AFTER: "workout.feeling.after",
}
# Engine events after which the stored state must change (a new exercise, an end).
SAVED_EVENTS = frozenset({
    Event.EXERCISE_STARTED, Event.EXERCISE_DONE, Event.REST_OVER, Event.SKIPPED, Event.STOPPED,
    Event.RESTORED,
})


@dataclass
class LiveWorkout:
    """A workout in progress in one chat, with the message that carries its live buttons."""

    chat_id: int
    workout_id: int
    run: WorkoutRun
    lang: str
    stage: str
    control_message_id: int | None = None
    timer_started: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def live_workouts(application: Application) -> dict[int, LiveWorkout]:
    return application.bot_data.setdefault(LIVE_KEY, {})


def say(svc: Services, live: LiveWorkout, key: str, **values: object) -> str:
    return svc.content.text(key, live.lang, **values)


def feeling_keyboard(svc: Services, live: LiveWorkout, when: str) -> InlineKeyboardMarkup:
    data = f"wo:{live.workout_id}:f{when}:"
    numbers = [InlineKeyboardButton(str(n), callback_data=f"{data}{n}") for n in range(11)]
    skip = InlineKeyboardButton(say(svc, live, "workout.feeling.skip"), callback_data=f"{data}s")
    return InlineKeyboardMarkup([numbers[:6], numbers[6:], [skip]])


def control_button(
    svc: Services, live: LiveWorkout, action: str, label_key: str, step: int
) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        say(svc, live, label_key), callback_data=f"wo:{live.workout_id}:{step}:{action}"
    )


def controls(svc: Services, live: LiveWorkout, *actions: str) -> InlineKeyboardMarkup:
    labels = {"start": "workout.buttons.start", "start_now": "workout.buttons.start_now",
              "skip": "workout.buttons.skip", "stop": "workout.buttons.stop",
              "pause": "workout.buttons.pause", "resume": "workout.buttons.resume"}
    step = live.run.step_index
    buttons = {a: control_button(svc, live, "start" if a == "start_now" else a, labels[a], step)
               for a in actions}
    # "Start now" gets a row of its own, so it is not pressed instead of Pause by mistake.
    first_row = [buttons.pop("start_now")] if "start_now" in buttons else []
    return InlineKeyboardMarkup([row for row in (first_row, list(buttons.values())) if row])


# --- timers ----------------------------------------------------------------------------------


def timer_name(chat_id: int) -> str:
    return f"workout:{chat_id}"


def cancel_timers(application: Application, chat_id: int) -> None:
    for job in application.job_queue.get_jobs_by_name(timer_name(chat_id)):
        job.schedule_removal()


async def on_timer(context: ContextTypes.DEFAULT_TYPE) -> None:
    chat_id, workout_id, generation = context.job.data
    live = live_workouts(context.application).get(chat_id)
    if live is None or live.workout_id != workout_id:
        return
    async with live.lock:
        transition = live.run.beat_elapsed(generation)
        if transition.applied:
            await show(context.application, live, transition)


# --- showing a transition --------------------------------------------------------------------


async def show(application: Application, live: LiveWorkout, t: Transition) -> None:
    """Schedule the next timer, update the chat, and store the state where it matters."""
    svc: Services = application.bot_data[SERVICES_KEY]
    cancel_timers(application, live.chat_id)
    if t.schedule_in is not None:
        live.timer_started = time.monotonic()
        application.job_queue.run_once(
            on_timer, svc.scaled(t.schedule_in), data=(live.chat_id, live.workout_id, t.generation),
            name=timer_name(live.chat_id), chat_id=live.chat_id,
        )
    # The database first: it is what a restart resumes from, whatever the chat shows.
    if t.event in SAVED_EVENTS or live.run.status in (Status.FINISHED, Status.STOPPED):
        async with svc.sessions.begin() as session:
            await save_run(session, live)
    try:
        await render(application, svc, live, t)
    except Forbidden:
        # The person blocked the bot: nobody is there to follow the workout.
        live.run.stop()
        live_workouts(application).pop(live.chat_id, None)
        cancel_timers(application, live.chat_id)
        async with svc.sessions.begin() as session:
            await save_run(session, live)


async def render(application: Application, svc: Services, live: LiveWorkout, t: Transition
                 ) -> None:
    bot, run, chat_id = application.bot, live.run, live.chat_id
    step = run.current_step
    switching_sides = t.event is Event.NEXT_BEAT and t.beat.kind is BeatKind.SWITCH_SIDE
    if t.event is Event.EXERCISE_STARTED or switching_sides:
        # The person must act: a new message, so the phone buzzes.
        await edit_markup(application, chat_id, live.control_message_id, None)
        message = await bot.send_message(
            chat_id, beat_status(svc.content, live.lang, step, t.beat),
            reply_markup=controls(svc, live, "pause", "skip", "stop"),
        )
        live.control_message_id = message.message_id
    elif t.event is Event.NEXT_BEAT:
        await edit(application, chat_id, live.control_message_id,
                   beat_status(svc.content, live.lang, step, t.beat),
                   controls(svc, live, "pause", "skip", "stop"))
    elif t.event is Event.PAUSED:
        await edit(application, chat_id, live.control_message_id,
                   say(svc, live, "workout.status.paused"),
                   controls(svc, live, "resume", "skip", "stop"))
    elif t.event is Event.RESUMED:
        resting = t.status is Status.RESTING_BETWEEN_EXERCISES
        actions = ("start_now", "pause", "skip", "stop") if resting else ("pause", "skip", "stop")
        await edit(application, chat_id, live.control_message_id,
                   resumed_text(svc, live, t), controls(svc, live, *actions))
    elif t.event is Event.EXERCISE_DONE:
        done_step = run.session[t.ended_step]
        await edit(application, chat_id, live.control_message_id,
                   say(svc, live, "workout.status.done",
                       name=exercise_name(svc.content, live.lang, done_step)), None)
        await after_exercise(application, svc, live, t)
    elif t.event is Event.REST_OVER:
        await edit_markup(application, chat_id, live.control_message_id, None)
        await send_card(application, live)
    elif t.event is Event.SKIPPED:
        skipped = run.session[t.ended_step]
        await edit(application, chat_id, live.control_message_id,
                   say(svc, live, "workout.status.skipped",
                       name=exercise_name(svc.content, live.lang, skipped)), None)
        if t.status is Status.FINISHED:
            await finish(application, svc, live, finished=True)
        else:
            await send_card(application, live)
    elif t.event is Event.STOPPED:
        await edit_markup(application, chat_id, live.control_message_id, None)
        await finish(application, svc, live, finished=False)


def resumed_text(svc: Services, live: LiveWorkout, t: Transition) -> str:
    if t.status is Status.RESTING_BETWEEN_EXERCISES:
        return say(svc, live, "workout.rest.between", seconds=round(t.schedule_in or 0),
                   name=exercise_name(svc.content, live.lang, live.run.current_step))
    return beat_status(svc.content, live.lang, live.run.current_step, t.beat, t.schedule_in)


async def after_exercise(application: Application, svc: Services, live: LiveWorkout,
                         t: Transition) -> None:
    if t.status is Status.FINISHED:
        await application.bot.send_message(live.chat_id, say(svc, live, "workout.rest.last"))
        await finish(application, svc, live, finished=True)
        return
    message = await application.bot.send_message(
        live.chat_id,
        say(svc, live, "workout.rest.between", seconds=round(t.schedule_in or 0),
            name=exercise_name(svc.content, live.lang, live.run.current_step)),
        reply_markup=controls(svc, live, "start_now", "pause", "skip", "stop"),
    )
    live.control_message_id = message.message_id


async def send_card(target: Application | ContextTypes.DEFAULT_TYPE, live: LiveWorkout,
                    intro: str | None = None) -> None:
    application = target if isinstance(target, Application) else target.application
    svc: Services = application.bot_data[SERVICES_KEY]
    card = exercise_card(svc.content, live.lang, live.run, live.run.step_index)
    message = await application.bot.send_message(
        live.chat_id, f"{intro}\n\n{card}" if intro else card,
        reply_markup=controls(svc, live, "start", "skip", "stop"),
    )
    live.control_message_id = message.message_id


async def finish(application: Application, svc: Services, live: LiveWorkout, *, finished: bool
                 ) -> None:
    summary = live.run.summary()
    await application.bot.send_message(
        live.chat_id, summary_text(svc.content, live.lang, summary, finished)
    )
    if not summary.done_steps:
        live_workouts(application).pop(live.chat_id, None)
        return
    live.stage = FEELING_AFTER
    message = await application.bot.send_message(
        live.chat_id, say(svc, live, FEELING_QUESTION[FEELING_AFTER]),
        reply_markup=feeling_keyboard(svc, live, "a"),
    )
    live.control_message_id = message.message_id


async def save_run(session: AsyncSession, live: LiveWorkout) -> None:
    workout = await session.get(WorkoutSession, live.workout_id)
    if workout is not None:
        workouts.save(workout, live.run)


# --- editing without noise ------------------------------------------------------------------


async def edit(target: Application | ContextTypes.DEFAULT_TYPE, chat_id: int,
               message_id: int | None, new_text: str, markup: InlineKeyboardMarkup | None
               ) -> None:
    if message_id is None:
        return
    bot = target.bot
    try:
        await bot.edit_message_text(new_text, chat_id=chat_id, message_id=message_id,
                                    reply_markup=markup)
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            raise


async def edit_markup(application: Application, chat_id: int, message_id: int | None,
                      markup: InlineKeyboardMarkup | None) -> None:
    if message_id is None:
        return
    try:
        await application.bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id,
                                                        reply_markup=markup)
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            raise
