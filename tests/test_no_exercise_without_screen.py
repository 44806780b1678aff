"""No path leads to exercise without a current clear safety screen.

For every screen state that rules exercise out (never screened, a clear screen that has run
out, an urgent warning sign, "see a doctor", therapeutic exercise instead), the test drives
every way in: /workout, the "Start workout" callback (forged on a message the bot never sent,
and stale on a workout reminder sent while the chat was still cleared), /exercises and its
buttons (forged, and stale on a list shown while the chat was still cleared), a workout
reminder and a desk break falling due, and a restart in the middle of a workout after the
screen changed. Then it reads everything the bot sent to the chat: no exercise's
name, purpose, steps or note (in any language), no picture or animation, no workout begun, and
no "Start workout" button.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update

from bot.content import load_content
from bot.fakeapi import BotEvent, FakeBotAPI, FakeUser
from bot.models import ScreeningResult, WorkoutSession
from bot.reminders import Kind
from bot.screening import Outcome
from tests.harness import RunningBot
from tests.test_reminders_support import (
    FakeClock,
    add_desk_break,
    add_reminder,
    drain,
    running_bot,
    screened,
)

CONTENT = load_content()
EXPIRED_AGE = timedelta(days=31)
STATES = ("never_screened", "expired", *(o.value for o in Outcome if o is not Outcome.CLEARED))
# What the bot answers /workout with in each state: its first line is enough to wait for.
GATE_KEYS = {
    "never_screened": "workout.gate.never_screened",
    "expired": "workout.gate.screen_expired",
    Outcome.URGENT.value: "screening.outcome.urgent",
    Outcome.SEE_DOCTOR.value: "workout.gate.blocked",
    Outcome.THERAPEUTIC.value: "workout.gate.blocked",
}
# And /exercises, with its buttons.
EXERCISES_GATE_KEYS = {
    "never_screened": "ui.library.gate.never_screened",
    "expired": "ui.library.gate.screen_expired",
    Outcome.URGENT.value: "screening.outcome.urgent",
    Outcome.SEE_DOCTOR.value: "ui.library.gate.blocked",
    Outcome.THERAPEUTIC.value: "ui.library.gate.blocked",
}


def exercise_texts() -> set[str]:
    """Every text that shows or explains an exercise, and the start of a workout."""
    found = set()
    for language in CONTENT.languages:
        for exercise_id in CONTENT.exercises:
            key = f"exercises.{exercise_id}"
            found |= {CONTENT.text(f"{key}.name", language),
                      CONTENT.text(f"{key}.purpose", language),
                      *CONTENT.text_list(f"{key}.steps", language)}
            if CONTENT.has_text(f"{key}.note", language):
                found.add(CONTENT.text(f"{key}.note", language))
        found.add(CONTENT.text("workout.feeling.before", language).splitlines()[0])
    return found


EXERCISE_TEXTS = exercise_texts()
START_WORKOUT = {CONTENT.text("reminders.message.start_button", lang)
                 for lang in CONTENT.languages}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock("2026-03-27T11:00:00+00:00")  # Friday, 12:00 in Berlin (CET, UTC+1)


@pytest.fixture
async def bot(
    api: FakeBotAPI, migrated_database_url: str, clock: FakeClock
) -> AsyncIterator[RunningBot]:
    async with running_bot(api, migrated_database_url, clock) as running:
        yield running


async def put_in_state(bot: RunningBot, chat_id: int, state: str) -> None:
    """Make the chat's latest screen the one ``state`` names, replacing any earlier one."""
    async with bot.services.sessions.begin() as session:
        await session.execute(delete(ScreeningResult).where(ScreeningResult.chat_id == chat_id))
    if state == "never_screened":
        return
    if state == "expired":
        await screened(bot, chat_id, Outcome.CLEARED, age=EXPIRED_AGE)
        return
    await screened(bot, chat_id, Outcome(state))


def gate_reply(state: str, keys: dict[str, str] = GATE_KEYS) -> str:
    return CONTENT.text(keys[state]).splitlines()[0]


def assert_no_exercise(api: FakeBotAPI, user: FakeUser, events: list[BotEvent]) -> None:
    for event in events:
        leaked = [piece for piece in EXERCISE_TEXTS if piece in (event.text or "")]
        assert not leaked, f"exercise text {leaked[0]!r} reached the chat; {user.log()}"
        assert not START_WORKOUT & set(event.buttons), f"a Start workout button: {event}"
        assert event.kind not in ("photo", "animation"), f"a picture: {event}"


@pytest.mark.parametrize("state", STATES)
async def test_no_command_button_or_reminder_leads_to_exercise(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock, state: str
) -> None:
    user = api.user(7100 + STATES.index(state))
    await put_in_state(bot, user.id, state)
    await add_reminder(bot, user.id, "14:00", kind=Kind.WORKOUT)
    await add_desk_break(bot, user.id, "12:00", "15:00", 30)

    await user.send("/workout")
    await user.expect(gate_reply(state))
    await user.press_data(424242, "wo:begin")  # a message the bot never sent
    await user.expect(gate_reply(state))
    await user.send("/exercises")
    await user.expect(gate_reply(state, EXERCISES_GATE_KEYS))
    for exercise_id in CONTENT.exercises:  # forged, on a message the bot never sent
        await user.press_data(424242, f"ex:show:{exercise_id}")
        await user.expect(gate_reply(state, EXERCISES_GATE_KEYS))
    await user.press_data(424242, "ex:list")
    await user.expect(gate_reply(state, EXERCISES_GATE_KEYS))

    clock.set("2026-03-27T11:30:00+00:00")  # a desk break
    first = await drain(bot)
    clock.set("2026-03-27T13:00:00+00:00")  # the workout reminder, and another desk break
    second = await drain(bot)
    assert_no_exercise(api, user, user.history)  # all sent by now: drain waits for its sends
    if state in ("never_screened", "expired"):
        # Each reminder says once that the questions come first, then stays quiet.
        assert (first.sent, second.sent, second.skipped_not_allowed) == (1, 1, 1)
        await user.expect("Time for a desk break, but first the safety questions")
        note = await user.expect("Time for your back exercises, but first the safety questions")
        await user.press("Answer the safety questions", message_id=note.message_id)
        await user.expect("Before we start")
    else:
        assert (first.sent, second.sent) == (0, 0)
    assert_no_exercise(api, user, user.history)
    assert not [call for method in ("sendPhoto", "sendAnimation")
                for call in api.calls_to(method) if call.params.get("chat_id") == user.id]


@pytest.mark.parametrize("state", STATES)
async def test_a_start_button_from_before_leads_to_no_exercise(
    api: FakeBotAPI, bot: RunningBot, clock: FakeClock, state: str
) -> None:
    user = api.user(7200 + STATES.index(state))
    await put_in_state(bot, user.id, Outcome.CLEARED.value)
    async with bot.services.sessions.begin() as session:  # cleared when the reminder came
        await session.execute(update(ScreeningResult).where(ScreeningResult.chat_id == user.id)
                              .values(completed_at=clock() - timedelta(days=1)))
    await add_reminder(bot, user.id, "14:00", kind=Kind.WORKOUT)
    clock.set("2026-03-27T13:00:00+00:00")
    await drain(bot)
    reminder = await user.expect("Time for your back exercises.")
    assert CONTENT.text("reminders.message.start_button") in reminder.buttons

    await put_in_state(bot, user.id, state)
    await user.press("Start workout", message_id=reminder.message_id)
    await user.expect(gate_reply(state))
    history = user.history
    # The old reminder itself has the button; nothing after it may.
    assert_no_exercise(api, user, history[history.index(reminder) + 1:])


@pytest.mark.parametrize("state", STATES)
async def test_an_exercises_list_from_before_leads_to_no_exercise(
    api: FakeBotAPI, bot: RunningBot, state: str
) -> None:
    user = api.user(7250 + STATES.index(state))
    await put_in_state(bot, user.id, Outcome.CLEARED.value)
    await user.send("/exercises")  # cleared then: the list, and one exercise opened from it
    listed = await user.expect("Here are the exercises")
    crunch = CONTENT.text("exercises.crunch.name")
    await user.press(crunch, message_id=listed.message_id)
    shown = await user.expect(crunch, kind="animation")

    await put_in_state(bot, user.id, state)
    for exercise_id in CONTENT.exercises:
        await user.press(CONTENT.text(f"exercises.{exercise_id}.name"),
                         message_id=listed.message_id)
        await user.expect(gate_reply(state, EXERCISES_GATE_KEYS))
    await user.press("All exercises", message_id=shown.message_id)
    await user.expect(gate_reply(state, EXERCISES_GATE_KEYS))
    await user.send("/help")  # answered after everything the presses made the bot send
    await user.expect("Here is what I can do")
    history = user.history
    assert_no_exercise(api, user, history[history.index(shown) + 1:])


async def test_after_an_urgent_result_tips_and_workout_repeat_the_urgent_advice(
    api: FakeBotAPI, bot: RunningBot
) -> None:
    user = api.user(7300)
    await put_in_state(bot, user.id, Outcome.URGENT.value)
    urgent = CONTENT.text("screening.outcome.urgent")
    await user.send("/workout")
    assert (await user.expect(urgent.splitlines()[0])).text == urgent
    await user.send("/tips")
    assert (await user.expect(urgent.splitlines()[0])).text == urgent
    await user.press_data(424242, "tips:0")  # the tips button under the urgent result
    assert (await user.expect(urgent.splitlines()[0])).text == urgent
    walk_tip = CONTENT.text("tips.walk_daily.title")
    assert not [e for e in user.history if walk_tip in (e.text or "")]


@pytest.mark.parametrize("state", ["expired", Outcome.URGENT.value, Outcome.SEE_DOCTOR.value])
async def test_after_a_restart_no_exercise_is_offered_against_a_newer_screen(
    api: FakeBotAPI, timed_bot: RunningBot, state: str
) -> None:
    user = api.user(7400 + STATES.index(state))
    await screened(timed_bot, user.id, Outcome.CLEARED, age=timedelta(minutes=5))
    await user.send("/workout")  # just screened: no quick check
    await user.expect("How does your back feel right now?")
    await user.press("2")
    await user.expect("Today's workout")
    await user.press("Let's go")
    # The card: under its picture, or alone if the picture could not be drawn.
    await user.expect(CONTENT.text("exercises.hamstring_stretch.name"))
    await put_in_state(timed_bot, user.id, state)  # answered again, or run out, meanwhile
    before_restart = len(user.history)
    await timed_bot.restart()
    await user.send("/help")  # answered once the restart has offered what it offers
    await user.expect("Here is what I can do")
    assert_no_exercise(api, user, user.history[before_restart:])
    async with timed_bot.services.sessions() as session:
        workout = await session.scalar(select(WorkoutSession).where(
            WorkoutSession.chat_id == user.id))
    assert workout.status == "stopped"
