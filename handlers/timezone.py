"""The chat's time zone and times in words.

Finding out the zone: a typed city or UTC offset, a pick among places that share a name, or a
shared location. /timezone and the first /remind both use this step; the conversation itself
(which step comes next) is in handlers/reminders.py."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot import reminders, timing
from bot.app import services
from bot.formatting import Zone
from handlers.common import text

# The /settings button that opens /timezone's question (handlers/settings.py), which other
# replies offer too when the chat's days need a time zone (handlers/walking.py).
TIME_ZONE = "set:tz"

ZONE_PATTERN = re.compile(r"^rem:tz:([A-Za-z0-9_+\-/]{1,56})$")
_QUOTE_LIMIT = 40


def zone_label(zone_name: str) -> str | Zone:
    """A zone as people read it: its city in their language ("Moscow", «Москва»: a ``Zone``,
    which ``text`` writes), or a UTC offset; POSIX writes UTC+3 as "Etc/GMT-3", so those are
    turned round."""
    match = re.fullmatch(r"Etc/(?:GMT|UTC)(?:([+-])(\d{1,2}))?", zone_name)
    if match is None:
        return Zone(zone_name)
    if match.group(1) is None:
        return "UTC"
    return f"UTC{'-' if match.group(1) == '+' else '+'}{match.group(2)}"


def local_clock(zone_name: str, now: datetime) -> str:
    return now.astimezone(timing.zone(zone_name)).strftime("%H:%M")


async def send(
    update: Update, context: ContextTypes.DEFAULT_TYPE, body: str,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    # Steps can begin from a button as well as from a typed message, so always send anew.
    await context.bot.send_message(update.effective_chat.id, body, reply_markup=markup)


def quoted(typed: str) -> str:
    """What a person typed, to quote back in an error; a pasted paragraph is cut short."""
    return typed.strip()[:_QUOTE_LIMIT]


async def mark_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE, answer: object
                      ) -> None:
    """A question answered with a button keeps the answer and loses its buttons."""
    query = update.callback_query
    await query.edit_message_text(
        text(update, context, "reminders.remind.chosen", question=query.message.text or "",
             answer=answer),
        reply_markup=None,
    )


async def ask_zone(
    update: Update, context: ContextTypes.DEFAULT_TYPE, current: str | None
) -> None:
    if current is None:
        await send(update, context, text(update, context, "reminders.zone.ask"))
        return
    now = services(context).clock()
    await send(update, context, text(update, context, "reminders.zone.current",
                                     zone=zone_label(current), time=local_clock(current, now)))


async def zone_step(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    """Read and save the zone from a typed message, a location or a button; None after
    telling the person what went wrong."""
    if update.callback_query:
        zone_name = await zone_from_button(update, context)
    elif update.effective_message.location:
        zone_name = await zone_from_location(update, context)
    else:
        zone_name = await zone_from_text(update, context)
    if zone_name is not None:
        await save_zone(update, context, zone_name)
    return zone_name


async def zone_from_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    """The zone the person typed, or None after telling them what went wrong."""
    typed = update.effective_message.text or ""
    try:
        return timing.parse_time_zone(typed)
    except timing.TimingError as error:
        problem = {"ambiguous_zone": "ambiguous", "bad_offset": "bad_offset"}.get(
            error.code, "unknown")
        markup = choices(update, context, error.candidates) if problem == "ambiguous" else None
        await send(update, context, text(update, context, f"reminders.zone.{problem}",
                                         typed=quoted(typed)), markup)
        return None


def choices(
    update: Update, context: ContextTypes.DEFAULT_TYPE, candidates: tuple[str, ...]
) -> InlineKeyboardMarkup:
    # The local time next to each place makes the right one easy to spot.
    now = services(context).clock()
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(
            text(update, context, "ui.zone.choice", zone=zone_label(name),
                 time=local_clock(name, now)),
            callback_data=f"rem:tz:{name}")]
        for name in candidates
    ])


async def zone_from_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    location = update.effective_message.location
    # The map's import and look-up take a good part of a second: off the event loop.
    name = await asyncio.to_thread(reminders.zone_at, location.latitude,
                                   location.longitude) if location else None
    if name is None:
        await send(update, context, text(update, context, "reminders.zone.location_unknown"))
    return name


async def zone_from_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    query = update.callback_query
    match = ZONE_PATTERN.match(query.data or "")
    try:
        name = match.group(1) if match else ""
        timing.zone(name)
    except timing.TimingError:
        await query.answer(text(update, context, "ui.errors.stale_button"))
        return None
    await query.answer()
    await mark_chosen(update, context, zone_label(name))
    return name


async def save_zone(update: Update, context: ContextTypes.DEFAULT_TYPE, zone_name: str) -> None:
    svc, chat_id = services(context), update.effective_chat.id
    now = svc.clock()
    async with svc.sessions.begin() as session:
        had_reminders = any(r.active for r in await reminders.list_reminders(session, chat_id))
        await reminders.set_chat_zone(session, chat_id, zone_name, now)
    lines = [text(update, context, "reminders.zone.saved", zone=zone_label(zone_name),
                  time=local_clock(zone_name, now))]
    if had_reminders:
        lines.append(text(update, context, "reminders.zone.reminders_moved"))
    await send(update, context, " ".join(lines))


# --- days and times in words --------------------------------------------------------------------

# Day masks with a name of their own; any other mask is said day by day.
NAMED_DAYS = ("every_day", "weekdays", "weekends")


def days_text(update: Update, context: ContextTypes.DEFAULT_TYPE, mask: int) -> str:
    codes = timing.days_label(mask)
    if codes[0] in NAMED_DAYS:
        return text(update, context, f"reminders.days.{codes[0]}")
    names = text(update, context, "reminders.days.separator").join(
        text(update, context, f"reminders.days.{code}") for code in codes)
    return text(update, context, "reminders.days.chosen", days=names)


def next_text(
    update: Update, context: ContextTypes.DEFAULT_TYPE, due_at: datetime, zone_name: str,
    now: datetime,
) -> str:
    """When a reminder comes next, as the person would say it: today, tomorrow, or the day."""
    tz = timing.zone(zone_name)
    local, today = due_at.astimezone(tz), now.astimezone(tz).date()
    time = local.strftime("%H:%M")
    if local.date() == today:
        return text(update, context, "reminders.next.today", time=time)
    if local.date() == today + timedelta(days=1):
        return text(update, context, "reminders.next.tomorrow", time=time)
    day = text(update, context, f"reminders.weekday.{timing.DAY_CODES[local.weekday()]}")
    return text(update, context, "reminders.next.later", day=day, time=time)
