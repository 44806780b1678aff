"""Desk breaks: "stand up and stretch for a minute", every N minutes within working hours.

The article asks people with a sedentary job "to get up more often and stretch your muscles
after being in one position for a long time". A desk break is a reminder like the others
(``bot.reminders``, kind ``desk_break``) whose time is the start of a window: it repeats every
``every_minutes`` (30 to 120) until ``window_end``, on the chosen days, at the chat's local time.
When the breaks fall is :func:`bot.timing.desk_break_times`: the first one ``every_minutes``
after the start, none at the start itself, the last at or before the end.

Everything here is pure: what people type, and which stretch a break suggests.
"""

# Russian words are deliberate here, not Latin look-alikes.
# ruff: noqa: RUF001

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from fractions import Fraction
from typing import TypeVar

from bot.timing import DESK_BREAK_MAX_MINUTES, DESK_BREAK_MIN_MINUTES, LocalTime, TimingError

T = TypeVar("T")

_MAX_INPUT = 40
_LEAD = re.compile(r"^(?:every|each|каждые|каждый|раз в)\s+")
_AMOUNT = re.compile(
    r"(?P<n>[0-9]{1,3}(?:[.,][0-9]{1,2})?)\s*"
    r"(?:(?P<min>m|mins?|minutes?|мин\.?|минут[аы]?)|(?P<hour>h|hrs?|hours?|ч\.?|час(?:а|ов)?))?"
)
_WORDS = {"half an hour": 30, "half hour": 30, "полчаса": 30, "an hour": 60, "hour": 60,
          "час": 60, "an hour and a half": 90, "полтора часа": 90}


def parse_minutes(text: str) -> int:
    """Read how often, in whole minutes: "45", "45 min", "every 45 minutes", "1h", "1.5 h",
    "1,5 ч", "90 минут", "каждые 40 мин", "half an hour", "полчаса". A bare number is minutes.
    Raises TimingError("bad_minutes"); the range is checked by :func:`check_every`."""
    cleaned = " ".join(text.casefold().split()) if len(text) <= _MAX_INPUT else ""
    cleaned = _LEAD.sub("", cleaned)
    if cleaned in _WORDS:
        return _WORDS[cleaned]
    match = _AMOUNT.fullmatch(cleaned)
    if match is None:
        raise TimingError("bad_minutes", f"cannot read {text!r} as minutes")
    amount = Fraction(match["n"].replace(",", ".")) * (60 if match["hour"] else 1)
    if amount.denominator != 1 or amount <= 0:
        raise TimingError("bad_minutes", f"{text!r} is not a whole number of minutes")
    return int(amount)


def longest_every(start: LocalTime, end: LocalTime) -> int:
    """The longest interval a window from `start` to `end` takes, so that it holds a break.

    Raises TimingError("bad_window") when the end is not at least the shortest interval after
    the start (an end before the start included: a window stays within one day)."""
    room = end.minutes - start.minutes
    if room < DESK_BREAK_MIN_MINUTES:
        raise TimingError("bad_window", f"{start}-{end} is too short for a break")
    return min(room, DESK_BREAK_MAX_MINUTES)


def check_every(every_minutes: int, start: LocalTime, end: LocalTime) -> None:
    """Raises TimingError("bad_interval") for an interval outside 30..longest_every()."""
    if not DESK_BREAK_MIN_MINUTES <= every_minutes <= longest_every(start, end):
        raise TimingError("bad_interval", f"every {every_minutes} minutes does not fit")


def late_grace(every_minutes: int) -> timedelta:
    """How late a desk break may still be sent (after the bot was down): half its interval,
    so that a late one never comes closer to the next one than to its own time."""
    return timedelta(minutes=every_minutes / 2)


def stretch_for(stretches: Sequence[T], due_at: datetime, every_minutes: int) -> T:
    """The stretch a break due at `due_at` suggests, taken in turn.

    The turn is the number of whole intervals since the Unix epoch: two breaks of the same
    day lie exactly `every_minutes` apart (unless the clocks change between them), so
    consecutive ones differ, with nothing stored. Over the night the turn jumps, so a day may
    start with either stretch."""
    turn = int(due_at.timestamp()) // 60 // every_minutes
    return stretches[turn % len(stretches)]
