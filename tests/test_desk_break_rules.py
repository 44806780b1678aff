"""The pure rules of desk breaks: how often people may ask for them, the window they fit in,
how late one may still come, which stretch each suggests, and how a stored one moves on."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise

import pytest

from bot.content import load_content
from bot.desk_breaks import check_every, late_grace, longest_every, parse_minutes, stretch_for
from bot.reminders import Kind, next_after
from bot.reminders import late_grace as reminder_grace
from bot.timing import EVERY_DAY, WEEKDAYS_ONLY, LocalTime, TimingError

NINE, FIVE = LocalTime(9, 0), LocalTime(17, 0)


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [
        ("45", 45), (" 45 ", 45), ("45 min", 45), ("45min", 45), ("45 minutes", 45),
        ("every 45 minutes", 45), ("1h", 60), ("1 hour", 60), ("2 hours", 120), ("1.5 h", 90),
        ("1,5 ч", 90), ("90 минут", 90), ("каждые 40 мин", 40), ("1 час", 60), ("2 часа", 120),
        ("half an hour", 30), ("полчаса", 30), ("полтора часа", 90), ("15", 15), ("200", 200),
    ],
)
def test_parse_minutes_accepts(typed: str, minutes: int) -> None:
    assert parse_minutes(typed) == minutes


@pytest.mark.parametrize(
    "typed", ["", "lunch", "0", "0 min", "1.5", "45 sec", "-30", "1.01 h", "4" * 50, "45 45"],
)
def test_parse_minutes_rejects(typed: str) -> None:
    with pytest.raises(TimingError) as caught:
        parse_minutes(typed)
    assert caught.value.code == "bad_minutes"


@pytest.mark.parametrize(
    ("start", "end", "longest"),
    [(NINE, FIVE, 120), (NINE, LocalTime(9, 30), 30), (NINE, LocalTime(10, 15), 75)],
)
def test_longest_every_fits_the_window(start: LocalTime, end: LocalTime, longest: int) -> None:
    assert longest_every(start, end) == longest


@pytest.mark.parametrize("end", [LocalTime(8, 0), NINE, LocalTime(9, 29)])
def test_a_window_with_no_room_for_a_break_is_refused(end: LocalTime) -> None:
    with pytest.raises(TimingError) as caught:
        longest_every(NINE, end)
    assert caught.value.code == "bad_window"


@pytest.mark.parametrize(
    ("every", "end", "fits"),
    [(30, FIVE, True), (120, FIVE, True), (29, FIVE, False), (121, FIVE, False),
     (15, FIVE, False), (200, FIVE, False), (45, LocalTime(9, 40), False),
     (40, LocalTime(9, 40), True)],
)
def test_check_every(every: int, end: LocalTime, fits: bool) -> None:
    if fits:
        check_every(every, NINE, end)
        return
    with pytest.raises(TimingError) as caught:
        check_every(every, NINE, end)
    assert caught.value.code == "bad_interval"


def test_a_late_break_may_be_half_its_interval_late_and_never_more_than_an_hour() -> None:
    assert late_grace(60) == timedelta(minutes=30)
    assert reminder_grace(Kind.DESK_BREAK, 90) == timedelta(minutes=45)
    assert reminder_grace(Kind.WALK, None) == timedelta(hours=1)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize("every", [30, 45, 60, 75, 90, 120])
def test_consecutive_breaks_suggest_different_stretches(every: int) -> None:
    stretches = ("arch", "thigh")
    start = at("2026-01-14T09:00+00:00")
    picks = [stretch_for(stretches, start + timedelta(minutes=every * n), every)
             for n in range(1, 9)]
    assert all(one != other for one, other in pairwise(picks))
    three = ("a", "b", "c")
    picks = [stretch_for(three, start + timedelta(minutes=every * n), every) for n in range(6)]
    assert len(set(picks[:3])) == 3 and picks[:3] == picks[3:]


def test_the_shipped_desk_breaks_are_the_standing_stretches_of_the_program() -> None:
    content = load_content()
    ids = [exercise.id for exercise in content.desk_break_stretches]
    assert ids == ["standing_back_arch", "quadriceps_stretch"]
    session_stretches = {step.exercise.id for step in content.session
                         if step.exercise.kind == "stretch"}
    assert set(ids) <= session_stretches


def test_a_stored_desk_break_moves_to_its_next_break_and_a_daily_one_to_its_next_day() -> None:
    after = at("2026-01-16T16:00+00:00")  # Friday 17:00 in Berlin
    assert next_after(Kind.DESK_BREAK, "09:00", WEEKDAYS_ONLY, 60, "17:00", "Europe/Berlin",
                      after) == at("2026-01-19T09:00+00:00")
    assert next_after(Kind.WALK, "09:00", EVERY_DAY, None, None, "Europe/Berlin",
                      after) == at("2026-01-17T08:00+00:00")


@pytest.mark.parametrize(
    ("kind", "every", "end"),
    [(Kind.DESK_BREAK, None, "17:00"), (Kind.DESK_BREAK, 60, None), (Kind.DESK_BREAK, 10, "17:00"),
     ("nap", None, None)],
)
def test_a_stored_reminder_that_cannot_be_read_is_refused(
    kind: str, every: int | None, end: str | None
) -> None:
    with pytest.raises(ValueError):
        next_after(kind, "09:00", EVERY_DAY, every, end, "UTC", at("2026-01-14T00:00+00:00"))
