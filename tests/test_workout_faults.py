"""A live workout and a Bot API that fails now and then.

Every step the person depends on is tried again after a 502, and shown; a step that fails
beyond the tries is shown by the person's next press of a workout button, or by /workout, from
where the workout is, with its stored row carried on rather than started over. The retry rule
itself is checked without Telegram at the end.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest
from sqlalchemy import select
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.content import load_content
from bot.fakeapi import BotEvent, FakeBotAPI, FakeUser
from bot.models import WorkoutSession
from bot.sending.retry import BACKOFF_SECONDS, LONGEST_WAIT_SECONDS, TRIES, with_retries
from handlers.workout_live import timer_name
from tests.harness import RunningBot
from tests.workout_helpers import (
    ARCH,
    expect_card,
    fire_until,
    reach_first_exercise,
    screened,
    start_knees,
)

CONTENT = load_content()
LAST = CONTENT.text(f"exercises.{CONTENT.session[-1].exercise.id}.name")
# Each fault once fewer than the tries (the person sees the step), or as often as them.
RETRIED, BEYOND = TRIES - 1, TRIES



def bad_gateway(api: FakeBotAPI, user: FakeUser, method: str, times: int) -> None:
    api.fail_next(method, error_code=502, description="Bad Gateway", times=times,
                  chat_id=user.id)


def failed_calls(api: FakeBotAPI, user: FakeUser, method: str) -> int:
    return sum(1 for call in api.calls_to(method)
               if call.error and call.params.get("chat_id") == user.id)


def shown(user: FakeUser, text: str) -> list[BotEvent]:
    return [event for event in user.history if text in (event.text or "")]


async def workout_rows(bot: RunningBot, user: FakeUser) -> list[WorkoutSession]:
    async with bot.services.sessions() as session:
        return list(await session.scalars(
            select(WorkoutSession).where(WorkoutSession.chat_id == user.id)))


async def resting_after_knees(bot: RunningBot, user: FakeUser) -> BotEvent:
    await start_knees(bot, user)
    return await fire_until(user, bot.timers, "Rest for")


@pytest.mark.parametrize("times", [RETRIED, BEYOND])
async def test_the_next_exercise_card(api: FakeBotAPI, timed_bot: RunningBot, times: int
                                      ) -> None:
    user = api.user(6001 + times)
    await start_knees(timed_bot, user)
    await fire_until(user, timed_bot.timers, "Hold — 5 s\nRep 5 of 5")
    bad_gateway(api, user, "sendAnimation", times)  # the card, under its picture
    await timed_bot.timers.next()  # the last hold is over: the rest, and the next card
    assert failed_calls(api, user, "sendAnimation") == times
    if times == BEYOND:
        assert not shown(user, f"{ARCH}\n")  # on the card, the name has a line of its own
        await user.send("/workout")  # picks the workout up instead of starting over
    card = await expect_card(user, ARCH)
    assert "Dose:" in card.text
    rest = await user.expect("Rest for", kind="message")
    assert rest.buttons == ["▶️ Start now", "⏸ Pause", "⏭ Skip", "⏹ Stop"]
    await user.press("Start now")
    await user.expect("Get ready", kind="edit")
    [row] = await workout_rows(timed_bot, user)
    assert (row.status, row.exercises_done, row.exercises_skipped) == ("running", 1, 1)


@pytest.mark.parametrize("times", [RETRIED, BEYOND])
async def test_the_edit_at_the_end_of_a_rest(api: FakeBotAPI, timed_bot: RunningBot,
                                             times: int) -> None:
    user, timers = api.user(6011 + times), timed_bot.timers
    rest = await resting_after_knees(timed_bot, user)
    await timers.advance(CONTENT.pacing.rest_between_exercises_seconds - 0.5)
    bad_gateway(api, user, "editMessageText", times)
    await timers.advance(0.5)
    assert failed_calls(api, user, "editMessageText") == times
    if times == RETRIED:
        await user.expect("tap Start", kind="edit")
        await user.press("Start", message_id=rest.message_id)
    else:
        # The rest still offers its buttons, and they still work.
        await user.press("Start now", message_id=rest.message_id)
    await user.expect("Get ready", kind="edit")
    [row] = await workout_rows(timed_bot, user)
    assert row.status == "running"


@pytest.mark.parametrize("times", [RETRIED, BEYOND])
async def test_a_side_switch(api: FakeBotAPI, timed_bot: RunningBot, times: int) -> None:
    user, timers = api.user(6021 + times), timed_bot.timers
    await screened(timed_bot, user.id)
    await reach_first_exercise(user)  # the hamstring stretch: one leg, then the other
    await user.press("Start")
    status_id = (await user.expect("Get ready", kind="edit")).message_id
    await fire_until(user, timers, "Hold — 20 s\nRep 2 of 2 · right leg")
    await timers.advance(19.5)
    bad_gateway(api, user, "editMessageText", times)
    await timers.advance(0.5)
    # The short message that sounds is the prompt; the status only follows it.
    await user.expect("Now the left leg", kind="message")
    if times == BEYOND:
        # An update of the status that could not be shown is not worth a stall: the next
        # beat shows the status again.
        assert not shown(user, "Get into position")
    else:
        switch = await user.expect("Get into position", kind="edit")
        assert switch.buttons == ["⏸ Pause", "⏭ Skip", "⏹ Stop"]
        assert switch.message_id == status_id
    await timers.advance(CONTENT.pacing.switch_side_seconds)
    hold = await user.expect("Hold — 20 s\nRep 1 of 2 · left leg", kind="edit", timeout=0)
    assert hold.message_id == status_id
    [row] = await workout_rows(timed_bot, user)
    assert row.status == "running"


@pytest.mark.parametrize("times", [RETRIED, BEYOND])
async def test_a_hold_prompt(api: FakeBotAPI, timed_bot: RunningBot, times: int) -> None:
    user, timers = api.user(6031 + times), timed_bot.timers
    await screened(timed_bot, user.id)
    await reach_first_exercise(user)
    status = user.last_message()
    start = status["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await user.press("Start")
    await user.expect("Get ready", kind="edit")
    await timers.advance(CONTENT.pacing.first_get_ready_seconds - 0.5)
    bad_gateway(api, user, "editMessageText", times)
    await timers.advance(0.5)  # get ready is over: hold
    assert failed_calls(api, user, "editMessageText") == times
    if times == BEYOND:
        assert not shown(user, "Hold — 20 s")
        # Any workout button shows where the workout is, even one of an earlier message.
        await user.press_data(status["message_id"], start)
        hold = await user.expect("Hold — 20 s", kind="message")
    else:
        hold = await user.expect("Hold — 20 s", kind="edit")
    assert hold.buttons == ["⏸ Pause", "⏭ Skip", "⏹ Stop"]
    await timers.advance(20)
    release = await user.expect("Release — rest", kind="edit", timeout=0)
    assert release.message_id == hold.message_id


async def skip_to_the_last_exercise_after_knees(bot: RunningBot, user: FakeUser) -> None:
    await resting_after_knees(bot, user)
    for _ in range(2, len(CONTENT.session) - 1):  # the rest shows the third already
        await user.press("Skip")
        await user.expect("Skipped", kind="edit")
        card = await expect_card(user)
        await user.expect("tap Start", kind="message")
    assert f"{LAST}\n" in card.text


@pytest.mark.parametrize("times", [RETRIED, BEYOND])
async def test_the_summary(api: FakeBotAPI, timed_bot: RunningBot, times: int) -> None:
    user = api.user(6041 + times)
    await skip_to_the_last_exercise_after_knees(timed_bot, user)
    bad_gateway(api, user, "sendMessage", times)
    await user.press("Skip")  # the last one: the workout is over
    await user.expect(f"Skipped: {LAST}", kind="edit")
    if times == BEYOND:
        await api.wait_until(lambda: failed_calls(api, user, "sendMessage") == BEYOND)
        assert not shown(user, "Workout complete")
        await user.send("/workout")
    summary = await user.expect("Workout complete", kind="message")
    assert "Done: 1 of 11" in summary.text
    assert "how does your back feel now" in summary.text
    await user.press("4")
    await user.expect("Thank you!")
    [row] = await workout_rows(timed_bot, user)
    assert (row.status, row.exercises_done, row.feeling_after) == ("finished", 1, 4)


async def test_a_stale_button_still_says_the_exercise_is_over_when_nothing_failed(
    api: FakeBotAPI, timed_bot: RunningBot
) -> None:
    user = api.user(6051)
    await screened(timed_bot, user.id)
    await reach_first_exercise(user)
    card = user.last_message()
    start = card["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await user.press("Start")
    await user.expect("Get ready", kind="edit")
    await user.press_data(card["message_id"], start)
    assert (await user.expect(kind="callback_answer")).text == "That exercise is over."
    await user.expect_nothing(within=0)  # the answer is all that press does
    due = timed_bot.timers.due_in(timer_name(user.id))
    assert due == CONTENT.pacing.first_get_ready_seconds


# --- the retry rule, without Telegram --------------------------------------------------------


class Sleeps:
    def __init__(self) -> None:
        self.taken: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.taken.append(seconds)


def failing(*errors: Exception) -> tuple[list[int], Callable[[], Awaitable[str]]]:
    tries: list[int] = []

    async def request() -> str:
        tries.append(1)
        if len(tries) <= len(errors):
            raise errors[len(tries) - 1]
        return "sent"

    return tries, request


def read_timeout() -> NetworkError:
    error = TimedOut("Timed out")
    error.__cause__ = httpx.ReadTimeout("no answer")
    return error


async def test_a_server_error_is_tried_again_with_growing_waits() -> None:
    sleeps = Sleeps()
    tries, request = failing(*[NetworkError("Bad Gateway")] * (TRIES - 1))
    assert await with_retries(request, sleep=sleeps) == "sent"
    assert len(tries) == TRIES and sleeps.taken == list(BACKOFF_SECONDS)


async def test_the_tries_are_bounded() -> None:
    sleeps = Sleeps()
    tries, request = failing(*[NetworkError("Bad Gateway")] * TRIES)
    with pytest.raises(NetworkError):
        await with_retries(request, sleep=sleeps)
    assert len(tries) == TRIES and sum(sleeps.taken) == sum(BACKOFF_SECONDS)


@pytest.mark.parametrize("error", [BadRequest("Bad Request: message text is empty"),
                                   Forbidden("Forbidden: bot was blocked by the user")])
async def test_an_answer_that_says_no_is_not_tried_again(error: Exception) -> None:
    sleeps = Sleeps()
    tries, request = failing(error)
    with pytest.raises(type(error)):
        await with_retries(request, sleep=sleeps)
    assert len(tries) == 1 and sleeps.taken == []


async def test_a_request_that_may_have_arrived_is_sent_again_only_when_asked() -> None:
    tries, request = failing(read_timeout())
    with pytest.raises(TimedOut):
        await with_retries(request, sleep=Sleeps())
    assert len(tries) == 1
    tries, request = failing(read_timeout())
    assert await with_retries(request, sleep=Sleeps(), maybe_sent_too=True) == "sent"
    assert len(tries) == 2


# RetryAfter reads its own retry_after when made, which warns while PTB moves to timedelta.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_a_429_is_waited_out_unless_it_asks_too_much() -> None:
    sleeps = Sleeps()
    tries, request = failing(RetryAfter(3))
    assert await with_retries(request, sleep=sleeps) == "sent"
    assert sleeps.taken == [3.0]
    tries, request = failing(RetryAfter(int(LONGEST_WAIT_SECONDS) + 1))
    with pytest.raises(RetryAfter):
        await with_retries(request, sleep=sleeps)
    assert len(tries) == 1
