"""The last 7 days for /progress: kilometres walked, workouts done, back ratings, the streak.

Workouts shown are the complete ones and the *partial* ones: stopped part-way with at least one
exercise done (one stopped before any exercise is left out, and so is one still under way). A
partial one is shown as such ("5 of 11 exercises"), with its back ratings like any other.

Days are the chat's local dates, in the chat's time zone now. A walk keeps the date it was
logged on; a complete workout counts on the date it was finished, a partial one on the date it
was started (it may be closed only later, when the next workout begins or the bot restarts).
A day *counts* for the streak when its walks add up to the lower end of the walking goal
(6 km) or when at least one exercise of a workout was done on it, complete or partial. The
streak is the run of counting days that ends today; today may still be on its way, so while
it does not count yet, the run ending yesterday is shown (and said to be open).

Statistics are pure functions of dates and numbers (:func:`counting_days`, :func:`streak`);
:func:`load_week` reads them from the database, and the wording functions turn a
:class:`Week` into the text and the chart labels, so that the text alone says everything the
chart shows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import timing, walking
from bot.chart import ChartData, ChartLabels
from bot.content import Content, Range
from bot.formatting import Count, Day, decimal, weekday_and_day
from bot.models import WalkLog, WorkoutSession
from bot.workout import Status
from bot.workout_text import minutes

WINDOW_DAYS = 7


@dataclass(frozen=True)
class DayStats:
    day: date
    km: float
    workouts: int  # complete ones
    partial_workouts: int = 0


@dataclass(frozen=True)
class WorkoutNote:
    day: date
    done: int
    skipped: int
    active_seconds: int
    before: int | None
    after: int | None
    partial: bool = False  # stopped part-way
    steps: int = 0  # exercises in the session; 0 when not known

    @property
    def rated(self) -> bool:
        return self.before is not None or self.after is not None

    @property
    def total(self) -> int:
        """The exercises of the session (done and skipped ones are not all of a partial one)."""
        return max(self.steps, self.done + self.skipped)

    @property
    def shown(self) -> bool:
        """A workout stopped before any exercise was done is not shown."""
        return not self.partial or self.done >= 1

    @property
    def keeps_streak(self) -> bool:
        # At least one exercise done, even in a workout stopped part-way. The workout tells
        # people to stop at once if anything hurts (content/locales/*/workout.toml), so a streak
        # that only complete workouts kept would punish doing as told and reward pushing
        # through pain; and the exercises done were real movement ("every bit counts", as the
        # stop message says). A workout whose every exercise was skipped did none, so it does
        # not count: the rule the text states is exactly the rule applied.
        return self.done >= 1


@dataclass(frozen=True)
class Week:
    today: date
    goal: Range
    days: tuple[DayStats, ...]  # oldest first; today is the last
    workouts: tuple[WorkoutNote, ...]  # in the order they were done (see when_done)
    streak: int
    today_counts: bool

    @property
    def total_km(self) -> float:
        return round(sum(day.km for day in self.days), 2)

    @property
    def goal_days(self) -> int:
        return sum(1 for day in self.days if reaches_goal(day.km, self.goal))

    @property
    def empty(self) -> bool:
        return not self.workouts and not any(day.km for day in self.days)


def reaches_goal(km: float, goal: Range) -> bool:
    return round(km, 2) >= goal.low


def counting_days(
    walk_totals: Mapping[date, float], workout_days: Iterable[date], goal: Range
) -> set[date]:
    """The days that keep a streak going: a walk of the goal's lower end, or a workout with at
    least one exercise done (``workout_days``: see :attr:`WorkoutNote.keeps_streak`)."""
    return {day for day, km in walk_totals.items() if reaches_goal(km, goal)} | set(workout_days)


def streak(counting: set[date], today: date) -> tuple[int, bool]:
    """Days in a row that count, ending today, or ending yesterday while today does not count
    yet; and whether today counts."""
    today_counts = today in counting
    day, length = (today if today_counts else today - timedelta(days=1)), 0
    while day in counting:
        length += 1
        day -= timedelta(days=1)
    return length, today_counts


def build_week(
    today: date, goal: Range, walk_totals: Mapping[date, float], workouts: Iterable[WorkoutNote]
) -> Week:
    notes = tuple(note for note in workouts if note.shown)
    complete = Counter(note.day for note in notes if not note.partial)
    partial = Counter(note.day for note in notes if note.partial)
    days = tuple(
        DayStats(day, round(walk_totals.get(day, 0.0), 2), complete[day], partial[day])
        for day in (today - timedelta(days=back) for back in range(WINDOW_DAYS - 1, -1, -1))
    )
    workout_days = [note.day for note in notes if note.keeps_streak]
    length, today_counts = streak(counting_days(walk_totals, workout_days, goal), today)
    first = days[0].day
    return Week(today, goal, days, tuple(n for n in notes if first <= n.day <= today), length,
                today_counts)


async def load_week(session: AsyncSession, chat_id: int, now: datetime, goal: Range) -> Week:
    """The chat's last 7 days up to ``now``; the whole history counts for the streak."""
    zone = await walking.zone_name(session, chat_id)
    totals = await session.execute(
        select(WalkLog.local_date, func.sum(WalkLog.km))
        .where(WalkLog.chat_id == chat_id).group_by(WalkLog.local_date)
    )
    walk_totals = {day: float(km) for day, km in totals}
    # Ended ones only: a workout still under way (or waiting for Start) is not shown yet.
    ended = await session.scalars(
        select(WorkoutSession).where(
            WorkoutSession.chat_id == chat_id,
            WorkoutSession.status.in_([Status.FINISHED.value, Status.STOPPED.value]),
            WorkoutSession.finished_at.is_not(None),
        )
    )
    rows = sorted(ended, key=lambda w: (when_done(w), w.id))
    notes = [
        WorkoutNote(timing.local_date(when_done(w), zone), w.exercises_done,
                    w.exercises_skipped, w.active_seconds, w.feeling_before, w.feeling_after,
                    partial=w.status == Status.STOPPED.value, steps=session_steps(w.state))
        for w in rows
    ]
    return build_week(timing.local_date(now, zone), goal, walk_totals, notes)


def when_done(workout: WorkoutSession) -> datetime:
    """When a workout's exercises were done: a stopped one may have been closed only much
    later (by the next workout, or a restart), so it keeps the time it was started."""
    if workout.status == Status.STOPPED.value or workout.finished_at is None:
        return workout.started_at
    return workout.finished_at


def session_steps(state: Any) -> int:
    """The number of exercises in a workout, from its saved engine state (bot/workout.py,
    ``WorkoutRun.to_dict``); 0 when the state does not say."""
    ids = state.get("exercise_ids") if isinstance(state, dict) else None
    return len(ids) if isinstance(ids, list) else 0


# --- wording ----------------------------------------------------------------------------------


def day_label(content: Content, lang: str, day: date) -> str:
    """A day of the week on the chart: "Thu 4", «чт, 4»."""
    return weekday_and_day(day, content.locale_for(lang))


def summary_text(content: Content, lang: str, week: Week) -> str:
    """Everything the chart shows, in words, for reading without the picture."""
    say = content.text
    if week.empty:
        return "\n\n".join([say("progress.empty.text", lang), streak_text(content, lang, week)])
    goal = week.goal
    blocks = [
        say("progress.summary.header", lang, first=Day(week.days[0].day), last=Day(week.today)),
        "\n".join([
            say("progress.summary.walking", lang, total=float(week.total_km), goal=str(goal),
                goal_days=week.goal_days, days=WINDOW_DAYS),
            *(day_line(content, lang, week, day) for day in week.days),
        ]),
        workouts_text(content, lang, week),
        streak_text(content, lang, week),
    ]
    return "\n\n".join(blocks)


def day_line(content: Content, lang: str, week: Week, stats: DayStats) -> str:
    say = content.text
    if not stats.km:
        walk = say("progress.day.no_walk", lang)
    elif reaches_goal(stats.km, week.goal):
        walk = say("progress.day.walk_goal", lang, km=float(stats.km))
    else:
        walk = say("progress.day.walk", lang, km=float(stats.km))
    workouts = ""
    if stats.workouts == 1:
        workouts = say("progress.day.one_workout", lang)
    elif stats.workouts > 1:
        workouts = say("progress.day.workouts", lang,
                       count=Count(stats.workouts, "progress.count.workouts"))
    if stats.partial_workouts == 1:
        workouts += say("progress.day.one_partial", lang)
    elif stats.partial_workouts > 1:
        workouts += say("progress.day.partials", lang,
                        count=Count(stats.partial_workouts, "progress.count.partial_workouts"))
    label: object = stats.day
    if stats.day == week.today:
        label = say("progress.day.today", lang, day=stats.day)
    return say("progress.day.line", lang, day=label, walk=walk, workouts=workouts)


def workouts_text(content: Content, lang: str, week: Week) -> str:
    say = content.text
    if not week.workouts:
        return say("progress.workouts.none", lang)
    partial = sum(1 for note in week.workouts if note.partial)
    complete = len(week.workouts) - partial
    counted = Count(complete, "progress.count.workouts")
    lines = [say("progress.workouts.header_partial", lang, count=counted,
                 partial=Count(partial, "progress.count.partial_workouts"))
             if partial else say("progress.workouts.header", lang, count=counted)]
    for note in week.workouts:
        date_label, spent = note.day, minutes(note.active_seconds)
        if note.partial:
            line = say("progress.workouts.partial_line", lang, date=date_label, done=note.done,
                       total=Count(note.total, "progress.count.of_exercises"), minutes=spent)
        else:
            line = say("progress.workouts.line", lang, date=date_label, done=note.done,
                       skipped=note.skipped, minutes=spent)
        if note.rated:
            line += say("progress.workouts.feeling", lang, before=dash(note.before),
                        after=dash(note.after))
        lines.append(line)
    if any(note.rated for note in week.workouts):
        lines.append(say("progress.workouts.scale", lang))
    return "\n".join(lines)


def streak_text(content: Content, lang: str, week: Week) -> str:
    say, low = content.text, week.goal.low
    if week.streak == 0:
        return say("progress.streak.none", lang, low=low)
    lines = [say("progress.streak.days", lang, days=Count(week.streak, "progress.count.days"))]
    if not week.today_counts:
        left = float(max(week.goal.low - week.days[-1].km, 0.0))
        lines.append(say("progress.streak.today_open", lang, left=left))
    lines.append(say("progress.streak.rule", lang, low=low))
    return " ".join(lines)


def dash(value: int | None) -> str:
    return "\N{EN DASH}" if value is None else str(value)


def chart_data(content: Content, lang: str, week: Week) -> ChartData:
    index = {stats.day: number for number, stats in enumerate(week.days)}
    return ChartData(
        days=tuple(day_label(content, lang, stats.day) for stats in week.days),
        km=tuple(stats.km for stats in week.days),
        km_labels=tuple(decimal(stats.km, content.locale_for(lang)) if stats.km else ""
                        for stats in week.days),
        workouts=tuple(stats.workouts for stats in week.days),
        partial_workouts=tuple(stats.partial_workouts for stats in week.days),
        ratings=tuple((index[n.day], n.before, n.after, n.partial)
                      for n in week.workouts if n.rated),
        goal_low=float(week.goal.low),
        goal_high=float(week.goal.high),
    )


def chart_labels(content: Content, lang: str, week: Week) -> ChartLabels:
    def say(name: str, **values: object) -> str:
        return content.text(f"progress.chart.{name}", lang, **values)

    return ChartLabels(
        title=say("title"), subtitle=say("streak", days=Count(week.streak, "progress.count.days")),
        km_axis=say("km_axis"),
        goal=say("goal", goal=str(week.goal)), workout=say("workout"), partial=say("partial"),
        workouts_row=say("workouts_row"),
        feeling_axis=say("feeling_axis"), before=say("before"), after=say("after"),
        no_ratings=say("no_ratings"),
    )
