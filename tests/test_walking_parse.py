"""Reading walks as people type them, and a day's total against the goal: no Telegram here."""

from __future__ import annotations

from datetime import date

import pytest

from bot import walking
from bot.content import Range, load_content
from bot.formatting import decimal, locale
from bot.walking import Entry, GoalStatus, Walk, WalkInputError, parse_walk

UNITS = walking.unit_words(load_content(), "en")
GOAL = Range(6, 8)


@pytest.mark.parametrize(("typed", "expected"), [
    ("5.2", Walk(5.2)),
    ("5,2", Walk(5.2)),
    (" 5.2 km ", Walk(5.2)),
    ("5.2km", Walk(5.2)),
    ("5.2 KM", Walk(5.2)),
    ("7 kilometres", Walk(7.0)),
    ("3 км", Walk(3.0)),
    ("+4", Walk(4.0)),
    (".5", Walk(0.5)),
    ("５.２", Walk(5.2)),  # full-width digits from a CJK keyboard
    ("6.666", Walk(6.67)),
    ("50", Walk(50.0)),
    # Minutes at 5 km/h: 12 minutes a kilometre.
    ("40 min", Walk(3.33, 40)),
    ("40min", Walk(3.33, 40)),
    ("60 minutes", Walk(5.0, 60)),
    ("1 h", Walk(5.0, 60)),
    ("1.5 hours", Walk(7.5, 90)),
    ("1h 20min", Walk(6.67, 80)),
    ("1 h, 20 min", Walk(6.67, 80)),
    ("1h20min", Walk(6.67, 80)),
    ("45 мин", Walk(3.75, 45)),
    ("600 min", Walk(50.0, 600)),
])
def test_walks_are_read(typed: str, expected: Walk) -> None:
    assert parse_walk(typed, UNITS) == expected


@pytest.mark.parametrize(("typed", "code"), [
    ("", "unclear"),
    ("   ", "unclear"),
    ("far", "unclear"),
    ("five", "unclear"),
    ("5.2 miles", "unclear"),
    ("500 m", "unclear"),  # metres or minutes? neither is guessed
    ("1e3", "unclear"),
    ("nan", "unclear"),
    ("inf", "unclear"),
    ("5 km 3 km", "unclear"),
    ("20 min 1 h", "unclear"),
    ("5 km 20 min", "unclear"),
    ("5..2", "unclear"),
    ("1" * 60, "unclear"),
    ("-3", "not_positive"),
    ("\u22123 km", "not_positive"),  # a real minus sign
    ("0", "not_positive"),
    ("0.001", "not_positive"),
    ("-20 min", "not_positive"),
    ("0.2 min", "not_positive"),
    ("300", "too_far"),
    ("300 km", "too_far"),
    ("50.01", "too_far"),
    ("601 min", "too_long"),
    ("11 h", "too_long"),
])
def test_nonsense_is_refused_with_a_reason(typed: str, code: str) -> None:
    with pytest.raises(WalkInputError) as caught:
        parse_walk(typed, UNITS)
    assert caught.value.code == code


def test_pace_is_the_stated_one() -> None:
    assert walking.PACE_KMH == 5.0
    assert walking.minutes_per_km() == 12
    assert walking.minutes_to_km(12) == 1.0


@pytest.mark.parametrize(("km", "english", "russian"), [
    (6.0, "6", "6"), (5.2, "5.2", "5,2"), (3.333, "3.33", "3,33"), (0.25, "0.25", "0,25"),
    (10.1, "10.1", "10,1"), (0.0, "0", "0"),
])
def test_kilometres_are_shown_without_trailing_zeros_as_each_language_writes_them(
    km: float, english: str, russian: str
) -> None:
    assert decimal(km, locale("en_GB")) == english
    assert decimal(km, locale("ru_RU")) == russian


@pytest.mark.parametrize(("total", "status"), [
    (0.0, GoalStatus.NONE),
    (5.99, GoalStatus.BELOW),
    (6.0, GoalStatus.REACHED),
    (3.33 + 2.67, GoalStatus.REACHED),  # float sums that are 6 to the eye reach the goal
    (8.0, GoalStatus.REACHED),
    (8.01, GoalStatus.BEYOND),
])
def test_goal_status(total: float, status: GoalStatus) -> None:
    assert walking.goal_status(total, GOAL) is status


def test_command_words_ignore_case() -> None:
    content = load_content()
    assert walking.is_word("UNDO", content.text_list("walking.words.undo", "en"))
    assert walking.is_word("Fix", content.text_list("walking.words.fix", "en"))
    assert not walking.is_word("5.2", content.text_list("walking.words.undo", "en"))


# --- a day with the walk, and bare numbers that may be minutes ----------------------------------

WORDS = {lang: walking.walk_words(load_content(), lang) for lang in ("en", "ru")}
_OLD_FORMS = [
    ("5.2", Walk(5.2)), ("5,2 km", Walk(5.2)), ("40 min", Walk(3.33, 40)),
    ("1h 20min", Walk(6.67, 80)), ("45 мин", Walk(3.75, 45)), ("50", Walk(50.0)),
    ("20", Walk(20.0)),  # still kilometres, with the hint about minutes (handlers/walking.py)
]


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize(("typed", "expected"), _OLD_FORMS)
def test_old_forms_read_the_same_for_today(lang: str, typed: str, expected: Walk) -> None:
    assert walking.parse_entry(typed, WORDS[lang]) == Entry(expected, 0)
    assert parse_walk(typed, walking.unit_words(load_content(), lang)) == expected


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize(("typed", "expected"), [
    ("5 yesterday", Walk(5.0)),
    ("yesterday 5", Walk(5.0)),
    ("Yesterday, 5.2 km.", Walk(5.2)),
    ("5 km, yesterday", Walk(5.0)),
    ("30 min yesterday", Walk(2.5, 30)),
    ("yesterday: 1h 20min", Walk(6.67, 80)),
    ("5 вчера", Walk(5.0)),
    ("вчера 5 км", Walk(5.0)),
    ("Вчера 5,2", Walk(5.2)),
    ("40 мин вчера", Walk(3.33, 40)),
    ("вчера 1 час 20 минут", Walk(6.67, 80)),
])
def test_yesterday_before_or_after_the_walk(lang: str, typed: str, expected: Walk) -> None:
    assert walking.parse_entry(typed, WORDS[lang]) == Entry(expected, 1)


@pytest.mark.parametrize(("lang", "typed"), [("en", "5 today"), ("ru", "сегодня 5 км")])
def test_today_may_be_said_too(lang: str, typed: str) -> None:
    assert walking.parse_entry(typed, WORDS[lang]) == Entry(Walk(5.0), 0)


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize(("typed", "code", "days_ago"), [
    ("2 days ago", "too_early", 0),
    ("5 km 2 days ago", "too_early", 0),
    ("the day before yesterday 5", "too_early", 0),
    ("позавчера 5", "too_early", 0),
    ("5 км 3 дня назад", "too_early", 0),
    ("yesterday", "no_distance", 1),
    ("Вчера.", "no_distance", 1),
    ("yesterday5", "unclear", 0),  # the day word must stand apart
    ("5yesterday", "unclear", 0),
    ("вчерашние 5", "unclear", 0),
    ("5 yesterday yesterday", "unclear", 1),
    ("5 yesterday km", "unclear", 0),
    ("-3 yesterday", "not_positive", 1),
    ("300 km yesterday", "too_far", 1),
    ("700 min вчера", "too_long", 1),
])
def test_days_and_what_is_refused(lang: str, typed: str, code: str, days_ago: int) -> None:
    with pytest.raises(WalkInputError) as caught:
        walking.parse_entry(typed, WORDS[lang])
    assert (caught.value.code, caught.value.days_ago) == (code, days_ago)


@pytest.mark.parametrize(("typed", "minutes", "days_ago"), [
    ("60", 60, 0), ("+90", 90, 0), ("51", 51, 0), ("600", 600, 0), ("60.0", 60, 0),
    ("60 yesterday", 60, 1), ("вчера 90", 90, 1),
    # Only a bare whole number up to the minutes limit is worth the question.
    ("60 km", None, 0), ("60.5", None, 0), ("601", None, 0), ("300 км", None, 0),
])
def test_a_bare_number_too_big_for_km_may_be_minutes(
    typed: str, minutes: int | None, days_ago: int
) -> None:
    with pytest.raises(WalkInputError) as caught:
        walking.parse_entry(typed, WORDS["en"])
    assert caught.value.code == "too_far"
    assert (caught.value.minutes, caught.value.days_ago) == (minutes, days_ago)
    if minutes is not None:  # what the button then logs: minutes at the usual pace
        assert walking.minutes_walk(minutes) == parse_walk(f"{minutes} min", UNITS)


def test_only_today_and_yesterday_are_loggable() -> None:
    today = date(2026, 3, 1)
    assert walking.days_before(today, 1) == date(2026, 2, 28)
    assert walking.loggable(today, today) and walking.loggable(date(2026, 2, 28), today)
    assert not walking.loggable(date(2026, 2, 27), today)
    assert not walking.loggable(date(2026, 3, 2), today)
