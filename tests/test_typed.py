"""Words typed where the bot offers buttons, through the fake Bot API as a person types them:
ratings in figures and words, workout controls, yes and no, and the open question asked again
for anything else. In English and Russian."""

from __future__ import annotations

from sqlalchemy import select

from bot.content import load_content
from bot.fakeapi import FakeBotAPI, FakeUser
from bot.models import WalkLog, WorkoutSession
from bot.typed_words import TypedWords
from handlers.workout_live import timer_name
from tests.harness import RunningBot
from tests.workout_helpers import (
    expect_card,
    pass_quick_check,
    reach_first_exercise,
    reach_overview,
    screened,
)

CONTENT = load_content()


async def workout_row(bot: RunningBot, chat_id: int) -> WorkoutSession:
    async with bot.services.sessions() as session:
        return (await session.scalars(
            select(WorkoutSession).where(WorkoutSession.chat_id == chat_id))).one()


def test_words_mean_a_button_only_as_a_whole_message() -> None:
    english, russian = TypedWords.of(CONTENT, "en"), TypedWords.of(CONTENT, "ru")
    assert english.rating("Seven!") == 7 and english.rating(" 10 ") == 10
    assert english.rating("11") is None and english.rating("seven days") is None
    assert russian.rating("Семь") == 7 and russian.rating("ноль") == 0
    assert english.action("Pause!", ("pause", "stop")) == "pause"
    assert english.action("pause the music please", ("pause",)) is None
    assert english.action("yes", ("pause", "stop")) is None  # not offered
    assert russian.action("Стоп.", ("stop",)) == "stop"
    assert russian.action("Ещё", ("stop",)) is None


async def test_a_rating_typed_in_words_or_figures_is_recorded(
    api: FakeBotAPI, timed_bot: RunningBot
) -> None:
    user = api.user(7701)
    await screened(timed_bot, 7701)
    await pass_quick_check(user)
    await user.expect("How does your back feel right now?")
    await user.send("Four")
    await user.expect("Noted: 4 out of 10.", kind="edit")
    await user.expect("Today's workout")
    assert (await workout_row(timed_bot, 7701)).feeling_before == 4


async def test_other_text_at_the_rating_asks_it_again_with_its_buttons(
    api: FakeBotAPI, timed_bot: RunningBot
) -> None:
    user = api.user(7702)
    await screened(timed_bot, 7702)
    await pass_quick_check(user)
    first = await user.expect("How does your back feel right now?")
    await user.send("not too bad")
    off = await user.expect(kind="edit")
    assert off.message_id == first.message_id and off.buttons == []
    again = await user.expect("I'm still waiting for your answer to this one")
    assert "How does your back feel right now?" in again.text
    assert "type one from 0 to 10" in again.text and "10" in again.buttons
    await user.press("3", message_id=again.message_id)
    await user.expect("Noted: 3 out of 10.", kind="edit")
    await user.expect("Today's workout")


async def test_lets_go_typed_starts_the_workout(api: FakeBotAPI, timed_bot: RunningBot) -> None:
    user = api.user(7703)
    await screened(timed_bot, 7703)
    await reach_overview(user)
    await user.send("what now?")
    again = await user.expect("Today's workout is ready")
    assert "▶️ Let's go" in again.buttons
    await user.send("Let's go!")
    await expect_card(user, "Lying hamstring stretch")


async def test_pause_resume_skip_and_stop_typed_during_the_workout(
    api: FakeBotAPI, timed_bot: RunningBot
) -> None:
    user, timers = api.user(7704), timed_bot.timers
    await screened(timed_bot, 7704)
    await reach_first_exercise(user)
    await user.send("start")
    await user.expect("Get ready", kind="edit")
    await user.send("Pause")
    await user.expect("Paused", kind="edit")
    assert timers.due_in(timer_name(7704)) is None  # the clock stopped
    await user.send("pause")
    assert "can't be done at this moment" in (await user.expect("“pause”")).text
    await user.send("resume")
    await user.expect("Get ready", kind="edit")
    await user.send("hello")
    await user.expect("A workout is under way. Use its buttons, or type pause")
    await user.send("next")
    await user.expect("Skipped: Lying hamstring stretch", kind="edit")
    await expect_card(user, "Knees to chest")
    await user.send("stop")
    await user.expect("End the workout?")
    await user.send("no")
    await user.expect("Okay, let's keep going.", kind="edit")
    await user.send("stop")
    await user.expect("End the workout?")
    await user.send("what?")
    again = await user.expect("End the workout?", kind="message")
    assert again.buttons == ["Yes, end it", "Keep going"]
    await user.send("yes")
    await user.expect("Workout stopped")
    assert (await workout_row(timed_bot, 7704)).status == "stopped"


async def test_russian_words_in_a_workout(api: FakeBotAPI, timed_bot: RunningBot) -> None:
    user = api.user(7705, language_code="ru")
    await screened(timed_bot, 7705)
    await user.send("/workout")
    for _ in range(sum(q.recheck_before_workout for q in CONTENT.questions)):
        question = await user.expect("Вопрос", kind="message")
        await user.press("Нет", message_id=question.message_id)
    await user.expect("Как ваша спина прямо сейчас?")
    await user.send("Два")
    await user.expect("Записано: 2 из 10.", kind="edit")
    await user.send("начинаем")
    await user.expect("нажмите «Старт»")
    await user.send("пропустить")
    await user.expect("Пропущено", kind="edit")
    await user.send("стоп")
    await user.expect("Закончить тренировку?")
    await user.send("да")
    await user.expect("Тренировка остановлена")


async def test_yes_or_no_typed_at_forget(api: FakeBotAPI, bot: RunningBot) -> None:
    user = api.user(7706)
    await user.send("/walk 3")
    await user.expect("Logged")
    await user.send("/forget")
    asked = await user.expect("Delete everything I store about you?")
    await user.send("no")
    kept = await user.expect("I've kept everything", kind="edit")
    assert kept.message_id == asked.message_id and kept.buttons == []
    await user.send("/forget")
    await user.expect("Delete everything I store about you?")
    await user.send("maybe later")
    again = await user.expect("Delete everything I store about you?", kind="message")
    assert len(again.buttons) == 2
    await user.send("Yes")
    await user.expect("I've deleted everything", kind="edit")
    async with bot.services.sessions() as session:
        assert not (await session.scalars(select(WalkLog).where(WalkLog.chat_id == 7706))).all()
    await user.send("yes")  # nothing is asked any more
    await user.expect("not sure what you mean")


async def plain_text_with_nothing_open(user: FakeUser) -> None:
    await user.send("hello there")
    await user.expect("not sure what you mean")


async def test_with_nothing_open_text_gets_the_usual_reply(api: FakeBotAPI, bot: RunningBot
                                                          ) -> None:
    await plain_text_with_nothing_open(api.user(7707))


async def test_a_question_answered_by_buttons_is_asked_again_for_other_text(
    api: FakeBotAPI, timed_bot: RunningBot
) -> None:
    user = api.user(7708)
    await screened(timed_bot, 7708)
    await reach_first_exercise(user)
    await user.press("Start")
    await user.expect("Get ready", kind="edit")
    await user.send("/workout")
    await user.expect("Carry on with it, or start again?")
    await user.send("hmm")
    again = await user.expect("I'm still waiting for your answer to this one", kind="message")
    assert "Carry on with it, or start again?" in again.text
    assert again.buttons == ["▶️ Carry on", "🔄 Start again"]
    await user.press("Carry on", message_id=again.message_id)
    await user.expect("Get ready", kind="message")
    await user.send("hmm")  # answered: the workout's own hint now
    await user.expect("A workout is under way")


async def test_the_language_question_is_asked_again_in_russian(api: FakeBotAPI, bot: RunningBot
                                                               ) -> None:
    user = api.user(7709, language_code="ru")
    await user.send("/language")
    asked = await user.expect(kind="message")
    await user.send("не знаю")
    again = await user.expect("Я всё ещё жду ответа на этот вопрос", kind="message")
    assert asked.text in again.text and again.buttons == ["English", "Русский"]
    await user.press("English", message_id=again.message_id)
    await user.expect("I'll speak English", kind="edit")
    await user.send("hello")
    await user.expect("not sure what you mean")
