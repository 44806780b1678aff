"""What a chat has already done on the day a reminder falls on: its walks and its workouts.

A reminder that knows the day fits it. A workout reminder is not sent on a day whose workout
is done: a second "time for your exercises" after the work reads as nagging, and /workout is
there for anyone who wants more. A walking reminder says what is left of the day's goal, or
congratulates once the goal is met. "The day" is the reminder's local date in the chat's time
zone, the same date a walk is logged under (``bot.walking``). A workout counts once it was
completed; one stopped part-way does not, so its reminder still comes.

The price: two queries per batch of due reminders that holds a walk or a workout (desk breaks
need neither), bounded by the batch, whatever the number of stored walks and workouts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import timing
from bot.models import WalkLog, WorkoutSession
from bot.workout import Status

# Completed workouts further back than this cannot fall on a reminder's local day.
_LOOK_BACK = timedelta(days=2)


@dataclass(frozen=True)
class DaySoFar:
    walked_km: float = 0.0
    worked_out: bool = False  # a workout completed on that day


@dataclass(frozen=True)
class Asked:
    """One chat's day to look at: the local date of ``at`` in ``zone``."""

    chat_id: int
    zone: str
    at: datetime

    @cached_property
    def day(self) -> date:
        return timing.local_date(self.at, self.zone)


async def days_so_far(session: AsyncSession, asked: Iterable[Asked]) -> dict[Asked, DaySoFar]:
    """Each asked chat's walks and completed workouts on its day."""
    asked = list(asked)
    if not asked:
        return {}
    zones = {item.chat_id: item.zone for item in asked}  # a chat's reminders share its zone
    walked = await session.execute(
        select(WalkLog.chat_id, WalkLog.local_date, func.sum(WalkLog.km))
        .where(WalkLog.chat_id.in_(zones), WalkLog.local_date.in_({i.day for i in asked}))
        .group_by(WalkLog.chat_id, WalkLog.local_date))
    km = {(chat_id, day): float(total) for chat_id, day, total in walked}
    since = min(item.at for item in asked) - _LOOK_BACK
    finished = await session.execute(
        select(WorkoutSession.chat_id, WorkoutSession.finished_at)
        .where(WorkoutSession.chat_id.in_(zones),
               WorkoutSession.status == Status.FINISHED.value,
               WorkoutSession.finished_at >= since))
    worked_out = {(chat_id, timing.local_date(at, zones[chat_id]))
                  for chat_id, at in finished if at is not None}
    return {item: DaySoFar(round(km.get((item.chat_id, item.day), 0.0), 2),
                           (item.chat_id, item.day) in worked_out)
            for item in asked}
