"""Reminders: /remind (what, when, which days), /timezone, and the buttons on the reminders
themselves. Storage and scheduling live in bot/reminders.py and bot/dispatch.py; the list is
handlers/reminder_list.py, changing a reminder handlers/reminder_edit.py, "Later" and its
choices handlers/reminder_later.py, and a desk break's own steps and message
handlers/desk_breaks.py.

The /remind conversation is registered in a group of its own ahead of the others (see
handlers/__init__.py), so that while someone is typing a time or a city it gets their words
even if another conversation (the safety screen) was left open; each of its steps therefore
ends with ApplicationHandlerStop (handlers/remind_steps.exclusive). Any other command ends it
and goes on to its own handler.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from telegram import ChatMember, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import dispatch, reminders, timing
from bot.app import SERVICES_KEY, services
from bot.content import REFERENCE_LANGUAGE, Content
from bot.dispatch import Composed
from bot.pictures import PictureLibrary
from bot.reminder_later import Later
from bot.reminders import Claimed, Kind
from bot.screening import Outcome
from bot.walking import GoalStatus, goal_status
from handlers import desk_breaks, reminder_edit, reminder_later, timezone
from handlers.common import language_of, text
from handlers.remind_steps import (
    AT_PATTERN,
    DAY_MASKS,
    DAYS,
    DAYS_PATTERN,
    DRAFT,
    END,
    KIND,
    TIME,
    ZONE,
    add_note,
    ask_days,
    ask_time,
    draft,
    exclusive,
    mark_days,
    read_time,
    show_day_picker,
)
from handlers.reminder_list import NEW, pause_everything, resume_everything
from handlers.screening import AGAIN as SCREEN_AGAIN
from handlers.timezone import send
from handlers.walking import ask_distance

OFF_WORDS = frozenset({"off", "stop", "pause"})
ON_WORDS = frozenset({"on", "resume"})

KIND_PATTERN = re.compile(r"^rem:kind:(walk|workout|desk_break)$")
# "Later" itself, then one of its choices (handlers/reminder_later.py).
LATER_PATTERN = re.compile(rf"^rem:later:(\d{{1,12}})(?::({'|'.join(Later)}))?$")
WALK_DONE_PATTERN = re.compile(r"^walk:done:(\d{1,12})$")
START_WORKOUT = "wo:begin"  # begins /workout, quick safety check first (handlers/workout.py)


def build_conversation(
    timeout_seconds: float, also_starting_with: Sequence[BaseHandler] = ()
) -> ConversationHandler:
    """/remind and /timezone; ``also_starting_with`` are other ways in, such as /settings'
    time zone button."""
    typed = filters.TEXT & ~filters.COMMAND
    private = filters.ChatType.PRIVATE
    return ConversationHandler(
        entry_points=[
            CommandHandler("remind", remind_command, filters=private),
            CommandHandler("timezone", timezone_command, filters=private),
            CallbackQueryHandler(new_from_list, pattern=f"^{NEW}$"),
            CallbackQueryHandler(reminder_edit.edit_from_list, pattern=reminder_edit.EDIT_PATTERN),
            *also_starting_with,
        ],
        states={
            ZONE: [
                MessageHandler(typed | filters.LOCATION, on_zone),
                CallbackQueryHandler(on_zone, pattern=timezone.ZONE_PATTERN),
            ],
            KIND: [
                CallbackQueryHandler(on_kind, pattern=KIND_PATTERN),
                MessageHandler(typed, use_buttons),
            ],
            TIME: [MessageHandler(typed, on_time), CallbackQueryHandler(on_time, AT_PATTERN)],
            DAYS: [
                CallbackQueryHandler(on_days_button, pattern=DAYS_PATTERN),
                MessageHandler(typed, on_days_text),
            ],
            **desk_breaks.states(),
        },
        fallbacks=[
            CommandHandler("cancel", cancel),
            MessageHandler(filters.COMMAND, other_command),
        ],
        allow_reentry=True,
        conversation_timeout=timeout_seconds,
        name="reminders",
    )


# --- /remind and /timezone --------------------------------------------------------------------


@exclusive
async def remind_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if context.args and context.args[0].lower() in OFF_WORDS:
        await pause_everything(update, context)
        return END
    if context.args and context.args[0].lower() in ON_WORDS:
        await resume_everything(update, context)
        return END
    return await begin(update, context)


@exclusive
async def new_from_list(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await update.callback_query.answer()
    return await begin(update, context)


async def begin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    svc, chat_id = services(context), update.effective_chat.id
    async with svc.sessions() as session:
        kinds = await reminders.kinds_for_chat(session, chat_id)
        zone_name = await reminders.chat_zone(session, chat_id)
        count = len(await reminders.list_reminders(session, chat_id))
    if not kinds:
        await send(update, context, text(update, context, "reminders.remind.nothing_allowed"))
        return END
    if count >= reminders.MAX_PER_CHAT:
        await send(update, context, text(update, context, "reminders.remind.too_many",
                                         max=reminders.MAX_PER_CHAT))
        return END
    context.chat_data[DRAFT] = {"then": "kind"}
    if zone_name is None:
        await timezone.ask_zone(update, context, None)
        return ZONE
    return await ask_kind(update, context, kinds)


@exclusive
async def timezone_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    async with services(context).sessions() as session:
        current = await reminders.chat_zone(session, update.effective_chat.id)
    context.chat_data[DRAFT] = {"then": "end"}
    await timezone.ask_zone(update, context, current)
    return ZONE


# --- the steps ------------------------------------------------------------------------------------


@exclusive
async def on_zone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if await timezone.zone_step(update, context) is None:
        return ZONE  # the person has been told what went wrong; they try again
    if context.chat_data.get(DRAFT, {}).get("then") != "kind":
        return END
    async with services(context).sessions() as session:
        kinds = await reminders.kinds_for_chat(session, update.effective_chat.id)
    return await ask_kind(update, context, kinds)


async def ask_kind(
    update: Update, context: ContextTypes.DEFAULT_TYPE, kinds: tuple[Kind, ...]
) -> int:
    if kinds == (Kind.WALK,):
        draft(context)["kind"] = Kind.WALK.value
        await send(update, context, text(update, context, "reminders.remind.walk_only"))
        return await ask_time(update, context)
    buttons = [[InlineKeyboardButton(text(update, context, f"reminders.kind_choice.{kind}"),
                                     callback_data=f"rem:kind:{kind}")] for kind in kinds]
    await send(update, context, text(update, context, "reminders.remind.ask_kind"),
               InlineKeyboardMarkup(buttons))
    return KIND


@exclusive
async def on_kind(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    kind = Kind(KIND_PATTERN.match(query.data or "").group(1))
    async with services(context).sessions() as session:
        if kind not in await reminders.kinds_for_chat(session, update.effective_chat.id):
            await query.answer(text(update, context, "ui.errors.stale_button"))
            return KIND
    await query.answer()
    answer = text(update, context, f"reminders.kind_choice.{kind}")
    await timezone.mark_chosen(update, context, answer)
    draft(context)["kind"] = kind.value
    if kind is Kind.DESK_BREAK:
        return await desk_breaks.ask_start(update, context)
    return await ask_time(update, context)


@exclusive
async def use_buttons(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    await update.effective_message.reply_text(text(update, context, "reminders.remind.use_buttons"))
    return KIND


@exclusive
async def on_time(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    at = await read_time(update, context)
    if at is None:
        return TIME
    draft(context)["time"] = str(at)
    if draft(context).get("kind") == Kind.DESK_BREAK:
        return await desk_breaks.ask_end(update, context)
    return await ask_days(update, context)


@exclusive
async def on_days_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    choice, picked = DAYS_PATTERN.match(query.data or "").groups()
    mask = DAY_MASKS.get(choice, int(picked or 0))
    if not 0 <= mask <= timing.EVERY_DAY:  # forged
        await query.answer(text(update, context, "ui.errors.stale_button"))
        return DAYS
    if choice == "pick":
        await query.answer()
        await show_day_picker(update, context, mask)
        return DAYS
    if not mask:
        await query.answer(text(update, context, "reminders.remind.pick_a_day"))
        return DAYS
    await query.answer()
    await mark_days(update, context, text(update, context, f"reminders.remind.{choice}")
                    if choice in DAY_MASKS else timezone.days_text(update, context, mask))
    return await finish(update, context, mask)


@exclusive
async def on_days_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    typed = update.effective_message.text or ""
    try:
        mask = timing.parse_days(typed)
    except timing.TimingError:
        await update.effective_message.reply_text(
            text(update, context, "reminders.remind.bad_days", typed=timezone.quoted(typed)))
        return DAYS
    return await finish(update, context, mask)


async def finish(update: Update, context: ContextTypes.DEFAULT_TYPE, weekdays: int) -> int:
    gathered = context.chat_data.pop(DRAFT, {})
    window = desk_breaks.window(gathered)
    if "kind" not in gathered or "time" not in gathered or (
            gathered["kind"] == Kind.DESK_BREAK and window is None):
        return await begin(update, context)  # the draft was lost: start over rather than guess
    if gathered.get("then") == "edit":
        return await reminder_edit.save(update, context, gathered, weekdays, window)
    svc, chat_id = services(context), update.effective_chat.id
    now = svc.clock()
    async with svc.sessions.begin() as session:
        try:
            reminder = await reminders.add_reminder(
                session, chat_id, Kind(gathered["kind"]),
                reminders.stored_time(gathered["time"]), weekdays, now,
                language_of(update, context), window)
        except reminders.ReminderLimit:
            await send(update, context, text(update, context, "reminders.remind.too_many",
                                             max=reminders.MAX_PER_CHAT))
            return END
        zone_name = await reminders.chat_zone(session, chat_id) or "UTC"
    await send(update, context, text(
        update, context, f"reminders.remind.saved_{reminder.kind}", time=reminder.local_time,
        end=reminder.window_end, every=reminder.every_minutes,
        days=timezone.days_text(update, context, reminder.weekdays),
        next=timezone.next_text(update, context, reminder.next_due_at, zone_name, now)))
    return END


@exclusive
async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    gathered = context.chat_data.pop(DRAFT, {})
    key = {"end": "reminders.zone.not_changed", "edit": "reminders.edit.cancelled"}.get(
        gathered.get("then"), "reminders.remind.cancelled")
    await update.effective_message.reply_text(text(update, context, key))
    return END


async def other_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    # Not exclusive: the command goes on to its own handler.
    context.chat_data.pop(DRAFT, None)
    return END


# --- the reminders' own buttons ---------------------------------------------------------------


async def on_later(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """"⏰ Later": first the choice of when, then the snooze (handlers/reminder_later.py)."""
    reminder_id, choice = LATER_PATTERN.match(update.callback_query.data or "").groups()
    if choice is None:
        await reminder_later.offer(update, context, int(reminder_id))
    else:
        await reminder_later.snooze(update, context, int(reminder_id), Later(choice))


async def on_walk_done(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """"Done" on a walking reminder: how far? The next message is logged as today's walk."""
    await ask_distance(update, context)  # answers the button too
    await add_note(update, text(update, context, "reminders.message.done"))


async def on_bot_blocked(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Someone blocked the bot: pause their reminders now rather than at the next 403."""
    change = update.my_chat_member
    if change and change.new_chat_member.status == ChatMember.BANNED:
        async with services(context).sessions.begin() as session:
            await reminders.pause_all(session, [change.chat.id])


# --- sending ------------------------------------------------------------------------------------


def reminder_composer(content: Content, pictures: PictureLibrary | None = None
                      ) -> dispatch.Compose:
    """How the dispatcher words a reminder, in the chat's language, with its buttons (and a
    desk break with the picture of its stretch, once drawn)."""
    def compose(item: Claimed) -> Composed:
        language = item.language or REFERENCE_LANGUAGE
        later = InlineKeyboardButton(content.text("reminders.message.later_button", language),
                                     callback_data=f"rem:later:{item.reminder_id}")
        if item.screen_first:
            return screen_first(content, language, item)
        if item.kind is Kind.DESK_BREAK:
            return desk_breaks.compose(content, language, item, pictures)
        if item.kind is Kind.WALK and item.outcome == Outcome.SEE_DOCTOR:
            # No target the doctor has not agreed to.
            body = content.text("reminders.message.walk_see_doctor", language)
            first = InlineKeyboardButton(content.text("reminders.message.done_button", language),
                                         callback_data=f"walk:done:{item.reminder_id}")
        elif item.kind is Kind.WALK:
            goal, walked = content.walking_goal_km, item.walked_km
            status = goal_status(walked, goal)
            if status in (GoalStatus.REACHED, GoalStatus.BEYOND):
                return walk_goal_met(content, language, item)  # a well done, not a nudge
            body = content.text(
                "reminders.message.walk" if status is GoalStatus.NONE
                else "reminders.message.walk_so_far", language, goal=str(goal),
                walked=float(walked), left=float(goal.low - walked))
            first = InlineKeyboardButton(content.text("reminders.message.done_button", language),
                                         callback_data=f"walk:done:{item.reminder_id}")
        else:
            body = content.text("reminders.message.workout", language)
            first = InlineKeyboardButton(
                content.text("reminders.message.start_button", language),
                callback_data=START_WORKOUT)
        return Composed(body, InlineKeyboardMarkup([[first, later]]))
    return compose


def walk_goal_met(content: Content, language: str, item: Claimed) -> Composed:
    return Composed(content.text("reminders.message.walk_goal_met", language,
                                 walked=float(item.walked_km),
                                 goal=str(content.walking_goal_km)))


def screen_first(content: Content, language: str, item: Claimed) -> Composed:
    """An exercise reminder for a chat without a current clear screen: the questions first."""
    body = content.text(f"reminders.message.screen_first_{item.kind}", language)
    button = InlineKeyboardButton(content.text("workout.gate.screen_button", language),
                                  callback_data=SCREEN_AGAIN)
    return Composed(body, InlineKeyboardMarkup([[button]]))


async def start_dispatcher(application: Application) -> None:
    """Start sending reminders; chained into the application's start-up (handlers/__init__)."""
    svc = application.bot_data[SERVICES_KEY]
    dispatch.start_dispatcher(application, reminder_composer(svc.content, svc.pictures))
