"""The /progress chart: a PNG drawn in-process with matplotlib's Agg renderer.

No display and no network: the figure is built with matplotlib's object API (never pyplot,
whose global state is not safe across threads) and rendered to bytes. Rendering takes a
noticeable fraction of a second, so callers run :func:`render_week` in a worker thread.
matplotlib is imported on first use: the bot starts as fast without it, and its bundled
DejaVu fonts cover Latin, Cyrillic and Greek, so translated labels render too.

Every label comes from the caller (content/), so nothing here is worded for people.
"""

from __future__ import annotations

import io
import threading
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes

WIDTH_INCHES, HEIGHT_INCHES, DPI = 8.0, 6.0, 100
GOAL_COLOUR, BAR_COLOUR, BAR_GOAL_COLOUR = "#a5d6a7", "#90caf9", "#2e7d32"
WORKOUT_COLOUR, BEFORE_COLOUR, AFTER_COLOUR = "#f9a825", "#9e9e9e", "#1565c0"
_drawing = threading.Lock()


@dataclass(frozen=True)
class ChartData:
    days: tuple[str, ...]  # a label per day, oldest first
    km: tuple[float, ...]  # walked each day
    workouts: tuple[int, ...]  # completed each day
    ratings: tuple[tuple[int, int | None, int | None], ...]  # (day index, before, after)
    goal_low: float
    goal_high: float


@dataclass(frozen=True)
class ChartLabels:
    title: str
    subtitle: str
    km_axis: str
    goal: str
    workout: str
    feeling_axis: str
    before: str
    after: str
    no_ratings: str


def render_week(data: ChartData, labels: ChartLabels) -> bytes:
    """The week as a PNG: kilometres against the goal band on top, back ratings below."""
    # matplotlib does not promise thread safety, so worker threads draw one chart at a time.
    with _drawing:
        return _render(data, labels)


def _render(data: ChartData, labels: ChartLabels) -> bytes:
    import matplotlib

    # A "$" in a translated label is a dollar sign, not the start of a formula.
    matplotlib.rcParams["text.parse_math"] = False
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    walks, feelings = figure.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    figure.suptitle(f"{labels.title}\n{labels.subtitle}", fontsize=13)
    _draw_walks(walks, data, labels)
    _draw_feelings(feelings, data, labels)
    feelings.set_xticks(range(len(data.days)), data.days)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _draw_walks(ax: Axes, data: ChartData, labels: ChartLabels) -> None:
    positions = range(len(data.days))
    top = max([data.goal_high, *data.km]) * 1.25
    ax.axhspan(data.goal_low, data.goal_high, color=GOAL_COLOUR, alpha=0.45, label=labels.goal)
    colours = [BAR_GOAL_COLOUR if km >= data.goal_low else BAR_COLOUR for km in data.km]
    bars = ax.bar(positions, data.km, color=colours, width=0.6, zorder=2)
    ax.bar_label(bars, [_number(km) if km else "" for km in data.km], padding=2, fontsize=9)
    done = [day for day, count in enumerate(data.workouts) if count]
    if done:
        ax.scatter(done, [top * 0.92] * len(done), marker="*", s=260, color=WORKOUT_COLOUR,
                   edgecolors="#6d4c00", zorder=3, label=labels.workout)
    for day, count in enumerate(data.workouts):
        if count > 1:
            ax.annotate(f"\u00d7{count}", (day, top * 0.92), xytext=(9, -4),
                        textcoords="offset points", fontsize=9)
    ax.set_ylim(0, top)
    ax.set_ylabel(labels.km_axis)
    ax.grid(axis="y", alpha=0.3, zorder=0)
    _legend_above(ax)


def _draw_feelings(ax: Axes, data: ChartData, labels: ChartLabels) -> None:
    ax.set_ylim(-0.5, 10.5)
    ax.set_yticks(range(0, 11, 2))
    ax.set_ylabel(labels.feeling_axis)
    ax.grid(axis="y", alpha=0.3)
    if not data.ratings:
        ax.text(0.5, 0.5, labels.no_ratings, transform=ax.transAxes, ha="center",
                va="center", color="#616161")
        ax.set_xlim(-0.5, len(data.days) - 0.5)
        return
    per_day = Counter(day for day, _, _ in data.ratings)
    seen: Counter[int] = Counter()
    for day, before, after in data.ratings:
        # Several workouts on one day sit side by side, centred on the day.
        x = day + 0.18 * (seen[day] - (per_day[day] - 1) / 2)
        seen[day] += 1
        if before is not None and after is not None:
            ax.plot([x, x], [before, after], color="#bdbdbd", linewidth=2, zorder=1)
        if before is not None:
            ax.scatter([x], [before], s=70, facecolors="white", edgecolors=BEFORE_COLOUR,
                       linewidths=2, zorder=2, label=labels.before)
        if after is not None:
            ax.scatter([x], [after], s=70, color=AFTER_COLOUR, zorder=3, label=labels.after)
    ax.set_xlim(-0.5, len(data.days) - 0.5)
    _legend_above(ax)


def _legend_above(ax: Axes) -> None:
    # Above the plot, so that it never hides a bar or a point.
    handles, names = ax.get_legend_handles_labels()
    unique = dict(zip(names, handles, strict=True))  # one entry per kind of point
    ax.legend(unique.values(), unique.keys(), loc="lower left", bbox_to_anchor=(0, 1),
              ncols=2, fontsize=9, frameon=False, borderaxespad=0.2)


def _number(km: float) -> str:
    return f"{km:.1f}".rstrip("0").rstrip(".")
