"""What the bot counts for Prometheus, counted where it happens: reminders by outcome and
cause through the real dispatcher, 429s at the rate limiter, updates, live workouts and how
late their timed steps fire, with the fake Bot API and timers the test moves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import CollectorRegistry
from telegram.error import RetryAfter

from bot.fakeapi import FakeBotAPI
from bot.ops.metrics import Fate, Metrics, metrics_of
from bot.reminders import Kind
from bot.screening import Outcome
from bot.sending.gate import Gate
from bot.sending.limiter import Priority, PriorityLimiter
from bot.timers import Fire
from handlers.workout_live import timer_name
from tests.harness import TEST_TIME_SCALE, FakeClock, ManualTimers, RunningBot
from tests.test_reminders_support import add_reminder, drain, running_bot, screened
from tests.workout_helpers import reach_first_exercise
from tests.workout_helpers import screened as screened_for_workouts


def value(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, labels)


def reminders(registry: CollectorRegistry, outcome: str, cause: str) -> float | None:
    return value(registry, "backcoach_reminders_total", outcome=outcome, cause=cause)


def test_each_bot_counts_in_a_registry_of_its_own_with_every_cause_from_the_start() -> None:
    first, second = Metrics(), Metrics()
    first.updates.inc()
    first.reminder(Fate.BLOCKED, 2)
    assert value(first.registry, "backcoach_updates_total") == 1
    assert value(second.registry, "backcoach_updates_total") == 0
    assert reminders(first.registry, "failed", "blocked") == 2
    assert reminders(second.registry, "failed", "blocked") == 0
    assert value(second.registry, "backcoach_active") == 1
    second.set_active(False)
    assert (value(second.registry, "backcoach_active"), second.role) == (0, "standby")
    # Every outcome/cause pair is a series at 0 before anything happens, and no other exists.
    exposition = generate_latest(second.registry).decode()
    families = {f.name: f for f in text_string_to_metric_families(exposition)}
    pairs = {(s.labels["outcome"], s.labels["cause"])
             for s in families["backcoach_reminders"].samples if s.name.endswith("_total")}
    assert pairs == {fate.value for fate in Fate}
    assert {outcome for outcome, _ in pairs} == {"sent", "skipped", "failed"}


# Telegram's RetryAfter warns about its own attribute's future type as it is raised.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_the_limiter_tells_of_every_429() -> None:
    limiter = PriorityLimiter(Gate(rate=1000, chat_burst=100))
    told: list[str] = []
    limiter.on_rate_limited = lambda: told.append("429")
    answers: list[Any] = [RetryAfter(0), RetryAfter(0), True]

    async def send() -> Any:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    await limiter.initialize()
    try:
        assert await limiter.process_request(send, (), {}, "sendMessage", {"chat_id": 1},
                                             None) is True
        assert told == ["429", "429"]
        answers[:] = [RetryAfter(0)]
        with pytest.raises(RetryAfter):  # out of retries: the caller gets it, and it counts
            await limiter.process_request(send, (), {}, "sendMessage", {"chat_id": 1},
                                          Priority(retries=0))
        assert told == ["429"] * 3
    finally:
        await limiter.shutdown()


@pytest.fixture
async def reminder_bot(api: FakeBotAPI, migrated_database_url: str
                       ) -> AsyncIterator[RunningBot]:
    clock = FakeClock("2026-03-27T12:00:00+00:00")
    async with running_bot(api, migrated_database_url, clock) as running:
        yield running


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_the_dispatcher_counts_each_reminder_by_outcome_and_cause(
    api: FakeBotAPI, reminder_bot: RunningBot
) -> None:
    bot = reminder_bot
    assert bot.application is not None and isinstance(bot.clock, FakeClock)
    registry = metrics_of(bot.application).registry
    for chat_id in (6001, 6002, 6003, 6004):
        await add_reminder(bot, chat_id, "07:30")
    await add_reminder(bot, 6002, "07:30", kind=Kind.WORKOUT)
    await add_reminder(bot, 6005, "05:00")  # 04:00 UTC: two and a half hours late at 06:30
    await add_reminder(bot, 6006, "07:30", kind=Kind.WORKOUT)
    await screened(bot, 6006, Outcome.SEE_DOCTOR)
    api.block(6002, notify=False)
    api.fail_next("sendMessage", retry_after=1, chat_id=6003, times=2)
    api.fail_next("sendMessage", chat_id=6004)  # a 400: refused
    bot.clock.set("2026-03-28T06:30:00+00:00")
    report = await drain(bot)
    assert (report.sent, report.paused, report.failed) == (2, 2, 1)
    counted = {fate: reminders(registry, *fate.value) for fate in Fate}
    assert counted == {
        Fate.SENT: 2,  # 6001, and 6003 once put back after its 429s
        Fate.RATE_LIMITED: 1,  # 6003: 429 twice, the limiter's retry included
        Fate.BLOCKED: 2,  # 6002's walk and workout reminders
        Fate.REFUSED: 1,  # 6004
        Fate.SKIPPED_LATE: 1,  # 6005
        Fate.SKIPPED_NOT_ALLOWED: 1,  # 6006: the screen rules exercise out
        Fate.UNCONFIRMED: 0, Fate.SKIPPED_DONE: 0, Fate.UNREACHABLE: 0, Fate.STOPPING: 0,
        Fate.BROKEN: 0,
    }
    assert value(registry, "backcoach_telegram_rate_limited_total") == 2


async def test_count_update_counts_every_update_once(api: FakeBotAPI, bot: RunningBot) -> None:
    assert bot.application is not None
    registry = metrics_of(bot.application).registry
    user = api.user(6101)
    await user.send("/start")
    await user.expect("Back Coach")
    assert value(registry, "backcoach_updates_total") == 1
    await user.send("/help")
    await user.next()
    assert value(registry, "backcoach_updates_total") == 2


class LateTimers(ManualTimers):
    """ManualTimers whose workout steps each fire ``late`` programme seconds after their time,
    as on a busy event loop; countdown updates fire on time."""

    def __init__(self, late: float) -> None:
        super().__init__()
        self.late = late
        self.steps_fired = 0

    def start(self, name: str, seconds: float, fire: Fire) -> None:
        if not name.startswith(timer_name(0).removesuffix("0")):  # not a workout step
            super().start(name, seconds, fire)
            return

        async def fire_late() -> None:
            self.now += self.late
            self.steps_fired += 1
            await fire()

        super().start(name, seconds, fire_late)


async def test_live_workouts_and_how_late_their_steps_fire(
    api: FakeBotAPI, migrated_database_url: str
) -> None:
    timers = LateTimers(late=2.0)  # 2 programme seconds: 0.02 s at the tests' time scale
    bot = RunningBot(api, migrated_database_url, timers=timers)
    await bot.start()
    try:
        assert bot.application is not None
        registry = metrics_of(bot.application).registry
        assert value(registry, "backcoach_live_workouts") == 0
        user = api.user(6201)
        await screened_for_workouts(bot, user.id)
        await reach_first_exercise(user)
        assert value(registry, "backcoach_live_workouts") == 1
        await user.press("Start")
        await user.expect("Get ready", kind="edit")
        while timers.steps_fired < 4:
            await timers.next()
        await user.send("/cancel")
        await user.expect("Workout stopped")
        assert value(registry, "backcoach_live_workouts") == 0
    finally:
        await bot.stop()
    late = 2.0 * TEST_TIME_SCALE
    name = "backcoach_workout_step_lateness_seconds"
    assert value(registry, f"{name}_count") == 4
    assert value(registry, f"{name}_sum") == pytest.approx(4 * late)
    assert value(registry, f"{name}_bucket", le="0.01") == 0
    assert value(registry, f"{name}_bucket", le="0.025") == 4
