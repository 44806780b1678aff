"""A workout in progress in one chat: its timers, and how each engine transition is shown.

Each transition of ``bot.workout``'s engine edits the exercise's status message (every beat,
and a countdown every few seconds); a new message comes only where there is something new to
read (the next card, at the start of the rest before it) or, in text-only guidance, a short
one where the person must move, since an edit makes no sound (``bot.live_workout``). Each
chat has one beat timer and one countdown timer (``bot.timers``), tagged with the engine's
generation, so a timer that fires after a pause, skip or stop changes nothing.

The person on the floor depends on every prompt, so each request is tried again on failures
that may pass (``bot.sending.retry``). A step that still cannot be shown leaves the workout
``stalled``: the person's next press of a workout button, or /workout, shows it where it is.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import TelegramError
from telegram.ext import Application

from bot.app import SERVICES_KEY, Services
from bot.live_workout import (
    FEELING_AFTER,
    FEELING_QUESTION,
    LiveWorkout,
    countdown_marks,
    must_save,
    quiet_beat,
    save_run,
    save_runs,
    seconds_left,
    sound_for,
    status_actions,
    status_text,
)
from bot.ops.metrics import metrics_of
from bot.pictures import animation_or_none
from bot.sending.failures import Failure, SendingStopped, classify
from bot.sending.files import send_pictured
from bot.sending.limiter import PriorityLimiter, message_key
from bot.timers import Timers
from bot.workout import Event, Status, Transition
from bot.workout_text import exercise_card, exercise_name, summary_text
from handlers.prompts import deliver
from handlers.workout_messages import drop_sound, edit, edit_cosmetic, edit_markup
from handlers.workout_voice import send_voice_note

logger = logging.getLogger(__name__)

LIVE_KEY = "live_workouts"
TIMERS_KEY = "workout_timers"
LABELS = {"start": "workout.buttons.start", "start_now": "workout.buttons.start_now",
          "played": "workout.buttons.played", "skip": "workout.buttons.skip",
          "stop": "workout.buttons.stop", "pause": "workout.buttons.pause",
          "resume": "workout.buttons.resume"}


def live_workouts(application: Application) -> dict[int, LiveWorkout]:
    lives: dict[int, LiveWorkout] | None = application.bot_data.get(LIVE_KEY)
    if lives is None:
        lives = application.bot_data[LIVE_KEY] = {}
        metrics_of(application).count_live_workouts(lives.__len__)
    return lives


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
    step = live.run.step_index
    starts = ("start_now", "played")
    buttons = {a: control_button(svc, live, "start" if a in starts else a, LABELS[a], step)
               for a in actions}
    # A start gets a row of its own, so it is not pressed instead of Pause by mistake.
    first_row = [buttons.pop(a) for a in starts if a in buttons]
    return InlineKeyboardMarkup([row for row in (first_row, list(buttons.values())) if row])


def status_controls(svc: Services, live: LiveWorkout, status: Status) -> InlineKeyboardMarkup:
    return controls(svc, live, *status_actions(live, status))


# --- timers ----------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def taken(application: Application, live: LiveWorkout) -> AsyncIterator[None]:
    """The workout's lock, for a step that changes it. A status update that still waits for
    its turn (``edit_cosmetic``), perhaps holding the lock, is outdated by the step: it is
    given up first."""
    limiter = application.bot.rate_limiter
    if isinstance(limiter, PriorityLimiter):
        limiter.drop(message_key(live.chat_id, live.control_message_id))
    async with live.lock:
        yield


def timer_name(chat_id: int) -> str:
    return f"workout:{chat_id}"


def countdown_name(chat_id: int) -> str:
    return f"workout-countdown:{chat_id}"


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
    timers(application).cancel(countdown_name(chat_id))


async def on_timer(application: Application, chat_id: int, workout_id: int, generation: int
                   ) -> None:
    live = live_workouts(application).get(chat_id)
    if live is None or live.workout_id != workout_id:
        return
    async with taken(application, live):
        transition = live.run.beat_elapsed(generation)
        if transition.applied:
            observe_lateness(application, live)
            await show(application, live, transition)


def observe_lateness(application: Application, live: LiveWorkout) -> None:
    """How much later than planned the step whose timer fired begins, in real seconds, for
    the operator's figures (``bot.ops.metrics``): the timer's time since it was started
    against its length."""
    if live.timer_seconds is None:
        return
    svc: Services = application.bot_data[SERVICES_KEY]
    late = timers(application).elapsed(timer_name(live.chat_id)) - live.timer_seconds
    metrics_of(application).step_lateness.observe(svc.scaled(max(late, 0.0)))


def start_countdown(application: Application, live: LiveWorkout, seconds: float,
                    generation: int) -> None:
    """Schedule the status message's next countdown update within a beat of ``seconds``."""
    marks = countdown_marks(seconds)
    if not marks:
        return
    fire = partial(on_countdown, application, live.chat_id, live.workout_id, generation,
                   marks[0])
    timers(application).start(countdown_name(live.chat_id), seconds - marks[0], fire)


async def on_countdown(application: Application, chat_id: int, workout_id: int,
                       generation: int, left: float) -> None:
    live = live_workouts(application).get(chat_id)
    if live is None or live.workout_id != workout_id:
        return
    async with taken(application, live):
        run = live.run
        if run.generation != generation or run.status not in (
                Status.RUNNING, Status.RESTING_BETWEEN_EXERCISES):
            return
        start_countdown(application, live, left, generation)
        svc: Services = application.bot_data[SERVICES_KEY]
        text = status_text(svc.content, live, run.status, run.current_beat, left)
        markup, message_id = status_controls(svc, live, run.status), live.control_message_id
    await edit_cosmetic(application, chat_id, message_id, text, markup)


# --- showing a transition --------------------------------------------------------------------


async def show(application: Application, live: LiveWorkout, t: Transition) -> None:
    """Schedule the next timers, update the chat, and store the state where it matters."""
    svc: Services = application.bot_data[SERVICES_KEY]
    cancel_timers(application, live.chat_id)
    live.timer_seconds = t.schedule_in
    if t.schedule_in is not None:
        fire = partial(on_timer, application, live.chat_id, live.workout_id, t.generation)
        timers(application).start(timer_name(live.chat_id), t.schedule_in, fire)
        start_countdown(application, live, t.schedule_in, t.generation)
    # The database first: it is what a restart resumes from, whatever the chat shows.
    if must_save(live, t):
        await save(svc, live)
    status_message = live.control_message_id
    await carry_out(application, live, partial(render, application, svc, live, t))
    if live.control_message_id != status_message and live.run.status not in (
            Status.FINISHED, Status.STOPPED):
        await save(svc, live)  # the new status message, for a restart to take its buttons off


async def save(svc: Services, live: LiveWorkout) -> None:
    async with svc.sessions.begin() as session:
        await save_run(session, live)


async def save_all(application: Application) -> int:
    """Every live workout's state, in one transaction, for the restart to offer each again;
    how many."""
    lives = list(live_workouts(application).values())
    if lives:
        svc: Services = application.bot_data[SERVICES_KEY]
        async with svc.sessions.begin() as session:
            await save_runs(session, lives)
    return len(lives)


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
        if isinstance(error, SendingStopped):
            return  # the stop stores the workout for the restart to offer again
        logger.warning("A workout step could not be shown (%s); the person's next press or "
                       "/workout shows it", failure.value)
        return
    live.stalled = False


async def end_unseen(application: Application, live: LiveWorkout) -> None:
    svc: Services = application.bot_data[SERVICES_KEY]
    live.run.stop()
    live_workouts(application).pop(live.chat_id, None)
    cancel_timers(application, live.chat_id)
    await save(svc, live)


async def send(application: Application, live: LiveWorkout, text: str,
               markup: InlineKeyboardMarkup | None = None, *, controlling: bool = True) -> int:
    """A new message; with ``controlling`` it carries the live buttons from now on."""
    svc: Services = application.bot_data[SERVICES_KEY]
    message = await deliver(svc, partial(application.bot.send_message, live.chat_id, text,
                                         reply_markup=markup))
    if controlling:
        live.control_message_id = message.message_id
    return message.message_id


async def render(application: Application, svc: Services, live: LiveWorkout, t: Transition
                 ) -> None:
    run, chat_id = live.run, live.chat_id
    await drop_sound(application, live)
    if live.voice and t.event in (Event.REST_OVER, Event.REWOUND):
        # A voice message of its own, and the buttons under it.
        await edit_markup(application, chat_id, live.control_message_id, None)
        await present_step(application, live)
    elif t.event in (Event.EXERCISE_STARTED, Event.NEXT_BEAT, Event.PAUSED, Event.RESUMED,
                     Event.REST_OVER, Event.REWOUND):
        sound = sound_for(svc.content, live, t)
        text = status_text(svc.content, live, t.status, t.beat, t.schedule_in)
        markup = status_controls(svc, live, t.status)
        if quiet_beat(live, t):
            pass  # the hold's status told this rest; the voice says it
        elif t.event is Event.NEXT_BEAT and (live.voice or sound is not None):
            # The voice message, or the short message that sounds, is the prompt; the status
            # follows it with what capacity is left (each costs one of Telegram's ~30 a second).
            # The next step gives the edit up if it still waits then (``taken``).
            await make_sound(application, live, sound)
            await edit_cosmetic(application, chat_id, live.control_message_id, text, markup)
        else:
            await edit(application, chat_id, live.control_message_id, text, markup)
            await make_sound(application, live, sound)
    elif t.event in (Event.EXERCISE_DONE, Event.SKIPPED):
        ended = exercise_name(svc.content, live.lang, run.session[t.ended_step])
        key = "workout.status.done" if t.event is Event.EXERCISE_DONE else "workout.status.skipped"
        await edit(application, chat_id, live.control_message_id, say(svc, live, key, name=ended),
                   None)
        if t.status is Status.FINISHED:
            await finish(application, svc, live, finished=True)
        else:
            await present_step(application, live)
    elif t.event is Event.STOPPED:
        await edit(application, chat_id, live.control_message_id,
                   say(svc, live, "workout.status.stopped"), None)
        await finish(application, svc, live, finished=False)


async def present_step(application: Application, live: LiveWorkout, intro: str | None = None
                       ) -> None:
    """The step the workout is at, shown from its start: its card under its picture (unless
    shown already), its voice message, and a new status message (the rest before it, or
    waiting for a tap)."""
    svc: Services = application.bot_data[SERVICES_KEY]
    run = live.run
    if live.card_step != run.step_index or intro:
        card = exercise_card(svc.content, live.lang, run, run.step_index)
        picture = await animation_or_none(svc.pictures, run.session[run.step_index].exercise.id)
        await send_pictured(application.bot, live.chat_id, picture,
                            f"{intro}\n\n{card}" if intro else card,
                            file_ids=svc.file_ids, request=partial(deliver, svc))
        live.card_step = run.step_index
    waiting = run.status is Status.AWAITING_START
    # Without auto-continue the next voice message waits for the tap: Telegram would play it
    # straight after the last one, before the person is ready.
    if live.voice and (waiting or run.auto_start_next):
        await send_voice_note(application, live, run.step_index, long_start=waiting)
    await send(application, live,
               status_text(svc.content, live, run.status, None, live.timer_seconds),
               status_controls(svc, live, run.status))


async def make_sound(application: Application, live: LiveWorkout, text: str | None) -> None:
    """A short message that makes the phone sound; it stays until the next one, or the end of
    the exercise, takes it away."""
    if text is not None:
        live.sound_message_id = await send(application, live, text, controlling=False)


async def finish(application: Application, svc: Services, live: LiveWorkout, *, finished: bool
                 ) -> None:
    """The end of the session, as one message: what was done, and how the back feels now."""
    summary = live.run.summary()
    text = summary_text(svc.content, live.lang, summary, finished)
    if not summary.done_steps:
        live_workouts(application).pop(live.chat_id, None)
        await send(application, live, text, controlling=False)
        return
    live.stage = FEELING_AFTER
    live.rating_text = f"{text}\n\n{say(svc, live, FEELING_QUESTION[FEELING_AFTER])}"
    await ask_feeling_after(application, svc, live)


async def ask_feeling_after(application: Application, svc: Services, live: LiveWorkout) -> None:
    question = live.rating_text or say(svc, live, FEELING_QUESTION[FEELING_AFTER])
    await send(application, live, question, feeling_keyboard(svc, live, "a"))


async def pick_up(application: Application, live: LiveWorkout) -> None:
    """Show the workout where it is, after a step the person needed could not be shown."""
    svc: Services = application.bot_data[SERVICES_KEY]
    run = live.run
    step: Callable[[], Awaitable[None]]
    if live.stage == FEELING_AFTER:
        step = partial(ask_feeling_after, application, svc, live)
    elif run.status in (Status.FINISHED, Status.STOPPED):
        step = partial(finish, application, svc, live, finished=run.status is Status.FINISHED)
    elif run.status is Status.AWAITING_START or (
            run.status is Status.RESTING_BETWEEN_EXERCISES and live.card_step != run.step_index):
        step = partial(present_step, application, live)
    else:
        elapsed = timers(application).elapsed(timer_name(live.chat_id))
        text = status_text(svc.content, live, run.status, run.current_beat,
                           seconds_left(live, elapsed))
        step = partial(send, application, live, text, status_controls(svc, live, run.status))
    await carry_out(application, live, step)
