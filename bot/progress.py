"""The last 7 days for /progress: kilometres walked, workouts done, back ratings, the streak.

Days are the chat's local dates. A walk keeps the date it was logged on; a workout counts on
the local date it was finished, in the chat's time zone now. A day *counts* for the streak when
its walks add up to the lower end of the walking goal (6 km) or when a workout was completed
on it. The streak is the run of counting days that ends today; today may still be on its way,
so while it does not count yet, the run ending yesterday is shown (and said to be open).

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

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import timing, walking
from bot.chart import ChartData, ChartLabels
from bot.content import Content, Range
from bot.models import WalkLog, WorkoutSession
from bot.workout import Status
from bot.workout_text import minutes

WINDOW_DAYS = 7
WEEKDAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class DayStats:
    day: date
    km: float
    workouts: int


@dataclass(frozen=True)
class WorkoutNote:
    day: date
    done: int
    skipped: int
    active_seconds: int
    before: int | None
    after: int | None

    @property
    def rated(self) -> bool:
        return self.before is not None or self.after is not None


@dataclass(frozen=True)
class Week:
    today: date
    goal: Range
    days: tuple[DayStats, ...]  # oldest first; today is the last
    workouts: tuple[WorkoutNote, ...]  # in the order they were finished
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
    """The days that keep a streak going: a walk of the goal's lower end, or a workout."""
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
    notes = tuple(workouts)
    per_day = Counter(note.day for note in notes)
    days = tuple(
        DayStats(day, round(walk_totals.get(day, 0.0), 2), per_day[day])
        for day in (today - timedelta(days=back) for back in range(WINDOW_DAYS - 1, -1, -1))
    )
    length, today_counts = streak(counting_days(walk_totals, per_day, goal), today)
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
    finished = await session.scalars(
        select(WorkoutSession).where(
            WorkoutSession.chat_id == chat_id,
            WorkoutSession.status == Status.FINISHED.value,
            WorkoutSession.finished_at.is_not(None),
        ).order_by(WorkoutSession.finished_at)
    )
    notes = [
        WorkoutNote(timing.local_date(w.finished_at, zone), w.exercises_done,
                    w.exercises_skipped, w.active_seconds, w.feeling_before, w.feeling_after)
        for w in finished
    ]
    return build_week(timing.local_date(now, zone), goal, walk_totals, notes)


# --- wording ----------------------------------------------------------------------------------


def day_label(content: Content, lang: str, day: date) -> str:
    weekday = content.text(f"progress.weekday.{WEEKDAY_CODES[day.weekday()]}", lang)
    return content.text("progress.day.label", lang, weekday=weekday, day=day.day)


def summary_text(content: Content, lang: str, week: Week) -> str:
    """Everything the chart shows, in words, for reading without the picture."""
    say = content.text
    if week.empty:
        return "\n\n".join([say("progress.empty.text", lang), streak_text(content, lang, week)])
    goal, km = week.goal, walking.km_text
    blocks = [
        say("progress.summary.header", lang, first=day_label(content, lang, week.days[0].day),
            last=day_label(content, lang, week.today)),
        "\n".join([
            say("progress.summary.walking", lang, total=km(week.total_km), goal=str(goal),
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
        walk = say("progress.day.walk_goal", lang, km=walking.km_text(stats.km))
    else:
        walk = say("progress.day.walk", lang, km=walking.km_text(stats.km))
    workouts = ""
    if stats.workouts == 1:
        workouts = say("progress.day.one_workout", lang)
    elif stats.workouts > 1:
        workouts = say("progress.day.workouts", lang, count=stats.workouts)
    label = day_label(content, lang, stats.day)
    if stats.day == week.today:
        label = say("progress.day.today", lang, day=label)
    return say("progress.day.line", lang, day=label, walk=walk, workouts=workouts)


def workouts_text(content: Content, lang: str, week: Week) -> str:
    say = content.text
    if not week.workouts:
        return say("progress.workouts.none", lang)
    lines = [say("progress.workouts.header", lang, count=len(week.workouts))]
    for note in week.workouts:
        line = say("progress.workouts.line", lang, date=day_label(content, lang, note.day),
                   done=note.done, skipped=note.skipped, minutes=minutes(note.active_seconds))
        if note.rated:
            line += say("progress.workouts.feeling", lang, before=dash(note.before),
                        after=dash(note.after))
        lines.append(line)
    if any(note.rated for note in week.workouts):
        lines.append(say("progress.workouts.scale", lang))
    return "\n".join(lines)


def streak_text(content: Content, lang: str, week: Week) -> str:
    say, low = content.text, walking.km_text(week.goal.low)
    if week.streak == 0:
        return say("progress.streak.none", lang, low=low)
    key = "progress.streak.one" if week.streak == 1 else "progress.streak.days"
    lines = [say(key, lang, days=week.streak)]
    if not week.today_counts:
        left = walking.km_text(max(week.goal.low - week.days[-1].km, 0.0))
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
        workouts=tuple(stats.workouts for stats in week.days),
        ratings=tuple((index[n.day], n.before, n.after) for n in week.workouts if n.rated),
        goal_low=float(week.goal.low),
        goal_high=float(week.goal.high),
    )


def chart_labels(content: Content, lang: str, week: Week) -> ChartLabels:
    def say(name: str, **values: object) -> str:
        return content.text(f"progress.chart.{name}", lang, **values)

    return ChartLabels(
        title=say("title"), subtitle=say("streak", days=week.streak), km_axis=say("km_axis"),
        goal=say("goal", goal=str(week.goal)), workout=say("workout"),
        feeling_axis=say("feeling_axis"), before=say("before"), after=say("after"),
        no_ratings=say("no_ratings"),
    )
