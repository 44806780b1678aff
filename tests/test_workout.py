"""A whole guided workout through the fake Bot API: order, doses, sides, timing, summary."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bot.content import load_content
from bot.fakeapi import BotEvent, FakeBotAPI
from bot.models import Chat, WorkoutSession
from tests.harness import RunningBot
from tests.workout_helpers import (
    pass_quick_check,
    reach_first_exercise,
    reach_overview,
    run_exercise,
    screened,
)

CONTENT = load_content()
NAMES = {eid: CONTENT.text(f"exercises.{eid}.name") for eid in CONTENT.exercises}

# The article's doses, written out here so that the bot is checked against the article rather
# than against its own content files: (hold s, times per side, order of the sides' holds).
ONE, EACH, ALTERNATING = "none", "each", "alternating"
ARTICLE = {
    "hamstring_stretch": ("20–30", "2–3", 20, 2, EACH),
    "knees_to_chest": ("5", "5", 5, 5, ONE),
    "standing_back_arch": ("5", "5", 5, 5, ONE),
    "quadriceps_stretch": ("20–30", "2–3", 20, 2, EACH),  # our dose; the article gives none
    "crunch": ("5–10", "10", 5, 10, ONE),
    "oblique_crunch": ("5", "10", 5, 10, EACH),
    "superman": ("5–10", "10", 5, 10, ONE),
    "opposite_raises": ("5", "10", 5, 10, ALTERNATING),
}
SESSION = [
    "hamstring_stretch", "knees_to_chest", "standing_back_arch", "quadriceps_stretch",
    "crunch", "oblique_crunch", "superman", "opposite_raises",
    "knees_to_chest", "hamstring_stretch", "quadriceps_stretch",
]
HOLD = re.compile(r"Hold — (\d+) s\nRep (\d+) of (\d+)(?: · (.+))?")


def expected_holds(exercise_id: str) -> list[tuple[int, int, str | None]]:
    _, _, hold, reps, sides = ARTICLE[exercise_id]
    first = CONTENT.text(f"exercises.{exercise_id}.side_first") if sides != ONE else None
    second = CONTENT.text(f"exercises.{exercise_id}.side_second") if sides != ONE else None
    if sides == ONE:
        return [(hold, rep, None) for rep in range(1, reps + 1)]
    if sides == EACH:
        return [(hold, rep, side) for side in (first, second) for rep in range(1, reps + 1)]
    return [(hold, rep, side) for rep in range(1, reps + 1) for side in (first, second)]


def holds_in(events: list[BotEvent]) -> list[tuple[int, int, str | None]]:
    holds = []
    for event in events:
        if match := HOLD.search(event.text or ""):
            holds.append((int(match.group(1)), int(match.group(2)), match.group(4)))
    return holds


@pytest.fixture
async def fast_bot(api: FakeBotAPI, database_url: str) -> RunningBot:
    running = RunningBot(api, database_url, BACKCOACH_TIME_SCALE="0.004")
    await running.start()
    yield running
    await running.stop()


async def test_a_whole_workout_follows_the_article(api: FakeBotAPI, fast_bot: RunningBot) -> None:
    user = api.user(4001)
    await screened(fast_bot, 4001)
    await reach_overview(user, feeling="3")
    await user.press("Let's go")
    for number, exercise_id in enumerate(SESSION):
        name = NAMES[exercise_id]
        card = await user.expect(name, kind="message", timeout=10)
        hold, reps, *_ = ARTICLE[exercise_id]
        assert f"hold {hold} s, {reps} times" in card.text, card.text
        events = await run_exercise(user, name)
        assert holds_in(events) == expected_holds(exercise_id), name
        switches = [e for e in events if "🔄" in (e.text or "")]
        if ARTICLE[exercise_id][4] == EACH:
            assert len(switches) == 1 and switches[0].kind == "message", name
        else:
            assert not switches, name
        if number < len(SESSION) - 1:
            await user.expect("Rest for", kind="message")
    await user.expect("last exercise")
    summary = await user.expect("Workout complete")
    assert "Done: 11 of 11 exercises. Skipped: 0" in summary.text
    await user.expect("how does your back feel now")
    await user.press("7")
    await user.expect("Thank you!")
    async with fast_bot.services.sessions() as session:
        workout = await session.scalar(select(WorkoutSession).where(
            WorkoutSession.chat_id == 4001))
    assert workout.status == "finished"
    assert (workout.feeling_before, workout.feeling_after) == (3, 7)
    assert (workout.exercises_done, workout.exercises_skipped) == (11, 0)
    await user.send("/progress")
    progress = await user.expect("Workouts completed: 1")
    assert "11 done, 0 skipped" in progress.text
    assert "back 3 → 7" in progress.text


async def test_hold_prompts_arrive_on_time(api: FakeBotAPI, database_url: str) -> None:
    scale = 0.05
    running = RunningBot(api, database_url, BACKCOACH_TIME_SCALE=str(scale))
    await running.start()
    try:
        user = api.user(4002)
        await screened(running, 4002)
        await reach_first_exercise(user)
        await user.press("Skip")  # on to knees to chest: 5 s, 5 times, 3 s rests
        await user.expect(NAMES["knees_to_chest"], kind="message")
        events = await run_exercise(user, NAMES["knees_to_chest"])
        start = events[0].timestamp
        offsets = [round((e.timestamp - start) / scale, 1) for e in events]
        pacing = CONTENT.pacing
        expected, at = [0.0], pacing.get_ready_seconds
        for rep in range(5):
            expected.append(at)  # hold
            at += 5
            if rep < 4:
                expected.append(at)  # rest
                at += pacing.rest_between_reps_seconds
        assert len(offsets) == len(expected)
        for seen, due in zip(offsets, expected, strict=True):
            # Generous: 0.1 s of real time either way, in programme seconds.
            assert abs(seen - due) <= 0.1 / scale + 0.5, (offsets, expected)
    finally:
        await running.stop()


async def test_harder_doses_are_chosen_and_remembered(api: FakeBotAPI, bot: RunningBot) -> None:
    user = api.user(4003)
    await screened(bot, 4003)
    await reach_overview(user)
    await user.press("Harder doses")
    overview = await user.expect("harder end", kind="edit")
    assert "Easier doses" in " ".join(overview.buttons)
    await user.press("Let's go")
    card = await user.expect(NAMES["hamstring_stretch"])
    assert "Today: 30 s × 3." in card.text
    async with bot.services.sessions() as session:
        assert (await session.get(Chat, 4003)).prefers_harder is True
    await user.send("/cancel")
    await user.expect("stopped the workout")
    await pass_quick_check(user)
    await user.expect("How does your back feel right now?")
    await user.press("Skip")
    await user.expect("harder end")
