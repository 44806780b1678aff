"""A whole guided workout through the fake Bot API: order, doses, sides, timing, summary.

Where timing matters the workout's timers are the test's own (ManualTimers): time moves when
the test says so, never by waiting.
"""

from __future__ import annotations

import asyncio
import re

import pytest
from sqlalchemy import select

from bot.content import load_content
from bot.fakeapi import BotEvent, FakeBotAPI
from bot.models import Chat, WorkoutSession
from bot.timers import JobQueueTimers
from handlers.workout_live import timer_name
from tests.harness import RunningBot
from tests.workout_helpers import (
    expect_card,
    is_countdown,
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



async def test_a_whole_workout_follows_the_article(api: FakeBotAPI, timed_bot: RunningBot
                                                   ) -> None:
    user, timers = api.user(4001), timed_bot.timers
    await screened(timed_bot, 4001)
    await reach_overview(user, feeling="3")
    await user.press("Let's go")
    card = await expect_card(user, NAMES[SESSION[0]])
    for number, exercise_id in enumerate(SESSION):
        name = NAMES[exercise_id]
        hold, reps, *_ = ARTICLE[exercise_id]
        assert name in card.text and f"hold {hold} s, {reps} times" in card.text, card.text
        await user.expect("tap Start")
        events = await run_exercise(user, name, timers=timers)
        assert holds_in(events) == expected_holds(exercise_id), name
        switches = [e for e in events if "🔄" in (e.text or "")]
        if ARTICLE[exercise_id][4] == EACH:
            # A short message makes the phone sound, and the status follows it.
            assert [e.kind for e in switches] == ["message", "edit"], name
        else:
            assert not switches, name
        if number < len(SESSION) - 1:
            # The next card comes as the rest begins, to be read during it.
            card = await expect_card(user, NAMES[SESSION[number + 1]])
            await user.expect("Rest for", kind="message")
            await timers.advance(CONTENT.pacing.rest_between_exercises_seconds)
    summary = await user.expect("Workout complete")
    assert "Done: 11 of 11 exercises. Skipped: 0" in summary.text
    assert "how does your back feel now" in summary.text
    await user.press("4")
    await user.expect("Thank you!")
    async with timed_bot.services.sessions() as session:
        workout = await session.scalar(select(WorkoutSession).where(
            WorkoutSession.chat_id == 4001))
    assert workout.status == "finished"
    assert (workout.feeling_before, workout.feeling_after) == (3, 4)
    assert (workout.exercises_done, workout.exercises_skipped) == (11, 0)
    await user.send("/progress")
    progress = await user.expect("Completed: 1 workout.")
    assert "11 done, 0 skipped" in progress.text
    assert "back 3 → 4" in progress.text


def knees_to_chest_beats() -> list[tuple[str, float]]:
    """Each prompt of knees to chest, and how long it lasts, by the programme's pacing."""
    pacing = CONTENT.pacing
    beats = [("Get ready", pacing.first_get_ready_seconds)]  # started by a tap
    for rep in range(1, 6):
        beats.append((f"Hold — 5 s\nRep {rep} of 5", 5))
        if rep < 5:
            beats.append((f"Release — rest {pacing.rest_between_reps_seconds:g} s\n"
                          f"Next: rep {rep + 1} of 5", pacing.rest_between_reps_seconds))
    return beats


async def test_hold_prompts_arrive_on_time(api: FakeBotAPI, timed_bot: RunningBot) -> None:
    user, timers = api.user(4002), timed_bot.timers
    await screened(timed_bot, 4002)
    await reach_first_exercise(user)
    await user.press("Skip")  # on to knees to chest: 5 s, 5 times, 3 s rests
    await expect_card(user, NAMES["knees_to_chest"])
    await user.expect("tap Start", kind="message")
    await user.press("Start")
    beats = knees_to_chest_beats()
    prompt = await user.expect(beats[0][0], kind="edit")
    text = prompt.text
    for number, (_, seconds) in enumerate(beats):
        assert timers.due_in(timer_name(4002)) == pytest.approx(seconds), number
        await timers.advance(seconds - 0.1)
        # 0.1 s before it is due: nothing new, though the countdown may have moved.
        while user.history[-1].kind == "edit" and is_countdown(text, user.history[-1].text):
            text = (await user.expect(kind="edit", timeout=0)).text
        await user.expect_nothing(within=0)
        await timers.advance(0.1)
        done = f"Done: {NAMES['knees_to_chest']}"
        expected = beats[number + 1][0] if number + 1 < len(beats) else done
        shown = await user.expect(kind="edit", timeout=0)
        assert expected in shown.text, (number, shown.text)
        assert shown.message_id == prompt.message_id
        text = shown.text
    await expect_card(user, NAMES["standing_back_arch"], timeout=0)
    await user.expect("Rest for", kind="message", timeout=0)


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
    await user.expect("Workout stopped")
    await pass_quick_check(user)
    await user.expect("How does your back feel right now?")
    await user.press("Skip")
    await user.expect("harder end")


async def test_the_bot_runs_workout_timers_on_its_job_queue(bot: RunningBot) -> None:
    assert bot.application is not None and bot.application.job_queue is not None
    queue = bot.application.job_queue
    timers = JobQueueTimers(queue, time_scale=0.5)
    fired = asyncio.Event()

    async def fire() -> None:
        fired.set()

    timers.start("soon", 0.01, fire)
    await asyncio.wait_for(fired.wait(), timeout=30)
    assert timers.elapsed("soon") > 0  # still known once fired, for a pause that races it
    timers.start("later", 3600, fire)
    timers.start("later", 3600, fire)  # replaces the first
    [job] = queue.get_jobs_by_name("later")
    assert job.job.misfire_grace_time is None  # a late prompt is sent, not dropped
    timers.cancel("later")
    assert queue.get_jobs_by_name("later") == ()
    assert timers.elapsed("later") == 0


async def test_the_overview_says_to_stop_and_get_help_on_chest_pain_or_feeling_faint(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(4004)
    await screened(bot, 4004)
    await reach_overview(user)
    [overview] = [e for e in user.history if "Today's workout" in (e.text or "")]
    assert "chest pain or feel faint, stop straight away and get help" in overview.text
