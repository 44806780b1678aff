"""The 7-day statistics, the streak rules, the wording and the chart, without Telegram."""

from __future__ import annotations

import dataclasses
import io
from datetime import date, timedelta

import pytest
from matplotlib.collections import PathCollection
from PIL import Image

from bot import chart, progress, workouts
from bot.content import Range, load_content
from bot.progress import WorkoutNote, build_week, counting_days, session_steps, streak

CONTENT = load_content()
GOAL = Range(6, 8)
TODAY = date(2026, 6, 10)  # a Wednesday


def days_ago(*offsets: int) -> set[date]:
    return {TODAY - timedelta(days=offset) for offset in offsets}


def note(day: date, before: int | None = None, after: int | None = None) -> WorkoutNote:
    return WorkoutNote(day, 11, 0, 540, before, after)


def partial(day: date, done: int = 5, before: int | None = None, after: int | None = None,
            skipped: int = 1, steps: int = 11) -> WorkoutNote:
    """A workout stopped part-way: ``done`` of the session's ``steps`` exercises."""
    return WorkoutNote(day, done, skipped, 240, before, after, partial=True, steps=steps)


def test_a_day_counts_with_the_goals_lower_end_or_a_workout() -> None:
    walks = {TODAY: 6.0, TODAY - timedelta(days=1): 5.99, TODAY - timedelta(days=2): 3.33 + 2.67}
    assert counting_days(walks, [TODAY - timedelta(days=3)], GOAL) == days_ago(0, 2, 3)


@pytest.mark.parametrize(("counting", "expected"), [
    (set(), (0, False)),
    (days_ago(0), (1, True)),
    (days_ago(0, 1, 2), (3, True)),
    # Today is not over: the run up to yesterday still stands, and today is open.
    (days_ago(1, 2), (2, False)),
    # A day without a walk or a workout ends the run.
    (days_ago(0, 1, 3, 4, 5), (2, True)),
    (days_ago(2, 3), (0, False)),
    # The streak is not limited to the 7 days shown.
    (days_ago(*range(12)), (12, True)),
    # A day after today (a walk logged in a zone further east) is not part of it.
    (days_ago(-1), (0, False)),
])
def test_streak(counting: set[date], expected: tuple[int, bool]) -> None:
    assert streak(counting, TODAY) == expected


def test_the_week_is_seven_local_days_ending_today() -> None:
    walks = {TODAY - timedelta(days=offset): 6.5 for offset in range(10)}
    week = build_week(TODAY, GOAL, walks, [note(TODAY - timedelta(days=8)), note(TODAY, 4, 2)])
    assert [day.day for day in week.days] == [TODAY - timedelta(days=n) for n in range(6, -1, -1)]
    assert week.total_km == 45.5 and week.goal_days == 7
    assert [n.day for n in week.workouts] == [TODAY]  # the older one is outside the window
    assert (week.streak, week.today_counts) == (10, True)


def test_summary_says_everything_the_chart_shows() -> None:
    walks = {TODAY - timedelta(days=6): 6.2, TODAY - timedelta(days=5): 2.0, TODAY: 1.5}
    notes = [note(TODAY - timedelta(days=5), 5, 3), note(TODAY - timedelta(days=1), 4, None),
             note(TODAY - timedelta(days=1))]
    text = progress.summary_text(CONTENT, "en", build_week(TODAY, GOAL, walks, notes))
    assert "Your last 7 days, 4 Jun to 10 Jun" in text
    assert "Walked: 9.7 km in all. Goal of 6–8 km reached on 1 of 7 days." in text
    for line in ("• Thu 4 Jun: 6.2 km, goal reached", "• Fri 5 Jun: 2 km, a workout",
                 "• Sat 6 Jun: no walk", "• Tue 9 Jun: no walk, 2 workouts",
                 "• Wed 10 Jun (today): 1.5 km"):
        assert line in text
    assert "Completed: 3 workouts." in text
    assert "• Fri 5 Jun: 11 done, 0 skipped, about 9 min · back 5 → 3" in text
    assert "• Tue 9 Jun: 11 done, 0 skipped, about 9 min · back 4 → –" in text
    assert "from 0 (no discomfort) to 10" in text  # the scale, for the numbers to mean something
    assert "Streak: 1 day in a row." in text  # Tue 9 (workouts); Mon 8 had none
    assert "walk 4.5 km more or do at least one exercise of a workout" in text


@pytest.mark.parametrize(("walks", "notes", "expected"), [
    ({}, [], "Streak: none yet. A day counts when you walk 6 km or more"),
    ({TODAY: 7.0}, [], "Streak: 1 day in a row."),
    ({TODAY - timedelta(days=1): 7.0}, [], "Today isn't counted yet: walk 6 km more"),
])
def test_streak_wording(walks: dict[date, float], notes: list[WorkoutNote], expected: str) -> None:
    week = build_week(TODAY, GOAL, walks, notes)
    assert expected in progress.summary_text(CONTENT, "en", week)


def test_an_empty_week_says_how_to_begin() -> None:
    week = build_week(TODAY, GOAL, {}, [])
    assert week.empty
    assert "/walk 5.2" in progress.summary_text(CONTENT, "en", week)


def render(walks: dict[date, float], notes: list[WorkoutNote]) -> Image.Image:
    week = build_week(TODAY, GOAL, walks, notes)
    png = chart.render_week(progress.chart_data(CONTENT, "en", week),
                            progress.chart_labels(CONTENT, "en", week))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    image.load()  # decodes every pixel: a truncated or corrupt file fails here
    return image


def test_the_chart_is_a_png_of_the_promised_size() -> None:
    image = render({TODAY: 3.0, TODAY - timedelta(days=2): 9.5},
                   [note(TODAY, 6, 3), note(TODAY, None, 2), note(TODAY - timedelta(days=4))])
    assert image.format == "PNG"
    assert image.size == (800, 600)
    # Something is drawn: a blank canvas has a single colour.
    assert len(image.convert("RGB").getcolors(maxcolors=1_000_000) or []) > 10


def test_the_chart_draws_weeks_without_ratings_and_with_long_walks() -> None:
    assert render({TODAY: 50.0}, []).size == (800, 600)
    assert render({}, [note(TODAY)]).size == (800, 600)


def test_chart_labels_are_the_contents() -> None:
    week = build_week(TODAY, GOAL, {TODAY: 3.0}, [])
    labels = progress.chart_labels(CONTENT, "en", week)
    assert labels.goal == "goal: 6–8 km a day"
    assert progress.chart_data(CONTENT, "en", week).days[-1] == "Wed 10"


# --- workouts stopped part-way ---------------------------------------------------------------


def test_a_partial_workout_shows_how_far_it_went_with_its_ratings() -> None:
    notes = [note(TODAY - timedelta(days=2), 5, 3), partial(TODAY - timedelta(days=1), 5, 6, 4)]
    week = build_week(TODAY, GOAL, {}, notes)
    text = progress.summary_text(CONTENT, "en", week)
    # Of the session's 11 exercises, not of done + skipped (6).
    assert "• Tue 9 Jun: partial, 5 of 11 exercises, about 4 min · back 6 → 4" in text
    assert "• Mon 8 Jun: 11 done, 0 skipped, about 9 min · back 5 → 3" in text  # as before
    assert "Completed: 1 workout; 1 partial workout." in text
    assert "• Tue 9 Jun: no walk, a partial workout\n" in text
    assert "• Mon 8 Jun: no walk, a workout\n" in text
    text = progress.summary_text(CONTENT, "ru", week)
    assert "• вт, 9 июн.: неполная, выполнено 5 из 11 упражнений, около 4 мин · спина 6 → 4" in text
    assert "Завершено: 1 тренировка; кроме того, 1 неполная тренировка." in text
    assert "• вт, 9 июн.: без прогулки, неполная тренировка\n" in text


def test_complete_workouts_alone_keep_their_wording() -> None:
    text = progress.summary_text(CONTENT, "en", build_week(TODAY, GOAL, {}, [note(TODAY)]))
    assert "Completed: 1 workout.\n" in text and "partial" not in text


def test_a_day_with_both_kinds_says_both() -> None:
    notes = [note(TODAY), partial(TODAY), partial(TODAY, 2)]
    week = build_week(TODAY, GOAL, {TODAY: 2.0}, notes)
    assert week.days[-1].workouts == 1 and week.days[-1].partial_workouts == 2
    text = progress.summary_text(CONTENT, "en", week)
    assert "• Wed 10 Jun (today): 2 km, a workout, 2 partial workouts" in text
    assert "Completed: 1 workout; 2 partial workouts." in text


def test_a_workout_stopped_before_any_exercise_is_not_shown() -> None:
    week = build_week(TODAY, GOAL, {}, [partial(TODAY - timedelta(days=1), 0, 3, None)])
    assert week.workouts == () and week.empty
    assert week.days[-2].partial_workouts == 0
    assert (week.streak, week.today_counts) == (0, False)


def test_the_session_length_comes_from_the_saved_state() -> None:
    state = workouts.new_run(CONTENT, harder=False).to_dict()  # what a workout row keeps
    assert session_steps(state) == len(CONTENT.session) == 11
    assert session_steps(None) == session_steps({}) == session_steps({"exercise_ids": 3}) == 0
    # Without it, what was done and skipped is all that is known.
    assert partial(TODAY, 5, skipped=1, steps=0).total == 6
    assert partial(TODAY, 5, skipped=1, steps=11).total == 11


@pytest.mark.parametrize(("notes", "expected"), [
    # One exercise done, then stopped: the day counts, like a complete workout.
    ([partial(TODAY, 1)], (1, True)),
    ([note(TODAY - timedelta(days=2)), partial(TODAY - timedelta(days=1), 3), partial(TODAY, 1)],
     (3, True)),
    # Yesterday's partial keeps the run open today.
    ([partial(TODAY - timedelta(days=1), 2)], (1, False)),
    # Nothing done: it breaks the run like a day without anything.
    ([partial(TODAY - timedelta(days=1), 0), note(TODAY - timedelta(days=2))], (0, False)),
    # Every exercise skipped: finished, shown, but no exercise was done, so the day does not
    # count (the rule says "at least one exercise").
    ([WorkoutNote(TODAY, 0, 11, 0, None, None)], (0, False)),
])
def test_the_streak_counts_a_day_with_at_least_one_exercise_done(
    notes: list[WorkoutNote], expected: tuple[int, bool]
) -> None:
    week = build_week(TODAY, GOAL, {}, notes)
    assert (week.streak, week.today_counts) == expected


def test_the_streak_rule_says_a_partial_workout_counts() -> None:
    week = build_week(TODAY, GOAL, {}, [partial(TODAY - timedelta(days=1), 2)])
    text = progress.summary_text(CONTENT, "en", week)
    assert "Streak: 1 day in a row." in text
    assert ("Today isn't counted yet: walk 6 km more or do at least one exercise of a workout"
            in text)
    assert ("(A day counts when you walk 6 km or more, or do at least one exercise of a "
            "workout, even if you stop it part-way.)") in text
    text = progress.summary_text(CONTENT, "ru", week)
    assert "сделали хотя бы одно упражнение тренировки — даже если остановились на полпути" in text


def test_the_chart_data_marks_partial_workouts() -> None:
    notes = [note(TODAY - timedelta(days=3), 5, 3), partial(TODAY - timedelta(days=1), 5, 6, 4),
             partial(TODAY - timedelta(days=1), 2), partial(TODAY, 0, 7, 7)]
    data = progress.chart_data(CONTENT, "en", build_week(TODAY, GOAL, {}, notes))
    assert data.workouts == (0, 0, 0, 1, 0, 0, 0)
    assert data.partial_workouts == (0, 0, 0, 0, 0, 2, 0)  # today's did nothing
    assert data.ratings == ((3, 5, 3, False), (5, 6, 4, True))
    labels = progress.chart_labels(CONTENT, "ru", build_week(TODAY, GOAL, {}, notes))
    assert labels.partial == "неполная тренировка"


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_chart_with_partial_workouts_is_a_png(lang: str) -> None:
    notes = [note(TODAY, 6, 3), partial(TODAY, 5, 6, 4), partial(TODAY - timedelta(days=1), 3),
             partial(TODAY - timedelta(days=2), 2, None, 5), partial(TODAY - timedelta(days=2))]
    week = build_week(TODAY, GOAL, {TODAY: 2.5}, notes)
    png = chart.render_week(progress.chart_data(CONTENT, lang, week),
                            progress.chart_labels(CONTENT, lang, week))
    image = Image.open(io.BytesIO(png))
    image.load()
    assert image.format == "PNG" and image.size == (800, 600)
    # Only partial ratings: the legend still has plain entries for before and after.
    week = build_week(TODAY, GOAL, {}, [partial(TODAY, 5, 6, 4)])
    assert chart.render_week(progress.chart_data(CONTENT, lang, week),
                             progress.chart_labels(CONTENT, lang, week)).startswith(b"\x89PNG")


def test_workouts_have_a_strip_of_their_own_and_bars_say_what_the_text_says() -> None:
    """A day with a workout and no walk must not look like a long walk: the stars sit in a
    strip with no scale, never on the kilometre axis; a bar's label is the text's distance."""
    week = build_week(TODAY, GOAL, {TODAY - timedelta(days=1): 3.33},
                      [note(TODAY), partial(TODAY - timedelta(days=2))])
    figure = chart.build_figure(progress.chart_data(CONTENT, "en", week),
                                progress.chart_labels(CONTENT, "en", week))
    walks, strip, _ = figure.axes
    # On the kilometre axis: only the legend's empty entries, no point at any distance.
    points = [c for c in walks.collections if isinstance(c, PathCollection)]
    assert points and all(len(c.get_offsets()) == 0 for c in points)
    stars = [tuple(xy) for c in strip.collections for xy in c.get_offsets()]
    assert sorted(x for x, _ in stars) == [4.0, 6.0]  # the partial workout, then today's
    assert [label.get_text() for label in strip.get_yticklabels()] == ["workouts"]
    bar_labels = [t.get_text() for t in walks.texts]
    assert "3.33" in bar_labels and "3.3" not in bar_labels


@pytest.mark.parametrize(("days", "said"), [
    (1, "🔥 Серия: 1 день подряд."), (3, "🔥 Серия: 3 дня подряд."),
    (5, "🔥 Серия: 5 дней подряд."), (21, "🔥 Серия: 21 день подряд."),
    (22, "🔥 Серия: 22 дня подряд."), (11, "🔥 Серия: 11 дней подряд."),
])
def test_russian_counts_agree_with_their_number(days: int, said: str) -> None:
    walks = {TODAY - timedelta(days=n): 6.0 for n in range(days)}
    week = build_week(TODAY, GOAL, walks, [])
    week = dataclasses.replace(week, streak=days)  # longer than the 7 days shown
    assert said in progress.summary_text(CONTENT, "ru", week)


def test_russian_numbers_and_dates_are_written_the_russian_way() -> None:
    week = build_week(TODAY, GOAL, {TODAY: 5.25, TODAY - timedelta(days=1): 1234.5}, [])
    text = progress.summary_text(CONTENT, "ru", week)
    assert "• ср, 10 июн. (сегодня): 5,25 км" in text
    assert "1\u00a0234,5 км" in text and "5.25" not in text  # a no-break space groups
    assert "📊 Последние 7 дней: с 4 июн. по 10 июн." in text
