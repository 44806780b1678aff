"""Who gets a workout: the screen and the quick check decide before any exercise."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.fakeapi import FakeBotAPI
from bot.models import WorkoutSession
from tests.harness import RunningBot
from tests.workout_helpers import pass_quick_check, screened


async def workout_rows(bot: RunningBot, chat_id: int) -> int:
    async with bot.services.sessions() as session:
        return await session.scalar(
            select(func.count()).select_from(WorkoutSession)
            .where(WorkoutSession.chat_id == chat_id)
        )


async def test_a_person_never_screened_is_sent_to_the_screen(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(3001)
    await user.send("/workout")
    reply = await user.expect("Before your first workout")
    assert reply.buttons == ["🩺 Answer the safety questions"]
    await user.press("Answer the safety questions")
    await user.expect("Question 1 of 9")
    assert await workout_rows(bot, 3001) == 0


async def test_a_blocked_person_gets_no_workout(api: FakeBotAPI, bot: RunningBot) -> None:
    await screened(bot, 3002, outcome="see_doctor")
    user = api.user(3002)
    await user.send("/workout")
    await user.expect("ruled out these exercises")
    await user.expect_nothing(within=0.3)
    assert await workout_rows(bot, 3002) == 0


async def test_a_therapeutic_outcome_also_gets_no_workout(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    await screened(bot, 3003, outcome="therapeutic")
    user = api.user(3003)
    await user.send("/workout")
    await user.expect("ruled out these exercises")


async def test_a_screen_older_than_thirty_days_is_asked_again(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    await screened(bot, 3004, age=timedelta(days=31))
    user = api.user(3004)
    await user.send("/workout")
    await user.expect("more than 30 days")
    assert await workout_rows(bot, 3004) == 0


async def test_the_quick_check_asks_the_passing_conditions(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    await screened(bot, 3005)
    user = api.user(3005)
    await pass_quick_check(user)
    await user.expect("How does your back feel right now?")
    assert await workout_rows(bot, 3005) == 1


async def test_a_yes_in_the_quick_check_ends_it_kindly(api: FakeBotAPI, bot: RunningBot) -> None:
    await screened(bot, 3006)
    user = api.user(3006)
    await user.send("/workout")
    await user.expect("Question 1 of 3")
    await user.press("No")
    await user.expect("Question 2 of 3")
    await user.press("Yes")  # bleeding today
    await user.expect("Question 3 of 3")
    await user.press("No")
    reply = await user.expect("skip today's workout")
    assert "bleeding" in reply.text
    await user.expect_nothing(within=0.3)
    assert await workout_rows(bot, 3006) == 0


async def test_right_after_the_full_screen_the_quick_check_is_not_repeated(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(3007)
    await user.send("/screen")
    for number in range(1, 10):
        await user.expect(f"Question {number} of 9")
        await user.press("No")
    await user.expect("Nothing in your answers rules out")
    await user.press("Start a workout")
    await user.expect("How does your back feel right now?")


async def test_the_back_rating_can_be_typed(api: FakeBotAPI, bot: RunningBot) -> None:
    await screened(bot, 3008)
    user = api.user(3008)
    await pass_quick_check(user)
    question = await user.expect("How does your back feel right now?")
    await user.send("12")  # not on the scale: not taken as a rating
    await user.expect("I'm not sure what you mean")
    await user.send(" 4 ")
    noted = await user.expect("Noted: 4 out of 10.", kind="edit")
    assert noted.message_id == question.message_id and noted.buttons == []
    await user.expect("Today's workout")
    async with bot.services.sessions() as session:
        workout = await session.scalar(
            select(WorkoutSession).where(WorkoutSession.chat_id == 3008)
        )
    assert workout.feeling_before == 4
    await user.send("5")  # nothing is being asked now
    await user.expect("I'm not sure what you mean")
