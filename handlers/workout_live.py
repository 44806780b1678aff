"""A workout in progress in one chat: its timers, and how each engine transition is shown.

Each transition of ``bot.workout``'s engine turns into a new message only where the person must
act (a new exercise, the other side, the rest that ends a set) and otherwise into an edit of one
status message (every hold and release), so the chat is not flooded. Each chat has one timer
(``bot.timers``), tagged with the engine's generation, so a timer that fires after a pause, skip
or stop changes nothing.

The person on the floor depends on every prompt, so each request is tried again on failures
that may pass (``bot.sending.retry``). A step that still cannot be shown leaves the workout
``stalled``: the person's next press of a workout button, or /workout, shows it where it is.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, ContextTypes

from bot.app import SERVICES_KEY, Services
from bot.live_workout import (
    FEELING_AFTER,
    FEELING_QUESTION,
    LiveWorkout,
    must_save,
    save_run,
    seconds_left,
    status_actions,
    status_text,
)
from bot.sending.failures import Failure, classify
from bot.sending.retry import with_retries
from bot.timers import Timers
from bot.workout import BeatKind, Event, Status, Transition
from bot.workout_text import beat_status, exercise_card, exercise_name, summary_text

logger = logging.getLogger(__name__)

LIVE_KEY = "live_workouts"
TIMERS_KEY = "workout_timers"
T = TypeVar("T")


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


def timers(application: Application) -> Timers:
    """The application's workout timers, made on first use, when its JobQueue runs."""
    made: Timers | None = application.bot_data.get(TIMERS_KEY)
    if made is None:
        svc: Services = application.bot_data[SERVICES_KEY]
        assert application.job_queue is not None
        made = svc.make_timers(application.job_queue, svc.settings.time_scale)
        application.bot_data[TIMERS_KEY] = made
    return made


def cancel_timers(application: Application, chat_id: int) -> None:
    timers(application).cancel(timer_name(chat_id))


async def on_timer(application: Application, chat_id: int, workout_id: int, generation: int
                   ) -> None:
    live = live_workouts(application).get(chat_id)
    if live is None or live.workout_id != workout_id:
        return
    async with live.lock:
        transition = live.run.beat_elapsed(generation)
        if transition.applied:
            await show(application, live, transition)


# --- showing a transition --------------------------------------------------------------------


async def show(application: Application, live: LiveWorkout, t: Transition) -> None:
    """Schedule the next timer, update the chat, and store the state where it matters."""
    svc: Services = application.bot_data[SERVICES_KEY]
    cancel_timers(application, live.chat_id)
    live.timer_seconds = t.schedule_in
    if t.schedule_in is not None:
        fire = partial(on_timer, application, live.chat_id, live.workout_id, t.generation)
        timers(application).start(timer_name(live.chat_id), t.schedule_in, fire)
    # The database first: it is what a restart resumes from, whatever the chat shows.
    if must_save(live, t):
        async with svc.sessions.begin() as session:
            await save_run(session, live)
    await carry_out(application, live, partial(render, application, svc, live, t))


async def carry_out(application: Application, live: LiveWorkout,
                    step: Callable[[], Awaitable[None]]) -> None:
    """Show one step of the workout in the chat. One the retries could not get through leaves
    the workout stalled for ``pick_up``; a blocked bot ends the workout."""
    try:
        await step()
    except TelegramError as error:
        failure = classify(error)
        if failure is Failure.BLOCKED:
            # Nobody is there to follow the workout.
            await end_unseen(application, live)
            return
        if not failure.transient:
            raise
        live.stalled = True
        logger.warning("A workout step could not be shown (%s); the person's next press or "
                       "/workout shows it", failure.value)
        return
    live.stalled = False


async def end_unseen(application: Application, live: LiveWorkout) -> None:
    svc: Services = application.bot_data[SERVICES_KEY]
    live.run.stop()
    live_workouts(application).pop(live.chat_id, None)
    cancel_timers(application, live.chat_id)
    async with svc.sessions.begin() as session:
        await save_run(session, live)


async def deliver(svc: Services, request: Callable[[], Awaitable[T]]) -> T:
    # A prompt shown twice costs less than one lost while the person lies on the floor waiting
    # for it, so a request that may have arrived already is sent again too.
    sleep = partial(scaled_sleep, svc)
    return await with_retries(request, sleep=sleep, maybe_sent_too=True)


async def scaled_sleep(svc: Services, seconds: float) -> None:
    await asyncio.sleep(svc.scaled(seconds))


async def send(application: Application, live: LiveWorkout, text: str,
               markup: InlineKeyboardMarkup | None = None, *, controlling: bool = True) -> None:
    """A new message; with ``controlling`` it carries the live buttons from now on."""
    svc: Services = application.bot_data[SERVICES_KEY]
    message = await deliver(svc, partial(application.bot.send_message, live.chat_id, text,
                                         reply_markup=markup))
    if controlling:
        live.control_message_id = message.message_id


async def render(application: Application, svc: Services, live: LiveWorkout, t: Transition
                 ) -> None:
    run, chat_id = live.run, live.chat_id
    step = run.current_step
    switching_sides = t.event is Event.NEXT_BEAT and t.beat.kind is BeatKind.SWITCH_SIDE
    if t.event is Event.EXERCISE_STARTED or switching_sides:
        # The person must act: a new message, so the phone buzzes.
        await edit_markup(application, chat_id, live.control_message_id, None)
        await send(application, live, beat_status(svc.content, live.lang, step, t.beat),
                   controls(svc, live, "pause", "skip", "stop"))
    elif t.event in (Event.NEXT_BEAT, Event.PAUSED, Event.RESUMED):
        await edit(application, chat_id, live.control_message_id,
                   status_text(svc.content, live, t.status, t.beat, t.schedule_in),
                   controls(svc, live, *status_actions(t.status)))
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


async def after_exercise(application: Application, svc: Services, live: LiveWorkout,
                         t: Transition) -> None:
    if t.status is Status.FINISHED:
        await send(application, live, say(svc, live, "workout.rest.last"), controlling=False)
        await finish(application, svc, live, finished=True)
        return
    await send(application, live, status_text(svc.content, live, t.status, None, t.schedule_in),
               controls(svc, live, *status_actions(t.status)))


async def send_card(application: Application, live: LiveWorkout, intro: str | None = None
                    ) -> None:
    svc: Services = application.bot_data[SERVICES_KEY]
    card = exercise_card(svc.content, live.lang, live.run, live.run.step_index)
    await send(application, live, f"{intro}\n\n{card}" if intro else card,
               controls(svc, live, "start", "skip", "stop"))


async def finish(application: Application, svc: Services, live: LiveWorkout, *, finished: bool
                 ) -> None:
    summary = live.run.summary()
    await send(application, live, summary_text(svc.content, live.lang, summary, finished),
               controlling=False)
    if not summary.done_steps:
        live_workouts(application).pop(live.chat_id, None)
        return
    live.stage = FEELING_AFTER
    await ask_feeling_after(application, svc, live)


async def ask_feeling_after(application: Application, svc: Services, live: LiveWorkout) -> None:
    await send(application, live, say(svc, live, FEELING_QUESTION[FEELING_AFTER]),
               feeling_keyboard(svc, live, "a"))


async def pick_up(application: Application, live: LiveWorkout) -> None:
    """Show the workout where it is, after a step the person needed could not be shown."""
    svc: Services = application.bot_data[SERVICES_KEY]
    run = live.run
    step: Callable[[], Awaitable[None]]
    if live.stage == FEELING_AFTER:
        step = partial(ask_feeling_after, application, svc, live)
    elif run.status in (Status.FINISHED, Status.STOPPED):
        step = partial(finish, application, svc, live, finished=run.status is Status.FINISHED)
    elif run.status is Status.AWAITING_START:
        step = partial(send_card, application, live)
    else:
        elapsed = timers(application).elapsed(timer_name(live.chat_id))
        text = status_text(svc.content, live, run.status, run.current_beat,
                           seconds_left(live, elapsed))
        step = partial(send, application, live, text,
                       controls(svc, live, *status_actions(run.status)))
    await carry_out(application, live, step)


# --- editing without noise ------------------------------------------------------------------


async def edit(target: Application | ContextTypes.DEFAULT_TYPE, chat_id: int,
               message_id: int | None, new_text: str, markup: InlineKeyboardMarkup | None
               ) -> None:
    if message_id is None:
        return
    svc: Services = target.bot_data[SERVICES_KEY]
    try:
        await deliver(svc, partial(target.bot.edit_message_text, new_text, chat_id=chat_id,
                                   message_id=message_id, reply_markup=markup))
    except BadRequest as error:
        # Also what a second try says when the first one arrived after all.
        if "not modified" not in error.message.lower():
            raise


async def edit_markup(application: Application, chat_id: int, message_id: int | None,
                      markup: InlineKeyboardMarkup | None) -> None:
    """Take buttons off an earlier message, if it can be done: buttons left there only offer
    what the workout checks anyway, and the message that follows matters more."""
    if message_id is None:
        return
    svc: Services = application.bot_data[SERVICES_KEY]
    try:
        await deliver(svc, partial(application.bot.edit_message_reply_markup, chat_id=chat_id,
                                   message_id=message_id, reply_markup=markup))
    except TelegramError as error:
        failure = classify(error)
        if failure is Failure.BLOCKED:
            raise
        if "not modified" not in error.message.lower():
            logger.warning("Could not take the buttons off a workout message (%s)",
                           failure.value)
