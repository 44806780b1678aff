"""What the bot counts for Prometheus, served at ``/metrics`` (``bot.ops.health``).

Each application has a ``Metrics`` of its own, in its own ``CollectorRegistry`` kept in
``application.bot_data`` (``metrics_of``): two bots in one process (the tests, the demo)
never count into each other's figures, and no library's metrics land in the bot's page.

Counting is a counter's increment where the event happens: no lock of ours, and no label
that grows with the number of people (no chat ids), so a scrape stays the same size however
many use the bot. What Prometheus cannot learn from events (how many workouts are live) is
read when it scrapes.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any, Literal

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.sending.limiter import PriorityLimiter

METRICS_KEY = "metrics"
# Whether this process does the work (``backcoach_active``, ``/healthz``).
RoleName = Literal["active", "standby"]

# A timed workout step is on time within a few milliseconds on an idle machine; beyond a second
# the person holding a stretch notices, and beyond five the prompt is plainly lost in a backlog.
LATENESS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Fate(Enum):
    """What became of a reminder the dispatcher took up: the ``outcome`` and ``cause`` labels
    of ``backcoach_reminders_total`` (``bot.dispatch`` tells them apart)."""

    SENT = ("sent", "delivered")
    # Written, then no answer: it may have arrived, so it counts as sent and is never sent again.
    UNCONFIRMED = ("sent", "unconfirmed")
    SKIPPED_LATE = ("skipped", "late")  # more than the catch-up allows, after downtime
    # Not for this person any more: the safety screen rules it out, or asks to be done first
    # and has said so once already.
    SKIPPED_NOT_ALLOWED = ("skipped", "not_allowed")
    SKIPPED_DONE = ("skipped", "done_today")  # a workout reminder on a day already worked out
    BLOCKED = ("failed", "blocked")  # the person blocked the bot: their reminders are paused
    # Put back for another try (the attempt is counted, not the reminder): still a 429 after
    # the limiter's own wait; no connection or a 5xx; the bot stopping before it went out.
    RATE_LIMITED = ("failed", "rate_limited")
    UNREACHABLE = ("failed", "unreachable")
    STOPPING = ("failed", "stopping")
    REFUSED = ("failed", "refused")  # Telegram said no for another reason; not tried again
    BROKEN = ("failed", "error")  # the bot's own fault composing or sending it; logged

    @property
    def outcome(self) -> str:
        return self.value[0]

    @property
    def cause(self) -> str:
        return self.value[1]


class Metrics:
    """One application's metrics and the registry ``/metrics`` serves them from."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.updates = Counter(
            "backcoach_updates_total",
            "Updates from Telegram (messages, button presses, chat member changes) this process "
            "has taken up for handling, whatever came of them.",
            registry=self.registry)
        reminders = Counter(
            "backcoach_reminders_total",
            "Reminders the dispatcher took up, by outcome (sent, skipped, failed) and cause. "
            "failed/rate_limited, failed/unreachable and failed/stopping are put back and tried "
            "again, so they count attempts; sent/unconfirmed got no answer and may have arrived.",
            ["outcome", "cause"], registry=self.registry)
        # Every series exists from the start (at 0), so a rate over it is right from the first
        # event, and an unknown label can never be made.
        self._reminders = {fate: reminders.labels(fate.outcome, fate.cause) for fate in Fate}
        self.rate_limited = Counter(
            "backcoach_telegram_rate_limited_total",
            "429 Too Many Requests answers from the Bot API to messages the bot sent: each one "
            "closes the bot's sending for the retry_after Telegram asks. Steady growth means "
            "the bot sends faster than Telegram allows.",
            registry=self.registry)
        self.step_lateness = Histogram(
            "backcoach_workout_step_lateness_seconds",
            "How late a live workout's timed step (a hold's prompt, the rest after it, the next "
            "exercise) began against its planned time, in real seconds: what a busy event loop "
            "or scheduler costs the person following the workout.",
            buckets=LATENESS_BUCKETS, registry=self.registry)
        self.live_workouts = Gauge(
            "backcoach_live_workouts",
            "Workouts in progress in this process, from Let's go to the back-rating question "
            "at the end; a process that stops stores them, and the next start offers them again.",
            registry=self.registry)
        self.active = Gauge(
            "backcoach_active",
            "1 while this process is the active one (it polls Telegram and sends reminders), "
            "0 while it is a standby waiting to take over.",
            registry=self.registry)
        self.set_active(True)

    def reminder(self, fate: Fate, count: int = 1) -> None:
        self._reminders[fate].inc(count)

    def set_active(self, active: bool) -> None:
        """This process has become the active one, or a standby (``role``)."""
        self.is_active = active
        self.active.set(1 if active else 0)

    @property
    def role(self) -> RoleName:
        """"active" or "standby", as ``/healthz`` reports it."""
        return "active" if self.is_active else "standby"

    def count_live_workouts(self, live: Callable[[], int]) -> None:
        """Read the number of live workouts from ``live`` at every scrape."""
        self.live_workouts.set_function(live)


def metrics_of(application: Application[Any, Any, Any, Any, Any, Any]) -> Metrics:
    """The application's metrics; the first call makes them and has the bot's rate limiter
    count the 429s it gets."""
    metrics: Metrics | None = application.bot_data.get(METRICS_KEY)
    if metrics is None:
        metrics = application.bot_data[METRICS_KEY] = Metrics()
        limiter = application.bot.rate_limiter
        if isinstance(limiter, PriorityLimiter):
            limiter.on_rate_limited = metrics.rate_limited.inc
    return metrics


async def count_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A handler for every update (``TypeHandler(Update, count_update)``, in a group ahead of
    all others): counts it and lets it go on."""
    metrics_of(context.application).updates.inc()
