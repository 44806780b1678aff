"""The walking log: reading what people type as a walk, and keeping each day's walks.

The article's strongest advice is to walk 6-8 km every day, so a walk is logged on the chat's
local date (``bot.timing.local_date``), whatever the time in UTC. People may give a distance
("5.2", "5,2 km") or a duration ("40 min", "1 h 20 min"); a duration becomes kilometres at
:data:`PACE_KMH`, an easy walking pace, and the reply says so.

A walk can be logged for yesterday too ("5 yesterday", «вчера 5 км»; see :func:`parse_entry`),
never further back: a log kept from memory days later is more guess than record.

Parsing is pure (see :func:`parse_walk`); errors are :class:`WalkInputError` with a ``code``
that the UI turns into a friendly, localized reply.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import timing
from bot.chats import ensure_chat
from bot.content import Content, Range
from bot.models import Chat, WalkLog

# An easy pace for most adults (12 minutes per km); durations are converted at this pace.
PACE_KMH = 5.0
# One walk above these is a typo, not a walk: 50 km is ten hours at the pace above.
MAX_KM = 50.0
MAX_MINUTES = 600
# A bare number above this is more likely minutes than kilometres; the reply offers a fix.
# Above MAX_KM it cannot be kilometres at all, so nothing is logged until the person says
# it was minutes (see WalkInputError.minutes).
MINUTES_HINT_ABOVE_KM = 16.0
# Yesterday, at most: see the module's docstring.
MAX_DAYS_AGO = 1
# Anything longer is not a distance; refusing early keeps the parsing cheap on pastes.
_MAX_INPUT = 40
_ZONE_FALLBACK = "UTC"


class Unit(StrEnum):
    KM = "km"
    MINUTES = "min"
    HOURS = "h"


class WalkInputError(ValueError):
    """What was typed is not a walk; ``code`` is one of ``unclear``, ``not_positive``,
    ``too_far``, ``too_long``, ``too_early`` (a day before yesterday) or ``no_distance`` (a
    day and nothing else).

    ``minutes`` is set on ``too_far`` for a bare whole number that is a walk when read as
    minutes ("60"), so the UI can ask rather than refuse; ``days_ago`` is the day that was
    typed with it (see :func:`parse_entry`), for logging the answer on that day."""

    def __init__(self, code: str, *, minutes: int | None = None, days_ago: int = 0) -> None:
        super().__init__(code)
        self.code, self.minutes, self.days_ago = code, minutes, days_ago


@dataclass(frozen=True)
class Walk:
    """A walk as typed: ``km`` always, ``minutes`` when it was given as a duration."""

    km: float
    minutes: int | None = None


@dataclass(frozen=True)
class Entry:
    """A walk and its day: 0 days ago is today, 1 is yesterday."""

    walk: Walk
    days_ago: int = 0


@dataclass(frozen=True)
class Words:
    """What people may type besides numbers, from content (see :func:`walk_words`)."""

    units: Mapping[str, Unit]
    yesterday: frozenset[str] = frozenset()
    today: frozenset[str] = frozenset()
    earlier: tuple[str, ...] = ()  # days further back, refused: "2 days ago", «позавчера»


_PART = re.compile(r"([+-]?)(\d+(?:[.,]\d+)?|[.,]\d+)\s*([^\W\d_]*)\.?")


def _clean(text: str) -> str:
    # NFKC turns full-width digits into ASCII ones; the minus sign and dashes become "-".
    text = unicodedata.normalize("NFKC", text).casefold().strip()
    return text.translate(str.maketrans("\u2212\u2013\u2014", "---"))


def parse_entry(text: str, words: Words) -> Entry:
    """Read a walk with an optional day word before or after it: "5 yesterday", "yesterday
    40 min", «вчера 5 км», "5 today". Raises WalkInputError, with ``days_ago`` set."""
    cleaned = _clean(text)
    if not cleaned or len(cleaned) > _MAX_INPUT:
        raise WalkInputError("unclear")
    # Before the day words: "the day before yesterday" ends with one of them.
    if any(re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", cleaned) for phrase in words.earlier):
        raise WalkInputError("too_early")
    rest, days_ago = _split_day(cleaned, words)
    if not rest:
        raise WalkInputError("no_distance", days_ago=days_ago)  # "yesterday" alone
    try:
        return Entry(parse_walk(rest, words.units), days_ago)
    except WalkInputError as error:
        raise WalkInputError(error.code, minutes=error.minutes, days_ago=days_ago) from None


def _split_day(cleaned: str, words: Words) -> tuple[str, int]:
    """The text without its day word (first or last, set apart by a space or a comma), and how
    many days ago that word means; the text as it is and 0 when it has none."""
    trimmed = cleaned.rstrip(".!")
    for days_ago, day_words in ((1, words.yesterday), (0, words.today)):
        for word in day_words:
            if trimmed == word:
                return "", days_ago
            if cleaned.startswith(word) and cleaned[len(word)] in " ,:":
                return cleaned[len(word):].lstrip(" ,:"), days_ago
            before = len(trimmed) - len(word) - 1
            if trimmed.endswith(word) and before >= 0 and trimmed[before] in " ,":
                return trimmed[:before + 1].rstrip(" ,"), days_ago
    return cleaned, 0


def parse_walk(text: str, units: Mapping[str, Unit]) -> Walk:
    """Read a walk: "5.2", "5,2 km", "40 min", "1.5 h", "1 h 20 min", "1h20m" (with the unit
    words in ``units``; a bare number is kilometres). Raises WalkInputError."""
    cleaned = _clean(text)
    if not cleaned or len(cleaned) > _MAX_INPUT:
        raise WalkInputError("unclear")
    parts: list[tuple[float, Unit]] = []
    position, bare = 0, False
    while position < len(cleaned):
        match = _PART.match(cleaned, position)
        if match is None:
            raise WalkInputError("unclear")
        sign, number, word = match.groups()
        unit = units.get(word) if word else Unit.KM
        if unit is None:
            raise WalkInputError("unclear")
        value = float(number.replace(",", "."))
        parts.append((-value if sign == "-" else value, unit))
        bare = not word
        position = match.end()
        while position < len(cleaned) and cleaned[position] in " ,":
            position += 1
    return _walk_from(parts, bare=len(parts) == 1 and bare)


def _walk_from(parts: list[tuple[float, Unit]], *, bare: bool = False) -> Walk:
    """The walk in ``parts``; ``bare`` when it is one number typed without a unit."""
    kinds = [unit for _, unit in parts]
    if any(value <= 0 for value, _ in parts):
        raise WalkInputError("not_positive")
    if kinds == [Unit.KM]:
        km = round(parts[0][0], 2)
        if km <= 0:
            raise WalkInputError("not_positive")
        if km > MAX_KM:
            # "60" alone is 60 minutes more likely than a 60 km walk: worth asking.
            value = parts[0][0]
            maybe = bare and value.is_integer() and value <= MAX_MINUTES
            raise WalkInputError("too_far", minutes=int(value) if maybe else None)
        return Walk(km)
    # A duration: hours, minutes, or hours then minutes, each at most once.
    if kinds not in ([Unit.HOURS], [Unit.MINUTES], [Unit.HOURS, Unit.MINUTES]):
        raise WalkInputError("unclear")
    minutes = round(sum(value * (60 if unit is Unit.HOURS else 1) for value, unit in parts))
    if minutes <= 0:
        raise WalkInputError("not_positive")
    if minutes > MAX_MINUTES:
        raise WalkInputError("too_long")
    return Walk(minutes_to_km(minutes), minutes)


def minutes_walk(minutes: int) -> Walk:
    """A walk of ``minutes``, as if typed "{minutes} min"; WalkInputError when it is none."""
    return _walk_from([(float(minutes), Unit.MINUTES)])


def minutes_to_km(minutes: int) -> float:
    return round(minutes * PACE_KMH / 60, 2)


def minutes_per_km() -> int:
    return round(60 / PACE_KMH)


def unit_words(content: Content, lang: str) -> dict[str, Unit]:
    """The words people may type after a number, from content (walking.units.*)."""
    words: dict[str, Unit] = {}
    for unit in Unit:
        for word in content.text_list(f"walking.units.{unit.name.lower()}", lang):
            words[_clean(word)] = unit
    return words


def walk_words(content: Content, lang: str) -> Words:
    """Units and day words for :func:`parse_entry`, from content (walking.units.*, words.*)."""
    def cleaned(key: str) -> tuple[str, ...]:
        return tuple(_clean(word) for word in content.text_list(f"walking.words.{key}", lang))

    return Words(
        unit_words(content, lang), frozenset(cleaned("yesterday")), frozenset(cleaned("today")),
        cleaned("earlier"),
    )


def is_word(typed: str, words: Iterable[str]) -> bool:
    return _clean(typed) in {_clean(word) for word in words}


class GoalStatus(StrEnum):
    NONE = "none"  # nothing walked yet
    BELOW = "below"
    REACHED = "reached"  # within the goal range
    BEYOND = "beyond"  # past its upper end


def goal_status(total_km: float, goal: Range) -> GoalStatus:
    total = round(total_km, 2)  # sums of floats: 3.33 + 2.67 must reach 6
    if total <= 0:
        return GoalStatus.NONE
    if total < goal.low:
        return GoalStatus.BELOW
    return GoalStatus.REACHED if total <= goal.high else GoalStatus.BEYOND


# --- the log in the database ----------------------------------------------------------------


async def zone_name(session: AsyncSession, chat_id: int) -> str:
    """The chat's time zone, or UTC when it has none (or one this machine cannot load)."""
    chat = await session.get(Chat, chat_id)
    name = chat.time_zone if chat is not None else None
    if not name:
        return _ZONE_FALLBACK
    try:
        timing.zone(name)
    except timing.TimingError:
        return _ZONE_FALLBACK
    return name


async def zone_known(session: AsyncSession, chat_id: int) -> bool:
    """Whether the chat has a time zone of its own, rather than UTC by default."""
    chat = await session.get(Chat, chat_id)
    return bool(chat is not None and chat.time_zone)


async def today(session: AsyncSession, chat_id: int, now: datetime) -> date:
    return timing.local_date(now, await zone_name(session, chat_id))


def days_before(today_: date, days_ago: int) -> date:
    return today_ - timedelta(days=days_ago)


def loggable(day: date, today_: date) -> bool:
    """Whether a walk may be logged on ``day``: today or up to MAX_DAYS_AGO days before."""
    return days_before(today_, MAX_DAYS_AGO) <= day <= today_


async def add_walk(
    session: AsyncSession, chat_id: int, walk: Walk, now: datetime, *, day: date | None = None
) -> WalkLog:
    """Log a walk on ``day``, by default the chat's local date at ``now``."""
    await ensure_chat(session, chat_id)
    row = WalkLog(
        chat_id=chat_id, local_date=day or await today(session, chat_id, now), km=walk.km,
        minutes=walk.minutes, created_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def day_total(session: AsyncSession, chat_id: int, day: date) -> float:
    total = await session.scalar(
        select(func.coalesce(func.sum(WalkLog.km), 0.0)).where(
            WalkLog.chat_id == chat_id, WalkLog.local_date == day
        )
    )
    return round(float(total or 0.0), 2)


async def latest_walk(session: AsyncSession, chat_id: int) -> WalkLog | None:
    """The walk logged last (by when it was logged, not by its date)."""
    return await session.scalar(
        select(WalkLog).where(WalkLog.chat_id == chat_id)
        .order_by(WalkLog.created_at.desc(), WalkLog.id.desc()).limit(1)
    )


async def own_walk(session: AsyncSession, chat_id: int, walk_id: int) -> WalkLog | None:
    row = await session.get(WalkLog, walk_id)
    return row if row is not None and row.chat_id == chat_id else None


async def remove(session: AsyncSession, row: WalkLog) -> None:
    await session.delete(row)
    await session.flush()


def correct(row: WalkLog, walk: Walk) -> None:
    """Give a logged walk a new distance; it keeps its date."""
    row.km, row.minutes = walk.km, walk.minutes
