"""Every Telegram handler of Back Coach, registered in one place."""

from __future__ import annotations

import logging
import warnings

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.app import SERVICES_KEY, Services, updates_skipped
from bot.cache import known_chats
from bot.ops.metrics import count_update
from handlers import (
    common,
    desk_breaks,
    exercises,
    guards,
    language,
    menu,
    privacy,
    progress,
    reminder_list,
    reminders,
    screening,
    settings,
    start,
    tips,
    typed,
    walking,
    workout,
    workout_live,
    workout_restart,
)

logger = logging.getLogger(__name__)

# The kinds of update the handlers below use: Telegram sends the bot no other.
ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY,
                   Update.MY_CHAT_MEMBER]

# The screen's buttons are handled per chat on purpose: its own nonce tells stale buttons apart.
warnings.filterwarnings("ignore", message=".*per_message=False.*", category=PTBUserWarning)


def register(application: Application) -> None:
    services: Services = application.bot_data[SERVICES_KEY]
    private = filters.ChatType.PRIVATE

    # Every update counted for /metrics (bot/ops/metrics.py).
    application.add_handler(TypeHandler(Update, count_update), group=-1005)
    # First of all, each in a group of its own, and ending the update there if it applies:
    # a stop under way, edits, buttons pressed by someone else, personal commands in a group.
    application.add_handler(TypeHandler(Update, guards.while_stopping), group=-1004)
    application.add_handler(
        MessageHandler(filters.UpdateType.EDITED, guards.on_edited_message), group=-1003
    )
    application.add_handler(TypeHandler(Update, guards.drop_foreign_buttons), group=-1002)
    application.add_handler(
        CommandHandler(guards.PRIVATE_ONLY, guards.private_only, filters=~private), group=-1001
    )

    # Then: which language this chat is spoken to in, then the answer to
    # "how far did you walk?" (see handlers/walking.py), then /remind (handlers/reminders.py).
    application.add_handler(TypeHandler(Update, common.remember_language), group=-100)
    application.add_handler(TypeHandler(Update, walking.on_any_update), group=-2)
    # /settings' time zone button opens /timezone's own question (handlers/settings.py).
    application.add_handler(reminders.build_conversation(
        services.conversation_timeout, also_starting_with=[settings.time_zone_entry()],
    ), group=-1)

    # /workout begins with the quick safety check, so it enters through the screen's conversation,
    # and the check hands its decision back to the workout.
    application.bot_data[screening.AFTER_QUICK_CHECK_KEY] = workout.after_quick_check
    # "yes" or "no" that is no answer to a screen goes where all other text goes.
    application.bot_data[screening.OTHER_TEXT_KEY] = typed.on_text
    application.add_handler(screening.build_conversation(
        services.content, services.conversation_timeout, also_starting_with=[
            CommandHandler("workout", workout.workout_command, filters=private),
            CallbackQueryHandler(workout.workout_command, pattern=f"^{workout.BEGIN}$"),
        ],
    ))
    for command, callback in (
        ("start", start.start_command),
        ("help", common.help_command),
        ("progress", progress.progress_command),
        ("walk", walking.walk_command),
        ("export", privacy.export_command),
        ("forget", privacy.forget_command),
        ("tips", tips.tips_command),
        ("exercises", exercises.exercises_command),
        ("language", language.language_command),
        ("settings", settings.settings_command),
        ("reminders", reminder_list.list_command),
        ("cancel", workout.cancel_command),
    ):
        application.add_handler(CommandHandler(command, callback))
    for callback, pattern in (
        (workout.on_control, workout.CONTROL_PATTERN),
        (workout.on_feeling, workout.FEELING_PATTERN),
        (walking.on_button, walking.BUTTON_PATTERN),
        (privacy.on_forget_answer, privacy.CONFIRM_PATTERN),
        (language.on_choice, language.CHOICE_PATTERN),
        (settings.on_button, settings.BUTTON_PATTERN),
        (tips.on_tip_button, r"^tips:"),
        (exercises.on_button, exercises.PREFIX_PATTERN),
        (reminder_list.on_list_button, reminder_list.LIST_PATTERN),
        (reminder_list.on_undo, reminder_list.UNDO_PATTERN),
        (reminders.on_later, reminders.LATER_PATTERN),
        (reminders.on_walk_done, reminders.WALK_DONE_PATTERN),
        (desk_breaks.on_done, desk_breaks.DONE_PATTERN),
    ):
        application.add_handler(CallbackQueryHandler(callback, pattern=pattern))
    application.add_handler(
        ChatMemberHandler(reminders.on_bot_blocked, ChatMemberHandler.MY_CHAT_MEMBER)
    )

    # Last: whatever nothing above claimed.
    application.add_handler(CallbackQueryHandler(common.stale_button))
    application.add_handler(MessageHandler(filters.COMMAND, common.unknown_command))
    # Words typed for buttons ("pause", "seven", "yes"), or the open question asked again
    # (handlers/typed.py). In a group, people talk to each other: only commands are for the bot.
    application.add_handler(MessageHandler(private & filters.TEXT, typed.on_text))
    application.add_error_handler(common.on_error)
    application.post_init = on_startup
    application.post_stop = on_stop


async def on_startup(application: Application) -> None:
    """Runs once the bot is connected, before the first update is handled."""
    await menu.announce_commands(application)
    draw_pictures_ahead(application)
    # In the background: a tenth of a second for 100,000 chats, which start-up need not wait
    # for; until it is done, an update from someone new asks the database as before.
    assert application.job_queue is not None
    application.job_queue.run_once(learn_known_chats, when=0, name="known chats",
                                   job_kwargs={"misfire_grace_time": None})
    await workout_restart.resume_interrupted(application)
    await reminders.start_dispatcher(application)


async def on_stop(application: Application) -> None:
    """Runs once nothing more is handled or sent (bot.app.stop_sending): the live workouts
    are stored, for the restart to offer each again."""
    skipped = updates_skipped(application)
    if skipped:
        logger.info("%d update(s) fetched as the bot stopped were left unhandled", skipped)
    stored = await workout_live.save_all(application)
    if stored:
        logger.info("Stored %d live workout(s), to be offered again at the next start", stored)


async def learn_known_chats(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Which chats have a row (bot/cache/known_chats.py)."""
    sessions = context.application.bot_data[SERVICES_KEY].sessions
    known = known_chats.of_sessions(sessions)
    if known is not None:
        count = await known.load(sessions)
        logger.info("%d chat(s) with something stored", count)


def draw_pictures_ahead(application: Application) -> None:
    """The exercises' pictures, drawn in the background where they are not on disk yet: the
    workout's in its order first, so a fresh install's first card waits for none, and a
    desk break has its stretch's picture from its first reminder."""
    svc: Services = application.bot_data[SERVICES_KEY]
    if svc.pictures is not None:
        svc.pictures.prepare(svc.content.exercises)
