"""Workouts cut short by a restart of the bot: each is offered again from the start of the
exercise it was at, and the status message from before says it was interrupted."""

from __future__ import annotations

import logging
from functools import partial

from telegram.error import BadRequest
from telegram.ext import Application

from bot import preferences, workouts
from bot.app import SERVICES_KEY, Services
from bot.live_workout import EXERCISING, LiveWorkout
from bot.workout import Status
from handlers.workout_live import carry_out, edit, live_workouts, present_step, say

logger = logging.getLogger(__name__)


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
        try:
            await carry_out(application, live, partial(offer_again, application, svc, live))
        except Exception:
            logger.exception("Could not offer an interrupted workout to a chat")


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
