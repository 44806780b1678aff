"""Every Telegram handler of Back Coach, registered in one place."""

from __future__ import annotations

import warnings

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters
from telegram.warnings import PTBUserWarning

from bot.app import SERVICES_KEY, Services
from handlers import common, menu, screening, tips

# The screen's buttons are handled per chat on purpose: its own nonce tells stale buttons apart.
warnings.filterwarnings("ignore", message=".*per_message=False.*", category=PTBUserWarning)


def register(application: Application) -> None:
    services: Services = application.bot_data[SERVICES_KEY]
    application.add_handler(CommandHandler("start", common.start))
    application.add_handler(CommandHandler("help", common.help_command))
    application.add_handler(
        screening.build_conversation(services.content, services.conversation_timeout)
    )
    application.add_handler(CommandHandler("tips", tips.tips_command))
    application.add_handler(CallbackQueryHandler(tips.on_tip_button, pattern=r"^tips:"))
    application.add_handler(CommandHandler("cancel", common.nothing_to_cancel))
    application.add_handler(CallbackQueryHandler(common.stale_button))
    application.add_handler(MessageHandler(filters.COMMAND, common.unknown_command))
    application.add_handler(MessageHandler(filters.TEXT, common.free_text))
    application.add_error_handler(common.on_error)
    application.post_init = menu.announce_commands
