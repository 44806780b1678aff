"""The timers of live workouts: call something back so many programme seconds from now.

A live workout keeps at most one timer per chat, under a name of its own: starting a timer
replaces the one of that name. Seconds here are the programme's own (a 5 s hold is 5); an
implementation applies the time scale. The bot runs them on python-telegram-bot's JobQueue;
tests pass timers that move only when the test says so, so timing is checked without waiting.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from telegram.ext import CallbackContext, JobQueue

Fire = Callable[[], Awaitable[None]]


class Timers(Protocol):
    def start(self, name: str, seconds: float, fire: Fire) -> None:
        """Await ``fire()`` in ``seconds``, instead of any timer of that name."""

    def cancel(self, name: str) -> None:
        """Forget the timer of that name, pending or not."""

    def elapsed(self, name: str) -> float:
        """Seconds since the timer of that name was started, also once it has fired; 0 if
        there is none."""


# Makes the timers of one running application from its JobQueue and the time scale.
MakeTimers = Callable[[JobQueue, float], Timers]


class JobQueueTimers:
    """Timers as JobQueue jobs named after the timer, at ``time_scale`` real seconds each."""

    def __init__(self, job_queue: JobQueue, time_scale: float) -> None:
        self._queue = job_queue
        self._scale = time_scale
        self._started: dict[str, float] = {}

    def start(self, name: str, seconds: float, fire: Fire) -> None:
        self.cancel(name)
        self._started[name] = time.monotonic()
        # APScheduler drops a job that runs more than a second late; on a busy machine that
        # would leave the person holding a stretch forever. A late prompt beats a lost one.
        self._queue.run_once(self._run, seconds * self._scale, data=fire, name=name,
                             job_kwargs={"misfire_grace_time": None})

    def cancel(self, name: str) -> None:
        self._started.pop(name, None)
        for job in self._queue.get_jobs_by_name(name):
            job.schedule_removal()

    def elapsed(self, name: str) -> float:
        started = self._started.get(name)
        return 0.0 if started is None else (time.monotonic() - started) / self._scale

    @staticmethod
    async def _run(context: CallbackContext[Any, Any, Any, Any]) -> None:
        assert context.job is not None
        await context.job.data()
