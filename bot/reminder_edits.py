"""Changing reminders that exist: a new time and days for one, a delete that can be undone for
a while, and switching all of a chat's paused reminders back on.

Nothing here knows Telegram. Scheduling is ``bot.reminders``' (``first_due``): whatever changes
here gets its next occurrence from the chat's zone and the bot's clock, as a new reminder does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Reminder
from bot.reminders import (
    MAX_PER_CHAT,
    Kind,
    ReminderLimit,
    Window,
    chat_zone,
    first_due,
    list_reminders,
    own_reminder,
)
from bot.timing import LocalTime

# How long a deleted reminder can be brought back: long enough for "oops, not that one", short
# enough that the button means what it says.
UNDO_FOR = timedelta(minutes=10)


async def change_reminder(
    session: AsyncSession, chat_id: int, reminder_id: int, at: LocalTime, weekdays: int,
    now: datetime, window: Window | None = None,
) -> Reminder | None:
    """Give the chat's reminder a new time and days (a desk break also its window); None if the
    chat has no such reminder. A paused one stays paused."""
    reminder = await own_reminder(session, chat_id, reminder_id)
    if reminder is None:
        return None
    if (reminder.kind == Kind.DESK_BREAK) != (window is not None):
        raise ValueError("a desk break needs a window, and only a desk break has one")
    reminder.local_time, reminder.weekdays = str(at), weekdays
    if window is not None:
        reminder.every_minutes, reminder.window_end = window.every_minutes, str(window.end)
    # From now, not from the old next occurrence: an earlier time today still comes today.
    reminder.next_due_at = first_due(reminder, await chat_zone(session, chat_id) or "UTC", now)
    return reminder


@dataclass(frozen=True)
class Deleted:
    """A deleted reminder as it was, to bring back: its schedule, whether it was on, and when it
    was made (the note about the safety questions counts from then: bot.reminders)."""

    kind: str
    local_time: str
    weekdays: int
    every_minutes: int | None
    window_end: str | None
    active: bool
    created_at: datetime
    deleted_at: datetime

    def undoable(self, now: datetime) -> bool:
        return now - self.deleted_at <= UNDO_FOR

    def same_schedule(self, reminder: Reminder) -> bool:
        return (reminder.kind, reminder.local_time, reminder.weekdays, reminder.every_minutes,
                reminder.window_end) == (self.kind, self.local_time, self.weekdays,
                                         self.every_minutes, self.window_end)


async def delete_keeping(
    session: AsyncSession, chat_id: int, reminder_id: int, now: datetime
) -> Deleted | None:
    """Delete the chat's reminder; what it was, or None if the chat has no such reminder."""
    reminder = await own_reminder(session, chat_id, reminder_id)
    if reminder is None:
        return None
    deleted = Deleted(reminder.kind, reminder.local_time, reminder.weekdays,
                      reminder.every_minutes, reminder.window_end, reminder.active,
                      reminder.created_at, now)
    await session.delete(reminder)
    return deleted


async def restore(
    session: AsyncSession, chat_id: int, deleted: Deleted, now: datetime
) -> Reminder:
    """Bring a deleted reminder back as it was, its next occurrence counted from now; raises
    ReminderLimit if the chat has set as many others meanwhile.

    If the person has set the same reminder again in the meantime, that one is it: a second
    copy would only send everything twice."""
    existing = await list_reminders(session, chat_id)
    for reminder in existing:
        if deleted.same_schedule(reminder):
            return reminder
    if len(existing) >= MAX_PER_CHAT:
        raise ReminderLimit
    reminder = Reminder(chat_id=chat_id, kind=deleted.kind, local_time=deleted.local_time,
                        weekdays=deleted.weekdays, every_minutes=deleted.every_minutes,
                        window_end=deleted.window_end, active=deleted.active,
                        created_at=deleted.created_at)
    reminder.next_due_at = first_due(reminder, await chat_zone(session, chat_id) or "UTC", now)
    session.add(reminder)
    await session.flush()
    return reminder


async def resume_all(session: AsyncSession, chat_id: int, now: datetime) -> list[Reminder]:
    """Switch on every paused reminder of the chat, each from its next occurrence (what fell
    due while paused stays skipped, as when one is resumed in /reminders); those switched on."""
    zone_name = await chat_zone(session, chat_id) or "UTC"
    resumed = [r for r in await list_reminders(session, chat_id) if not r.active]
    for reminder in resumed:
        reminder.active = True
        reminder.next_due_at = first_due(reminder, zone_name, now)
    return resumed
