"""Shared steps for the workout tests: a cleared person, and getting to the first exercise."""

from __future__ import annotations

from datetime import timedelta

from bot.fakeapi import BotEvent, FakeUser
from bot.models import Chat, ScreeningResult, utcnow
from tests.harness import RunningBot


async def screened(
    bot: RunningBot, chat_id: int, *, outcome: str = "cleared", age: timedelta = timedelta(hours=2)
) -> None:
    """Store a screen result as if the person had answered it ``age`` ago."""
    async with bot.services.sessions.begin() as session:
        if await session.get(Chat, chat_id) is None:
            session.add(Chat(id=chat_id))
            await session.flush()
        session.add(ScreeningResult(
            chat_id=chat_id, outcome=outcome, answers={}, completed_at=utcnow() - age
        ))


async def pass_quick_check(user: FakeUser) -> None:
    await user.send("/workout")
    await user.expect("quick check")
    for number in (1, 2, 3):
        await user.expect(f"Question {number} of 3")
        await user.press("No")
    await user.expect("all clear for today")


async def reach_overview(user: FakeUser, feeling: str = "3") -> None:
    await pass_quick_check(user)
    await user.expect("How does your back feel right now?")
    await user.press(feeling)
    await user.expect("Today's workout")


async def reach_first_exercise(user: FakeUser) -> None:
    await reach_overview(user)
    await user.press("Let's go")
    await user.expect("Lying hamstring stretch")


async def run_exercise(user: FakeUser, name: str, *, timeout: float = 10) -> list[BotEvent]:
    """Press Start on the exercise shown and collect what the bot shows until it is done."""
    card = user.last_message()
    last_text: dict[int, str] = {card["message_id"]: card["text"]}
    await user.press("Start")
    shown: list[BotEvent] = []
    while True:
        event = await user.next(timeout=timeout)
        # An edit that only takes the buttons away shows nothing new.
        if event.kind not in ("message", "edit") or last_text.get(event.message_id) == event.text:
            continue
        last_text[event.message_id] = event.text
        if event.text.startswith("✅ Done"):
            assert name in event.text
            return shown
        shown.append(event)
