"""/start ends with the next step as buttons, by where the person is; a mistyped command gets
the one it most likely meant, on a button that sends it."""

from __future__ import annotations

from datetime import timedelta

from bot.fakeapi import FakeBotAPI
from bot.screening import Outcome
from tests.harness import RunningBot
from tests.test_reminders_support import screened
from tests.workout_helpers import QUICK_CHECK_QUESTIONS


async def test_start_offers_the_safety_questions_first(api: FakeBotAPI, bot: RunningBot) -> None:
    user = api.user(7901)
    await user.send("/start")
    greeting = await user.expect("Hi")
    assert greeting.buttons == ["🩺 Answer the safety questions"]
    await user.press("Answer the safety questions")
    await user.expect("Question 1 of")


async def test_start_after_a_clear_screen_offers_a_workout_and_a_reminder(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(7902)
    await screened(bot, 7902, age=timedelta(hours=3))
    await user.send("/start")
    greeting = await user.expect("Hi")
    assert greeting.buttons == ["🏃 Start a workout",
                                "⏰ Set a reminder: a walk, the workout, desk breaks"]
    await user.press("Start a workout")
    await user.expect(f"Question 1 of {QUICK_CHECK_QUESTIONS}")  # the quick check comes first
    await user.send("/cancel")
    await user.expect("stopped")
    await user.press("Set a reminder", message_id=greeting.message_id)
    await user.expect("which time zone are you in")


async def test_start_offers_nothing_towards_exercise_after_a_warning_sign(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    urgent, blocked = api.user(7903), api.user(7904)
    await screened(bot, 7903, Outcome.URGENT)
    await screened(bot, 7904, Outcome.SEE_DOCTOR)
    await urgent.send("/start")
    assert (await urgent.expect("Hi")).buttons == []
    await blocked.send("/start")
    assert (await blocked.expect("Hi")).buttons == [
        "⏰ Set a reminder: a walk, the workout, desk breaks"]


async def test_start_in_russian(api: FakeBotAPI, bot: RunningBot) -> None:
    user = api.user(7905, language_code="ru")
    await user.send("/start")
    greeting = await user.expect("Привет")
    assert greeting.buttons == ["🩺 Ответить на вопросы о безопасности"]


async def test_a_mistyped_command_gets_the_one_it_meant(api: FakeBotAPI, bot: RunningBot) -> None:
    user = api.user(7906)
    await user.send("/wrokout")
    reply = await user.expect("I don't know /wrokout. Did you mean /workout?")
    assert reply.reply_markup["keyboard"] == [[{"text": "/workout"}]]
    assert reply.reply_markup["one_time_keyboard"] is True
    await user.send("/xyzzy")
    await user.expect("I don't know that command. Type /help")
    russian = api.user(7907, language_code="ru")
    await russian.send("/progres")
    reply = await russian.expect("Может быть, вы имели в виду /progress?")
    assert reply.buttons == ["/progress"]
