"""When "⏰ Later" on a walk or workout reminder may bring it back: in 15 minutes, in an hour,
or this evening. Pure: the bot's clock and the chat's zone in, instants out.

"This evening" is 19:00 local while that is more than an hour ahead (closer, it would be no
later than "in 1 h"); after that it is "in 3 h", as long as that still ends the day by 22:00
local, and after that there is no third choice: nobody wants a nudge to walk at midnight.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from bot import timing
from bot.timing import EVERY_DAY, LocalTime

EVENING = LocalTime(19, 0)
LATEST = LocalTime(22, 0)


class Later(StrEnum):
    """A choice under "⏰ Later"; the value goes into the button's data."""

    QUARTER = "15"
    HOUR = "60"
    EVENING = "eve"
    THREE_HOURS = "180"


_DELAYS = {Later.QUARTER: timedelta(minutes=15), Later.HOUR: timedelta(hours=1),
           Later.THREE_HOURS: timedelta(hours=3)}


def evening(now: datetime, zone_name: str, ahead: timedelta = _DELAYS[Later.HOUR]
            ) -> datetime | None:
    """Today's EVENING in the chat's zone, if it is more than ``ahead`` from now."""
    at = timing.next_due(EVENING, EVERY_DAY, zone_name, now)
    if timing.local_date(at, zone_name) != timing.local_date(now, zone_name):
        return None
    return at if at > now + ahead else None


def fits_the_day(at: datetime, now: datetime, zone_name: str) -> bool:
    """Whether ``at`` is still today, local, at LATEST or before."""
    local = at.astimezone(timing.zone(zone_name))
    return (timing.local_date(at, zone_name) == timing.local_date(now, zone_name)
            and LocalTime(local.hour, local.minute) <= LATEST)


def choices(now: datetime, zone_name: str) -> tuple[Later, ...]:
    """What to offer now: 15 minutes and an hour always, then this evening or in 3 hours."""
    if evening(now, zone_name) is not None:
        return (Later.QUARTER, Later.HOUR, Later.EVENING)
    if fits_the_day(now + _DELAYS[Later.THREE_HOURS], now, zone_name):
        return (Later.QUARTER, Later.HOUR, Later.THREE_HOURS)
    return (Later.QUARTER, Later.HOUR)


def again_at(choice: Later, now: datetime, zone_name: str) -> datetime | None:
    """When to remind again for a choice pressed now; None for "this evening" once it has come
    (the choices were shown earlier, and the clock has moved on)."""
    if choice is Later.EVENING:
        return evening(now, zone_name, ahead=timedelta(0))
    return now + _DELAYS[choice]
