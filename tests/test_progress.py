"""/progress through the fake Bot API: the 7-day chart and its text, streaks in local time."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from PIL import Image

from bot import chart, workouts
from bot.content import load_content
from bot.fakeapi import BotEvent, FakeBotAPI, FakeUser
from bot.models import Chat, WalkLog, WorkoutSession
from tests.harness import FakeClock, RunningBot

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The engine's own saved state, as a workout row keeps it: it holds the session's exercises.
STATE = workouts.new_run(load_content(), harder=False).to_dict()
STEPS = len(STATE["exercise_ids"])


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 6, 10, 9, 0, tzinfo=UTC))  # a Wednesday


@pytest.fixture
async def progress_bot(
    api: FakeBotAPI, migrated_database_url: str, clock: FakeClock
) -> AsyncIterator[RunningBot]:
    running = RunningBot(api, migrated_database_url, clock=clock)
    await running.start()
    yield running
    await running.stop()


async def store(bot: RunningBot, chat_id: int, zone: str | None, *rows: object) -> None:
    async with bot.services.sessions.begin() as session:
        session.add(Chat(id=chat_id, time_zone=zone))
        await session.flush()
        session.add_all(rows)


def walked(chat_id: int, day: date, km: float) -> WalkLog:
    return WalkLog(chat_id=chat_id, local_date=day, km=km,
                   created_at=datetime(day.year, day.month, day.day, 12, tzinfo=UTC))


def workout(chat_id: int, finished_at: datetime | None, before: int | None = None,
            after: int | None = None, status: str = "finished", done: int | None = None,
            started_at: datetime | None = None, state: dict[str, Any] | None = STATE,
            ) -> WorkoutSession:
    if started_at is None:
        assert finished_at is not None
        started_at = finished_at - timedelta(minutes=12)
    return WorkoutSession(
        chat_id=chat_id, status=status, harder=False, feeling_before=before,
        feeling_after=after, exercises_done=(11 if status == "finished" else 4) if done is None
        else done, exercises_skipped=0, active_seconds=540, started_at=started_at,
        finished_at=finished_at, state=state,
    )


async def progress(user: FakeUser) -> BotEvent:
    await user.send("/progress")
    return await user.expect(kind="photo")


def assert_png(data: bytes | None) -> None:
    assert data is not None and data.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(data))
    image.load()  # decodes every pixel: a truncated or corrupt file fails here
    assert image.format == "PNG" and image.size == (800, 600)


async def test_the_week_comes_as_a_chart_with_a_text_that_stands_alone(
    api: FakeBotAPI, progress_bot: RunningBot
) -> None:
    user = api.user(6001)
    await store(
        progress_bot, 6001, "Europe/Berlin",
        walked(6001, date(2026, 6, 2), 9.0),  # before the 7 days shown
        walked(6001, date(2026, 6, 4), 6.2),
        walked(6001, date(2026, 6, 5), 2.0),
        walked(6001, date(2026, 6, 7), 3.0), walked(6001, date(2026, 6, 7), 3.5),
        walked(6001, date(2026, 6, 9), 7.0),
        workout(6001, datetime(2026, 6, 5, 17, tzinfo=UTC), before=5, after=3),
        workout(6001, datetime(2026, 6, 8, 17, tzinfo=UTC), before=4),
        workout(6001, datetime(2026, 6, 6, 17, tzinfo=UTC), status="stopped", done=0),
    )
    await user.send("/walk 1.5")
    await user.expect("Logged")
    photo = await progress(user)
    assert_png(photo.file)
    text = photo.text or ""
    for line in (
        "Your last 7 days, 4 Jun to 10 Jun",
        "Walked: 23.2 km in all. Goal of 6–8 km reached on 3 of 7 days.",
        "• Thu 4 Jun: 6.2 km, goal reached ✅",
        "• Fri 5 Jun: 2 km, a workout",
        "• Sat 6 Jun: no walk\n",  # a workout stopped before its first exercise is not shown
        "• Sun 7 Jun: 6.5 km, goal reached ✅",
        "• Mon 8 Jun: no walk, a workout",
        "• Tue 9 Jun: 7 km, goal reached ✅",
        "• Wed 10 Jun (today): 1.5 km",
        "Completed: 2 workouts.",
        "• Fri 5 Jun: 11 done, 0 skipped, about 9 min · back 5 → 3",
        "• Mon 8 Jun: 11 done, 0 skipped, about 9 min · back 4 → –",
        # Sun 7 to Tue 9: Saturday's workout, stopped with nothing done, does not keep the run.
        "Streak: 3 days in a row.",
    ):
        assert line in text, line
    assert "partial" not in text
    assert "walk 4.5 km more or do at least one exercise of a workout" in text
    await user.expect_nothing()  # the text went beside the picture, not after it


async def test_nothing_yet_is_said_in_words(api: FakeBotAPI, progress_bot: RunningBot) -> None:
    user = api.user(6002)
    await user.send("/progress")
    await user.expect("Nothing logged in the last 7 days yet", kind="message")
    assert not api.calls_to("sendPhoto")


async def test_the_streak_follows_local_midnight(
    api: FakeBotAPI, progress_bot: RunningBot, clock: FakeClock
) -> None:
    """In New York, 23:30 and 00:30 are two days; in UTC the same instants are one."""
    new_york, utc = api.user(6003), api.user(6004)
    await store(progress_bot, 6003, "America/New_York")
    await store(progress_bot, 6004, None)
    clock.now = datetime(2026, 6, 10, 3, 30, tzinfo=UTC)  # New York: Tue 9, 23:30
    for user in (new_york, utc):
        await user.send("/walk 6")
        await user.expect("Logged")
    clock.advance(hours=1)  # New York: Wed 10, 00:30
    for user in (new_york, utc):
        await user.send("/walk 6.5")
        await user.expect("Logged")
    text = (await progress(new_york)).text or ""
    assert "• Tue 9 Jun: 6 km, goal reached" in text
    assert "• Wed 10 Jun (today): 6.5 km, goal reached" in text
    assert "Streak: 2 days in a row." in text
    text = (await progress(utc)).text or ""
    assert "• Wed 10 Jun (today): 12.5 km, goal reached" in text
    assert "Streak: 1 day in a row." in text


async def test_a_day_stays_open_until_its_local_midnight(
    api: FakeBotAPI, progress_bot: RunningBot, clock: FakeClock
) -> None:
    user = api.user(6005)
    await store(progress_bot, 6005, "Asia/Tokyo")
    clock.now = datetime(2026, 6, 10, 13, 0, tzinfo=UTC)  # Tokyo: Wed 10, 22:00
    await user.send("/walk 8")
    await user.expect("Logged")
    text = (await progress(user)).text or ""
    assert "Streak: 1 day in a row." in text and "isn't counted yet" not in text
    clock.advance(hours=3)  # Tokyo: Thu 11, 01:00: a new day, not yet walked
    text = (await progress(user)).text or ""
    assert "• Wed 10 Jun: 8 km, goal reached" in text and "• Thu 11 Jun (today): no walk" in text
    assert "Streak: 1 day in a row." in text
    assert ("Today isn't counted yet: walk 6 km more or do at least one exercise of a workout"
            in text)
    clock.advance(days=1)  # Fri 12: Thursday went by without a walk
    text = (await progress(user)).text or ""
    assert "Streak: none yet." in text


async def test_a_workout_counts_on_its_local_date(
    api: FakeBotAPI, progress_bot: RunningBot
) -> None:
    finished = datetime(2026, 6, 8, 22, 30, tzinfo=UTC)  # Tokyo: Tue 9; Los Angeles: Mon 8
    tokyo, los_angeles = api.user(6006), api.user(6007)
    await store(progress_bot, 6006, "Asia/Tokyo", workout(6006, finished, 3, 2))
    await store(progress_bot, 6007, "America/Los_Angeles", workout(6007, finished, 3, 2))
    text = (await progress(tokyo)).text or ""  # 18:00 on Wed 10 in Tokyo
    assert "• Tue 9 Jun: no walk, a workout" in text
    assert "Streak: 1 day in a row." in text
    text = (await progress(los_angeles)).text or ""  # 02:00 on Wed 10 in Los Angeles
    assert "• Mon 8 Jun: no walk, a workout" in text
    assert "Streak: none yet." in text  # Tue 9 had nothing


async def test_a_long_week_sends_its_text_after_the_chart(
    api: FakeBotAPI, progress_bot: RunningBot
) -> None:
    user = api.user(6008)
    busy = [workout(6008, datetime(2026, 6, day, hour, tzinfo=UTC), before=4, after=2)
            for day in range(4, 11) for hour in (6, 7, 8)]
    await store(progress_bot, 6008, None, *busy)
    photo = await progress(user)
    assert_png(photo.file)
    assert "The details are in the next message" in (photo.text or "")
    details = await user.expect("Completed: 21 workouts.", kind="message")
    assert details.text is not None and details.text.count("· back 4 → 2") == 21


async def test_the_words_go_alone_when_the_chart_cannot_be_drawn(
    api: FakeBotAPI, progress_bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> bytes:
        raise RuntimeError("no fonts")

    monkeypatch.setattr(chart, "render_week", broken)
    user = api.user(6009)
    await store(progress_bot, 6009, None, walked(6009, date(2026, 6, 10), 4.0))
    await user.send("/progress")
    reply = await user.expect("• Wed 10 Jun (today): 4 km", kind="message")
    assert "I couldn't draw the chart this time" in (reply.text or "")
    assert not api.calls_to("sendPhoto")


async def test_a_workout_stopped_part_way_shows_as_partial_and_keeps_the_streak(
    api: FakeBotAPI, progress_bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[chart.ChartData] = []
    real_render = chart.render_week

    def recording(data: chart.ChartData, labels: chart.ChartLabels) -> bytes:
        drawn.append(data)
        return real_render(data, labels)

    monkeypatch.setattr(chart, "render_week", recording)
    user = api.user(6010)
    await store(
        progress_bot, 6010, None,
        workout(6010, datetime(2026, 6, 7, 17, tzinfo=UTC)),
        # Stopped after 5 of the session's exercises on Mon 8; closed only on Wed 10, when the
        # next workout began: it still counts on the day its exercises were done.
        workout(6010, datetime(2026, 6, 10, 8, tzinfo=UTC), before=6, after=4,
                status="stopped", done=5, started_at=datetime(2026, 6, 8, 17, tzinfo=UTC)),
        # Stopped before the first exercise: not shown, and no help to the streak.
        workout(6010, datetime(2026, 6, 9, 17, tzinfo=UTC), before=3, status="stopped", done=0),
        # Still under way (or waiting for Start): not shown yet.
        workout(6010, None, before=2, status="running", done=3,
                started_at=datetime(2026, 6, 9, 18, tzinfo=UTC)),
        workout(6010, None, status="awaiting_start", done=2,
                started_at=datetime(2026, 6, 9, 19, tzinfo=UTC)),
        walked(6010, date(2026, 6, 9), 7.0),
    )
    photo = await progress(user)
    assert_png(photo.file)
    text = photo.text or ""
    for line in (
        "• Sun 7 Jun: no walk, a workout\n",
        "• Mon 8 Jun: no walk, a partial workout\n",
        "• Tue 9 Jun: 7 km, goal reached ✅\n",
        "Completed: 1 workout; 1 partial workout.\n",
        "• Sun 7 Jun: 11 done, 0 skipped, about 9 min\n",
        f"• Mon 8 Jun: partial, 5 of {STEPS} exercises, about 9 min · back 6 → 4\n",
        # Sun 7, Mon 8 (partial) and Tue 9 (walk).
        "Streak: 3 days in a row.",
        "or do at least one exercise of a workout, even if you stop it part-way.",
    ):
        assert line in text, line
    assert text.count("• Tue 9 Jun") == 1 and "back 3" not in text and "back 2" not in text
    # The chart got the same: a complete workout on Sun 7, a partial one with its ratings on
    # Mon 8 (Thu 4 is the first day shown).
    (data,) = drawn
    assert data.workouts == (0, 0, 0, 1, 0, 0, 0)
    assert data.partial_workouts == (0, 0, 0, 0, 1, 0, 0)
    assert data.ratings == ((4, 6, 4, True),)
