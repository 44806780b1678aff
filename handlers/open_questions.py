"""Questions answered only by their buttons, asked again when something else is typed.

A question of this kind ("Has your back settled?", "Carry on, or start again?", the language
to speak) is remembered per chat when it is asked, with its text and buttons, and forgotten
when it is answered. Text typed while it is open (handlers/typed.py) gets it again at the
bottom of the chat, with the same buttons, instead of "I'm not sure what you mean". A question
older than ``OPEN_FOR`` is taken as dropped: text typed a day later is about something else.
Kept in memory: after a restart the question is simply not asked again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import ContextTypes

from bot.app import services
from handlers.common import text

OPEN_KEY = "open_question"
OPEN_FOR = timedelta(minutes=15)


@dataclass(frozen=True)
class OpenQuestion:
    name: str  # which question: what its answer forgets
    text: str
    markup: InlineKeyboardMarkup | None
    message_id: int
    asked_at: datetime


def remember(context: ContextTypes.DEFAULT_TYPE, name: str, message: Message) -> None:
    context.chat_data[OPEN_KEY] = OpenQuestion(
        name, message.text or "", message.reply_markup, message.message_id,
        services(context).clock())


def forget(context: ContextTypes.DEFAULT_TYPE, name: str) -> None:
    if context.chat_data is None:
        return
    question = context.chat_data.get(OPEN_KEY)
    if question is not None and question.name == name:
        del context.chat_data[OPEN_KEY]


async def ask_again(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """The open question once more, if one is open; False otherwise."""
    question: OpenQuestion | None = context.chat_data.get(OPEN_KEY)
    if question is None:
        return False
    if services(context).clock() - question.asked_at > OPEN_FOR:
        del context.chat_data[OPEN_KEY]
        return False
    message = await context.bot.send_message(
        update.effective_chat.id,
        text(update, context, "typed.reply.open_question", question=question.text),
        reply_markup=question.markup)
    context.chat_data[OPEN_KEY] = OpenQuestion(
        question.name, question.text, question.markup, message.message_id, question.asked_at)
    return True
