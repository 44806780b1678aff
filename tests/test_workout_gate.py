"""Who gets a workout: the screen and the quick check decide before any exercise."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.content import load_content
from bot.fakeapi import FakeBotAPI, FakeUser
from bot.models import ScreeningResult, WorkoutSession
from tests.harness import RunningBot
from tests.workout_helpers import QUICK_CHECK_QUESTIONS, pass_quick_check, screened

QUESTIONS = load_content().questions
QUICK_CHECK = [q.id for q in QUESTIONS if q.recheck_before_workout]


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
    await user.expect(f"Question 1 of {len(QUESTIONS)}")
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


async def answer_quick_check(user: FakeUser, yes_to: set[str]) -> None:
    total = QUICK_CHECK_QUESTIONS
    for number, qid in enumerate(QUICK_CHECK, start=1):
        await user.expect(f"Question {number} of {total}")
        await user.press("Yes" if qid in yes_to else "No")


async def test_the_quick_check_asks_the_urgent_signs_and_fever_first(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    assert QUICK_CHECK[:2] == ["red_flag_urgent", "fever"]
    await screened(bot, 3009)
    user = api.user(3009)
    await user.send("/workout")
    first = await user.expect(f"Question 1 of {QUICK_CHECK_QUESTIONS}")
    assert "between your legs" in first.text
    await user.press("No")
    second = await user.expect(f"Question 2 of {QUICK_CHECK_QUESTIONS}")
    assert "fever" in second.text


async def test_a_yes_in_the_quick_check_ends_it_kindly(api: FakeBotAPI, bot: RunningBot) -> None:
    await screened(bot, 3006)
    user = api.user(3006)
    await user.send("/workout")
    await answer_quick_check(user, {"bleeding", "fever"})
    reply = await user.expect("skip today's workout")
    assert "bleeding" in reply.text and "fever" in reply.text
    await user.expect_nothing(within=0.3)
    assert await workout_rows(bot, 3006) == 0
    async with bot.services.sessions() as session:  # a passing state: the result is kept
        result = await session.scalar(select(ScreeningResult)
                                      .where(ScreeningResult.chat_id == 3006))
    assert result.outcome == "cleared"


async def test_an_urgent_sign_in_the_quick_check_is_an_emergency(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    await screened(bot, 3010)
    user = api.user(3010)
    await user.send("/workout")
    await user.expect(f"Question 1 of {QUICK_CHECK_QUESTIONS}")
    await user.press("Yes")
    reply = await user.expect("medical help now")
    assert "emergency department" in reply.text and "cauda equina" in reply.text
    await user.expect_nothing(within=0.3)
    assert await workout_rows(bot, 3010) == 0
    async with bot.services.sessions() as session:
        result = await session.scalar(select(ScreeningResult)
                                      .where(ScreeningResult.chat_id == 3010))
    assert result.outcome == "urgent"
    await user.send("/workout")  # the advice is repeated until the screen is answered again
    await user.expect("medical help now")


async def test_right_after_the_full_screen_the_quick_check_is_not_repeated(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(3007)
    await user.send("/screen")
    for number in range(1, len(QUESTIONS) + 1):
        await user.expect(f"Question {number} of {len(QUESTIONS)}")
        await user.press("No")
    await user.expect("Nothing in your answers rules out")
    await user.press("Start a workout")
    await user.expect("How does your back feel right now?")


async def test_the_back_rating_can_be_typed(api: FakeBotAPI, bot: RunningBot) -> None:
    await screened(bot, 3008)
    user = api.user(3008)
    await pass_quick_check(user)
    await user.expect("How does your back feel right now?")
    await user.send("12")  # not on the scale: not taken as a rating, the question is asked again
    question = await user.expect("I'm still waiting for your answer", kind="message")
    assert "How does your back feel right now?" in question.text
    await user.send(" 4 ")
    noted = await user.expect("Noted: 4 out of 10.", kind="edit")
    assert noted.message_id == question.message_id and noted.buttons == []
    await user.expect("Today's workout")
    async with bot.services.sessions() as session:
        workout = await session.scalar(
            select(WorkoutSession).where(WorkoutSession.chat_id == 3008)
        )
    assert workout.feeling_before == 4
    await user.send("5")  # no rating is asked now: the overview's question is
    await user.expect("Today's workout is ready. Tap ▶️ Let's go")
