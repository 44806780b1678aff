"""/walk: log today's (or yesterday's) walk, correct or undo the last one, ask for the distance.

``/walk`` without a distance (and "Done" on a walking reminder) calls :func:`ask_distance`,
which waits for the person's next message. The wait is a mark in ``chat_data`` rather than a
ConversationHandler state, so that any handler can start it; :func:`on_any_update` runs ahead
of the other handlers, reads the answer, and forgets the question as soon as the person does
something else (a command, another button).

A bare number too big for kilometres ("/walk 60") is not refused but asked about: "did you
mean 60 minutes?", with a button that logs them (:func:`ask_minutes`, :func:`on_minutes`).
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes, filters

from bot import walking
from bot.app import services
from bot.formatting import LongDay
from bot.models import WalkLog
from bot.walking import Entry, Walk, WalkInputError
from handlers.common import language_of, text
from handlers.timezone import TIME_ZONE

ZONE_ASKED_KEY = "zone_asked"  # the time zone was offered once in this chat (in memory)

# Every walk button; each kind is read by its own pattern below.
BUTTON_PATTERN = re.compile(r"^walk:(?:undo|minutes):")
UNDO_DATA = re.compile(r"^walk:undo:(\d{1,12})$")
MINUTES_DATA = re.compile(r"^walk:minutes:(\d{1,4}):(\d{4}-\d{2}-\d{2})$")  # minutes, day
PROMPT_KEY = "walk_prompt"  # chat_data: the open question for the distance, a Prompt
# What a person typed is quoted back in error messages; a pasted paragraph is cut short.
_QUOTE_LIMIT = 40


@dataclass(frozen=True)
class Prompt:
    asked_in: int  # the update that asked; it is no answer to itself, whichever group asks
    expires: datetime


# --- /walk ------------------------------------------------------------------------------------


async def walk_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/walk 5.2 · /walk 40 min · /walk 5 yesterday · /walk undo · /walk fix 4.8 · /walk (asks
    the distance)."""
    args = context.args or []
    content, lang = services(context).content, language_of(update, context)
    if not args:
        await ask_distance(update, context)
    elif walking.is_word(args[0], content.text_list("walking.words.undo", lang)):
        await undo_last(update, context)
    elif walking.is_word(args[0], content.text_list("walking.words.fix", lang)):
        await fix_last(update, context, " ".join(args[1:]))
    else:
        await log_typed(update, context, " ".join(args))


async def ask_distance(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Ask how far the person walked; their next message is read as the distance.

    Works from a command or from a button (it answers the button's query, harmlessly if the
    caller already has), so "Done" on a walking reminder can hand over to it."""
    if update.callback_query:
        with contextlib.suppress(TelegramError):
            await update.callback_query.answer()
    svc = services(context)
    expires = svc.clock() + timedelta(seconds=svc.conversation_timeout)
    context.chat_data[PROMPT_KEY] = Prompt(update.update_id, expires)
    await send(update, context, text(
        update, context, "walking.ask.distance", pace=float(walking.PACE_KMH),
        per_km=walking.minutes_per_km(),
    ))


async def on_any_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs before every other handler: the answer to :func:`ask_distance`, if one is due."""
    data = context.chat_data
    prompt: Prompt | None = data.get(PROMPT_KEY) if data is not None else None
    if prompt is None or prompt.asked_in == update.update_id:
        return  # nothing asked, or asked while handling this very update
    message = update.message
    if message is not None and message.text and not filters.COMMAND.check_update(update):
        if services(context).clock() >= prompt.expires:
            data.pop(PROMPT_KEY, None)  # too late: the message is not an answer any more
            return
        if await log_typed(update, context, message.text, retry=True):
            data.pop(PROMPT_KEY, None)
        raise ApplicationHandlerStop
    query = update.callback_query
    if message is None and query is None:
        return  # an edit, a status change: nothing the person asked for
    if query is not None and UNDO_DATA.match(query.data or ""):
        return  # undoing an earlier walk does not end the question
    # Anything else the person does (a command, another button) moves on from the question.
    data.pop(PROMPT_KEY, None)
    if message is not None and command_name(message.text) == "cancel":
        await send(update, context, text(update, context, "walking.ask.cancelled"))
        raise ApplicationHandlerStop


async def log_typed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, typed: str, *, retry: bool = False
) -> bool:
    """Log what was typed as a walk for today or yesterday; False after explaining what is
    wrong, or asking whether a big bare number was minutes."""
    content, lang = services(context).content, language_of(update, context)
    try:
        entry = walking.parse_entry(typed, walking.walk_words(content, lang))
    except WalkInputError as error:
        if error.code == "too_far" and error.minutes is not None:
            await ask_minutes(update, context, error.minutes, error.days_ago)
        else:
            await explain(update, context, error, typed, retry=retry)
        return False
    await log_walk(update, context, entry)
    return True


async def log_walk(
    update: Update, context: ContextTypes.DEFAULT_TYPE, entry: Entry, day: date | None = None
) -> None:
    """Log the walk on ``day``, or ``entry.days_ago`` days before the chat's today, and say so
    with the day's total and a button to undo it."""
    svc, chat_id, walk = services(context), update.effective_chat.id, entry.walk
    now = svc.clock()
    async with svc.sessions.begin() as session:
        today = await walking.today(session, chat_id, now)
        day = day or walking.days_before(today, entry.days_ago)
        row = await walking.add_walk(session, chat_id, walk, now, day=day)
        total = await walking.day_total(session, chat_id, day)
        walk_id = row.id
        zone_known = await walking.zone_known(session, chat_id)
    lines = [logged_text(update, context, walk, day, today)]
    if walk.minutes is None and walk.km > walking.MINUTES_HINT_ABOVE_KM:
        typed_number = float(walk.km)
        lines.append(text(update, context, "walking.logged.minutes_hint", typed=typed_number))
    lines.append(total_text(update, context, total, day, today))
    undo = InlineKeyboardButton(
        text(update, context, "walking.logged.undo_button"), callback_data=f"walk:undo:{walk_id}"
    )
    rows = [[undo]]
    if not zone_known:
        lines.append(text(update, context, "ui.zone.unknown", day=LongDay(today)))
        rows += zone_question(update, context)
    await send(update, context, "\n\n".join(lines), InlineKeyboardMarkup(rows))


def zone_question(update: Update, context: ContextTypes.DEFAULT_TYPE
                  ) -> list[list[InlineKeyboardButton]]:
    """The button that opens /timezone's question (as /settings' does), offered once: later
    replies only say which day was taken."""
    if context.chat_data.get(ZONE_ASKED_KEY):
        return []
    context.chat_data[ZONE_ASKED_KEY] = True
    return [[InlineKeyboardButton(text(update, context, "ui.zone.set_button"),
                                  callback_data=TIME_ZONE)]]


async def read_walk(
    update: Update, context: ContextTypes.DEFAULT_TYPE, typed: str
) -> Walk | None:
    """A walk without a day (what /walk fix takes); None after explaining what is wrong."""
    content, lang = services(context).content, language_of(update, context)
    try:
        return walking.parse_walk(typed, walking.unit_words(content, lang))
    except WalkInputError as error:
        await explain(update, context, error, typed)
        return None


async def explain(
    update: Update, context: ContextTypes.DEFAULT_TYPE, error: WalkInputError, typed: str,
    *, retry: bool = False,
) -> None:
    quoted = typed.strip()
    if len(quoted) > _QUOTE_LIMIT:
        quoted = quoted[:_QUOTE_LIMIT] + "…"
    reply = text(
        update, context, f"walking.errors.{error.code}", typed=quoted,
        max_km=float(walking.MAX_KM), max_minutes=walking.MAX_MINUTES,
    )
    if retry:
        reply += "\n" + text(update, context, "walking.errors.retry")
    await send(update, context, reply)


# --- "did you mean minutes?" ------------------------------------------------------------------


async def ask_minutes(
    update: Update, context: ContextTypes.DEFAULT_TYPE, minutes: int, days_ago: int
) -> None:
    """Ask whether a bare number too big for kilometres was minutes; log nothing yet.

    The button carries the day the walk was meant for, so pressing it after midnight still
    logs it on that day."""
    svc, chat_id = services(context), update.effective_chat.id
    async with svc.sessions() as session:
        day = walking.days_before(await walking.today(session, chat_id, svc.clock()), days_ago)
    walk = walking.minutes_walk(minutes)
    question = text(
        update, context, "walking.minutes.question_yesterday" if days_ago else
        "walking.minutes.question", typed=minutes, km=float(walk.km),
        pace=float(walking.PACE_KMH), date=day,
    )
    button = InlineKeyboardButton(
        text(update, context, "walking.minutes.button", minutes=minutes),
        callback_data=f"walk:minutes:{minutes}:{day.isoformat()}",
    )
    await send(update, context, question, InlineKeyboardMarkup([[button]]))


async def on_minutes(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The button under :func:`ask_minutes`: logs the minutes on their day, once."""
    query = update.callback_query
    svc, chat_id = services(context), update.effective_chat.id
    entry, day = minutes_in(query.data or "")
    if entry is not None and day is not None:
        async with svc.sessions() as session:
            today = await walking.today(session, chat_id, svc.clock())
        if not walking.loggable(day, today):
            entry = None
    if entry is None or day is None:  # from days ago, or forged
        await query.answer(text(update, context, "walking.minutes.stale"))
        with contextlib.suppress(TelegramError):
            await query.edit_message_reply_markup(reply_markup=None)
        return
    try:
        # Taking the button away first is what makes a double tap log one walk: the second
        # press finds nothing to take away.
        await query.edit_message_reply_markup(reply_markup=None)
    except BadRequest as error:
        if "not modified" in error.message.lower():
            await query.answer(text(update, context, "walking.minutes.answered"))
            return
        # Any other failure (the question deleted, say) still leaves a walk to log.
    await query.answer()
    await log_walk(update, context, entry, day)


def minutes_in(data: str) -> tuple[Entry | None, date | None]:
    """The walk and day a minutes button carries; Nones for anything else."""
    match = MINUTES_DATA.match(data)
    if match is None:
        return None, None
    try:
        return Entry(walking.minutes_walk(int(match.group(1)))), date.fromisoformat(match[2])
    except (WalkInputError, ValueError):
        return None, None


# --- correcting -------------------------------------------------------------------------------


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any walk button (BUTTON_PATTERN): undo a walk, or log the minutes asked about."""
    if (update.callback_query.data or "").startswith("walk:undo:"):
        await on_undo(update, context)
    else:
        await on_minutes(update, context)


async def undo_last(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, chat_id = services(context), update.effective_chat.id
    async with svc.sessions.begin() as session:
        row = await walking.latest_walk(session, chat_id)
        reply = (text(update, context, "walking.undo.nothing") if row is None
                 else await removed_text(update, context, session, row))
    await send(update, context, reply)


async def on_undo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """"Undo" under a logged walk: removes that walk, whenever it is pressed."""
    query = update.callback_query
    match = UNDO_DATA.match(query.data or "")
    svc, chat_id = services(context), update.effective_chat.id
    async with svc.sessions.begin() as session:
        row = await walking.own_walk(session, chat_id, int(match.group(1))) if match else None
        reply = await removed_text(update, context, session, row) if row else None
    if reply is None:
        await query.answer(text(update, context, "walking.undo.gone"))
        with contextlib.suppress(TelegramError):  # the buttons may be gone already
            await query.edit_message_reply_markup(reply_markup=None)
        return
    await query.answer()
    await query.edit_message_text(f"{query.message.text or ''}\n\n{reply}", reply_markup=None)


async def removed_text(
    update: Update, context: ContextTypes.DEFAULT_TYPE, session: AsyncSession, row: WalkLog
) -> str:
    svc, chat_id = services(context), update.effective_chat.id
    day, km = row.local_date, row.km
    await walking.remove(session, row)
    total = await walking.day_total(session, chat_id, day)
    today = await walking.today(session, chat_id, svc.clock())
    return "\n\n".join([
        text(update, context, "walking.undo.done", km=float(km), date=day),
        total_text(update, context, total, day, today),
    ])


async def fix_last(update: Update, context: ContextTypes.DEFAULT_TYPE, typed: str) -> None:
    if not typed.strip():
        await send(update, context, text(update, context, "walking.fix.ask"))
        return
    walk = await read_walk(update, context, typed)
    if walk is None:
        return
    svc, chat_id = services(context), update.effective_chat.id
    async with svc.sessions.begin() as session:
        row = await walking.latest_walk(session, chat_id)
        if row is not None:
            old = row.km
            walking.correct(row, walk)
            await session.flush()
            total = await walking.day_total(session, chat_id, row.local_date)
            today = await walking.today(session, chat_id, svc.clock())
            day = row.local_date
    if row is None:
        await send(update, context, text(update, context, "walking.fix.nothing"))
        return
    await send(update, context, "\n\n".join([
        text(update, context, "walking.fix.done", date=day,
             km=float(walk.km), old=float(old)),
        total_text(update, context, total, day, today),
    ]))


# --- wording ----------------------------------------------------------------------------------


def logged_text(
    update: Update, context: ContextTypes.DEFAULT_TYPE, walk: Walk, day: date, today: date
) -> str:
    """What was logged; a walk for yesterday says so, with its date (it is the only other
    day a walk can be logged on)."""
    suffix = "" if day == today else "_yesterday"
    if walk.minutes is None:
        return text(update, context, f"walking.logged.km{suffix}", km=float(walk.km),
                    date=day)
    return text(
        update, context, f"walking.logged.minutes{suffix}", minutes=walk.minutes,
        km=float(walk.km), pace=float(walking.PACE_KMH),
        per_km=walking.minutes_per_km(), date=day,
    )


def total_text(
    update: Update, context: ContextTypes.DEFAULT_TYPE, total: float, day: date, today: date
) -> str:
    """The day's total against the goal; today's in words of progress, others as a number."""
    if day != today:
        which = "yesterday" if day == walking.days_before(today, 1) else "other_day"
        return text(update, context, f"walking.total.{which}", date=day,
                    total=float(total))
    goal = services(context).content.walking_goal_km
    status = walking.goal_status(total, goal)
    return text(
        update, context, f"walking.total.{status.value}", total=float(total),
        goal=str(goal), left=float(max(goal.low - total, 0.0)),
    )


def command_name(typed: str | None) -> str | None:
    """"cancel" for "/cancel" and "/cancel@SomeBot"; None for anything but a command."""
    if not typed or not typed.startswith("/"):
        return None
    return typed.split()[0][1:].split("@")[0].lower()


async def send(
    update: Update, context: ContextTypes.DEFAULT_TYPE, body: str,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    # Replies can follow a button as well as a message, so they are always sent anew.
    await context.bot.send_message(update.effective_chat.id, body, reply_markup=markup)

