"""Pause, resume, skip and stop at every point of an exercise; stale buttons; restarts.

The workout's timers are the test's own (ManualTimers): nothing fires unless the test moves
time, so a button is always pressed in the phase the test means, however slow the machine.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.content import load_content
from bot.fakeapi import FakeBotAPI, FakeUser
from bot.models import WorkoutSession
from handlers.workout_live import timer_name
from tests.harness import RunningBot
from tests.workout_helpers import (
    ARCH,
    KNEES,
    expect_card,
    fire_until,
    reach_first_exercise,
    screened,
    start_knees,
)

CONTENT = load_content()
HAMSTRING = CONTENT.text("exercises.hamstring_stretch.name")
# Longer than any timer of a workout: time moved this far fires whatever is pending.
LONGER_THAN_ANY_BEAT = 60

# Where in the first exercise to press, and the text that shows we are there.
PHASES = {
    "get ready": "Get ready",
    "hold": "Hold — 20 s",
    "rest": "Release — rest",
    "switch sides": "Now the left leg",
    "rest between exercises": "Rest for",
}



async def at_phase(bot: RunningBot, user: FakeUser, phase: str) -> None:
    await screened(bot, user.id)
    await reach_first_exercise(user)
    await user.press("Start")
    await user.expect("Get ready", kind="edit")
    if phase != "get ready":
        await fire_until(user, bot.timers, PHASES[phase])


async def nothing_fires(bot: RunningBot, user: FakeUser) -> None:
    """No timer of the chat is pending, and moving time shows nothing."""
    assert bot.timers.due_in(timer_name(user.id)) is None
    await bot.timers.advance(LONGER_THAN_ANY_BEAT)
    await user.expect_nothing(within=0)


async def stored_workout(bot: RunningBot, chat_id: int) -> WorkoutSession:
    async with bot.services.sessions() as session:
        return await session.scalar(
            select(WorkoutSession).where(WorkoutSession.chat_id == chat_id)
            .order_by(WorkoutSession.id.desc())
        )


@pytest.mark.parametrize("phase", PHASES)
async def test_pause_and_resume(api: FakeBotAPI, timed_bot: RunningBot, phase: str) -> None:
    user, timers = api.user(5000 + list(PHASES).index(phase)), timed_bot.timers
    await at_phase(timed_bot, user, phase)
    left = timers.due_in(timer_name(user.id))
    await timers.advance(1)
    await user.press("Pause")
    paused = await user.expect("Paused", kind="edit")
    assert paused.buttons == ["▶️ Resume", "⏭ Skip", "⏹ Stop"]
    await nothing_fires(timed_bot, user)  # the clock has stopped
    await user.press("Resume")
    # A second of the phase had gone when it was paused; a hold shows what is left of it.
    resumed = await user.expect(PHASES[phase].replace("20 s", "19 s"), kind="edit")
    assert "Pause" in " ".join(resumed.buttons)
    # The exercise goes on from where it was: the next prompt follows by itself, on time.
    assert timers.due_in(timer_name(user.id)) == pytest.approx(left - 1)
    user.catch_up()
    await timers.advance(left - 1)
    if phase == "rest between exercises":
        await user.expect("tap Start", kind="edit", timeout=0)
    else:
        await user.expect(kind="edit", timeout=0)


@pytest.mark.parametrize("phase", PHASES)
async def test_skip(api: FakeBotAPI, timed_bot: RunningBot, phase: str) -> None:
    user = api.user(5100 + list(PHASES).index(phase))
    await at_phase(timed_bot, user, phase)
    await user.press("Skip")
    if phase == "rest between exercises":
        # During the rest the exercise coming up is the one skipped.
        await user.expect(f"Skipped: {KNEES}")
        await expect_card(user, ARCH)
        expected = (1, 1)
    else:
        await user.expect(f"Skipped: {HAMSTRING}")
        await expect_card(user, KNEES)
        expected = (0, 1)
    await nothing_fires(timed_bot, user)  # no timer of the skipped exercise is left
    workout = await stored_workout(timed_bot, user.id)
    assert (workout.exercises_done, workout.exercises_skipped) == expected


@pytest.mark.parametrize("phase", PHASES)
async def test_stop(api: FakeBotAPI, timed_bot: RunningBot, phase: str) -> None:
    user = api.user(5200 + list(PHASES).index(phase))
    await at_phase(timed_bot, user, phase)
    await user.press("Stop")
    await user.expect("End the workout?", kind="message")
    await user.press("Yes, end it")
    end = await user.expect("Workout stopped")
    if phase == "rest between exercises":
        assert "how does your back feel now" in end.text
    await nothing_fires(timed_bot, user)
    workout = await stored_workout(timed_bot, user.id)
    assert workout.status == "stopped"
    assert workout.finished_at is not None


async def test_cancel_while_the_rating_is_asked_closes_the_question(
    api: FakeBotAPI, timed_bot: RunningBot
) -> None:
    user = api.user(5307)
    await at_phase(timed_bot, user, "rest between exercises")
    await user.press("Stop")
    await user.expect("End the workout?", kind="message")
    await user.press("Yes, end it")
    question = await user.expect("how does your back feel now")
    await user.send("/cancel")
    closed = await user.expect("no rating this time", kind="edit")
    assert closed.message_id == question.message_id and closed.buttons == []
    assert (await stored_workout(timed_bot, user.id)).feeling_after is None


async def test_skip_and_stop_before_starting(api: FakeBotAPI, timed_bot: RunningBot) -> None:
    user = api.user(5301)
    await screened(timed_bot, user.id)
    await reach_first_exercise(user)
    await user.press("Skip")
    await expect_card(user, KNEES)
    await user.expect("tap Start", kind="message")
    await user.press("Stop")
    await user.expect("End the workout?", kind="message")
    await user.press("Yes, end it")
    await user.expect("Workout stopped before any exercise was done")
    await nothing_fires(timed_bot, user)


async def test_cancel_ends_the_workout(api: FakeBotAPI, timed_bot: RunningBot) -> None:
    user = api.user(5302)
    await at_phase(timed_bot, user, "hold")
    await user.send("/cancel")
    await user.expect("Workout stopped")
    await nothing_fires(timed_bot, user)
    assert (await stored_workout(timed_bot, user.id)).status == "stopped"


async def test_stale_buttons_change_nothing(api: FakeBotAPI, timed_bot: RunningBot) -> None:
    user = api.user(5303)
    await screened(timed_bot, user.id)
    await reach_first_exercise(user)
    first_card = user.last_message()
    start_first = first_card["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await user.press("Skip")
    await expect_card(user, KNEES)
    await user.expect("tap Start", kind="message")
    await user.press_data(first_card["message_id"], start_first)
    answer = await user.expect(kind="callback_answer")
    assert answer.text == "That exercise is over."
    await nothing_fires(timed_bot, user)
    # A button from a workout that has ended since.
    await user.send("/cancel")
    await user.expect("Workout stopped")
    await user.press_data(first_card["message_id"], start_first)
    answer = await user.expect(kind="callback_answer")
    assert "That workout is over" in answer.text


async def test_a_forged_button_for_another_chat_changes_nothing(
    api: FakeBotAPI, timed_bot: RunningBot
) -> None:
    user = api.user(5304)
    api.user(5305)
    await screened(timed_bot, user.id)
    await reach_first_exercise(user)
    card = user.last_message()
    stop = card["reply_markup"]["inline_keyboard"][0][2]["callback_data"]
    await user.press_data(card["message_id"], stop, from_chat_id=5305)
    # Updates are handled in turn: once a later press (for no workout) is answered, the forged
    # one has been handled too.
    await user.press_data(card["message_id"], "wo:0:0:stop")
    assert (await user.expect(kind="callback_answer")).text.startswith("That workout is over")
    assert (await stored_workout(timed_bot, user.id)).status == "awaiting_start"


async def test_a_restart_mid_workout_resumes_at_the_exercise(
    api: FakeBotAPI, timed_bot: RunningBot
) -> None:
    user = api.user(5306)
    await start_knees(timed_bot, user)
    await fire_until(user, timed_bot.timers, "Hold — 5 s")
    old_status = user.history[-1]
    await timed_bot.restart()
    # The status from before says what happened, and offers nothing any more.
    marked = await user.expect("Interrupted by a restart", kind="edit")
    assert marked.message_id == old_status.message_id and marked.buttons == []
    note = await expect_card(user, "interrupted")  # the card again, under its picture
    assert KNEES in note.text
    status = await user.expect("tap Start", kind="message")
    assert status.buttons == ["▶️ Start", "⏭ Skip", "⏹ Stop"]
    await user.press("Start")
    await user.expect("Get ready", kind="edit")
    await fire_until(user, timed_bot.timers, f"Done: {KNEES}")
    workout = await stored_workout(timed_bot, user.id)
    assert (workout.exercises_done, workout.exercises_skipped) == (1, 1)


async def test_many_people_work_out_at_once(api: FakeBotAPI, timed_bot: RunningBot) -> None:
    users = [api.user(5400 + n) for n in range(5)]
    for user in users:
        await screened(timed_bot, user.id)
        await reach_first_exercise(user)
        await user.press("Skip")
        await expect_card(user, KNEES)
        await user.expect("tap Start", kind="message")
    for user in users:
        await user.press("Start")
    for user in users:
        await user.expect("Get ready", kind="edit")
    await timed_bot.timers.advance(LONGER_THAN_ANY_BEAT)  # longer than knees to chest takes
    for user in users:
        await user.expect(f"Done: {KNEES}", timeout=0)
