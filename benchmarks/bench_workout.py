"""How late do hold prompts arrive when many people work out at once?

Runs the real bot at real time (time scale 1) against the fake Bot API on 127.0.0.1 (which
allows 30 messages a second, as Telegram does), starts WORKOUTS workouts staggered over a few
seconds, as people start at different moments, and measures every prompt's arrival at the fake
server (the server's own event timestamps). Getting each chat to its first exercise is done one
chat at a time beforehand and is not measured.

Text only (the default mode): one exercise in each chat, without auto-continue, started by
tapping Start; once all are through, /cancel ends them. Countdown edits of the status message
are left out; of the beat prompts:

* step lateness: how much later than its timer a prompt arrived after the previous one;
* drift: how far the last prompt of the exercise is behind the plan that started with it.

--voice (what the README reports): spoken guidance with auto-continue, the defaults. Each chat
skips to --exercise (knees to chest, the second exercise of the session: the first one would
do too, it is just longer), taps "I pressed play" (its voice note was sent with the card) and
runs --exercises exercises in a row by themselves, so the rest between them, with the next
card, the next voice note and the countdown edits, is under load too. A chat that is through
goes on into the rest before the next exercise (its card and voice note come at the "Done")
until every chat is through; then /cancel ends them all.
The voice-note and picture caches are new, empty temporary folders, so the first chat's notes
and cards' pictures are made cold, as on a fresh install (the rest of the preparation waits
until the session's notes and all the pictures are on disk).

* hold lateness: each hold prompt (the edit that shows "Hold — N s" for a hold's full
  length) against the plan, i.e. the moment "I pressed play" was pressed (time.monotonic(),
  the fake server's clock; the person pressed ▶ on the voice note just before) plus the
  plan's beats: the long get-ready (10 s) of the tapped exercise, its beats, then for each
  exercise after it the rest (15 s), the short get-ready (5 s) and its beats. This is what a
  person sees against what they hear: the bot's timers are chained, so lateness adds up over
  the exercises, while the voice note keeps the plan's time.
* also each hold prompt against the hold prompt before it (what the timers between them add,
  as the text-only mode measures steps), the tap (press to the "Get ready" edit), the next
  exercise's voice note against the start of the rest it is sent at, how many countdown edits
  and voice messages were sent, and the cold and warm time from "Let's go" to the first voice
  note.

The tests check the pacing itself with timers they move by hand (ManualTimers in
tests/harness.py); this measures what real timers on a busy event loop add to it.

Usage: python -m benchmarks.bench_workout [--workouts 50] [--exercise knees_to_chest]
       [--stagger 10] [--scale 1.0] [--seed 1] [--voice [--exercises 2]]
With DATABASE_URL naming a PostgreSQL server it runs there, otherwise on SQLite.
Not a test: it prints figures and takes one to three minutes (the voice mode about three).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import logging
import os
import random
import re
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TypeVar

from sqlalchemy.engine import make_url

from bot import workouts
from bot.content import Content, load_content
from bot.fakeapi import ApiCall, BotEvent, FakeBotAPI, FakeUser
from bot.live_workout import EXERCISING, LiveWorkout, countdown_marks, short_rest_after
from bot.workout import BeatKind, plan_exercise, plan_seconds
from bot.workout_text import beat_status, exercise_name
from handlers import workout_live
from handlers.workout_voice import scripts_ahead
from tests.harness import RunningBot, fresh_database
from tests.workout_helpers import (
    expect_card,
    is_countdown,
    reach_overview,
    run_exercise,
    screened,
)

T = TypeVar("T")
SECONDS = re.compile(r"(\d+) s\b")
LANG = "en"
MS = 1000


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def spread(values: list[float], *, tail: float = 0.95) -> str:
    """median / p95 (or ``tail``) / max of seconds, in ms."""
    if not values:
        return "none measured"
    return (f"median {statistics.median(values) * MS:.1f} ms, "
            f"p{round(tail * 100)} {percentile(values, tail) * MS:.1f} ms, "
            f"max {max(values) * MS:.1f} ms")


def beat_prompts(events: list[BotEvent]) -> list[BotEvent]:
    """The status message's edits at each beat: countdown edits, and messages, left out."""
    last_text: dict[int | None, str | None] = {}
    kept = []
    for event in events:
        previous, last_text[event.message_id] = last_text.get(event.message_id), event.text
        if event.kind == "edit" and not is_countdown(previous, event.text):
            kept.append(event)
    return kept


class LogCount(logging.Handler):
    """The bot's warnings and errors, counted by message, to report anything odd."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        first_line = record.getMessage().splitlines()[0][:160]
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            first_line += f" ({type(error).__name__}: {str(error)[:120]})"
        self.seen[f"{record.levelname} {record.name}: {first_line}"] += 1


# --- text only: one exercise, tapped ---------------------------------------------------------


async def ready_at_exercise(user: FakeUser, bot: RunningBot, name: str) -> None:
    await screened(bot, user.id)
    await reach_overview(user)
    await user.press("Let's go")
    while name not in (await expect_card(user, timeout=30)).text:
        await user.expect("tap Start", kind="message", timeout=30)
        await user.press("Skip")
    await user.expect("tap Start", kind="message", timeout=30)


async def one_exercise(user: FakeUser, name: str, delay: float) -> list[BotEvent]:
    """Start the exercise after ``delay`` seconds; its beat prompts, without countdown edits."""
    await asyncio.sleep(delay)
    return beat_prompts(await run_exercise(user, name, timeout=120))


async def text_mode(args: argparse.Namespace, content: Content) -> None:
    name = content.text(f"exercises.{args.exercise}.name")
    log = LogCount()
    logging.getLogger().addHandler(log)
    with tempfile.TemporaryDirectory() as folder:
        async with FakeBotAPI() as api, fresh_database(folder) as database_url:
            api.set_rate_limit(global_per_second=30)
            bot = RunningBot(api, database_url,
                             BACKCOACH_TIME_SCALE=str(args.scale), LOG_LEVEL="WARNING")
            await bot.start()
            try:
                users = [api.user(900_000 + n) for n in range(args.workouts)]
                # Getting there is not what is measured.
                await prepare(users, partial(ready_at_exercise, bot=bot, name=name),
                              args.prepare_at_once)
                calls_before = len(api.calls)
                started = time.monotonic()
                runs = await asyncio.gather(*(
                    one_exercise(user, name, random.uniform(0, args.stagger)) for user in users
                ))
                elapsed = time.monotonic() - started
                window = api.calls[calls_before:]
                # Those through first rest before the next exercise, counting down: ended
                # here, their countdowns are not cut short by the bot's stop.
                await stop_all(users)
            finally:
                await bot.stop()

    step_lateness, drift = [], []
    for prompts in runs:
        for previous, prompt in itertools.pairwise(prompts):
            planned = float(SECONDS.search(previous.text).group(1)) * args.scale
            step_lateness.append(prompt.timestamp - previous.timestamp - planned)
        planned_total = sum(
            float(SECONDS.search(p.text).group(1)) for p in prompts[:-1]
        ) * args.scale
        drift.append(prompts[-1].timestamp - prompts[0].timestamp - planned_total)
    print(f"database: {make_url(database_url).get_backend_name()}; text only, tapped")
    print(f"workouts: {args.workouts} at once, exercise {args.exercise}, time scale {args.scale}, "
          f"starts staggered over {args.stagger:.0f} s; {elapsed:.1f} s in all")
    print(f"prompts measured: {len(step_lateness)}; 429 responses: {api.rate_limited_count}")
    print(f"step lateness: median {statistics.median(step_lateness) * MS:.1f} ms, "
          f"p95 {percentile(step_lateness, 0.95) * MS:.1f} ms, "
          f"p99 {percentile(step_lateness, 0.99) * MS:.1f} ms, "
          f"max {max(step_lateness) * MS:.1f} ms")
    print(f"drift by the last prompt: median {statistics.median(drift) * MS:.1f} ms, "
          f"p99 {percentile(drift, 0.99) * MS:.1f} ms")
    report_rate(window, users, elapsed)
    report_log(log)


# --- voice guidance with auto-continue: several exercises in a row ---------------------------


@dataclass(frozen=True)
class Hold:
    offset: float  # programme seconds from "I pressed play" to the hold's start
    text: str  # the status message at the hold's start
    exercise: int  # 0 for the tapped exercise, 1 for the one after it, ...


@dataclass(frozen=True)
class Plan:
    """The part of the session a chat runs, as the voice notes time it."""

    holds: tuple[Hold, ...]
    rest_starts: tuple[float, ...]  # programme seconds to each rest between the exercises
    done_texts: tuple[str, ...]  # the status message at the end of each exercise
    countdowns: int  # countdown edits the plan makes up to the end of the last exercise
    seconds: float  # programme seconds from the press to the end of the last exercise


def voice_plan(content: Content, first: int, count: int) -> Plan:
    pacing, holds, rests, done, countdowns = content.pacing, [], [], [], 0
    start = 0.0
    for number, step in enumerate(content.session[first:first + count]):
        if number:  # the rest before it, then the short "get ready"
            rests.append(start)
            countdowns += len(countdown_marks(pacing.rest_between_exercises_seconds))
            start += pacing.rest_between_exercises_seconds
        beats = plan_exercise(step.exercise, pacing, harder=False, long_start=number == 0)
        offset = start
        for index, beat in enumerate(beats):
            if beat.kind is BeatKind.HOLD:
                text = beat_status(content, LANG, step, beat,
                                   rest_after=short_rest_after(beats, index))
                holds.append(Hold(offset, text, number))
            countdowns += len(countdown_marks(beat.seconds))
            offset += beat.seconds
        start += plan_seconds(beats)
        done.append(content.text("workout.status.done", LANG,
                                 name=exercise_name(content, LANG, step)))
    return Plan(tuple(holds), tuple(rests), tuple(done), countdowns, start)


PLAY_STATUS = "Press ▶ on the voice message"


async def ready_to_play(user: FakeUser, bot: RunningBot, content: Content, first: int
                        ) -> tuple[float, float]:
    """Voice guidance (auto-continue by default), through the quick check to the overview,
    "Let's go", then Skip up to step ``first``: its card, voice note and "I pressed play" are
    shown. Returns the seconds from "Let's go" to the first card (under its picture) and to
    the first voice note."""
    await screened(bot, user.id, guidance=None)
    await reach_overview(user)
    user.catch_up()
    pressed = time.monotonic()
    await user.press("Let's go")
    first_card = (await expect_card(user, timeout=300)).timestamp - pressed
    first_voice = (await user.expect(kind="voice", timeout=300)).timestamp - pressed
    await user.expect(PLAY_STATUS, kind="message", timeout=30)
    for step in content.session[1:first + 1]:
        await user.press("Skip")
        await expect_card(user, exercise_name(content, LANG, step), timeout=300)
        await user.expect(kind="voice", timeout=300)
        await user.expect(PLAY_STATUS, kind="message", timeout=30)
    return first_card, first_voice


async def all_pictures_drawn(bot: RunningBot, content: Content) -> int:
    """Waits until the pictures the bot draws ahead at start are all on disk; how many."""
    pictures = bot.services.pictures
    assert pictures is not None, "the bot has no picture library"
    paths = {pictures.path_for(exercise_id, kind) for exercise_id in content.exercises
             for kind in ("animation", "still")}
    await bot.api.wait_until(lambda: all(path.is_file() for path in paths), timeout=600,
                             message="for the exercises' pictures")
    return len(paths)


async def session_rendered(bot: RunningBot, content: Content) -> int:
    """Waits until the voice notes "Let's go" has the bot render in the background (the
    session's, as it runs on from its first exercise) are all on disk; returns how many."""
    voices = bot.services.voices
    assert voices is not None, "the bot has no voice library"
    live = LiveWorkout(0, 0, workouts.new_run(content, harder=False, auto_continue=True),
                       LANG, EXERCISING, voice=True)
    paths = {voices.path_for(script) for script in scripts_ahead(bot.services, live)}
    # The fake server's wait, which looks again every 50 ms.
    await bot.api.wait_until(lambda: all(path.is_file() for path in paths), timeout=600,
                             message="for the session's voice notes")
    return len(paths)


@dataclass
class VoiceRun:
    pressed: float  # time.monotonic() of the "I pressed play" press (the fake server's clock)
    events: list[BotEvent]  # what the bot did in the chat from then to the last "Done"


async def play_through(user: FakeUser, plan: Plan, delay: float) -> VoiceRun:
    await asyncio.sleep(delay)
    user.catch_up()
    pressed = time.monotonic()
    await user.press("I pressed play")
    events, waiting_for = [], list(plan.done_texts)
    while waiting_for:
        event = await user.next(timeout=120)
        events.append(event)
        if event.kind == "edit" and event.text == waiting_for[0]:
            waiting_for.pop(0)
    # The workout runs on into the rest before the next exercise (its card and voice note
    # were sent at the "Done") until every chat is through; then stop_all ends them.
    return VoiceRun(pressed, events)


async def stop_all(users: list[FakeUser]) -> None:
    async def stop(user: FakeUser) -> None:
        user.catch_up()
        await user.send("/cancel")
        with contextlib.suppress(AssertionError):
            await user.expect("Workout stopped", kind="message", timeout=60)

    await asyncio.gather(*(stop(user) for user in users))


@dataclass
class Measured:
    hold_late: list[float]  # each hold prompt against the plan from the press
    by_exercise: dict[int, list[float]]  # the same, by the exercise's place in the run
    hold_step: list[float]  # each hold prompt against the one before it
    tap: list[float]  # the press to the "Get ready" edit
    voice_late: list[float]  # the next voice note against the start of the rest it is sent at
    end_late: list[float]  # the last hold of each chat against the plan
    countdowns: int
    voices: int
    missing_holds: int


def measure(runs: list[VoiceRun], plan: Plan, scale: float) -> Measured:
    m = Measured([], {}, [], [], [], [], 0, 0, 0)
    for run in runs:
        last_text: dict[int | None, str | None] = {}
        matched: list[tuple[float, float]] = []  # (arrival, planned), both from the press
        voices: list[float] = []
        tapped = False
        for event in run.events:
            previous, last_text[event.message_id] = last_text.get(event.message_id), event.text
            since = event.timestamp - run.pressed
            if event.kind == "voice":
                voices.append(since)
            if event.kind != "edit":
                continue
            if is_countdown(previous, event.text):
                m.countdowns += 1
            elif not tapped and "Get ready" in (event.text or ""):
                m.tap.append(since)
                tapped = True
            if len(matched) < len(plan.holds) and event.text == plan.holds[len(matched)].text:
                matched.append((since, plan.holds[len(matched)].offset * scale))
        m.voices += len(voices)
        m.voice_late += [arrival - rest_start * scale
                         for arrival, rest_start in zip(voices, plan.rest_starts, strict=False)]
        m.missing_holds += len(plan.holds) - len(matched)
        m.hold_late += [arrival - planned for arrival, planned in matched]
        for hold, (arrival, planned) in zip(plan.holds, matched, strict=False):
            m.by_exercise.setdefault(hold.exercise, []).append(arrival - planned)
        m.hold_step += [(b[0] - a[0]) - (b[1] - a[1]) for a, b in itertools.pairwise(matched)]
        if matched:
            m.end_late.append(matched[-1][0] - matched[-1][1])
    return m


async def voice_mode(args: argparse.Namespace, content: Content) -> None:
    first = next((i for i, step in enumerate(content.session)
                  if step.exercise.id == args.exercise), None)
    if first is None:
        raise SystemExit(f"no exercise {args.exercise!r} in the session")
    count = min(args.exercises or 2, len(content.session) - first)
    plan = voice_plan(content, first, count)
    names = [step.exercise.id for step in content.session[first:first + count]]
    log = LogCount()
    logging.getLogger().addHandler(log)
    with tempfile.TemporaryDirectory() as folder:
        # Empty: the first notes and pictures are made cold, as on a fresh install.
        voice_cache, picture_cache = Path(folder) / "voices", Path(folder) / "pictures"
        async with FakeBotAPI() as api, fresh_database(folder) as database_url:
            api.set_rate_limit(global_per_second=30)
            bot = RunningBot(api, database_url, BACKCOACH_TIME_SCALE=str(args.scale),
                             LOG_LEVEL="WARNING", BACKCOACH_VOICE_CACHE=str(voice_cache),
                             BACKCOACH_PICTURE_CACHE=str(picture_cache))
            began = time.monotonic()
            await bot.start()  # which starts drawing every exercise's pictures ahead
            try:
                users = [api.user(900_000 + n) for n in range(args.workouts)]
                # The first chat meets the empty caches: "Let's go" to its card and voice note
                # is cold, and the session's notes are rendered in the background meanwhile.
                pressed = time.monotonic()
                cold_card, cold_first = await ready_to_play(users[0], bot, content, first)
                notes = await session_rendered(bot, content)
                all_rendered = time.monotonic() - pressed
                pictures = await all_pictures_drawn(bot, content)
                pictures_drawn = time.monotonic() - began
                renders = bot.services.voices.renders
                warm = await prepare(users[1:], partial(
                    ready_to_play, bot=bot, content=content, first=first), args.prepare_at_once)
                warm_card = [card for card, _ in warm]
                warm_first = [voice for _, voice in warm]
                calls_before = len(api.calls)
                limited_before = api.rate_limited_count
                started, cpu = time.monotonic(), time.process_time()
                runs = await asyncio.gather(*(
                    play_through(user, plan, random.uniform(0, args.stagger)) for user in users
                ))
                elapsed = time.monotonic() - started
                cpu = time.process_time() - cpu
                window = api.calls[calls_before:]
                await stop_all(users)
            finally:
                await bot.stop()

    m = measure(runs, plan, args.scale)
    voice_calls = [c for c in window if c.method == "sendVoice"]
    cards = [c for c in window if c.method == "sendAnimation"]
    edits = [c for c in window if c.method == "editMessageText"]
    failed = Counter(f"{c.method}: {c.error}" for c in window if c.error)
    print(f"database: {make_url(database_url).get_backend_name()}; voice guidance, "
          f"auto-continue; {os.cpu_count()} cores")
    print(f"workouts: {args.workouts} at once, {' → '.join(names)} in a row after one "
          f"\"I pressed play\", time scale {args.scale}, starts staggered over "
          f"{args.stagger:.0f} s; {elapsed:.1f} s in all ({plan.seconds * args.scale:.0f} s each)")
    print(f"voice notes, empty cache: \"Let's go\" to the first voice note {cold_first:.2f} s "
          f"cold; all {notes} of the session on disk after {all_rendered:.1f} s "
          f"({renders} rendered by then, with the tapped start of the one skipped to); "
          f"warm (the other chats): median "
          f"{statistics.median(warm_first) * MS:.0f} ms, max {max(warm_first) * MS:.0f} ms")
    print(f"pictures, empty cache: \"Let's go\" to the first card under its picture "
          f"{cold_card:.2f} s cold; all {pictures} on disk {pictures_drawn:.1f} s after the bot "
          f"started; warm (the other chats): median {statistics.median(warm_card) * MS:.0f} ms, "
          f"max {max(warm_card) * MS:.0f} ms")
    print(f"hold prompts measured: {len(m.hold_late)} of {len(plan.holds) * len(runs)}; "
          f"429 responses: {api.rate_limited_count - limited_before}; failed calls: "
          f"{sum(failed.values())}")
    print(f"hold lateness against the plan from the press: {spread(m.hold_late)}")
    for number, late in sorted(m.by_exercise.items()):
        print(f"  in the {names[number]} ({'tapped' if number == 0 else 'after its rest'}): "
              f"{spread(late)}")
    print(f"  by the last hold of each chat: {spread(m.end_late)}")
    print(f"  each hold against the one before: {spread(m.hold_step)}")
    print(f"tap (\"I pressed play\") to the \"Get ready\" edit: {spread(m.tap)}")
    print(f"next voice note against the start of the rest it comes at: {spread(m.voice_late)}")
    print(f"countdown edits: {m.countdowns} (the plan: {plan.countdowns * len(runs)}); "
          f"voice messages at the rests: {m.voices} (the plan: {(count - 1) * len(runs)})")
    print(f"in all, from the first press to the last chat's last \"Done\": "
          f"{len(voice_calls)} sendVoice calls (with the next notes of the chats through "
          f"before it), "
          f"{sum(1 for c in voice_calls if c.uploads)} of them uploads, the rest by file id; "
          f"{len(cards)} sendAnimation calls (cards), "
          f"{sum(1 for c in cards if c.uploads)} of them uploads; "
          f"{len(edits)} editMessageText calls, {len(edits) / elapsed:.1f}/s on average; "
          f"{len(window) / elapsed:.1f} Bot API calls/s in all")
    report_rate(window, users, elapsed)
    print(f"CPU time of this process (bot and fake server) while they ran: {cpu:.1f} s, "
          f"{cpu / elapsed:.0%} of one core")
    for what, times in failed.most_common():
        print(f"  failed: {what} ({times} times)")
    report_log(log)


async def prepare(users: list[FakeUser], ready: Callable[[FakeUser], Awaitable[T]],
                  at_once: int) -> list[T]:
    """``ready(user)`` for every chat, ``at_once`` chats at a time, in the users' order."""
    limit = asyncio.Semaphore(at_once)

    async def one(user: FakeUser) -> T:
        async with limit:
            return await ready(user)

    return list(await asyncio.gather(*(one(user) for user in users)))


# Bot API methods that show something in a chat: each counts against Telegram's limits.
SHOWING = frozenset({"sendMessage", "sendAnimation", "sendVoice", "editMessageText",
                     "editMessageCaption", "editMessageReplyMarkup", "deleteMessage"})


def report_rate(window: list[ApiCall], users: list[FakeUser], elapsed: float) -> None:
    """Messages, edits and deletes per workout-minute, in all and by method."""
    chats = {user.id for user in users}
    shown = Counter(c.method for c in window if c.method in SHOWING and c.error is None
                    and c.params.get("chat_id") in chats)
    minutes = len(users) * elapsed / 60
    parts = ", ".join(f"{method} {count / minutes:.1f}" for method, count in shown.most_common())
    print(f"messages and edits per workout-minute: {sum(shown.values()) / minutes:.1f} "
          f"({parts})")


def report_log(log: LogCount) -> None:
    logging.getLogger().removeHandler(log)
    print(f"warnings and errors in the bot's log: {sum(log.seen.values())}")
    for line, times in log.seen.most_common(10):
        print(f"  {times} times: {line}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workouts", type=int, default=50)
    parser.add_argument("--exercise", default="knees_to_chest")
    parser.add_argument("--stagger", type=float, default=10.0, help="seconds over which to start")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1,
                        help="of the random starts, so that runs can be compared")
    parser.add_argument("--voice", action="store_true",
                        help="spoken guidance with auto-continue, several exercises in a row")
    parser.add_argument("--exercises", type=int, default=None,
                        help="with --voice: how many exercises in a row (default 2)")
    parser.add_argument("--prepare-at-once", type=int, default=1,
                        help="chats got ready at one time (1: one by one; the voice mode's "
                             "warm \"Let's go\" figures are then without load)")
    parser.add_argument("--no-countdown", action="store_true",
                        help="the status does not count down within a beat")
    args = parser.parse_args()
    if args.no_countdown:
        # What the status would show without its countdown edits: only the beats.
        workout_live.countdown_marks = lambda seconds: ()
    if args.exercises is not None and not args.voice:
        parser.error("--exercises goes with --voice")
    random.seed(args.seed)
    content = load_content()
    await (voice_mode if args.voice else text_mode)(args, content)


if __name__ == "__main__":
    asyncio.run(main())
