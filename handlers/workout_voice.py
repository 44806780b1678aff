"""Voice messages of a live workout: which one an exercise gets, made ahead, sent once.

A voice message is rendered once per script (``bot.speech`` keeps it on disk) and uploaded
once per bot (``bot.sending.files``).

The session's voice messages are rendered in the background when it starts, off the event
loop, so that each is ready before the rest that announces it.
"""

from __future__ import annotations

import logging
from functools import partial

from telegram import Message
from telegram.ext import Application

from bot.app import SERVICES_KEY, Services
from bot.live_workout import LiveWorkout, voice_script
from bot.sending.files import send_file
from bot.speech import VoiceScript
from handlers.prompts import deliver

logger = logging.getLogger(__name__)

def scripts_ahead(svc: Services, live: LiveWorkout) -> list[VoiceScript]:
    """The voice messages the session will need if it runs on: this exercise's, started by a
    tap, then each next one's as it follows its rest."""
    run = live.run
    return [voice_script(svc.content, run, live.lang, step_index,
                         long_start=step_index == run.step_index)
            for step_index in range(run.step_index, len(run.session))]


def prepare_session(application: Application, live: LiveWorkout) -> None:
    """Render the session's voice messages in the background, first needed first."""
    svc: Services = application.bot_data[SERVICES_KEY]
    if svc.voices is not None:
        svc.voices.prepare(scripts_ahead(svc, live))


async def send_voice_note(application: Application, live: LiveWorkout, step_index: int, *,
                          long_start: bool) -> None:
    """Send the voice message of one exercise; without a voice library, or if it cannot be
    made, the text prompts carry on alone."""
    svc: Services = application.bot_data[SERVICES_KEY]
    if svc.voices is None:
        return
    script = voice_script(svc.content, live.run, live.lang, step_index, long_start=long_start)
    try:
        path = await svc.voices.voice(script)
    except Exception:
        logger.exception("A voice message could not be made; the text prompts carry on")
        return
    send = partial(send_voice, application, live.chat_id, round(script.seconds), path.name)
    await send_file(path, send, svc.file_ids, "voice")


async def send_voice(application: Application, chat_id: int, duration: int, filename: str,
                     file: str | bytes) -> Message:
    svc: Services = application.bot_data[SERVICES_KEY]
    return await deliver(svc, partial(application.bot.send_voice, chat_id, file,
                                      duration=duration, filename=filename))
