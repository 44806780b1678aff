"""Tests for bot.timing: parsing, time zones and DST-correct due instants.

Expected instants are worked out by hand from the 2026 rules: Europe/Berlin switches on
29 March and 25 October, America/New_York on 8 March and 1 November, Australia/Lord_Howe
(30-minute DST) on 5 April and 4 October.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.timing import (
    EVERY_DAY,
    WEEKDAYS_ONLY,
    WEEKENDS,
    LocalTime,
    TimingError,
    catch_up,
    days_label,
    desk_break_times,
    local_date,
    next_due,
    parse_days,
    parse_time,
    parse_time_zone,
    zone,
)

MON, TUE, WED, THU, FRI, SAT, SUN = (1 << day for day in range(7))


def at(text: str) -> datetime:
    """An aware instant from ISO text ("2026-01-14T06:30Z")."""
    return datetime.fromisoformat(text)


def raises_code(code: str) -> pytest.RaisesExc[TimingError]:
    return pytest.raises(TimingError, check=lambda error: error.code == code)


# ---------------------------------------------------------------- parse_time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7:30", "07:30"), ("07:30", "07:30"), ("19:00", "19:00"), ("0:00", "00:00"),
        ("23:59", "23:59"), ("7.30", "07:30"), ("7 30", "07:30"), ("730", "07:30"),
        ("0730", "07:30"), ("1930", "19:30"), ("19", "19:00"), ("7", "07:00"), ("0", "00:00"),
        ("19h", "19:00"), ("7h30", "07:30"), ("19 ч", "19:00"), ("19ч", "19:00"),
        ("7pm", "19:00"), ("7 pm", "19:00"), ("7:30pm", "19:30"), ("7:30 PM", "19:30"),
        ("7 p.m.", "19:00"), ("7a", "07:00"), ("7 AM", "07:00"), ("12am", "00:00"),
        ("12:15 am", "00:15"), ("12pm", "12:00"), ("12:45pm", "12:45"), ("11pm", "23:00"),
        ("7 утра", "07:00"), ("7 вечера", "19:00"), ("12 ночи", "00:00"), ("2 дня", "14:00"),
        ("  7:30  ", "07:30"), ("at 7pm", "19:00"), ("в 7:30", "07:30"), ("noon", "12:00"),
        ("midnight", "00:00"), ("１９：００", "19:00"),
    ],
)
def test_parse_time_accepts(text: str, expected: str) -> None:
    assert str(parse_time(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "", "   ", "25:99", "24:00", "24", "23:60", "13pm", "0am", "00:30am", "1930pm",
        "tomorrow-ish", "7:5", "7:005", "-7", "-7:30", "07:30:00", "7::30", "7:30:", "seven",
        "7 30 pm 5", "12345", "7 o'clock", "1" * 200,
    ],
)
def test_parse_time_rejects(text: str) -> None:
    with raises_code("bad_time"):
        parse_time(text)


def test_local_time_validates_orders_and_prints() -> None:
    assert str(LocalTime(7, 5)) == "07:05"
    assert LocalTime(7, 30) < LocalTime(8, 0) < LocalTime(8, 1)
    assert LocalTime(9, 15).minutes == 555
    for hour, minute in [(24, 0), (-1, 0), (0, 60), (0, -1)]:
        with raises_code("bad_time"):
            LocalTime(hour, minute)


def test_timing_error_is_value_error_with_code() -> None:
    error = TimingError("bad_days", "detail")
    assert isinstance(error, ValueError)
    assert (error.code, error.candidates) == ("bad_days", ())


# ---------------------------------------------------------------- parse_days / days_label


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("every day", EVERY_DAY), ("Every Day", EVERY_DAY), ("daily", EVERY_DAY),
        ("all", EVERY_DAY), ("everyday", EVERY_DAY), ("ежедневно", EVERY_DAY),
        ("каждый день", EVERY_DAY), ("mon-sun", EVERY_DAY),
        ("weekdays", WEEKDAYS_ONLY), ("working days", WEEKDAYS_ONLY), ("mon-fri", WEEKDAYS_ONLY),
        ("Mon – Fri", WEEKDAYS_ONLY), ("monday to friday", WEEKDAYS_ONLY),
        ("будни", WEEKDAYS_ONLY), ("по будням", WEEKDAYS_ONLY), ("с пн по пт", WEEKDAYS_ONLY),
        ("пн-пт", WEEKDAYS_ONLY),
        ("weekends", WEEKENDS), ("weekend", WEEKENDS), ("sat sun", WEEKENDS),
        ("по выходным", WEEKENDS), ("сб, вс", WEEKENDS),
        ("mon wed fri", MON | WED | FRI), ("Mon, Wed, Fri", MON | WED | FRI),
        ("mon,wed,fri", MON | WED | FRI), ("Monday, Wednesday and Friday", MON | WED | FRI),
        ("mo we fr", MON | WED | FRI), ("Mon. Wed. Fri.", MON | WED | FRI),
        ("пн ср пт", MON | WED | FRI), ("понедельник, среда и пятница", MON | WED | FRI),
        ("tues & thurs", TUE | THU), ("tue/thu", TUE | THU), ("weds", WED),
        ("on mondays", MON), ("every sunday", SUN), ("в субботу", SAT), ("воскресенье", SUN),
        ("fri-mon", FRI | SAT | SUN | MON), ("fri to mon", FRI | SAT | SUN | MON),
        ("wed-wed", WED), ("weekdays, sat", WEEKDAYS_ONLY | SAT), ("mon mon", MON),
    ],
)
def test_parse_days_accepts(text: str, expected: int) -> None:
    assert parse_days(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "  ", ",", "every", "someday", "mon-", "-fri", "mon-fri-sat", "m", "t", "s", "mon x",
     "tomorrow", "8", "mon-funday", "on the"],
)
def test_parse_days_rejects(text: str) -> None:
    with raises_code("bad_days"):
        parse_days(text)


@pytest.mark.parametrize(
    ("mask", "expected"),
    [
        (EVERY_DAY, ("every_day",)), (WEEKDAYS_ONLY, ("weekdays",)), (WEEKENDS, ("weekends",)),
        (MON | WED | FRI, ("mon", "wed", "fri")), (SUN, ("sun",)),
        (SUN | MON, ("mon", "sun")), (EVERY_DAY & ~WED, ("mon", "tue", "thu", "fri", "sat", "sun")),
    ],
)
def test_days_label(mask: int, expected: tuple[str, ...]) -> None:
    assert days_label(mask) == expected


@pytest.mark.parametrize("mask", [0, 128, -1, 255])
def test_days_label_rejects_bad_masks(mask: int) -> None:
    with raises_code("bad_days"):
        days_label(mask)


# ---------------------------------------------------------------- time zones


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Europe/Berlin", "Europe/Berlin"), ("europe/berlin", "Europe/Berlin"),
        ("AMERICA/NEW_YORK", "America/New_York"),
        ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        ("berlin", "Europe/Berlin"), ("Berlin ", "Europe/Berlin"), ("New York", "America/New_York"),
        ("new_york", "America/New_York"), ("newyork", "America/New_York"),
        ("Moscow", "Europe/Moscow"), ("sao paulo", "America/Sao_Paulo"),
        ("São Paulo", "America/Sao_Paulo"), ("Zürich", "Europe/Zurich"),
        ("port-au-prince", "America/Port-au-Prince"), ("St. John's", "America/St_Johns"),
        ("buenos aires", "America/Argentina/Buenos_Aires"), ("istanbul", "Europe/Istanbul"),
        ("kiev", "Europe/Kyiv"), ("Kyiv", "Europe/Kyiv"), ("Москва", "Europe/Moscow"),
        ("Санкт-Петербург", "Europe/Moscow"), ("mumbai", "Asia/Kolkata"),
        ("EST", "America/New_York"), ("pst", "America/Los_Angeles"), ("CET", "Europe/Berlin"),
        ("berl", "Europe/Berlin"), ("Japan", "Japan"), ("Asia/Moscow", "Europe/Moscow"),
        ("UTC", "UTC"), ("utc", "UTC"), ("GMT", "UTC"), ("Z", "UTC"), ("Etc/UTC", "UTC"),
        ("+0", "UTC"), ("UTC-0", "UTC"), ("GMT+00:00", "UTC"),
        ("+3", "Etc/GMT-3"), ("UTC+3", "Etc/GMT-3"), ("utc + 3", "Etc/GMT-3"),
        ("+03:00", "Etc/GMT-3"), ("-04:00", "Etc/GMT+4"), ("GMT-4", "Etc/GMT+4"),
        ("UTC−4", "Etc/GMT+4"), ("+14", "Etc/GMT-14"), ("-12", "Etc/GMT+12"),
        ("Etc/GMT+3", "Etc/GMT+3"),  # an IANA name keeps its POSIX meaning: UTC-3
        ("UTC+05:30", "Asia/Kolkata"), ("+0530", "Asia/Kolkata"), ("+5:45", "Asia/Kathmandu"),
        ("+09:30", "Australia/Darwin"), ("-09:30", "Pacific/Marquesas"),
        ("+03:30", "Asia/Tehran"), ("+04:30", "Asia/Kabul"),
    ],
)
def test_parse_time_zone_accepts(text: str, expected: str) -> None:
    name = parse_time_zone(text)
    assert name == expected
    ZoneInfo(name)  # every result is a real IANA key, not only something zone() understands


@pytest.mark.parametrize(
    ("text", "hours"),
    [("+3", 3), ("UTC-4", -4), ("+14", 14), ("-12", -12), ("+05:30", 5.5), ("+05:45", 5.75),
     ("+09:30", 9.5), ("-09:30", -9.5), ("+03:30", 3.5), ("+06:30", 6.5), ("+08:45", 8.75)],
)
def test_offsets_are_fixed_all_year(text: str, hours: float) -> None:
    tz = zone(parse_time_zone(text))
    for month in (1, 7):
        offset = datetime(2026, month, 15, 12, tzinfo=UTC).astimezone(tz).utcoffset()
        assert offset == timedelta(hours=hours)


@pytest.mark.parametrize(
    ("text", "candidates"),
    [
        ("IST", ("Asia/Jerusalem", "Asia/Kolkata", "Europe/Dublin")),
        ("MST", ("America/Denver", "America/Phoenix")),
        ("CST", ("America/Chicago", "Asia/Shanghai")),
        ("sao", ("Africa/Sao_Tome", "America/Sao_Paulo")),
        ("-03:30", ("America/St_Johns",)),
        ("+10:30", ("Australia/Adelaide", "Australia/Lord_Howe")),
    ],
)
def test_parse_time_zone_ambiguous(text: str, candidates: tuple[str, ...]) -> None:
    with raises_code("ambiguous_zone") as caught:
        parse_time_zone(text)
    assert caught.value.candidates == candidates


def test_ambiguous_prefix_keeps_different_cities_apart() -> None:
    # Port of Spain and Porto Velho keep the same time but are different places.
    with raises_code("ambiguous_zone") as caught:
        parse_time_zone("port")
    assert {"America/Port_of_Spain", "America/Porto_Velho", "Pacific/Port_Moresby"} <= set(
        caught.value.candidates
    )


@pytest.mark.parametrize(
    "text", ["", "   ", "tomorrow-ish", "Atlantis", "xx", "Europe/Atlantis", "localtime",
             "Factory", "3", "utc3", "a" * 200],
)
def test_parse_time_zone_unknown(text: str) -> None:
    with raises_code("unknown_zone"):
        parse_time_zone(text)


@pytest.mark.parametrize("text", ["+15", "-13", "UTC+14:30", "+05:15", "+01:30", "-00:20", "+99"])
def test_parse_time_zone_bad_offset(text: str) -> None:
    with raises_code("bad_offset"):
        parse_time_zone(text)


def test_zone_loads_and_rejects() -> None:
    assert zone("Europe/Berlin") == ZoneInfo("Europe/Berlin")
    assert datetime(2026, 1, 1, tzinfo=zone("Etc/GMT-3")).utcoffset() == timedelta(hours=3)
    for name in ["Nowhere/City", "", "../etc/passwd", "/etc/localtime", "localtime"]:
        with raises_code("unknown_zone"):
            zone(name)


# ---------------------------------------------------------------- next_due

T0730 = LocalTime(7, 30)


@pytest.mark.parametrize(
    ("local", "mask", "zone_name", "after", "expected"),
    [
        # Wednesday 14 January 2026, Berlin is UTC+1.
        (T0730, EVERY_DAY, "Europe/Berlin", "2026-01-14T05:00Z", "2026-01-14T06:30Z"),
        (T0730, EVERY_DAY, "Europe/Berlin", "2026-01-14T07:00Z", "2026-01-15T06:30Z"),
        (T0730, EVERY_DAY, "Europe/Berlin", "2026-01-14T06:30Z", "2026-01-15T06:30Z"),  # strict
        (T0730, EVERY_DAY, "Europe/Berlin", "2026-01-14T06:29:59Z", "2026-01-14T06:30Z"),
        (T0730, EVERY_DAY, "Europe/Berlin", "2026-01-14T15:00+09:00", "2026-01-14T06:30Z"),
        (T0730, MON | WED | FRI, "Europe/Berlin", "2026-01-14T07:00Z", "2026-01-16T06:30Z"),
        (T0730, MON | WED | FRI, "Europe/Berlin", "2026-01-16T07:00Z", "2026-01-19T06:30Z"),
        (T0730, WEEKENDS, "Europe/Berlin", "2026-01-12T00:00Z", "2026-01-17T06:30Z"),
        (T0730, WEEKDAYS_ONLY, "Europe/Berlin", "2026-01-16T07:00Z", "2026-01-19T06:30Z"),
        (T0730, WED, "Europe/Berlin", "2026-01-14T07:00Z", "2026-01-21T06:30Z"),  # a week on
        (LocalTime(0, 0), EVERY_DAY, "Europe/Berlin", "2026-01-14T22:59Z", "2026-01-14T23:00Z"),
        (LocalTime(23, 59), SUN, "Europe/Berlin", "2026-01-18T23:00Z", "2026-01-25T22:59Z"),
        # Berlin summer time: 07:30 CEST is 05:30Z; spring forward on Sunday 29 March.
        (T0730, EVERY_DAY, "Europe/Berlin", "2026-03-28T07:00Z", "2026-03-29T05:30Z"),
        (T0730, EVERY_DAY, "Europe/Berlin", "2026-10-24T07:00Z", "2026-10-25T06:30Z"),
        # 02:30 does not exist on 29 March: fire when the clock jumps to 03:00 CEST.
        (LocalTime(2, 30), EVERY_DAY, "Europe/Berlin", "2026-03-28T12:00Z", "2026-03-29T01:00Z"),
        (LocalTime(2, 30), EVERY_DAY, "Europe/Berlin", "2026-03-29T01:00Z", "2026-03-30T00:30Z"),
        (LocalTime(2, 0), EVERY_DAY, "Europe/Berlin", "2026-03-28T12:00Z", "2026-03-29T01:00Z"),
        (LocalTime(3, 0), EVERY_DAY, "Europe/Berlin", "2026-03-28T12:00Z", "2026-03-29T01:00Z"),
        # 02:30 happens twice on 25 October: only the first (CEST, 00:30Z) counts.
        (LocalTime(2, 30), EVERY_DAY, "Europe/Berlin", "2026-10-24T12:00Z", "2026-10-25T00:30Z"),
        (LocalTime(2, 30), EVERY_DAY, "Europe/Berlin", "2026-10-25T00:30Z", "2026-10-26T01:30Z"),
        (LocalTime(2, 30), EVERY_DAY, "Europe/Berlin", "2026-10-25T01:00Z", "2026-10-26T01:30Z"),
        (LocalTime(2, 30), EVERY_DAY, "Europe/Berlin", "2026-10-25T01:30Z", "2026-10-26T01:30Z"),
        # New York: EST is UTC-5, EDT UTC-4.
        (T0730, EVERY_DAY, "America/New_York", "2026-03-07T13:00Z", "2026-03-08T11:30Z"),
        (T0730, EVERY_DAY, "America/New_York", "2026-10-31T12:00Z", "2026-11-01T12:30Z"),
        (LocalTime(2, 30), EVERY_DAY, "America/New_York", "2026-03-07T12:00Z",
         "2026-03-08T07:00Z"),
        (LocalTime(1, 30), EVERY_DAY, "America/New_York", "2026-10-31T12:00Z",
         "2026-11-01T05:30Z"),
        # Lord Howe moves by 30 minutes: +11 in summer, +10:30 in winter.
        (T0730, EVERY_DAY, "Australia/Lord_Howe", "2026-04-04T00:00Z", "2026-04-04T21:00Z"),
        (LocalTime(1, 45), EVERY_DAY, "Australia/Lord_Howe", "2026-04-04T00:00Z",
         "2026-04-04T14:45Z"),
        (LocalTime(2, 15), EVERY_DAY, "Australia/Lord_Howe", "2026-10-03T00:00Z",
         "2026-10-03T15:30Z"),
        # Fixed offsets.
        (T0730, EVERY_DAY, "Etc/GMT-3", "2026-06-01T00:00Z", "2026-06-01T04:30Z"),
        (T0730, EVERY_DAY, "Asia/Kolkata", "2026-06-01T00:00Z", "2026-06-01T02:00Z"),
        (T0730, EVERY_DAY, "UTC", "2026-06-01T07:30Z", "2026-06-02T07:30Z"),
    ],
)
def test_next_due(
    local: LocalTime, mask: int, zone_name: str, after: str, expected: str
) -> None:
    due = next_due(local, mask, zone_name, at(after))
    assert due == at(expected)
    assert due.tzinfo is UTC


def fire_times(
    local: LocalTime, mask: int, zone_name: str, start: str, days: int
) -> list[datetime]:
    """Iterate next_due the way the scheduler does: each due instant becomes the next `after`."""
    fired, after = [], at(start)
    end = after + timedelta(days=days)
    while (after := next_due(local, mask, zone_name, after)) < end:
        fired.append(after)
    return fired


@pytest.mark.parametrize(
    ("zone_name", "start"),
    [
        ("Europe/Berlin", "2026-03-25T12:00Z"), ("Europe/Berlin", "2026-10-21T12:00Z"),
        ("America/New_York", "2026-03-05T12:00Z"), ("America/New_York", "2026-10-29T12:00Z"),
        ("Australia/Lord_Howe", "2026-04-01T12:00Z"), ("Australia/Lord_Howe", "2026-09-30T12:00Z"),
    ],
)
@pytest.mark.parametrize("local", [T0730, LocalTime(2, 30), LocalTime(1, 30), LocalTime(2, 0)])
def test_once_per_local_day_across_dst(zone_name: str, start: str, local: LocalTime) -> None:
    fired = fire_times(local, EVERY_DAY, zone_name, start, days=8)
    tz = ZoneInfo(zone_name)
    dates = [instant.astimezone(tz).date() for instant in fired]
    # Consecutive local dates with no repeat and no hole: exactly one firing per local day.
    assert len(dates) >= 7
    assert dates == [dates[0] + timedelta(days=n) for n in range(len(dates))]
    for instant in fired:
        wall = instant.astimezone(tz)
        # Always the set time, except in a gap, where it is the end of that gap (later, <1h).
        assert (wall.hour, wall.minute) == (local.hour, local.minute) or (
            timedelta(0) < wall - wall.replace(hour=local.hour, minute=local.minute) <= timedelta(
                hours=1)
        )


def test_berlin_0730_utc_instants_across_spring_forward() -> None:
    fired = fire_times(T0730, EVERY_DAY, "Europe/Berlin", "2026-03-26T12:00Z", days=5)
    assert [instant.isoformat() for instant in fired] == [
        "2026-03-27T06:30:00+00:00", "2026-03-28T06:30:00+00:00",
        "2026-03-29T05:30:00+00:00", "2026-03-30T05:30:00+00:00", "2026-03-31T05:30:00+00:00",
    ]


def test_berlin_0730_utc_instants_across_fall_back() -> None:
    fired = fire_times(T0730, EVERY_DAY, "Europe/Berlin", "2026-10-22T12:00Z", days=5)
    assert [instant.isoformat() for instant in fired] == [
        "2026-10-23T05:30:00+00:00", "2026-10-24T05:30:00+00:00",
        "2026-10-25T06:30:00+00:00", "2026-10-26T06:30:00+00:00", "2026-10-27T06:30:00+00:00",
    ]


def test_weekday_mask_over_two_weeks() -> None:
    fired = fire_times(T0730, MON | WED | FRI, "Europe/Berlin", "2026-01-11T12:00Z", days=14)
    assert [instant.date().isoformat() for instant in fired] == [
        "2026-01-12", "2026-01-14", "2026-01-16", "2026-01-19", "2026-01-21", "2026-01-23",
    ]


def test_next_due_rejects_bad_arguments() -> None:
    with raises_code("naive_datetime"):
        next_due(T0730, EVERY_DAY, "Europe/Berlin", datetime(2026, 1, 1))
    for mask in (0, 128):
        with raises_code("bad_days"):
            next_due(T0730, mask, "Europe/Berlin", at("2026-01-01T00:00Z"))
    with raises_code("unknown_zone"):
        next_due(T0730, EVERY_DAY, "Mars/Olympus", at("2026-01-01T00:00Z"))


# ---------------------------------------------------------------- catch_up / local_date

DUE = at("2026-01-14T06:30Z")


@pytest.mark.parametrize(
    ("late", "expected"),
    [
        (timedelta(0), True), (timedelta(minutes=1), True), (timedelta(minutes=59), True),
        (timedelta(minutes=59, seconds=59), True), (timedelta(hours=1), False),
        (timedelta(minutes=61), False), (timedelta(days=2), False),
        (timedelta(minutes=-1), False),  # not due yet: never send early
    ],
)
def test_catch_up(late: timedelta, expected: bool) -> None:
    assert catch_up(DUE, DUE + late) is expected


def test_catch_up_custom_grace_and_zones() -> None:
    assert catch_up(DUE, DUE + timedelta(minutes=10), grace=timedelta(minutes=15))
    assert not catch_up(DUE, DUE + timedelta(minutes=20), grace=timedelta(minutes=15))
    assert catch_up(DUE, at("2026-01-14T07:00+01:00") + timedelta(minutes=59))
    with raises_code("naive_datetime"):
        catch_up(DUE, datetime(2026, 1, 14, 7))


@pytest.mark.parametrize(
    ("instant", "zone_name", "expected"),
    [
        ("2026-01-14T22:59Z", "Europe/Berlin", date(2026, 1, 14)),
        ("2026-01-14T23:00Z", "Europe/Berlin", date(2026, 1, 15)),
        ("2026-01-14T23:00Z", "America/New_York", date(2026, 1, 14)),
        ("2026-01-15T04:59Z", "America/New_York", date(2026, 1, 14)),
        ("2026-01-15T05:00Z", "America/New_York", date(2026, 1, 15)),
        ("2026-07-14T22:00Z", "Europe/Berlin", date(2026, 7, 15)),  # CEST midnight
        ("2026-01-14T15:00Z", "Asia/Tokyo", date(2026, 1, 15)),
        ("2026-01-14T12:00+09:00", "UTC", date(2026, 1, 14)),
    ],
)
def test_local_date(instant: str, zone_name: str, expected: date) -> None:
    assert local_date(at(instant), zone_name) == expected


def test_local_date_rejects_naive() -> None:
    with raises_code("naive_datetime"):
        local_date(datetime(2026, 1, 14), "Europe/Berlin")


# ---------------------------------------------------------------- desk_break_times

NINE, FIVE = LocalTime(9, 0), LocalTime(17, 0)


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        ("2026-01-14T06:00Z", "2026-01-14T09:00Z"),  # before the window: start + 60
        ("2026-01-14T08:00Z", "2026-01-14T09:00Z"),  # at its start: nothing at 09:00
        ("2026-01-14T09:15Z", "2026-01-14T10:00Z"),  # inside
        ("2026-01-14T10:00Z", "2026-01-14T11:00Z"),  # exactly at a break: the next one
        ("2026-01-14T15:59Z", "2026-01-14T16:00Z"),  # 17:00 itself is still a break
        ("2026-01-14T16:00Z", "2026-01-15T09:00Z"),  # at its end: tomorrow
        ("2026-01-16T16:00Z", "2026-01-19T09:00Z"),  # Friday evening: Monday
        ("2026-01-17T09:00Z", "2026-01-19T09:00Z"),  # Saturday is not allowed
        ("2026-03-27T16:00Z", "2026-03-30T08:00Z"),  # across spring forward: 10:00 CEST
        ("2026-10-23T16:00Z", "2026-10-26T09:00Z"),  # across fall back: 10:00 CET
    ],
)
def test_desk_break_weekdays_nine_to_five(after: str, expected: str) -> None:
    due = desk_break_times(NINE, FIVE, 60, WEEKDAYS_ONLY, "Europe/Berlin", at(after))
    assert due == at(expected)
    assert due.tzinfo is UTC


def test_desk_break_uneven_window() -> None:
    # 09:00-10:45 every 45 minutes holds 09:45 and 10:30 only.
    fired, after = [], at("2026-01-14T00:00Z")
    for _ in range(3):
        after = desk_break_times(NINE, LocalTime(10, 45), 45, EVERY_DAY, "UTC", after)
        fired.append(after.isoformat())
    assert fired == [
        "2026-01-14T09:45:00+00:00", "2026-01-14T10:30:00+00:00", "2026-01-15T09:45:00+00:00",
    ]


def desk_breaks(start: str, count: int) -> list[str]:
    night = (LocalTime(1, 0), LocalTime(4, 0), 30, EVERY_DAY, "Europe/Berlin")
    fired, after = [], at(start)
    for _ in range(count):
        after = desk_break_times(*night, after)
        fired.append(after.astimezone(ZoneInfo("Europe/Berlin")).isoformat())
    return fired


def test_desk_break_in_spring_gap() -> None:
    # 02:00, 02:30 and 03:00 all land on the jump to 03:00 CEST and fire once.
    assert desk_breaks("2026-03-28T23:00Z", 5) == [
        "2026-03-29T01:30:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-29T03:30:00+02:00",
        "2026-03-29T04:00:00+02:00", "2026-03-30T01:30:00+02:00",
    ]


def test_desk_break_in_autumn_overlap() -> None:
    # The repeated hour is not repeated: breaks follow the wall clock's first pass.
    assert desk_breaks("2026-10-24T22:00Z", 7) == [
        "2026-10-25T01:30:00+02:00", "2026-10-25T02:00:00+02:00", "2026-10-25T02:30:00+02:00",
        "2026-10-25T03:00:00+01:00", "2026-10-25T03:30:00+01:00", "2026-10-25T04:00:00+01:00",
        "2026-10-26T01:30:00+01:00",
    ]


@pytest.mark.parametrize(
    ("start", "end", "every", "mask", "code"),
    [
        (NINE, FIVE, 29, EVERY_DAY, "bad_interval"),
        (NINE, FIVE, 121, EVERY_DAY, "bad_interval"),
        (NINE, FIVE, 0, EVERY_DAY, "bad_interval"),
        (FIVE, NINE, 60, EVERY_DAY, "bad_window"),
        (NINE, NINE, 60, EVERY_DAY, "bad_window"),
        (NINE, LocalTime(9, 59), 60, EVERY_DAY, "bad_window"),
        (NINE, FIVE, 60, 0, "bad_days"),
    ],
)
def test_desk_break_rejects(
    start: LocalTime, end: LocalTime, every: int, mask: int, code: str
) -> None:
    with raises_code(code):
        desk_break_times(start, end, every, mask, "Europe/Berlin", at("2026-01-14T00:00Z"))


def test_desk_break_window_boundaries_accepted() -> None:
    after = at("2026-01-14T00:00Z")
    assert desk_break_times(NINE, LocalTime(10, 0), 60, EVERY_DAY, "UTC", after) == at(
        "2026-01-14T10:00Z")
    assert desk_break_times(NINE, FIVE, 30, EVERY_DAY, "UTC", after) == at("2026-01-14T09:30Z")
    assert desk_break_times(NINE, FIVE, 120, EVERY_DAY, "UTC", after) == at("2026-01-14T11:00Z")
    with raises_code("naive_datetime"):
        desk_break_times(NINE, FIVE, 60, EVERY_DAY, "UTC", datetime(2026, 1, 14))
