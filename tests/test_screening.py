"""The safety screen end to end, as a person answers it in Telegram."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select, update

from bot.content import load_content
from bot.fakeapi import FakeBotAPI, FakeUser
from bot.models import ScreeningDraft, ScreeningResult, utcnow
from tests.harness import RunningBot

QUESTION_ORDER = [q.id for q in load_content().questions]
TOTAL = len(QUESTION_ORDER)


def button_data(user: FakeUser, label: str) -> tuple[int, str]:
    """The newest keyboard's message id and the data of its button ``label``, kept for later."""
    message = user.last_message()
    for row in message["reply_markup"]["inline_keyboard"]:
        for button in row:
            if label in button["text"]:
                return message["message_id"], button["callback_data"]
    raise AssertionError(f"no {label!r} button on {message}")


async def question(user: FakeUser, number: int) -> None:
    await user.expect(f"Question {number} of {TOTAL}")


async def begin(user: FakeUser) -> None:
    await user.send("/screen")
    await user.expect("yes/no questions")
    await question(user, 1)


async def answer_by_buttons(user: FakeUser, yes_to: set[str] = frozenset()) -> None:
    for number, qid in enumerate(QUESTION_ORDER, start=1):
        await user.press("Yes" if qid in yes_to else "No")
        if number < TOTAL:
            await question(user, number + 1)


async def stored(bot: RunningBot, chat_id: int) -> ScreeningResult | None:
    async with bot.services.sessions() as session:
        return await session.scalar(
            select(ScreeningResult).where(ScreeningResult.chat_id == chat_id)
        )


async def draft_of(bot: RunningBot, chat_id: int) -> ScreeningDraft | None:
    async with bot.services.sessions() as session:
        return await session.get(ScreeningDraft, chat_id)


async def test_all_no_by_buttons_clears_the_person(api: FakeBotAPI, bot: RunningBot) -> None:
    user = api.user(2001)
    await begin(user)
    await answer_by_buttons(user)
    outcome = await user.expect("Nothing in your answers rules out")
    assert outcome.buttons == ["🏃 Start a workout"]
    result = await stored(bot, 2001)
    assert result is not None and result.outcome == "cleared"
    assert result.answers == dict.fromkeys(QUESTION_ORDER, False)
    assert await draft_of(bot, 2001) is None


async def test_an_answered_question_shows_the_answer_and_loses_its_buttons(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(2002)
    await begin(user)
    first, _ = button_data(user, "No")
    await user.press("No")
    edit = await user.expect("Your answer: no", kind="edit")
    assert edit.message_id == first
    assert not edit.buttons


async def test_typed_answers_in_english_and_russian(api: FakeBotAPI, bot: RunningBot) -> None:
    user = api.user(2003)
    await begin(user)
    typed = ["no", "N", "нет", "Nope", "no.", "НЕТ", "n", "no", "no", "nah", "не", "no!", "н",
             "no", "no"]
    assert len(typed) == TOTAL
    for number, word in enumerate(typed, start=1):
        await user.send(word)
        if number < TOTAL:
            await question(user, number + 1)
    await user.expect("Nothing in your answers rules out")
    assert (await stored(bot, 2003)).outcome == "cleared"


async def test_a_typed_yes_in_russian_counts(api: FakeBotAPI, bot: RunningBot) -> None:
    user = api.user(2004)
    await begin(user)
    await user.send("да")
    await user.expect("Please get medical help now")


async def test_urgent_red_flag_stops_at_once(api: FakeBotAPI, bot: RunningBot) -> None:
    user = api.user(2005)
    await begin(user)
    await user.press("Yes")
    urgent = await user.expect("medical help now")
    assert "emergency department" in urgent.text and "emergency services" in urgent.text
    assert "cauda equina" in urgent.text  # the reason follows the advice
    # No habits button: its first tip is a 6-8 km walk, and getting help comes first.
    assert urgent.buttons == [load_content().text("ui.screen.rescreen_button")]
    await user.expect_nothing(within=0.3)
    assert (await stored(bot, 2005)).outcome == "urgent"


async def test_a_contraindication_explains_the_reason_kindly(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(2006)
    await begin(user)
    await answer_by_buttons(user, {"pregnancy", "spinal_injury"})
    outcome = await user.expect("I won't offer you the exercises")
    assert "Because you're pregnant" in outcome.text
    assert "injured your spine" in outcome.text
    assert "severe pain" not in outcome.text
    assert outcome.buttons == ["💡 Back-friendly habits", "🔁 Answer the questions again"]
    assert (await stored(bot, 2006)).outcome == "see_doctor"


async def test_red_flag_means_see_a_doctor(api: FakeBotAPI, bot: RunningBot) -> None:
    user = api.user(2007)
    await begin(user)
    await answer_by_buttons(user, {"cancer_or_weight_loss", "night_pain"})
    outcome = await user.expect("I won't offer you the exercises")
    assert "history of cancer" in outcome.text
    assert "worse at night" in outcome.text
    assert (await stored(bot, 2007)).outcome == "see_doctor"


async def test_a_serious_accident_is_an_emergency(api: FakeBotAPI, bot: RunningBot) -> None:
    user = api.user(2022)
    await begin(user)
    await user.press("No")
    await question(user, 2)
    await user.press("Yes")
    urgent = await user.expect("medical help now")
    assert "broken bone" in urgent.text
    await user.expect_nothing(within=0.3)
    result = await stored(bot, 2022)
    assert result.outcome == "urgent"
    assert result.answers == {"red_flag_urgent": False, "serious_accident": True}


async def test_fragile_bones_point_to_therapeutic_exercise(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(2023)
    await begin(user)
    await answer_by_buttons(user, {"fragile_bones"})
    outcome = await user.expect("therapeutic exercise")
    assert "crunches" in outcome.text and "physiotherapist" in outcome.text
    assert (await stored(bot, 2023)).outcome == "therapeutic"


async def test_a_typed_answer_closes_the_question_as_a_press_does(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(2024)
    await begin(user)
    first = user.last_message()["message_id"]
    await user.send("no")
    edit = await user.expect("Your answer: no", kind="edit")
    assert edit.message_id == first and not edit.buttons
    assert "Question 1 of" in edit.text
    await question(user, 2)
    await user.send("да")
    edit = await user.expect("Your answer: yes", kind="edit")
    assert "Question 2 of" in edit.text and not edit.buttons
    await user.expect("medical help now")


async def test_osteochondrosis_or_scoliosis_points_to_therapeutic_exercise(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(2008)
    await begin(user)
    await answer_by_buttons(user, {"diagnosed_condition"})
    outcome = await user.expect("therapeutic exercise")
    assert "specialist" in outcome.text and "diagnosed condition of the spine" in outcome.text
    assert (await stored(bot, 2008)).outcome == "therapeutic"


async def test_back_changes_the_previous_answer(api: FakeBotAPI, bot: RunningBot) -> None:
    user = api.user(2009)
    await begin(user)
    pain = QUESTION_ORDER.index("severe_pain") + 1
    for number in range(1, pain):
        await user.press("No")
        await question(user, number + 1)
    await user.press("Yes")  # severe pain: yes, by mistake
    await question(user, pain + 1)
    await user.press("Back")
    await question(user, pain)
    await user.press("No")
    for number in range(pain + 1, TOTAL + 1):
        await question(user, number)
        await user.press("No")
    await user.expect("Nothing in your answers rules out")
    assert (await stored(bot, 2009)).answers["severe_pain"] is False


async def test_an_unclear_answer_asks_again_with_the_buttons(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(2010)
    await begin(user)
    await user.send("maybe, it depends")
    await user.expect("Please answer yes or no")
    again = await user.expect(f"Question 1 of {TOTAL}")
    assert again.buttons == ["✅ Yes", "❌ No"]
    assert (await draft_of(bot, 2010)).answers == []


async def test_cancel_leaves_the_screen_and_keeps_the_old_result(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(2011)
    await begin(user)
    await answer_by_buttons(user)
    await user.expect("Nothing in your answers rules out")
    await begin(user)
    await user.press("No")
    await question(user, 2)
    await user.send("/cancel")
    await user.expect("stopped the questions")
    assert await draft_of(bot, 2011) is None
    assert (await stored(bot, 2011)).outcome == "cleared"
    # The question left on screen is now a stale button.
    await user.press("Yes")
    answer = await user.expect(kind="callback_answer")
    assert "Send /screen" in answer.text
    await user.expect_nothing(within=0.3)


async def test_a_stale_button_after_the_screen_ended_changes_nothing(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(2012)
    await begin(user)
    first_question, yes_data = button_data(user, "Yes")
    await answer_by_buttons(user)
    await user.expect("Nothing in your answers rules out")
    await user.press_data(first_question, yes_data)
    answer = await user.expect(kind="callback_answer")
    assert answer.text
    await user.expect_nothing(within=0.3)
    assert (await stored(bot, 2012)).outcome == "cleared"


async def test_an_already_answered_question_cannot_be_answered_twice(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(2013)
    await begin(user)
    first_question, yes_data = button_data(user, "Yes")
    await user.press("No")
    await question(user, 2)
    await user.press_data(first_question, yes_data)
    answer = await user.expect(kind="callback_answer")
    assert "already answered" in answer.text
    assert (await draft_of(bot, 2013)).answers == [["red_flag_urgent", False]]


async def test_a_restart_in_the_middle_carries_on(api: FakeBotAPI, bot: RunningBot) -> None:
    user = api.user(2014)
    await begin(user)
    for number in range(1, 4):
        await user.press("No")
        await question(user, number + 1)
    await bot.restart()
    await user.press("No")  # question 4, pressed on the message sent before the restart
    await question(user, 5)
    await user.send("no")  # typed answers work after the restart too
    await question(user, 6)
    for number in range(6, TOTAL + 1):
        await user.press("No")
        if number < TOTAL:
            await question(user, number + 1)
    await user.expect("Nothing in your answers rules out")
    assert len((await stored(bot, 2014)).answers) == TOTAL


async def test_two_chats_screening_at_once_do_not_mix(api: FakeBotAPI, bot: RunningBot) -> None:
    anna, boris = api.user(2015), api.user(2016)
    await begin(anna)
    await begin(boris)
    for number, qid in enumerate(QUESTION_ORDER, start=1):
        await anna.press("No")
        await boris.press("Yes" if qid == "pregnancy" else "No")
        if number < TOTAL:
            await asyncio.gather(question(anna, number + 1), question(boris, number + 1))
    await anna.expect("Nothing in your answers rules out")
    await boris.expect("Because you're pregnant")
    assert (await stored(bot, 2015)).outcome == "cleared"
    assert (await stored(bot, 2016)).outcome == "see_doctor"


async def test_a_forged_callback_for_another_chat_changes_nothing(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    victim = api.user(2017)
    api.user(2018)  # the forger has a chat with the bot too
    await begin(victim)
    target, yes_data = button_data(victim, "Yes")
    await victim.press_data(target, yes_data, from_chat_id=2018)
    await victim.expect_nothing(within=0.3)
    assert (await draft_of(bot, 2017)).answers == []
    assert await stored(bot, 2017) is None


async def test_a_screen_left_alone_ends_with_a_note(
    api: FakeBotAPI, migrated_database_url: str
) -> None:
    running = RunningBot(api, migrated_database_url, conversation_timeout=0.5)
    await running.start()
    try:
        user = api.user(2019)
        await begin(user)
        await user.expect("no answer for 15 minutes")
        assert await draft_of(running, 2019) is None
    finally:
        await running.stop()


async def test_an_answer_long_after_a_restart_asks_to_start_again(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(2020)
    await begin(user)
    await bot.restart()
    async with bot.services.sessions.begin() as session:
        await session.execute(
            update(ScreeningDraft).values(updated_at=utcnow() - timedelta(minutes=20))
        )
    await user.press("No")
    answer = await user.expect(kind="callback_answer")
    assert "/screen" in answer.text
    assert await draft_of(bot, 2020) is None


async def test_answer_again_and_the_habits_from_a_blocked_outcome(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(2021)
    await begin(user)
    await answer_by_buttons(user, {"bleeding"})
    await user.expect("I won't offer you the exercises")
    await user.press("Back-friendly habits")
    tip = await user.expect("(1/")
    await user.press("Next tip")
    page = await user.expect("(2/", kind="edit")
    assert page.message_id == tip.message_id
    await user.press("Answer the questions again", message_id=tip.message_id - 1)
    await question(user, 1)
    async with bot.services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ScreeningResult)) == 1
