"""/exercises: the list of the programme's exercises, and each one with its picture and steps,
shown only while the chat's safety screen is current and clear."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from bot.content import load_content
from bot.fakeapi import BotEvent, FakeBotAPI, FakeUser
from bot.models import ScreeningResult, utcnow
from bot.workout_text import numbered_steps
from tests.harness import RunningBot
from tests.workout_helpers import screened

CONTENT = load_content()
EXERCISE_IDS = list(CONTENT.exercises)  # programme order


def name(exercise_id: str, lang: str = "en") -> str:
    return CONTENT.text(f"exercises.{exercise_id}.name", lang)


def names_in(events: list[BotEvent]) -> list[str]:
    """Every exercise name, in any language, that reached the chat in these events."""
    return [name(exercise_id, lang) for exercise_id in EXERCISE_IDS for lang in CONTENT.languages
            for event in events if name(exercise_id, lang) in (event.text or "")]


async def open_list(user: FakeUser, lang: str = "en") -> BotEvent:
    await user.send("/exercises")
    return await user.expect(CONTENT.text("ui.library.list", lang).splitlines()[0],
                             kind="message")


async def answered_before_help(user: FakeUser) -> None:
    """Updates are handled one at a time: whatever a press made the bot send comes before the
    answer to a /help sent after it."""
    await user.send("/help")
    await user.expect("Here is what I can do")


def assert_is_mp4(event: BotEvent) -> None:
    assert event.file is not None and b"ftyp" in event.file[:12], event


async def test_the_list_names_every_exercise_and_opens_each_with_its_picture(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(9501)
    await screened(bot, user.id)
    listed = await open_list(user)
    assert listed.buttons == [name(exercise_id) for exercise_id in EXERCISE_IDS]
    assert len(listed.buttons) == 8

    for exercise_id in EXERCISE_IDS:
        await user.press(name(exercise_id), message_id=listed.message_id)
        shown = await user.expect(name(exercise_id), kind="animation")
        assert_is_mp4(shown)
        assert shown.text.startswith(name(exercise_id))
        assert CONTENT.text(f"exercises.{exercise_id}.purpose") in shown.text
        assert numbered_steps(CONTENT, "en", exercise_id) in shown.text
        assert "Dose: hold" in shown.text
        assert shown.buttons == ["◀️ All exercises"]
        await user.press("All exercises", message_id=shown.message_id)
        listed = await user.expect("Here are the exercises", kind="message")
        assert listed.buttons == [name(exercise_id) for exercise_id in EXERCISE_IDS]


async def test_an_exercise_shows_the_article_s_dose_and_says_when_it_is_ours(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(9502)
    await screened(bot, user.id)
    listed = await open_list(user)
    await user.press(name("hamstring_stretch"), message_id=listed.message_id)
    hamstring = await user.expect(name("hamstring_stretch"), kind="animation")
    # The article's range as it gives it, not the workout's pick for today.
    assert "Dose: hold 20–30 s, 2–3 times on each side (right leg first)." in hamstring.text
    assert "Today" not in hamstring.text
    assert CONTENT.text("workout.card.our_dose") not in hamstring.text
    await user.press(name("quadriceps_stretch"), message_id=listed.message_id)
    thigh = await user.expect(name("quadriceps_stretch"), kind="animation")
    assert CONTENT.text("workout.card.our_dose") in thigh.text
    assert CONTENT.text("exercises.quadriceps_stretch.note") in thigh.text


async def test_the_russian_list_and_exercise(api: FakeBotAPI, bot: RunningBot) -> None:
    user = api.user(9503, language_code="ru")
    await screened(bot, user.id)
    listed = await open_list(user, "ru")
    assert listed.text.startswith("Вот упражнения из тренировки")
    assert listed.buttons == [name(exercise_id, "ru") for exercise_id in EXERCISE_IDS]
    await user.press(name("crunch", "ru"), message_id=listed.message_id)
    shown = await user.expect(name("crunch", "ru"), kind="animation")
    assert numbered_steps(CONTENT, "ru", "crunch") in shown.text
    assert "Нагрузка: удержание" in shown.text
    assert shown.buttons == ["◀️ Все упражнения"]


async def test_a_chat_never_screened_gets_the_gate_and_no_exercise(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(9504)
    await user.send("/exercises")
    gate = await user.expect("once you've answered a few safety questions")
    assert gate.buttons == ["🩺 Answer the safety questions"]
    await user.press_data(424242, "ex:show:crunch")  # a button the bot never sent
    await user.expect("once you've answered a few safety questions")
    await user.press_data(424242, "ex:list")
    await user.expect("once you've answered a few safety questions")
    assert not names_in(user.history), user.log()
    assert not [event for event in user.history if event.kind == "animation"]
    await user.press("Answer the safety questions", message_id=gate.message_id)
    await user.expect(f"Question 1 of {len(CONTENT.questions)}")


@pytest.mark.parametrize("data", [
    "ex:show:headstand", "ex:show:Crunch", "ex:show:", "ex:", "ex:show:crunch:1", "ex:crunch",
    "ex:show:" + "a" * 55,
])
async def test_a_forged_or_unknown_exercise_button_gets_a_friendly_answer(
    api: FakeBotAPI, bot: RunningBot, data: str
) -> None:
    user = api.user(9505)
    await screened(bot, user.id)
    await user.press_data(424242, data)
    answer = await user.expect(kind="callback_answer")
    assert answer.text == "I don't know that exercise. Send /exercises to see the list."
    await answered_before_help(user)
    assert not names_in(user.history), user.log()


async def test_a_button_pressed_after_the_screen_expired_gets_the_gate(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(9506)
    await screened(bot, user.id)
    listed = await open_list(user)
    await user.press(name("superman"), message_id=listed.message_id)
    shown = await user.expect(name("superman"), kind="animation")
    async with bot.services.sessions.begin() as session:  # the list waited for a month
        await session.execute(update(ScreeningResult).where(ScreeningResult.chat_id == user.id)
                              .values(completed_at=utcnow() - timedelta(days=31)))
    user.catch_up()
    await user.press(name("crunch"), message_id=listed.message_id)
    await user.expect("more than 30 days", kind="message")
    await user.press("All exercises", message_id=shown.message_id)
    gate = await user.expect("more than 30 days", kind="message")
    assert gate.buttons == ["🩺 Answer the safety questions"]
    await answered_before_help(user)
    after = user.history[user.history.index(shown) + 1:]
    assert not names_in(after), user.log()
    assert not [event for event in after if event.kind == "animation"]


async def test_a_button_pressed_after_the_screen_changed_gets_the_gate(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(9507)
    await screened(bot, user.id)
    listed = await open_list(user)
    await screened(bot, user.id, outcome="see_doctor", age=timedelta(minutes=1))
    await user.press(name("crunch"), message_id=listed.message_id)
    await user.expect("ruled out these exercises for now, so I'm not showing them")
    await answered_before_help(user)
    assert not names_in(user.history[user.history.index(listed) + 1:]), user.log()


async def test_just_screened_opens_the_exercises_without_the_quick_check(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(9508)
    await screened(bot, user.id, age=timedelta(minutes=5))
    listed = await open_list(user)
    await user.press(name("knees_to_chest"), message_id=listed.message_id)
    assert_is_mp4(await user.expect(name("knees_to_chest"), kind="animation"))
