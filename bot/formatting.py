"""Numbers, dates, counts and time-zone names as each language writes them, by Babel (CLDR).

A text in content/ says what to write; ``Content.text`` writes each value filled into it the
way the person's language does, by the value's type:

* a float: a decimal with at most two places, "5.2" and «5,2», "1,234.5" and «1 234,5»;
* a date: a short day, "Tue 1 Dec" and «вт, 1 дек.» (``LongDay`` for "Tue 1 December",
  ``Day`` for "1 Dec");
* a ``Zone``: the zone's city in the language, "Moscow" and «Москва»;
* a ``Count``: the form of a counted phrase that the number takes in the language, from a
  table of CLDR plural forms in content/ ("1 day", "2 days"; «1 день», «2 дня», «5 дней»);
* anything else (strings, whole numbers, ranges such as 6-8 km) as ``str`` writes it.

Which CLDR locale a language is written in is content too (``ui.format.locale``: British
English, say). The price: every value must be passed as what it is, a float or a date, not as
a string made beforehand, or it is written as the string says.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from babel import Locale
from babel.dates import format_skeleton, get_timezone_location
from babel.numbers import format_decimal

LOCALE_KEY = "ui.format.locale"
PLURAL_FORMS = ("zero", "one", "two", "few", "many", "other")
_DECIMAL = "#,##0.##"


@dataclass(frozen=True)
class Zone:
    """An IANA time zone ("Europe/Moscow"), written as its city in the person's language."""

    name: str


@dataclass(frozen=True)
class Day:
    """A day without its weekday: "4 Dec", «4 дек.»."""

    day: date


@dataclass(frozen=True)
class LongDay:
    """A day with its month written out: "Tue 1 December", «вт, 1 декабря»."""

    day: date


@dataclass(frozen=True)
class Count:
    """``number`` of something: the text at ``key`` has a form for each CLDR plural category
    of the language ("one", "few", "many", "other"...), each with {n}."""

    number: int | float
    key: str
    # What {n} shows, when not the number itself: a range such as 2-3, counted by its end.
    shown: object = None


@lru_cache(maxsize=16)
def locale(code: str) -> Locale:
    return Locale.parse(code)


def decimal(value: float, where: Locale) -> str:
    return format_decimal(round(value, 2), _DECIMAL, locale=where)


def written(value: object, where: Locale, plural: Callable[[Count], str]) -> str:
    """One value as the language writes it (see the module's docstring)."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return decimal(value, where)
    if isinstance(value, Count):
        return plural(value)
    if isinstance(value, Day):
        return format_skeleton("MMMd", value.day, locale=where)
    if isinstance(value, LongDay):
        return format_skeleton("MMMMEd", value.day, locale=where)
    if isinstance(value, date) and not isinstance(value, datetime):
        return format_skeleton("MMMEd", value, locale=where)
    if isinstance(value, Zone):
        return zone_city(value.name, where)
    return str(value)


def zone_city(name: str, where: Locale) -> str:
    """The zone's city ("Moscow", «Москва»); a zone with none, such as UTC, as it is named."""
    if "/" not in name:
        return name
    try:
        return get_timezone_location(name, locale=where, return_city=True)
    except LookupError:
        return name


def weekday_and_day(day: date, where: Locale) -> str:
    """The shortest label of a day in a week: "Thu 4", «чт, 4»."""
    return format_skeleton("Ed", day, locale=where)


def plural_form(number: int | float, where: Locale) -> str:
    return where.plural_form(number)


class WrittenValues(Mapping[str, str]):
    """``values`` as ``str.format_map`` reads them: each written when it is used."""

    def __init__(self, values: Mapping[str, object], where: Locale,
                 plural: Callable[[Count], str]) -> None:
        self._values, self._where, self._plural = values, where, plural

    def __getitem__(self, key: str) -> str:
        return written(self._values[key], self._where, self._plural)

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)
