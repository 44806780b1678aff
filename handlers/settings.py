"""/settings: what the person chose, in one message with one button per choice.

Guidance, auto-continue and doses change in place: the same message is edited to show the new
value. Language and time zone open the questions of /language (handlers/language.py) and
/timezone (handlers/reminders.py), which go on as they do after those commands. What is stored,
and the defaults, are in bot/preferences.py.

A button says what it sets ("set:guide:text"), not "toggle": pressed twice, or on an older
settings message, it sets what it offered, and the message is then drawn again from what is
stored. A button counts only on a message that carries it, in a private chat; anything else (a
made-up value, data sent with another message, an old message Telegram no longer shows) is
answered kindly and changes nothing.
"""

from __future__ import annotations

import re

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, ContextTypes

from bot import preferences, workouts
from bot.app import services
from bot.preferences import TEXT, VOICE, Preferences
from handlers import language, reminders
from handlers.common import language_of, text
from handlers.timezone import TIME_ZONE, zone_label

# Every button of /settings; registered with BUTTON_PATTERN, so that any "set:" data, however
# made up, is answered here. A usable time zone button is taken before, by an entry point of
# the /timezone conversation (time_zone_entry, see handlers/__init__.py).
BUTTON_PATTERN = re.compile(r"^set:")
DATA_PATTERN = re.compile(r"^set:(guide|auto|dose|lang|tz)(?::([a-z]{1,5}))?$")
TIME_ZONE_PATTERN = re.compile(rf"^{TIME_ZONE}$")
# The values each kind of button can carry; None: it carries none.
VALUES: dict[str, frozenset[str | None]] = {
    "guide": frozenset({VOICE, TEXT}),
    "auto": frozenset({"on", "off"}),
    "dose": frozenset({"easy", "hard"}),
    "lang": frozenset({None}),
    "tz": frozenset({None}),
}


async def settings_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    # In a group, handlers.guards answers first (PRIVATE_ONLY): this runs in private chats.
    body, markup = await settings_message(update, context)
    await update.effective_message.reply_text(body, reply_markup=markup)


async def settings_message(
    update: Update, context: ContextTypes.DEFAULT_TYPE
) -> tuple[str, InlineKeyboardMarkup]:
    async with services(context).sessions() as session:
        chosen = await preferences.load(session, update.effective_chat.id)
    return text(update, context, "settings.intro"), keyboard(update, context, chosen)


def keyboard(
    update: Update, context: ContextTypes.DEFAULT_TYPE, chosen: Preferences
) -> InlineKeyboardMarkup:
    def button(name: str, value: str, data: str) -> list[InlineKeyboardButton]:
        label = text(update, context, f"settings.button.{name}", value=value)
        return [InlineKeyboardButton(label, callback_data=data)]

    def value(name: str) -> str:
        return text(update, context, f"settings.value.{name}")

    language_name = services(context).content.text(
        "ui.language.name", language_of(update, context))
    zone = zone_label(chosen.time_zone) if chosen.time_zone else value("no_time_zone")
    return InlineKeyboardMarkup([
        button("guidance", value(chosen.guidance),
               f"set:guide:{TEXT if chosen.voice else VOICE}"),
        button("auto_continue", value("on" if chosen.auto_continue else "off"),
               f"set:auto:{'off' if chosen.auto_continue else 'on'}"),
        button("doses", value("harder" if chosen.harder else "easier"),
               f"set:dose:{'easy' if chosen.harder else 'hard'}"),
        button("language", language_name, "set:lang"),
        button("time_zone", zone, TIME_ZONE),
    ])


def pressed(update: Update) -> tuple[str, str | None] | None:
    """What a settings button asks for, or None when it is not one to act on."""
    query = update.callback_query
    match = DATA_PATTERN.fullmatch(query.data or "")
    if match is None or match.group(2) not in VALUES[match.group(1)]:
        return None
    if update.effective_chat is None or update.effective_chat.type != ChatType.PRIVATE:
        return None
    if not carries(query.message, query.data):
        return None
    return match.group(1), match.group(2)


def carries(message: object, data: str | None) -> bool:
    """Whether the message the button was pressed on has that button (Telegram sends an old
    message it no longer shows as an InaccessibleMessage, without its buttons)."""
    markup = message.reply_markup if isinstance(message, Message) else None
    return markup is not None and any(
        button.callback_data == data for row in markup.inline_keyboard for button in row)


async def refuse(query: CallbackQuery, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await query.answer(text(update, context, "settings.stale"))


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    choice = pressed(update)
    if choice is None or choice[0] == "tz":  # a usable time zone button never gets here
        await refuse(query, update, context)
        return
    what, value = choice
    if what == "lang":
        await query.answer()
        await language.language_command(update, context)
        return
    svc, chat_id = services(context), update.effective_chat.id
    async with svc.sessions.begin() as session:
        if what == "guide":
            await preferences.set_guidance(session, chat_id, value or "")
        elif what == "auto":
            await preferences.set_auto_continue(session, chat_id, value == "on")
        else:
            await workouts.set_harder_preference(session, chat_id, value == "hard")
    await query.answer(text(update, context, "settings.saved"))
    body, markup = await settings_message(update, context)
    try:
        await query.edit_message_text(body, reply_markup=markup)
    except BadRequest as error:  # pressed twice quickly: the message already shows it
        if "not modified" not in error.message.lower():
            raise


async def on_time_zone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The time zone button: the /timezone conversation goes on from its first step exactly as
    after /timezone (its step ends the update, raising ApplicationHandlerStop with the
    conversation's next state)."""
    await update.callback_query.answer()
    await reminders.timezone_command(update, context)


class TimeZoneButton(CallbackQueryHandler):
    """An entry point of the /timezone conversation that takes only a time zone button it can
    act on; any other goes on to on_button, which answers it and leaves the conversation be."""

    def check_update(self, update: object) -> bool | object | None:
        if not isinstance(update, Update) or update.callback_query is None:
            return None
        if pressed(update) != ("tz", None):
            return None
        return super().check_update(update)


def time_zone_entry() -> TimeZoneButton:
    return TimeZoneButton(on_time_zone, pattern=TIME_ZONE_PATTERN)
