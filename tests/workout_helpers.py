"""Shared steps for the workout tests: a cleared person, and getting to the first exercise."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.content import load_content
from bot.fakeapi import BotEvent, FakeUser
from bot.models import Chat, ScreeningResult, utcnow
from bot.preferences import TEXT
from tests.harness import ManualTimers, RunningBot


async def screened(
    bot: RunningBot, chat_id: int, *, outcome: str = "cleared", age: timedelta = timedelta(hours=2),
    guidance: str | None = TEXT,
) -> None:
    """Store a screen result as if the person had answered it ``age`` ago.

    ``guidance``: what the person chose in /settings. Text only by default, the guidance
    most of these tests are about; the tests of spoken guidance pass None (the default) or
    VOICE."""
    async with bot.services.sessions.begin() as session:
        chat = await session.get(Chat, chat_id)
        if chat is None:
            chat = Chat(id=chat_id)
            session.add(chat)
        chat.guidance = guidance
        await session.flush()
        session.add(ScreeningResult(
            chat_id=chat_id, outcome=outcome, answers={}, completed_at=utcnow() - age
        ))


# The quick check before a workout asks the questions content marks to be asked again.
QUICK_CHECK_QUESTIONS = sum(q.recheck_before_workout for q in load_content().questions)
KNEES = load_content().text("exercises.knees_to_chest.name")
ARCH = load_content().text("exercises.standing_back_arch.name")


async def pass_quick_check(user: FakeUser) -> None:
    await user.send("/workout")
    await user.expect("quick check")
    for number in range(1, QUICK_CHECK_QUESTIONS + 1):
        await user.expect(f"Question {number} of {QUICK_CHECK_QUESTIONS}")
        await user.press("No")
    await user.expect("all clear for today")


async def reach_overview(user: FakeUser, feeling: str = "3") -> None:
    await pass_quick_check(user)
    await user.expect("How does your back feel right now?")
    await user.press(feeling)
    await user.expect("Today's workout")


async def reach_first_exercise(user: FakeUser) -> None:
    """Its card shown, and its status waiting for Start (text only, without auto-continue)."""
    await reach_overview(user)
    await user.press("Let's go")
    await expect_card(user, "Lying hamstring stretch")
    await user.expect("tap Start")


# An exercise's card comes as the caption of its animation: one message.
CARD = "animation"


async def expect_card(user: FakeUser, name: str | None = None, *, timeout: float = 30
                      ) -> BotEvent:
    """The next card (of the exercise ``name``): its text under the exercise's picture."""
    card = await user.expect(name, kind=CARD, timeout=timeout)
    assert card.file is not None and b"ftyp" in card.file[:12], "not an MP4 animation"
    return card


SECONDS_SHOWN = re.compile(r"\d+ (?:s|с)\b")


def is_countdown(before: str | None, after: str | None) -> bool:
    """Whether an edit from ``before`` to ``after`` only counts the seconds down."""
    if before is None or after is None or before == after:
        return False
    return SECONDS_SHOWN.sub("#", before) == SECONDS_SHOWN.sub("#", after)


async def run_exercise(
    user: FakeUser, name: str, *, timers: ManualTimers | None = None, timeout: float = 30
) -> list[BotEvent]:
    """Press Start on the exercise waiting for it and collect what the bot shows until it is
    done, leaving out the countdown's edits (they only change the seconds shown).

    With ``timers`` the test moves time: each timer fires once everything before it is read.
    """
    last_text: dict[int, str] = {}
    await user.press("Start")
    shown: list[BotEvent] = []
    read = len(user.history)  # with timers: how many of the chat's events have been read
    if timers is not None:
        # The first prompt is shown after its timer is set, and nothing follows it by itself.
        first = await user.expect("Get ready", kind="edit", timeout=timeout)
        last_text[first.message_id] = first.text
        shown.append(first)
        read = len(user.history)
    while True:
        if timers is not None and read == len(user.history):
            await timers.next()
        event = await user.next(timeout=timeout)
        read += 1
        # An edit that only takes the buttons away shows nothing new.
        if event.kind not in ("message", "edit") or last_text.get(event.message_id) == event.text:
            continue
        countdown = event.kind == "edit" and is_countdown(last_text.get(event.message_id),
                                                          event.text)
        last_text[event.message_id] = event.text
        if countdown:
            continue
        if event.text.startswith("✅ Done"):
            assert name in event.text
            return shown
        shown.append(event)


async def fire_until(user: FakeUser, timers: ManualTimers, text: str, *, most: int = 100
                     ) -> BotEvent:
    """Fire the workout's timers one by one until the bot shows ``text``; that event."""
    for _ in range(most):
        before = len(user.history)
        await timers.next()
        if any(text.lower() in (event.text or "").lower() for event in user.history[before:]):
            return await user.expect(text, timeout=0)
    raise AssertionError(f"{text!r} not shown after {most} timers; {user.log()}")


async def start_knees(bot: RunningBot, user: FakeUser) -> None:
    """Knees to chest (five 5 s holds) under way: its first prompt is shown."""
    await screened(bot, user.id)
    await reach_first_exercise(user)
    await user.press("Skip")
    await expect_card(user, KNEES)
    await user.expect("tap Start", kind="message")
    await user.press("Start")
    await user.expect("Get ready", kind="edit")
