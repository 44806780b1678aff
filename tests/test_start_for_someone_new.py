"""/start from someone the bot has nothing stored about: the safety questions are offered without
asking the database for a screen (a screen's result needs the chat's row, and there is none);
everyone else's screen is read, however recently it was stored."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import event

from bot.fakeapi import FakeBotAPI
from tests.harness import RunningBot
from tests.test_reminders_support import screened

SCREEN_BUTTON = ["🩺 Answer the safety questions"]
WORKOUT_BUTTONS = ["🏃 Start a workout", "⏰ Set a reminder: a walk, the workout, desk breaks"]


def screen_lookups(bot: RunningBot) -> list[str]:
    """Every statement the bot sends from now on that reads a screen's result."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "screening_results" in statement:
            seen.append(statement)

    event.listen(bot.services.engine.sync_engine, "before_cursor_execute", record)
    return seen


async def test_someone_new_is_offered_the_questions_without_a_screen_lookup(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    looked_up = screen_lookups(bot)
    user = api.user(7921)
    await user.send("/start")
    assert (await user.expect("Hi")).buttons == SCREEN_BUTTON
    assert looked_up == []


async def test_a_screen_stored_after_the_first_start_is_read_at_the_next(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    looked_up = screen_lookups(bot)
    user = api.user(7922)
    await user.send("/start")
    assert (await user.expect("Hi")).buttons == SCREEN_BUTTON
    await screened(bot, 7922, age=timedelta(hours=3))
    await user.send("/start")
    assert (await user.expect("Hi")).buttons == WORKOUT_BUTTONS
    assert len(looked_up) == 1


async def test_a_chat_with_something_stored_has_its_screen_read(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(7923)
    await user.send("/walk 3")  # the chat's row, and no screen
    await user.expect("3")
    await bot.restart()  # the bot knows nothing of the chat in memory
    looked_up = screen_lookups(bot)
    await user.send("/start")
    assert (await user.expect("Hi")).buttons == SCREEN_BUTTON
    assert len(looked_up) == 1
