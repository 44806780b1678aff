"""/language: the person picks the language the bot speaks in this chat."""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot.app import services
from bot.chats import choose_language
from handlers import open_questions
from handlers.common import LANGUAGE, text

CHOICE_PATTERN = re.compile(r"^lang:([a-z]{2,3})$")
QUESTION = "language"  # an open question until a language is picked (handlers.open_questions)


async def language_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    content = services(context).content
    # Each language is offered in its own words, so it is found whatever is shown now.
    buttons = [
        InlineKeyboardButton(content.text("ui.language.name", lang), callback_data=f"lang:{lang}")
        for lang in content.languages
    ]
    asked = await update.effective_message.reply_text(
        text(update, context, "ui.language.prompt"), reply_markup=InlineKeyboardMarkup([buttons])
    )
    open_questions.remember(context, QUESTION, asked)


async def on_choice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query, svc = update.callback_query, services(context)
    match = CHOICE_PATTERN.match(query.data or "")
    if match is None or match.group(1) not in svc.content.languages:
        await query.answer(text(update, context, "ui.errors.stale_button"))
        return
    language = match.group(1)
    open_questions.forget(context, QUESTION)
    async with svc.sessions.begin() as session:
        await choose_language(session, update.effective_chat.id, language)
    context.chat_data[LANGUAGE] = language
    await query.answer()
    await query.edit_message_text(text(update, context, "ui.language.changed"))
