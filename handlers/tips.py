"""Desk and posture habits from the article, one at a time: back, next, and after the last
one, from the start again."""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot import screening
from bot.app import services
from bot.screening import Outcome
from handlers.common import text

# "tips:<n>" from another message (the first tip comes as a new message); "tips:<n>:p" turns
# the page of the tips message itself.
TIP_PATTERN = re.compile(r"^tips:(\d{1,3})(:p)?$")


def tip_message(update: Update, context: ContextTypes.DEFAULT_TYPE, index: int) -> tuple[
    str, InlineKeyboardMarkup | None
]:
    tip_ids = services(context).content.tip_ids
    tip = tip_ids[index]
    body = "\n\n".join([
        f"{text(update, context, f'tips.{tip}.title')} ({index + 1}/{len(tip_ids)})",
        text(update, context, f"tips.{tip}.body"),
    ])
    buttons = []
    if index > 0:
        buttons.append(InlineKeyboardButton(text(update, context, "ui.tips.back"),
                                            callback_data=f"tips:{index - 1}:p"))
    last = index + 1 == len(tip_ids)
    buttons.append(InlineKeyboardButton(
        text(update, context, "ui.tips.again" if last else "ui.tips.next"),
        callback_data=f"tips:{0 if last else index + 1}:p"))
    return body, InlineKeyboardMarkup([buttons])


async def urgent_advice_instead(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """After an urgent warning sign the habits wait (the first is walking 6-8 km a day): the
    urgent advice is repeated instead. Whether it was."""
    async with services(context).sessions() as session:
        result = await screening.latest_screen(session, update.effective_chat.id)
    if result is None or result.outcome != Outcome.URGENT:
        return False
    await context.bot.send_message(update.effective_chat.id,
                                   text(update, context, "screening.outcome.urgent"))
    return True


async def tips_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if await urgent_advice_instead(update, context):
        return
    body, keyboard = tip_message(update, context, 0)
    await update.effective_message.reply_text(body, reply_markup=keyboard)


async def on_tip_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """From another message the tip comes as a new message; back and next turn the page in
    place."""
    query = update.callback_query
    match = TIP_PATTERN.match(query.data or "")
    index = int(match.group(1)) if match else -1
    if not 0 <= index < len(services(context).content.tip_ids):
        await query.answer(text(update, context, "ui.errors.stale_button"))
        return
    await query.answer()
    if await urgent_advice_instead(update, context):
        return
    body, keyboard = tip_message(update, context, index)
    if match.group(2):
        await query.edit_message_text(body, reply_markup=keyboard)
    else:
        await context.bot.send_message(update.effective_chat.id, body, reply_markup=keyboard)
