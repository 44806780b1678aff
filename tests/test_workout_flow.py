"""A workout you can follow from the floor: auto-continue, the next card during the rest, the
countdown, messages that sound, Stop that asks, and one message at the end.

Time is the test's own (ManualTimers): a timer fires when the test says so.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.content import load_content
from bot.fakeapi import BotEvent, FakeBotAPI, FakeUser
from bot.models import Chat, WorkoutSession
from bot.workout import plan_exercise, plan_seconds
from handlers.workout_live import countdown_name, timer_name
from tests.harness import ManualTimers, RunningBot
from tests.workout_helpers import CARD, expect_card, reach_first_exercise, reach_overview, screened

CONTENT = load_content()
PACING = CONTENT.pacing
NAMES = [CONTENT.text(f"exercises.{step.exercise.id}.name") for step in CONTENT.session]


async def auto_continue(bot: RunningBot, chat_id: int, on: bool = True) -> None:
    async with bot.services.sessions.begin() as session:
        (await session.get(Chat, chat_id)).auto_continue = on


async def workout_row(bot: RunningBot, chat_id: int) -> WorkoutSession:
    async with bot.services.sessions() as session:
        return await session.scalar(select(WorkoutSession).where(
            WorkoutSession.chat_id == chat_id).order_by(WorkoutSession.id.desc()))


def lasting_messages(user: FakeUser, since: int) -> list[BotEvent]:
    """The messages the bot sent after event ``since`` that are still in the chat."""
    sent = [e for e in user.history[since:] if e.kind in ("message", "voice", "animation")]
    return [e for e in sent if e.message_id in user.messages]


async def run_to_the_end(user: FakeUser, timers: ManualTimers, *, most: int = 2000) -> None:
    for _ in range(most):
        if any("Workout complete" in (e.text or "") for e in user.history):
            return
        await timers.next()
    raise AssertionError(f"the workout did not end; {user.log()}")


async def test_auto_continue_needs_no_tap_after_lets_go(api: FakeBotAPI, timed_bot: RunningBot
                                                      ) -> None:
    user, timers = api.user(5101), timed_bot.timers
    await screened(timed_bot, 5101)
    await auto_continue(timed_bot, 5101)
    await reach_overview(user)
    await user.press("Let's go")
    since = len(user.history)
    first = await user.expect("Get ready", kind="edit")
    presses_before = len(api.calls_to("answerCallbackQuery"))
    assert timers.due_in(timer_name(5101)) == PACING.first_get_ready_seconds
    assert "Pause" in " ".join(first.buttons)
    await run_to_the_end(user, timers)
    assert len(api.calls_to("answerCallbackQuery")) == presses_before  # not one tap
    end = user.history[-1]
    assert "Done: 11 of 11 exercises" in end.text
    assert "how does your back feel now" in end.text.lower()
    assert "4" in end.buttons
    # What stays in the chat: each exercise's card and status, and the end.
    lasting = lasting_messages(user, since)
    assert len(lasting) == 2 * len(NAMES) + 1, [str(e) for e in lasting]
    await user.press("4")
    await user.expect("Thank you!")
    row = await workout_row(timed_bot, 5101)
    assert (row.status, row.exercises_done, row.feeling_after) == ("finished", 11, 4)


async def test_the_next_card_arrives_when_the_rest_begins(api: FakeBotAPI,
                                                         timed_bot: RunningBot) -> None:
    user, timers = api.user(5102), timed_bot.timers
    await screened(timed_bot, 5102)
    await auto_continue(timed_bot, 5102)
    await reach_overview(user)
    await user.press("Let's go")
    await user.expect("Get ready", kind="edit")
    await_text = f"Done: {NAMES[0]}"
    for _ in range(200):
        await timers.next()
        if any(await_text in (e.text or "") for e in user.history):
            break
    done = next(e for e in user.history if f"Done: {NAMES[0]}" in (e.text or ""))
    after = user.history[user.history.index(done) + 1:]
    card, status = [e for e in after if e.kind in (CARD, "message")][:2]
    assert card.kind == CARD  # under its picture
    assert NAMES[1] in card.text and "Dose:" in card.text  # steps and dose, to read now
    assert "Rest for 15 s" in status.text and NAMES[1] in status.text
    assert timers.due_in(timer_name(5102)) == PACING.rest_between_exercises_seconds
    # The rest ends into the exercise by itself, with the short "get ready".
    user.catch_up()
    await timers.advance(PACING.rest_between_exercises_seconds)
    started = await user.expect("Get ready", kind="edit", timeout=0)
    assert started.message_id == status.message_id
    assert timers.due_in(timer_name(5102)) == PACING.get_ready_seconds
    # An edit makes no sound: a short message does, for the new exercise.
    sound = await user.expect(NAMES[1], kind="message", timeout=0)
    assert "get ready" in sound.text.lower()


async def test_start_now_starts_the_exercise_whose_card_is_shown(api: FakeBotAPI,
                                                                timed_bot: RunningBot) -> None:
    user, timers = api.user(5103), timed_bot.timers
    await screened(timed_bot, 5103)
    await reach_first_exercise(user)  # without auto-continue: tap Start
    await user.press("Start")
    await user.expect("Get ready", kind="edit")
    for _ in range(200):
        if any("Rest for" in (e.text or "") for e in user.history):
            break
        await timers.next()
    cards = [e for e in user.history if e.kind == CARD and NAMES[1] in (e.text or "")
             and "Dose:" in (e.text or "")]
    assert len(cards) == 1
    user.catch_up()
    await user.press("Start now")
    await user.expect("Get ready", kind="edit")
    assert timers.due_in(timer_name(5103)) == PACING.first_get_ready_seconds
    # No card after it: the one shown during the rest was this exercise's.
    assert not [e for e in user.history if e.kind in (CARD, "message")
                and "Dose:" in (e.text or "") and e not in cards and NAMES[1] in e.text]


async def test_the_status_counts_down_every_five_seconds(api: FakeBotAPI,
                                                        timed_bot: RunningBot) -> None:
    user, timers = api.user(5104), timed_bot.timers
    await screened(timed_bot, 5104)
    await reach_first_exercise(user)  # the hamstring stretch: holds of 20 s
    await user.press("Start")
    status = await user.expect("Get ready", kind="edit")
    await timers.advance(PACING.first_get_ready_seconds)
    await user.expect("Hold — 20 s", kind="edit", timeout=0)
    assert timers.due_in(countdown_name(5104)) == 5
    for left in (15, 10, 5):
        await timers.advance(4.9)
        await user.expect_nothing(within=0)
        await timers.advance(0.1)
        shown = await user.expect(kind="edit", timeout=0)
        assert f"Hold — {left} s" in shown.text and shown.message_id == status.message_id
    assert timers.due_in(countdown_name(5104)) is None  # nothing below 5 s


async def test_a_long_hold_ends_with_a_message_that_sounds_and_goes(
    api: FakeBotAPI, timed_bot: RunningBot
) -> None:
    user, timers = api.user(5105), timed_bot.timers
    await screened(timed_bot, 5105)
    await reach_first_exercise(user)
    await user.press("Start")
    await user.expect("Get ready", kind="edit")
    await timers.advance(PACING.first_get_ready_seconds + 20)  # the first 20 s hold is over
    sound = await user.expect("Release", kind="message", timeout=0)
    assert sound.message_id in user.messages
    await timers.advance(PACING.rest_between_reps_seconds)  # the next hold
    await user.expect("Hold", kind="edit", timeout=0)
    await user.expect(kind="delete")  # beside the prompt, after it
    assert sound.message_id not in user.messages


async def test_stop_asks_and_keep_going_carries_on(api: FakeBotAPI, timed_bot: RunningBot
                                                  ) -> None:
    user, timers = api.user(5106), timed_bot.timers
    await screened(timed_bot, 5106)
    await reach_first_exercise(user)
    await user.press("Start")
    await user.expect("Get ready", kind="edit")
    await timers.advance(PACING.first_get_ready_seconds + 8)  # 12 s of the hold left
    await user.press("Stop")
    await user.expect("Paused while you decide", kind="edit")
    question = await user.expect("End the workout?", kind="message")
    assert timers.due_in(timer_name(5106)) is None  # the workout waits for the answer
    await user.press("Keep going", message_id=question.message_id)
    resumed = await user.expect("Hold — 12 s", kind="edit")
    assert "Pause" in " ".join(resumed.buttons)
    assert timers.due_in(timer_name(5106)) == 12
    assert (await workout_row(timed_bot, 5106)).status == "running"


async def test_stop_then_yes_ends_with_one_message_and_counts_what_was_done(
    api: FakeBotAPI, timed_bot: RunningBot
) -> None:
    user, timers = api.user(5107), timed_bot.timers
    await screened(timed_bot, 5107)
    await auto_continue(timed_bot, 5107)
    await reach_overview(user)
    await user.press("Let's go")
    await user.expect("Get ready", kind="edit")
    for _ in range(200):  # the first exercise done, the second under way
        await timers.next()
        if any(f"Done: {NAMES[0]}" in (e.text or "") for e in user.history):
            break
    user.catch_up()
    await user.press("Stop")
    await user.expect("End the workout?", kind="message")
    before = len(user.history)
    await user.press("Yes, end it")
    await user.expect("Workout stopped")
    sent = [e for e in user.history[before:] if e.kind == "message"]
    assert len(sent) == 1, [str(e) for e in sent]
    assert "Done: 1 of 11" in sent[0].text and "how does your back feel now" in sent[0].text
    row = await workout_row(timed_bot, 5107)
    assert (row.status, row.exercises_done) == ("stopped", 1)


async def test_a_stale_or_forged_stop_never_ends_the_workout_unasked(
    api: FakeBotAPI, timed_bot: RunningBot
) -> None:
    user, timers = api.user(5108), timed_bot.timers
    await screened(timed_bot, 5108)
    await reach_overview(user)
    overview = user.last_message()
    await user.press("Let's go")
    await user.expect("tap Start", kind="message")
    await user.press("Skip")
    await expect_card(user, NAMES[1])
    await user.expect("tap Start", kind="message")
    row = await workout_row(timed_bot, 5108)
    # The Stop of the overview, long gone: it may ask, never end.
    await user.press_data(overview["message_id"], f"wo:{row.id}:0:stop")
    question = await user.expect("End the workout?", kind="message")
    assert (await workout_row(timed_bot, 5108)).status == "awaiting_start"
    # A forged "yes" on any other message is refused.
    await user.press_data(overview["message_id"], f"wo:{row.id}:1:end")
    await user.expect("already answered", kind="callback_answer")
    assert (await workout_row(timed_bot, 5108)).status == "awaiting_start"
    await user.press("Keep going", message_id=question.message_id)
    await user.expect("keep going", kind="edit")
    await user.press("Start")
    await user.expect("Get ready", kind="edit")
    assert timers.due_in(timer_name(5108)) == PACING.first_get_ready_seconds


async def test_cancel_during_a_workout_sends_one_message(api: FakeBotAPI,
                                                        timed_bot: RunningBot) -> None:
    user = api.user(5109)
    await screened(timed_bot, 5109)
    await reach_first_exercise(user)
    before = len(user.history)
    await user.send("/cancel")
    await user.expect("Workout stopped before any exercise was done")
    await user.expect_nothing()
    sent = [e for e in user.history[before:] if e.kind == "message"]
    assert len(sent) == 1


async def test_skipping_everything_says_so(api: FakeBotAPI, timed_bot: RunningBot) -> None:
    user = api.user(5110)
    await screened(timed_bot, 5110)
    await reach_first_exercise(user)
    for name in NAMES[1:]:
        await user.press("Skip")
        await expect_card(user, name)
        await user.expect("tap Start", kind="message")
    await user.press("Skip")
    end = await user.expect("you skipped all 11 exercises")
    assert "how does your back feel" not in end.text.lower()


async def test_workout_during_a_workout_asks_to_carry_on_or_start_again(
    api: FakeBotAPI, timed_bot: RunningBot
) -> None:
    user, timers = api.user(5111), timed_bot.timers
    await screened(timed_bot, 5111)
    await reach_first_exercise(user)
    await user.press("Start")
    await user.expect("Get ready", kind="edit")
    await user.send("/workout")
    await user.expect("Carry on with it, or start again?")
    await user.press("Carry on")
    shown = await user.expect("Get ready", kind="message")
    assert "Pause" in " ".join(shown.buttons)
    assert timers.due_in(timer_name(5111)) is not None  # it ran on all along
    await user.send("/workout")
    await user.expect("Carry on with it, or start again?")
    await user.press("Start again")
    await user.expect("quick check")
    assert (await workout_row(timed_bot, 5111)).status == "stopped"


# --- spoken guidance --------------------------------------------------------------------------


async def test_spoken_guidance_plays_the_whole_session_after_one_tap(
    api: FakeBotAPI, timed_bot: RunningBot
) -> None:
    """Voice and auto-continue, the defaults: after "I pressed play", no tap at all; each
    exercise's voice message arrives with its card, at the start of the rest before it."""
    user, timers = api.user(5120), timed_bot.timers
    await screened(timed_bot, 5120, guidance=None)
    await reach_overview(user)
    assert "press play once" in user.history[-1].text
    await user.press("Let's go")
    await expect_card(user, NAMES[0])
    first_voice = await user.expect(kind="voice")
    await user.expect("Press ▶ on the voice message", kind="message")
    assert timers.due_in(timer_name(5120)) is None  # the clock waits for the voice
    await user.press("I pressed play")
    await user.expect("Get ready", kind="edit")
    assert timers.due_in(timer_name(5120)) == PACING.first_get_ready_seconds
    presses = len(api.calls_to("answerCallbackQuery"))
    await run_to_the_end(user, timers)
    assert len(api.calls_to("answerCallbackQuery")) == presses
    voices = [e for e in user.history if e.kind == "voice"]
    assert voices[0] is first_voice and len(voices) == len(NAMES)
    for number, voice in enumerate(voices[1:], start=1):
        before = user.history[user.history.index(voice) - 1]
        assert NAMES[number] in before.text and "Dose:" in before.text  # right after its card
        assert voice.file[:4] == b"OggS"
    # Each voice message lasts its exercise and the rest after it, as the text prompts do.
    call = api.calls_to("sendVoice")[1]
    step = CONTENT.session[1]
    planned = plan_seconds(plan_exercise(step.exercise, PACING, harder=False))
    assert call.params["duration"] == round(planned + PACING.rest_between_exercises_seconds)
    # No messages that sound: the voice does.
    assert not [e for e in user.history if e.kind == "delete"]


async def voice_under_way(bot: RunningBot, user: FakeUser) -> None:
    """Spoken guidance, the default: "Let's go", "I pressed play", and its "Get ready"."""
    await screened(bot, user.id, guidance=None)
    await reach_overview(user)
    await user.press("Let's go")
    await user.expect("Press ▶ on the voice message", kind="message")
    await user.press("I pressed play")
    await user.expect("Get ready", kind="edit")


async def test_pause_with_spoken_guidance_starts_the_exercise_again(
    api: FakeBotAPI, timed_bot: RunningBot
) -> None:
    user, timers = api.user(5121), timed_bot.timers
    await voice_under_way(timed_bot, user)
    await timers.advance(PACING.first_get_ready_seconds + 7)
    await user.press("Pause")
    await user.expect("Pause the voice message too", kind="edit")
    user.catch_up()
    await user.press("Resume")
    again = await user.expect(kind="voice")
    await user.expect("Press ▶ on the voice message", kind="message")
    assert again.message_id > 0 and timers.due_in(timer_name(5121)) is None
    await user.press("I pressed play")
    await user.expect("Get ready", kind="edit")
    assert timers.due_in(timer_name(5121)) == PACING.first_get_ready_seconds


async def test_with_spoken_guidance_a_hold_tells_its_rest_and_the_rest_edits_nothing(
    api: FakeBotAPI, timed_bot: RunningBot
) -> None:
    """The voice says "rest" between reps; the status told it with the hold ("then release
    3 s"), so the rest costs no edit of its own."""
    user, timers = api.user(5122), timed_bot.timers
    await voice_under_way(timed_bot, user)
    await run_to_the_end(user, timers)
    statuses = [e.text for e in user.history if e.kind == "edit" and e.text]
    rest = round(PACING.rest_between_reps_seconds)
    assert not [text for text in statuses if text.startswith("⚪ Release")]
    told = [text for text in statuses if f", then release {rest} s" in text]
    assert told and all(text.startswith("🟢 Hold") for text in told)
    # The last hold of each exercise (or side) has no rest after it to tell.
    assert [text for text in statuses if text.startswith("🟢 Hold") and "then" not in text]
