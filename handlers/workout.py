"""The guided workout in Telegram: /workout, its buttons, and the timers that prompt each hold.

``bot.workout`` decides what happens; this module shows it. Each transition of the engine turns
into a new message only where the person must act (a new exercise, the other side, the rest
that ends a set) and otherwise into an edit of one status message (every hold and release), so
the chat is not flooded. Timers are JobQueue jobs named after the chat and tagged with the
engine's generation, so a timer that fires after a pause, skip or stop changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import Application, ContextTypes, ConversationHandler

from bot import workouts
from bot.app import SERVICES_KEY, Services, services
from bot.models import Chat, WorkoutSession
from bot.screening import Decision, Purpose
from bot.workout import BeatKind, Event, Status, Transition, WorkoutRun
from bot.workout_text import beat_status, exercise_card, exercise_name, overview, summary_text
from handlers.common import language_of, text

logger = logging.getLogger(__name__)

CONTROL_PATTERN = re.compile(
    r"^wo:(\d{1,12}):(\d{1,3}):(go|harder|easier|start|skip|stop|pause|resume)$"
)
FEELING_PATTERN = re.compile(r"^wo:(\d{1,12}):f([ba]):(\d{1,2}|s)$")
BEGIN = "wo:begin"
LIVE_KEY = "live_workouts"

# Stages of a live workout around the engine's own states.
FEELING_BEFORE, OVERVIEW, EXERCISING, FEELING_AFTER = "before", "overview", "exercising", "after"
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


# --- starting: the gate, the quick check, the feeling, the overview --------------------------


async def workout_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/workout (or "Start workout" on a reminder): the screen decides, then the quick check."""
    from handlers.screening import screen_button, start_check

    if update.callback_query:
        await update.callback_query.answer()
    svc, chat_id = services(context), update.effective_chat.id
    async with svc.sessions.begin() as session:
        gate = await workouts.workout_gate(session, chat_id, svc.clock())
    if gate not in (workouts.Gate.OPEN, workouts.Gate.OPEN_JUST_SCREENED):
        await context.bot.send_message(
            chat_id, text(update, context, f"workout.gate.{gate.value}"),
            reply_markup=InlineKeyboardMarkup([[screen_button(update, context)]]),
        )
        return ConversationHandler.END
    await stop_live_workout(context.application, chat_id, quietly=True)
    if gate is workouts.Gate.OPEN_JUST_SCREENED:
        await start_workout(update, context)
        return ConversationHandler.END
    return await start_check(update, context, Purpose.RECHECK)


async def after_quick_check(
    update: Update, context: ContextTypes.DEFAULT_TYPE, decision: Decision
) -> None:
    from handlers.screening import reasons_text

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
        harder = await workouts.harder_preference(session, chat_id)
        run = workouts.new_run(svc.content, harder=harder)
        row = await workouts.begin(session, chat_id, run, feeling_before=None)
    live = LiveWorkout(chat_id, row.id, run, language_of(update), FEELING_BEFORE)
    live_workouts(context.application)[chat_id] = live
    await context.bot.send_message(
        chat_id, say(svc, live, "workout.feeling.before"),
        reply_markup=feeling_keyboard(svc, live, "b"),
    )


def feeling_keyboard(svc: Services, live: LiveWorkout, when: str) -> InlineKeyboardMarkup:
    data = f"wo:{live.workout_id}:f{when}:"
    numbers = [InlineKeyboardButton(str(n), callback_data=f"{data}{n}") for n in range(11)]
    skip = InlineKeyboardButton(say(svc, live, "workout.feeling.skip"), callback_data=f"{data}s")
    return InlineKeyboardMarkup([numbers[:6], numbers[6:], [skip]])


async def on_feeling(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query, svc = update.callback_query, services(context)
    match = FEELING_PATTERN.match(query.data or "")
    live = await owned_live_workout(update, context, int(match.group(1)) if match else -1)
    if live is None or match is None:
        return
    expected = FEELING_BEFORE if match.group(2) == "b" else FEELING_AFTER
    value = None if match.group(3) == "s" else int(match.group(3))
    if live.stage != expected or (value is not None and value not in workouts.FEELING_SCALE):
        await query.answer(say(svc, live, "workout.answers.already_answered"))
        return
    await query.answer()
    if value is not None:
        async with svc.sessions.begin() as session:
            await workouts.record_feeling(
                session, live.chat_id, live.workout_id, "before" if expected == FEELING_BEFORE
                else "after", value,
            )
    noted = (say(svc, live, "workout.feeling.noted", value=value) if value is not None
             else say(svc, live, "workout.feeling.skipped"))
    await edit(context, live.chat_id, query.message.message_id,
               f"{query.message.text}\n\n{noted}", None)
    if expected == FEELING_AFTER:
        live_workouts(context.application).pop(live.chat_id, None)
        if value is not None:
            await context.bot.send_message(live.chat_id, say(svc, live,
                                                             "workout.feeling.thanks_after"))
        return
    live.stage = OVERVIEW
    message = await context.bot.send_message(
        live.chat_id, overview(svc.content, live.lang, live.run),
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


# --- the buttons during the workout -----------------------------------------------------------


async def on_control(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query, svc = update.callback_query, services(context)
    match = CONTROL_PATTERN.match(query.data or "")
    live = await owned_live_workout(update, context, int(match.group(1)) if match else -1)
    if live is None or match is None:
        return
    step, action = int(match.group(2)), match.group(3)
    async with live.lock:
        if action in ("go", "harder", "easier"):
            await on_overview_button(update, context, live, action)
            return
        if live.stage != EXERCISING and action != "stop":
            await query.answer(say(svc, live, "workout.answers.exercise_over"))
            return
        run = live.run
        if action == "start":
            transition = run.start_exercise(step)
        elif action == "skip":
            transition = run.skip(step)
        elif action == "pause":
            elapsed = (time.monotonic() - live.timer_started) / svc.settings.time_scale
            transition = run.pause(elapsed, step)
        elif action == "resume":
            transition = run.resume(step)
        else:
            transition = run.stop()
        if not transition.applied:
            await query.answer(say(svc, live, "workout.answers.exercise_over"))
            return
        await query.answer()
        await show(context.application, live, transition)


async def on_overview_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, live: LiveWorkout, action: str
) -> None:
    query, svc = update.callback_query, services(context)
    if live.stage != OVERVIEW or query.message.message_id != live.control_message_id:
        await query.answer(say(svc, live, "workout.answers.already_answered"))
        return
    await query.answer()
    if action == "go":
        live.stage = EXERCISING
        await edit(context, live.chat_id, live.control_message_id, query.message.text, None)
        await send_card(context, live)
        return
    harder = action == "harder"
    live.run = workouts.new_run(svc.content, harder=harder)
    async with svc.sessions.begin() as session:
        await workouts.set_harder_preference(session, live.chat_id, harder)
        await save_run(session, live)
    await edit(context, live.chat_id, live.control_message_id,
               overview(svc.content, live.lang, live.run), overview_keyboard(svc, live))


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


async def stop_live_workout(application: Application, chat_id: int, *, quietly: bool = False
                            ) -> bool:
    live = live_workouts(application).get(chat_id)
    if live is None:
        return False
    svc: Services = application.bot_data[SERVICES_KEY]
    async with live.lock:
        transition = live.run.stop()
        if not transition.applied:  # finished; only the rating was pending
            live_workouts(application).pop(chat_id, None)
            return not quietly
        if quietly:
            cancel_timers(application, chat_id)
            live_workouts(application).pop(chat_id, None)
            async with svc.sessions.begin() as session:
                await save_run(session, live)
            return True
        await application.bot.send_message(chat_id, say(svc, live, "workout.cancel.stopped"))
        await show(application, live, transition)
    return True


# --- timers -------------------------------------------------------------------------------------


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


# --- showing a transition -------------------------------------------------------------------


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
    await application.bot.send_message(
        live.chat_id, say(svc, live, "workout.feeling.after"),
        reply_markup=feeling_keyboard(svc, live, "a"),
    )


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


# --- after a restart ------------------------------------------------------------------------


async def resume_interrupted(application: Application) -> None:
    """Workouts cut short by a restart: tell each person and offer the exercise again."""
    svc: Services = application.bot_data[SERVICES_KEY]
    async with svc.sessions.begin() as session:
        rows = await workouts.interrupted(session, svc.clock())
        lives = []
        for row in rows:
            run = workouts.restore(svc.content, row)
            if run is None or not run.resume_after_restart().applied:
                row.status, row.finished_at = Status.STOPPED.value, svc.clock()
                continue
            workouts.save(row, run)
            chat = await session.get(Chat, row.chat_id)
            lang = (chat.language if chat else None) or svc.content.languages[0]
            lives.append(LiveWorkout(row.chat_id, row.id, run, lang, EXERCISING))
    for live in lives:
        live_workouts(application)[live.chat_id] = live
        try:
            await send_card(application, live, say(svc, live, "workout.restart.interrupted"))
        except Forbidden:
            live_workouts(application).pop(live.chat_id, None)
        except Exception:
            logger.exception("Could not offer an interrupted workout to a chat")
