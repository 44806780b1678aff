"""Pure time logic for reminders: parsing what people type, time zones, next due instants.

Nothing here touches Telegram, the database or the event loop, so every rule can be tested
with plain values. All instants returned are aware UTC datetimes (what the database stores).

Errors are :class:`TimingError` with a machine-readable ``code``; the UI maps the code to a
localized message and never shows ``str(error)``:

``bad_time`` · ``bad_days`` · ``unknown_zone`` · ``ambiguous_zone`` (pick one of
``error.candidates``) · ``bad_offset`` · ``bad_interval`` · ``bad_window`` ·
``naive_datetime`` (a programming error: every instant passed in must be aware).

Daylight saving, for a reminder at local time T on a given day:

* T happens once: fire then.
* T happens twice (autumn fall-back): fire once, at the first occurrence (fold=0).
* T does not exist (spring-forward gap): fire at the end of the gap, the first instant at which
  the local clock reads T or later (02:30 in Berlin on the last Sunday of March fires at 03:00
  CEST). Unlike RFC 5545's "shift by the gap length" (which would give 03:30), this keeps a
  day's reminders in the order of their wall times and makes them as little late as possible.
"""

# Russian words are deliberate here, not Latin look-alikes.
# ruff: noqa: RUF001, RUF002

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

EVERY_DAY = 0b1111111
WEEKDAYS_ONLY = 0b0011111
WEEKENDS = 0b1100000
DAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DESK_BREAK_MIN_MINUTES = 30
DESK_BREAK_MAX_MINUTES = 120

# Anything longer is not a time, a day list or a place name; refusing early keeps the regexes
# and the zone search cheap on pasted paragraphs.
_MAX_INPUT = 80


class TimingError(ValueError):
    """Input or arguments the time logic cannot accept; ``code`` says which kind."""

    def __init__(self, code: str, detail: str = "", candidates: tuple[str, ...] = ()) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.candidates = candidates


@dataclass(frozen=True, order=True)
class LocalTime:
    """A wall-clock time of day, without date or zone."""

    hour: int
    minute: int

    def __post_init__(self) -> None:
        if not (0 <= self.hour <= 23 and 0 <= self.minute <= 59):
            raise TimingError("bad_time", f"{self.hour}:{self.minute} is not a time of day")

    def __str__(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d}"

    @property
    def minutes(self) -> int:
        """Minutes since local midnight."""
        return self.hour * 60 + self.minute


def _clean(text: str) -> str:
    # NFKC turns full-width digits and colons (common on CJK keyboards) into ASCII ones.
    text = unicodedata.normalize("NFKC", text).casefold().strip()
    return re.sub(r"\s+", " ", text.translate(str.maketrans("\u2013\u2014\u2212", "---")))


# ---------------------------------------------------------------- times of day

_MERIDIEM = r"(?:\s*(?P<mer>[ap]\.?\s?m?\.?|утра|ночи|дня|вечера))?"
# Minutes always have two digits: "7:5" could mean 7:05 or 7:50, so it is refused.
_CLOCK = re.compile(
    r"(?P<h>[0-9]{1,2})(?:(?:\s*[:.hч]\s*|\s)(?P<m>[0-9]{2}))?(?:\s*(?:h|ч\.?))?" + _MERIDIEM
)
_COMPACT = re.compile(r"(?P<h>[0-9]{1,2})(?P<m>[0-9]{2})" + _MERIDIEM)  # "730", "1930"
_WORDS = {"noon": LocalTime(12, 0), "полдень": LocalTime(12, 0), "midnight": LocalTime(0, 0)}


def parse_time(text: str) -> LocalTime:
    """Read a time of day: "7:30", "07.30", "730", "19", "19h", "19 ч", "7pm", "7:30 p.m.",
    "12am" (00:00), "12pm" (12:00), "7 вечера", "noon". Raises TimingError("bad_time")."""
    cleaned = re.sub(r"^(?:at|во|в|@)\s*", "", _clean(text)) if len(text) <= _MAX_INPUT else ""
    if cleaned in _WORDS:
        return _WORDS[cleaned]
    match = _CLOCK.fullmatch(cleaned) or _COMPACT.fullmatch(cleaned)
    if match is None:
        raise TimingError("bad_time", f"cannot read {text!r} as a time")
    hour, minute = int(match["h"]), int(match["m"] or 0)
    if match["mer"]:
        # 12-hour clock: only 1..12 exist, and 12 means the start of that half of the day.
        if not 1 <= hour <= 12:
            raise TimingError("bad_time", f"{hour} is not an hour on a 12-hour clock")
        hour %= 12
        if match["mer"][0] in "pдв":
            hour += 12
    return LocalTime(hour, minute)


# ---------------------------------------------------------------- days of the week

_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RU_SHORT = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")
# Russian day names inflect ("среда", "среду", "по средам"), so match on stems.
_RU_STEMS = ("понед", "вторн", "сред", "четв", "пятн", "субб", "воскр")
_PHRASES = {
    "every day": "daily", "each day": "daily", "all days": "daily", "all week": "daily",
    "work days": "weekdays", "working days": "weekdays", "business days": "weekdays",
    "каждый день": "daily", "все дни": "daily", "рабочие дни": "weekdays",
    "по будням": "weekdays", "по выходным": "weekends",
}
_KEYWORDS = {
    "daily": EVERY_DAY, "everyday": EVERY_DAY, "all": EVERY_DAY, "ежедневно": EVERY_DAY,
    "weekdays": WEEKDAYS_ONLY, "weekday": WEEKDAYS_ONLY, "workdays": WEEKDAYS_ONLY,
    "будни": WEEKDAYS_ONLY, "weekends": WEEKENDS, "weekend": WEEKENDS, "выходные": WEEKENDS,
}
_FILLERS = {"on", "every", "each", "from", "the", "с", "со", "в", "во", "каждый", "каждую"}


def _day(token: str) -> int | None:
    token = token.rstrip(".")
    if token in _RU_SHORT:
        return _RU_SHORT.index(token)
    for index, stem in enumerate(_RU_STEMS):
        if token.startswith(stem):
            return index
    if token == "weds":
        return 2
    # Any prefix of two letters or more is unique in English ("tu", "th", "sa", "su");
    # a trailing "s" is a plural ("mondays", "mons").
    for candidate in (token, token[:-1] if token.endswith("s") else ""):
        hits = [i for i, name in enumerate(_DAY_NAMES) if name.startswith(candidate)]
        if len(candidate) >= 2 and len(hits) == 1:
            return hits[0]
    return None


def _span(first: int, last: int) -> int:
    # "fri-mon" wraps through the weekend: fri, sat, sun, mon.
    return sum(1 << (first + step) % 7 for step in range((last - first) % 7 + 1))


def parse_days(text: str) -> int:
    """Read chosen days as a mask (Monday = bit 0 … Sunday = bit 6): "daily", "every day",
    "weekdays", "weekends", "mon wed fri", "Mon, Wed & Fri", "mon-fri", "fri to mon",
    "пн ср пт", "с пн по пт", "по будням". Raises TimingError("bad_days")."""
    cleaned = _clean(text) if len(text) <= _MAX_INPUT else ""
    for phrase, keyword in _PHRASES.items():
        cleaned = re.sub(rf"(?<!\w){phrase}(?!\w)", keyword, cleaned)
    cleaned = re.sub(r"\s+(?:to|through|thru|till|until|по|до)\s+", "-", cleaned)
    cleaned = re.sub(r"\s*-\s*", "-", cleaned)
    cleaned = re.sub(r"[,;/&+]|(?<!\w)(?:and|и)(?!\w)", " ", cleaned)
    mask = 0
    for token in cleaned.split():
        if token in _KEYWORDS:
            mask |= _KEYWORDS[token]
        elif token.count("-") == 1:
            first, last = (_day(part) for part in token.split("-"))
            if first is None or last is None:
                raise TimingError("bad_days", f"cannot read the range {token!r}")
            mask |= _span(first, last)
        elif (day := _day(token)) is not None:
            mask |= 1 << day
        elif token not in _FILLERS:
            raise TimingError("bad_days", f"cannot read {token!r} as a day")
    if not mask:
        raise TimingError("bad_days", f"no days in {text!r}")
    return mask


def _check_mask(weekdays: int) -> None:
    if not 0 < weekdays <= EVERY_DAY:
        raise TimingError("bad_days", f"weekday mask {weekdays!r} is out of range")


def days_label(mask: int) -> tuple[str, ...]:
    """Codes for the UI to localize: ("every_day",), ("weekdays",), ("weekends",), or the
    chosen days in week order from DAY_CODES, e.g. ("mon", "wed", "fri")."""
    _check_mask(mask)
    shortcuts = {EVERY_DAY: "every_day", WEEKDAYS_ONLY: "weekdays", WEEKENDS: "weekends"}
    if mask in shortcuts:
        return (shortcuts[mask],)
    return tuple(code for index, code in enumerate(DAY_CODES) if mask >> index & 1)


# ---------------------------------------------------------------- time zones

_REGIONS = {"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia",
            "Europe", "Indian", "Pacific"}
# Keys that are not places: "localtime" is whatever the server runs in.
_NOT_ZONES = {"localtime", "Factory", "posixrules"}
# Names people use that are not the last part of an IANA key. A name listed under several
# zones is ambiguous (IST is India, Israel and Ireland). Abbreviations are here rather than
# going to the IANA keys "EST"/"MST", which are fixed offsets without the summer time people
# mean by them.
_ALIASES = {
    "America/New_York": "est|edt|et|eastern|nyc|new york city|washington|boston|нью-йорк",
    "America/Chicago": "cst|cdt|central|houston|dallas|чикаго", "America/Phoenix": "mst",
    "America/Denver": "mst|mdt|mountain", "America/Anchorage": "akst|akdt",
    "America/Los_Angeles": "pst|pdt|pt|pacific|san francisco|seattle|лос-анджелес",
    "America/Sao_Paulo": "rio|rio de janeiro", "America/Toronto": "montreal|ottawa|торонто",
    "Pacific/Honolulu": "hst|hawaii", "Asia/Shanghai": "cst|beijing|пекин",
    "Asia/Kolkata": "ist|india|mumbai|delhi|new delhi|bangalore|bengaluru|дели",
    "Asia/Jerusalem": "ist|tel aviv|израиль", "Europe/Dublin": "ist", "Asia/Dhaka": "bst",
    "Europe/London": "bst|лондон", "Europe/Lisbon": "wet|west|лиссабон",
    "Europe/Berlin": "cet|cest|munich|frankfurt|hamburg|берлин|мюнхен",
    "Europe/Paris": "париж", "Europe/Madrid": "barcelona|мадрид|барселона",
    "Europe/Rome": "milan|рим|милан", "Europe/Warsaw": "варшава", "Europe/Prague": "прага",
    "Europe/Athens": "eet|eest|афины", "Europe/Istanbul": "стамбул",
    "Europe/Moscow": "msk|москва|saint petersburg|st petersburg|санкт-петербург|петербург|спб|"
                     "питер|казань|нижний новгород",
    "Europe/Kyiv": "киев|київ|kiev", "Europe/Minsk": "минск", "Europe/Riga": "рига",
    "Europe/Vilnius": "вильнюс", "Europe/Tallinn": "таллин", "Europe/Samara": "самара",
    "Europe/Kaliningrad": "калининград", "Asia/Yekaterinburg": "екатеринбург",
    "Asia/Novosibirsk": "новосибирск", "Asia/Vladivostok": "владивосток",
    "Asia/Almaty": "алматы", "Asia/Tashkent": "ташкент", "Asia/Tbilisi": "тбилиси",
    "Asia/Yerevan": "ереван", "Asia/Baku": "баку", "Asia/Tokyo": "jst|osaka|токио",
    "Asia/Seoul": "kst", "Asia/Dubai": "дубай", "Australia/Sydney": "aest|aedt",
    "Australia/Brisbane": "aest", "Australia/Perth": "awst",
    "Pacific/Auckland": "nzst|nzdt|wellington",
}
# Offsets that are not whole hours have no Etc/ zone, so they map to a place that keeps that
# offset all year; ZoneInfo can load every name parse_time_zone returns.
_FIXED_ODD = {
    "+03:30": "Asia/Tehran", "+04:30": "Asia/Kabul", "+05:30": "Asia/Kolkata",
    "+05:45": "Asia/Kathmandu", "+06:30": "Asia/Yangon", "+08:45": "Australia/Eucla",
    "+09:30": "Australia/Darwin", "-09:30": "Pacific/Marquesas",
}
# These offsets exist only as one season of a zone with summer time: offer those zones.
_SEASONAL_ODD = {
    "-03:30": ("America/St_Johns",), "-02:30": ("America/St_Johns",),
    "+10:30": ("Australia/Adelaide", "Australia/Lord_Howe"),
    "+12:45": ("Pacific/Chatham",), "+13:45": ("Pacific/Chatham",),
}
_UTC_NAMES = {"utc", "gmt", "z", "zulu", "uct", "universal", "greenwich", "etc/utc", "etc/gmt"}
_OFFSET = re.compile(r"(?:utc|gmt)?\s*(?P<sign>[+-])\s*(?P<h>[0-9]{1,2})(?::?(?P<m>[0-9]{2}))?")
_MAX_CANDIDATES = 8


def _fold(text: str) -> str:
    # "São Paulo", "sao_paulo" and "Sao Paulo" all become "saopaulo".
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if char.isalnum())


@cache
def _index() -> tuple[dict[str, str], dict[str, frozenset[str]]]:
    keys = available_timezones() - _NOT_ZONES
    names: defaultdict[str, set[str]] = defaultdict(set)
    for key in keys:
        if key.split("/")[0] in _REGIONS and "/" in key:
            names[_fold(key.rsplit("/", 1)[1])].add(key)
    for key, aliases in _ALIASES.items():
        for alias in aliases.split("|") if key in keys else ():  # an old tz database
            names[_fold(alias)].add(key)
    return {key.casefold(): key for key in keys}, {k: frozenset(v) for k, v in names.items()}


def _pick(keys: frozenset[str], text: str, *, same_place: bool) -> str:
    # Old names linked to one zone ("America/Buenos_Aires", "America/Argentina/Buenos_Aires",
    # or "Europe/Kiev" and "Europe/Kyiv") are no real choice: group keys by their offsets over
    # the next two years and only ask when groups differ. A prefix match (same_place=False)
    # also keeps different cities apart, so "port" lists Port of Spain even though it keeps
    # the same time as Porto Velho.
    year = datetime.now(UTC).year
    samples = [datetime(y, m, 1, 12, tzinfo=UTC) for y in (year, year + 1) for m in range(1, 13)]
    groups: defaultdict[tuple[object, ...], list[str]] = defaultdict(list)
    for key in keys:
        city = "" if same_place else _fold(key.rsplit("/", 1)[-1])
        groups[(city, *(ZoneInfo(key).utcoffset(s) for s in samples))].append(key)
    # The deepest name is the current one ("America/Argentina/..."), older links are shorter.
    picks = sorted(max(group, key=lambda k: (k.count("/"), k)) for group in groups.values())
    if len(picks) > 1:
        raise TimingError("ambiguous_zone", f"{text!r} matches several zones",
                          tuple(picks[:_MAX_CANDIDATES]))
    return picks[0]


def _offset_zone(sign: str, hours: int, minutes: int) -> str:
    if minutes not in (0, 15, 30, 45) or hours * 60 + minutes > (14 if sign == "+" else 12) * 60:
        raise TimingError("bad_offset", f"UTC{sign}{hours:02d}:{minutes:02d} is not in use")
    if minutes == 0:
        # POSIX inverts the sign in Etc names: Etc/GMT-3 is three hours ahead of UTC.
        return "UTC" if hours == 0 else f"Etc/GMT{'-' if sign == '+' else '+'}{hours}"
    key = f"{sign}{hours:02d}:{minutes:02d}"
    if key in _FIXED_ODD:
        return _FIXED_ODD[key]
    if key in _SEASONAL_ODD:
        raise TimingError("ambiguous_zone", f"UTC{key} is a summer-time offset",
                          _SEASONAL_ODD[key])
    raise TimingError("bad_offset", f"no zone uses UTC{key}")


def parse_time_zone(text: str) -> str:
    """Turn what a person types into a name ZoneInfo (and :func:`zone`) can load.

    Accepts IANA names in any case ("europe/berlin"), cities as the last part of IANA names
    ignoring case, spaces, underscores and accents ("new york", "São Paulo") plus a few common
    aliases and abbreviations ("Mumbai", "Москва", "CET"), a unique prefix of three letters or
    more ("berl"), a city under the wrong region ("Asia/Moscow"), "UTC"/"GMT", and offsets
    ("+3", "UTC+05:30", "-04:00", "GMT-4"). Whole-hour offsets become "Etc/GMT∓N" (sign
    inverted, as POSIX has it); others a place that keeps that offset all year.
    """
    cleaned = _clean(text) if len(text) <= _MAX_INPUT else ""
    if cleaned in _UTC_NAMES:
        return "UTC"
    if match := _OFFSET.fullmatch(cleaned):
        return _offset_zone(match["sign"], int(match["h"]), int(match["m"] or 0))
    exact, names = _index()
    if "/" in cleaned and cleaned in exact:
        return exact[cleaned]
    # Place names and aliases come before bare legacy keys so that "EST" means New York's
    # time with its summers, not the IANA key "EST"; "Japan" or "PRC" still match below.
    folded = _fold(cleaned.rsplit("/", 1)[-1])
    if folded in names:
        return _pick(names[folded], text, same_place=True)
    if cleaned in exact:
        return exact[cleaned]
    if len(folded) >= 3:
        found = frozenset(key for name, keys in names.items() if name.startswith(folded)
                          for key in keys)
        if found:
            return _pick(found, text, same_place=False)
    raise TimingError("unknown_zone", f"no time zone matches {text!r}")


def zone(name: str) -> tzinfo:
    """Load a zone name as returned by :func:`parse_time_zone` (and stored per chat)."""
    if name in _NOT_ZONES:
        raise TimingError("unknown_zone", f"{name!r} is not a place's time zone")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:  # ValueError: malformed key
        raise TimingError("unknown_zone", f"cannot load time zone {name!r}") from error


# ---------------------------------------------------------------- due instants


def _check_aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise TimingError("naive_datetime", f"{what} must be timezone-aware")


def _instant(day: date, at: LocalTime, tz: tzinfo) -> datetime:
    """The UTC instant of wall time `at` on `day`, by the DST rules in the module docstring."""
    wall = datetime(day.year, day.month, day.day, at.hour, at.minute)
    first = wall.replace(tzinfo=tz).astimezone(UTC)  # fold=0: the earlier of two occurrences
    if first.astimezone(tz).replace(tzinfo=None) == wall:
        return first
    # In a gap, fold=1 lands before the transition and fold=0 after it. Search the seconds
    # between for the first instant whose wall clock has passed `wall`, which is the transition
    # itself; this works for gaps of any length (30 minutes on Lord Howe Island).
    low = int(wall.replace(tzinfo=tz, fold=1).astimezone(UTC).timestamp())
    high = int(first.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, tz).replace(tzinfo=None) >= wall:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def _first_after(times: list[LocalTime], weekdays: int, zone_name: str,
                 after: datetime) -> datetime:
    _check_aware(after, "after")
    _check_mask(weekdays)
    tz = zone(zone_name)
    today = after.astimezone(tz).date()
    # Day -1 is checked too in case a gap pushes yesterday's time past midnight; day 7 is
    # today's weekday again, for a single allowed day that has already passed.
    for offset in range(-1, 8):
        day = today + timedelta(days=offset)
        if weekdays >> day.weekday() & 1:
            for at in times:  # in wall order, so instants are in order too
                instant = _instant(day, at, tz)
                if instant > after:
                    return instant
    raise AssertionError("unreachable: a non-empty mask has a day within a week")


def next_due(local_time: LocalTime, weekdays: int, zone_name: str, after: datetime) -> datetime:
    """The first instant strictly after `after` (aware, any zone) that is `local_time` on an
    allowed weekday in `zone_name`, as aware UTC."""
    return _first_after([local_time], weekdays, zone_name, after)


def desk_break_times(start: LocalTime, end: LocalTime, every_minutes: int, weekdays: int,
                     zone_name: str, after: datetime) -> datetime:
    """The next "stand up" reminder strictly after `after`, as aware UTC.

    On allowed days reminders fall at start + N, start + 2N, … minutes of local wall time,
    up to and including `end`: the first one comes after N minutes of sitting, none at the
    moment the window opens. The window stays within one day (start < end) and must hold at
    least one reminder. DST is handled like :func:`next_due`.
    """
    if not DESK_BREAK_MIN_MINUTES <= every_minutes <= DESK_BREAK_MAX_MINUTES:
        raise TimingError("bad_interval", f"every {every_minutes!r} minutes is out of range")
    if end.minutes - start.minutes < every_minutes:
        raise TimingError("bad_window", f"{start}-{end} holds no break every {every_minutes}")
    slots = range(start.minutes + every_minutes, end.minutes + 1, every_minutes)
    times = [LocalTime(*divmod(slot, 60)) for slot in slots]
    return _first_after(times, weekdays, zone_name, after)


def catch_up(due_at: datetime, now: datetime, *, grace: timedelta = timedelta(hours=1)) -> bool:
    """Whether a reminder that fell due at `due_at` should still be sent at `now`: only if it
    is due and less than `grace` late. False means skip it and schedule next_due(after=now);
    that is also the answer for one not yet due, so a caller's mistake never sends early."""
    _check_aware(due_at, "due_at")
    _check_aware(now, "now")
    return timedelta(0) <= now - due_at < grace


def local_date(at: datetime, zone_name: str) -> date:
    """The calendar date at instant `at` in the chat's zone (for the walking log)."""
    _check_aware(at, "at")
    return at.astimezone(zone(zone_name)).date()
