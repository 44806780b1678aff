"""The command menu Telegram shows next to the message box, and the /help list."""

from __future__ import annotations

import difflib
import logging

from telegram import BotCommand
from telegram.error import TelegramError
from telegram.ext import Application

from bot.app import SERVICES_KEY
from bot.content import Content

logger = logging.getLogger(__name__)

# In menu order; each has a "ui.commands.<name>" description in content/.
MENU_COMMANDS = (
    "start", "workout", "exercises", "walk", "screen", "progress", "remind", "reminders",
    "timezone", "tips", "export", "forget", "language", "settings", "cancel", "help",
)


def closest_command(typed: str) -> str | None:
    """The menu's command a mistyped one most likely meant ("wrokout": "workout"), if any is
    close enough to say so."""
    found = difflib.get_close_matches(typed.lower(), MENU_COMMANDS, n=1, cutoff=0.75)
    return found[0] if found else None


def menu_lines(content: Content, language: str) -> list[str]:
    return [
        f"/{name} — {content.text(f'ui.commands.{name}', language)}" for name in MENU_COMMANDS
    ]


async def announce_commands(application: Application) -> None:
    """Fill Telegram's command menu; the bot works without it, so a failure only warns."""
    content: Content = application.bot_data[SERVICES_KEY].content
    for language in content.languages:
        commands = [
            BotCommand(name, content.text(f"ui.commands.{name}", language))
            for name in MENU_COMMANDS
        ]
        # The first language is the default menu; the others are shown to their speakers.
        language_code = None if language == content.languages[0] else language
        try:
            await application.bot.set_my_commands(commands, language_code=language_code)
        except TelegramError as error:
            logger.warning("Could not set the command menu (%s): %s", language, error)
