"""Every Telegram handler of Back Coach, registered in one place."""

from __future__ import annotations

import warnings

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters
from telegram.warnings import PTBUserWarning

from bot.app import SERVICES_KEY, Services
from handlers import common, menu, progress, screening, tips, workout

# The screen's buttons are handled per chat on purpose: its own nonce tells stale buttons apart.
warnings.filterwarnings("ignore", message=".*per_message=False.*", category=PTBUserWarning)


def register(application: Application) -> None:
    services: Services = application.bot_data[SERVICES_KEY]
    application.add_handler(CommandHandler("start", common.start))
    application.add_handler(CommandHandler("help", common.help_command))
    private = filters.ChatType.PRIVATE
    # /workout begins with the quick safety check, so it enters through the screen's conversation.
    application.add_handler(screening.build_conversation(
        services.content, services.conversation_timeout, also_starting_with=[
            CommandHandler("workout", workout.workout_command, filters=private),
            CallbackQueryHandler(workout.workout_command, pattern=f"^{workout.BEGIN}$"),
        ],
    ))
    application.add_handler(
        CallbackQueryHandler(workout.on_control, pattern=workout.CONTROL_PATTERN)
    )
    application.add_handler(
        CallbackQueryHandler(workout.on_feeling, pattern=workout.FEELING_PATTERN)
    )
    application.add_handler(CommandHandler("progress", progress.progress_command))
    application.add_handler(CommandHandler("tips", tips.tips_command))
    application.add_handler(CallbackQueryHandler(tips.on_tip_button, pattern=r"^tips:"))
    application.add_handler(CommandHandler("cancel", workout.cancel_command))
    application.add_handler(CallbackQueryHandler(common.stale_button))
    application.add_handler(MessageHandler(filters.COMMAND, common.unknown_command))
    application.add_handler(MessageHandler(filters.TEXT, common.free_text))
    application.add_error_handler(common.on_error)
    application.post_init = on_startup


async def on_startup(application: Application) -> None:
    """Runs once the bot is connected, before the first update is handled."""
    await menu.announce_commands(application)
    await workout.resume_interrupted(application)
