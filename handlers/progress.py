"""/progress: the last 7 days as a chart, with a text beside it that says the same in words."""

from __future__ import annotations

import asyncio
import logging

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import MessageLimit
from telegram.ext import ContextTypes

from bot import chart, progress, walking
from bot.app import services
from bot.formatting import LongDay
from handlers.common import language_of, text
from handlers.walking import zone_question

logger = logging.getLogger(__name__)


async def progress_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, chat_id, lang = services(context), update.effective_chat.id, language_of(update, context)
    async with svc.sessions() as session:
        week = await progress.load_week(session, chat_id, svc.clock(), svc.content.walking_goal_km)
        zone_known = await walking.zone_known(session, chat_id)
    summary = progress.summary_text(svc.content, lang, week)
    if not zone_known:  # the week's days are UTC's until the chat has a zone: say so
        await context.bot.send_message(
            chat_id, text(update, context, "ui.zone.unknown", day=LongDay(week.today)),
            reply_markup=InlineKeyboardMarkup(zone_question(update, context)))
    if week.empty:
        await context.bot.send_message(chat_id, summary)
        return
    try:
        # Drawing takes a good part of a second: off the event loop, so other chats go on.
        png = await asyncio.to_thread(
            chart.render_week, progress.chart_data(svc.content, lang, week),
            progress.chart_labels(svc.content, lang, week),
        )
    except Exception:  # the words carry everything the chart shows, so they go alone
        logger.exception("Could not draw the progress chart")
        await context.bot.send_message(
            chat_id, f"{summary}\n\n{text(update, context, 'progress.chart.unavailable')}"
        )
        return
    if utf16_length(summary) <= MessageLimit.CAPTION_LENGTH:
        await context.bot.send_photo(chat_id, png, caption=summary)
        return
    await context.bot.send_photo(
        chat_id, png, caption=text(update, context, "progress.summary.caption_short")
    )
    await context.bot.send_message(chat_id, summary)


def utf16_length(value: str) -> int:
    # Telegram measures captions in UTF-16 code units: an emoji counts twice.
    return len(value.encode("utf-16-le")) // 2
