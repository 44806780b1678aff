"""The back rating acts: severe pain before a workout means none today, pain that rises after
it means rest (and the next /workout asks whether it has settled), and a stopped workout says
what to do if something hurt. The limits are program.toml's [back_rating]."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import workouts
from bot.content import load_content
from bot.fakeapi import FakeBotAPI, FakeUser
from bot.models import WorkoutSession
from bot.workout import Status
from tests.harness import RunningBot
from tests.test_workout_controls import stored_workout
from tests.workout_helpers import expect_card, fire_until, screened

CONTENT = load_content()
LIMITS = CONTENT.back_rating


@pytest.mark.parametrize(("before", "too_sore"), [(0, False), (6, False), (7, True), (10, True)])
def test_severe_pain_before_means_no_workout(before: int, too_sore: bool) -> None:
    assert workouts.too_sore_to_start(LIMITS, before) is too_sore


@pytest.mark.parametrize(("before", "after", "hurt_more"), [
    (3, 4, False), (3, 5, True), (0, 2, True), (6, 6, False), (None, 6, False),
    (None, 7, True), (8, 7, True), (3, None, False), (5, 3, False),
])
def test_pain_that_rises_after_means_rest(before: int | None, after: int | None,
                                          hurt_more: bool) -> None:
    assert workouts.hurt_more_after(LIMITS, before, after) is hurt_more


async def rated_before(bot: RunningBot, user: FakeUser, rating: str) -> None:
    """/workout right after a full screen (so no quick check), rated ``rating`` before."""
    await screened(bot, user.id, age=timedelta(minutes=5))
    await user.send("/workout")
    await user.expect("How does your back feel right now?")
    await user.press(rating)


async def sore_workout(bot: RunningBot, chat_id: int, before: int, after: int) -> None:
    """A finished workout the person rated ``before`` and ``after``."""
    async with bot.services.sessions.begin() as session:
        session.add(WorkoutSession(chat_id=chat_id, status=Status.FINISHED.value,
                                   feeling_before=before, feeling_after=after))


async def test_a_rating_of_7_before_the_workout_means_none_today(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(8101)
    await rated_before(bot, user, "9")
    advice = await user.expect("skip the workout today")
    assert "walk" in advice.text and "doctor" in advice.text
    assert not [e for e in user.history if "Today's workout" in (e.text or "")]
    workout = await stored_workout(bot, user.id)
    assert (workout.status, workout.feeling_before) == ("stopped", 9)
    await user.send("9")  # typed again: the question is over
    await user.expect("I'm not sure what you mean")


async def test_a_rating_of_6_before_the_workout_goes_on(api: FakeBotAPI, bot: RunningBot
                                                       ) -> None:
    user = api.user(8102)
    await rated_before(bot, user, "6")
    await user.expect("Today's workout")


async def test_pain_that_rises_after_the_workout_gets_advice_to_rest(
    api: FakeBotAPI, timed_bot: RunningBot
) -> None:
    user = api.user(8103)
    await rated_before(timed_bot, user, "3")
    await user.expect("Today's workout")
    await user.press("Let's go")
    await expect_card(user, CONTENT.text("exercises.hamstring_stretch.name"))
    await user.expect("tap Start", kind="message")
    await user.press("Start")
    await user.expect("Get ready", kind="edit")  # its timer is set before it is shown
    await fire_until(user, timed_bot.timers, "Rest for")
    await user.press("Stop")
    await user.expect("End the workout?")
    await user.press("Yes, end it")
    stopped = await user.expect("Workout stopped")
    assert "If you stopped because something hurt" in stopped.text
    assert "see a doctor" in stopped.text
    assert "how does your back feel now" in stopped.text
    await user.press("5")
    advice = await user.expect("rest from these exercises")
    assert "see a doctor" in advice.text
    assert not [e for e in user.history if "Thank you!" in (e.text or "")]


async def ask_if_settled(user: FakeUser) -> None:
    await user.send("/workout")
    question = await user.expect(
        "Last time your back hurt more after the workout. Has it settled?")
    assert question.buttons == ["Yes, it has", "No, not yet"]


async def test_after_a_sore_workout_the_next_asks_whether_it_has_settled(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(8104)
    await screened(bot, user.id)
    await sore_workout(bot, user.id, before=2, after=6)
    await ask_if_settled(user)
    await user.press("No, not yet")
    await user.expect("No, not yet", kind="edit")
    rest = await user.expect("leave the exercises for today")
    assert "see a doctor" in rest.text
    await ask_if_settled(user)  # asked again, since it had not settled
    await user.press("Yes, it has")
    await user.expect("Yes, it has", kind="edit")
    await user.expect("quick check")  # then the usual way in: the quick check first


async def test_once_the_next_workout_has_begun_the_question_is_not_asked_again(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(8108)
    await screened(bot, user.id, age=timedelta(minutes=5))
    await sore_workout(bot, user.id, before=2, after=6)
    await ask_if_settled(user)
    question = user.last_message()["message_id"]
    await user.press("Yes, it has")
    await user.expect("How does your back feel right now?")  # no quick check: just screened
    await user.press_data(question, f"wo:{(await stored_workout(bot, user.id)).id - 1}:0:settled")
    await user.expect("You've already answered this.", kind="callback_answer")


async def test_a_forged_settled_answer_starts_nothing(api: FakeBotAPI, bot: RunningBot) -> None:
    user = api.user(8105)
    await screened(bot, user.id)
    await sore_workout(bot, user.id, before=2, after=6)
    await ask_if_settled(user)
    message_id = user.last_message()["message_id"]
    await user.press_data(message_id, "wo:999999:0:settled")
    await user.expect("You've already answered this.", kind="callback_answer")
    api.user(8106)
    await user.press_data(message_id, "wo:1:0:settled", from_chat_id=8106)
    await user.send("/help")  # handled after the press
    await user.expect("Here is what I can do")
    assert not [e for e in user.history if "quick check" in (e.text or "")]


async def test_the_settled_question_in_russian(api: FakeBotAPI, bot: RunningBot) -> None:
    user = api.user(8107, language_code="ru")
    await screened(bot, user.id)
    await sore_workout(bot, user.id, before=1, after=8)
    await user.send("/workout")
    question = await user.expect("В прошлый раз после тренировки спина болела сильнее")
    assert question.buttons == ["Да, прошло", "Нет, ещё нет"]
    await user.press("Нет, ещё нет")
    await user.expect("Тогда сегодня обойдёмся без упражнений")
