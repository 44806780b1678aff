"""Workouts cut short by a restart of the bot: each is offered again from the start of the
exercise it was at, and the status message from before says it was interrupted."""

from __future__ import annotations

import asyncio
import logging
from functools import partial

from telegram.error import BadRequest
from telegram.ext import Application, ContextTypes

from bot import preferences, workouts
from bot.app import SERVICES_KEY, Services
from bot.live_workout import EXERCISING, LiveWorkout
from bot.sending.limiter import BULK, DEFAULT_PRIORITY
from bot.workout import Status
from handlers.workout_live import (
    carry_out,
    live_workouts,
    present_step,
    say,
)
from handlers.workout_messages import edit

logger = logging.getLogger(__name__)

# Workouts being offered again at one time: enough to keep Telegram's pace busy.
OFFERS_AT_ONCE = 32


async def resume_interrupted(application: Application) -> None:
    """Workouts cut short by a restart: tell each person and offer the exercise again."""
    svc: Services = application.bot_data[SERVICES_KEY]
    async with svc.sessions.begin() as session:
        rows = await workouts.interrupted(session, svc.clock())
        lives = []
        for row in rows:
            run = workouts.restore(svc.content, row)
            old_status = workouts.saved_message_id(row)
            # A screen answered meanwhile may rule the exercises out: then no card is shown.
            gate = await workouts.workout_gate(session, row.chat_id, svc.clock())
            if (run is None or gate not in (workouts.Gate.OPEN, workouts.Gate.OPEN_JUST_SCREENED)
                    or not run.resume_after_restart().applied):
                row.status, row.finished_at = Status.STOPPED.value, svc.clock()
                continue
            workouts.save(row, run)
            chosen = await preferences.load(session, row.chat_id)
            lang = chosen.language or svc.content.languages[0]
            live = LiveWorkout(row.chat_id, row.id, run, lang, EXERCISING,
                               voice=chosen.voice and svc.voices is not None,
                               control_message_id=old_status)
            lives.append(live)
    for live in lives:
        live_workouts(application)[live.chat_id] = live
    if lives:
        # As soon as the bot runs, beside everything else: offering a thousand workouts
        # again takes a minute and a half of Telegram's pace, and nobody should wait for it.
        assert application.job_queue is not None
        application.job_queue.run_once(
            partial(offer_all, lives), when=0, name="offer interrupted workouts",
            job_kwargs={"misfire_grace_time": None})


async def offer_all(lives: list[LiveWorkout], context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offer each workout again, a few at a time. They are sent as reminders are, after
    whatever a person is waiting for now (a press, a prompt): someone who comes back to the
    chat after the restart is answered at once."""
    application = context.application
    svc: Services = application.bot_data[SERVICES_KEY]
    DEFAULT_PRIORITY.set(BULK)  # for this job's own context, and the tasks made in it
    at_once = asyncio.Semaphore(OFFERS_AT_ONCE)

    async def offer(live: LiveWorkout) -> None:
        async with at_once, live.lock:
            if live_workouts(application).get(live.chat_id) is not live:
                return  # ended meanwhile: the person typed /cancel, say
            try:
                await carry_out(application, live, partial(offer_again, application, svc, live))
            except Exception:
                logger.exception("Could not offer an interrupted workout to a chat")

    await asyncio.gather(*(offer(live) for live in lives))


async def offer_again(application: Application, svc: Services, live: LiveWorkout) -> None:
    """The status from before the restart says it was interrupted, without its buttons; the
    exercise comes again from its start."""
    await edit_quietly(application, live, say(svc, live, "workout.status.interrupted"))
    await present_step(application, live, say(svc, live, "workout.restart.interrupted"))


async def edit_quietly(application: Application, live: LiveWorkout, new_text: str
                       ) -> None:
    """An edit of an old message that may be gone: the person may have deleted it."""
    try:
        await edit(application, live.chat_id, live.control_message_id, new_text, None)
    except BadRequest as error:
        logger.info("The status from before the restart was not edited (%s)", error.message)
