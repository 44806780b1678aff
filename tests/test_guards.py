"""Edits, other people's buttons, group chats, failed polls and a broken database, end to end."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from telegram import Bot
from telegram.error import Conflict, NetworkError

from bot.app import SERVICES_KEY
from bot.content import load_content
from bot.db import create_engine, make_sessionmaker
from bot.fakeapi import FakeBotAPI
from bot.models import Chat, ScreeningResult, WalkLog
from bot.polling import REPEAT_AFTER, PollingTrouble
from handlers.guards import PRIVATE_ONLY
from tests.harness import RunningBot

EDIT_NOTE = "that edit changed nothing"


async def count(bot: RunningBot, model: type, chat_id: int) -> int:
    async with bot.services.sessions() as session:
        return await session.scalar(
            select(func.count()).select_from(model).where(model.chat_id == chat_id))


async def test_an_edited_walk_is_not_logged_again(api: FakeBotAPI, bot: RunningBot) -> None:
    user = api.user(8101)
    sent = await user.send("/walk 5")
    await user.expect("Logged: a 5 km walk")
    await user.edit(sent, "/walk 5.5")
    await user.expect(EDIT_NOTE, kind="message")
    async with bot.services.sessions() as session:
        assert list(await session.scalars(select(WalkLog.km).where(WalkLog.chat_id == 8101))) == [
            5.0]


async def test_an_answer_edited_into_yes_does_not_answer_the_screen(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(8102)
    await user.send("/screen")
    total = len(load_content().questions)
    await user.expect(f"Question 1 of {total}")
    first = await user.send("no")
    await user.expect(f"Question 2 of {total}")
    await user.edit(first, "yes")  # "yes" to the urgent signs would end the screen at once
    await user.expect(EDIT_NOTE, kind="message")
    for number in range(2, total + 1):
        await user.press("No")
        if number < total:
            await user.expect(f"Question {number + 1} of {total}")
    await user.expect("Nothing in your answers rules out")
    async with bot.services.sessions() as session:
        result = await session.scalar(
            select(ScreeningResult).where(ScreeningResult.chat_id == 8102))
    assert result.outcome == "cleared"


async def test_a_button_pressed_by_someone_else_in_a_private_chat_does_nothing(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    owner = api.user(8103)
    api.user(8104)
    await owner.send("/walk 3")
    await owner.expect("Logged: a 3 km walk")
    await owner.send("/forget")
    question = await owner.expect("Delete everything")
    [[yes, _no]] = owner.messages[question.message_id]["reply_markup"]["inline_keyboard"]
    query_id = await owner.press_data(question.message_id, yes["callback_data"],
                                      from_chat_id=8104)
    await api.wait_until(lambda: any(call.params.get("callback_query_id") == query_id
                                     for call in api.calls_to("answerCallbackQuery")))
    await owner.send("/help")  # handled after the press: nothing may come before its answer
    assert "Here is what I can do" in (await owner.next()).text
    assert await count(bot, WalkLog, 8103) == 1


@pytest.mark.parametrize("command", PRIVATE_ONLY)
async def test_personal_commands_in_a_group_point_to_the_private_chat(
    api: FakeBotAPI, bot: RunningBot, command: str
) -> None:
    member = api.group_member(-100500, api.user(8105))
    await member.send(f"/{command}@{api.bot_username} 5")
    reply = await member.next()
    assert reply.kind == "message" and "private chat" in reply.text, reply
    [[button]] = member.messages[reply.message_id]["reply_markup"]["inline_keyboard"]
    assert button["url"] == f"https://t.me/{api.bot_username}"
    async with bot.services.sessions() as session:
        assert await session.get(Chat, -100500) is None, "a group's chat was stored"
    await member.send("/help")
    assert "Here is what I can do" in (await member.next()).text


async def test_talk_in_a_group_is_left_alone(api: FakeBotAPI, bot: RunningBot) -> None:
    member = api.group_member(-100501, api.user(8106))
    await member.send("lunch at one?")
    await member.send("/help")
    assert "Here is what I can do" in (await member.next()).text


async def test_a_broken_database_gets_one_apology_per_message(
    api: FakeBotAPI, bot: RunningBot, tmp_path
) -> None:
    user = api.user(8107)
    application = bot.application
    # Whatever the bot runs on, a database that cannot be opened: a file in no folder.
    broken = create_engine(make_url(f"sqlite+aiosqlite:///{tmp_path}/missing/gone.db"))
    working = application.bot_data[SERVICES_KEY]
    application.bot_data[SERVICES_KEY] = replace(working, sessions=make_sessionmaker(broken))
    try:
        await user.send("/walk 5")
        await user.expect("something went wrong", kind="message")
        application.bot_data[SERVICES_KEY] = working
        await user.send("/help")
        # Updates are handled one at a time: a second apology would come before this answer.
        assert "Here is what I can do" in (await user.next()).text
    finally:
        application.bot_data[SERVICES_KEY] = working
        await broken.dispose()


async def test_a_failed_poll_is_one_warning_line(
    api: FakeBotAPI, polling_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    api.fail_next("getUpdates", error_code=502, description="Bad Gateway")
    user = api.user(8108)
    await user.send("/help")
    await user.expect("Here is what I can do", timeout=30)
    # The failed poll is the one after the reply if the bot was already polling.
    await api.wait_until(lambda: any(r.name == "bot.polling" for r in caplog.records))
    troubles = [r for r in caplog.records if r.name == "bot.polling"]
    assert [(r.levelno, r.exc_info) for r in troubles] == [(logging.WARNING, None)]
    assert "Bad Gateway" in troubles[0].getMessage()
    assert "trying again" in troubles[0].getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


async def test_another_copy_polling_is_named_plainly(
    api: FakeBotAPI, polling_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with Bot(api.token, base_url=api.base_url) as rival:
        await api.wait_until(lambda: bool(api.calls_to("getUpdates")))
        await rival.get_updates(timeout=0)  # ends the bot's open poll with 409 Conflict
    user = api.user(8109)
    await api.wait_until(lambda: any(r.name == "bot.polling" for r in caplog.records),
                         timeout=30)
    await user.send("/help")
    await user.expect("Here is what I can do", timeout=30)
    # The failed poll is the one after the reply if the bot was already polling.
    await api.wait_until(lambda: any(r.name == "bot.polling" for r in caplog.records))
    troubles = [r for r in caplog.records if r.name == "bot.polling"]
    assert [(r.levelno, r.exc_info) for r in troubles] == [(logging.WARNING, None)]
    assert "Another copy of this bot is polling" in troubles[0].getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


def test_the_same_trouble_is_said_once_then_again_only_after_a_while(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    trouble = PollingTrouble(clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger="bot.polling"):
        for _ in range(5):
            trouble(Conflict("terminated by other getUpdates request"))
            now[0] += 30
        trouble(NetworkError("Bad Gateway"))
        now[0] = REPEAT_AFTER + 1
        trouble(Conflict("terminated by other getUpdates request"))
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 3
    assert "Another copy" in lines[0] and "Bad Gateway" in lines[1]
    assert lines[2].endswith("(still)")
