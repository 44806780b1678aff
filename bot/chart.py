"""The /progress chart: a PNG drawn in-process with matplotlib's Agg renderer.

No display and no network: the figure is built with matplotlib's object API (never pyplot,
whose global state is not safe across threads) and rendered to bytes. Rendering takes a
noticeable fraction of a second, so callers run :func:`render_week` in a worker thread.
matplotlib is imported on first use: the bot starts as fast without it, and its bundled
DejaVu fonts cover Latin, Cyrillic and Greek, so translated labels render too.

Every label comes from the caller (content/), so nothing here is worded for people.

Workouts have a strip of their own between the two plots, with no scale: a star there can
never be read as a distance or a rating. The bars' labels come from the caller, worded as the
text beside the chart words distances.

Hatching marks a workout stopped part-way: a hatched, lighter star beside the full ones, and
hatched points for its back ratings, each with its own legend entry.
"""

from __future__ import annotations

import io
import threading
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

WIDTH_INCHES, HEIGHT_INCHES, DPI = 8.0, 6.0, 100
GOAL_COLOUR, BAR_COLOUR, BAR_GOAL_COLOUR = "#a5d6a7", "#90caf9", "#2e7d32"
WORKOUT_COLOUR, BEFORE_COLOUR, AFTER_COLOUR = "#f9a825", "#9e9e9e", "#1565c0"
WORKOUT_EDGE, PARTIAL_FACE, PARTIAL_EDGE = "#6d4c00", "#fff3c4", "#c17900"
AFTER_PARTIAL_FACE, PARTIAL_HATCH = "#bbdefb", "////"
# A day with both kinds of workout shows its two stars side by side.
PAIR_OFFSET = 0.17
_BEFORE: dict[str, object] = {
    "s": 70, "facecolors": "white", "edgecolors": BEFORE_COLOUR, "linewidths": 2}
_AFTER: dict[str, object] = {"s": 70, "facecolors": AFTER_COLOUR, "edgecolors": AFTER_COLOUR}
_AFTER_PARTIAL: dict[str, object] = {
    "s": 70, "facecolors": AFTER_PARTIAL_FACE, "edgecolors": AFTER_COLOUR, "linewidths": 1.5}
_PARTIAL_KEY: dict[str, object] = {
    "s": 70, "facecolors": "white", "edgecolors": "#616161", "linewidths": 1.5,
    "hatch": PARTIAL_HATCH}
_drawing = threading.Lock()


@dataclass(frozen=True)
class ChartData:
    days: tuple[str, ...]  # a label per day, oldest first
    km: tuple[float, ...]  # walked each day
    km_labels: tuple[str, ...]  # each day's distance as the text says it; "" for none
    workouts: tuple[int, ...]  # completed each day
    partial_workouts: tuple[int, ...]  # stopped part-way each day, with an exercise done
    # (day index, before, after, whether the workout was partial)
    ratings: tuple[tuple[int, int | None, int | None, bool], ...]
    goal_low: float
    goal_high: float


@dataclass(frozen=True)
class ChartLabels:
    title: str
    subtitle: str
    km_axis: str
    goal: str
    workout: str
    partial: str
    workouts_row: str  # the name of the workouts' strip
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

    figure = build_figure(data, labels)
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def build_figure(data: ChartData, labels: ChartLabels) -> Figure:
    """The chart's figure: walks, then the workouts' strip, then the back ratings."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI, layout="constrained")
    walks, done, feelings = figure.subplots(3, 1, sharex=True, height_ratios=[3, 0.55, 2])
    figure.suptitle(f"{labels.title}\n{labels.subtitle}", fontsize=13)
    _draw_walks(walks, data, labels)
    _draw_workouts(done, data, labels)
    _draw_feelings(feelings, data, labels)
    feelings.set_xticks(range(len(data.days)), data.days)
    return figure


def _draw_walks(ax: Axes, data: ChartData, labels: ChartLabels) -> None:
    positions = range(len(data.days))
    top = max([data.goal_high, *data.km]) * 1.25
    ax.axhspan(data.goal_low, data.goal_high, color=GOAL_COLOUR, alpha=0.45, label=labels.goal)
    colours = [BAR_GOAL_COLOUR if km >= data.goal_low else BAR_COLOUR for km in data.km]
    bars = ax.bar(positions, data.km, color=colours, width=0.6, zorder=2)
    ax.bar_label(bars, list(data.km_labels), padding=2, fontsize=9)
    ax.set_ylim(0, top)
    ax.set_ylabel(labels.km_axis)
    ax.grid(axis="y", alpha=0.3, zorder=0)
    # The workouts' legend entries go up here with the rest, drawn apart (empty).
    ax.scatter([], [], marker="*", s=260, linewidths=1, color=WORKOUT_COLOUR,
               edgecolors=WORKOUT_EDGE, label=labels.workout)
    if any(data.partial_workouts):
        ax.scatter([], [], marker="*", s=260, linewidths=1, facecolors=PARTIAL_FACE,
                   edgecolors=PARTIAL_EDGE, hatch=PARTIAL_HATCH, label=labels.partial)
    _legend_above(ax)


def _draw_workouts(ax: Axes, data: ChartData, labels: ChartLabels) -> None:
    """A star on each day with a workout, in a strip with no scale."""
    both = {day for day, count in enumerate(data.workouts) if count} & {
        day for day, count in enumerate(data.partial_workouts) if count}
    _draw_stars(ax, data.workouts, both, -PAIR_OFFSET, 0.5, color=WORKOUT_COLOUR,
                edgecolors=WORKOUT_EDGE)
    _draw_stars(ax, data.partial_workouts, both, PAIR_OFFSET, 0.5,
                facecolors=PARTIAL_FACE, edgecolors=PARTIAL_EDGE, hatch=PARTIAL_HATCH)
    ax.set_ylim(0, 1)
    ax.set_yticks([0.5], [labels.workouts_row])
    ax.tick_params(axis="y", length=0)
    ax.set_facecolor("#fafafa")


def _draw_stars(ax: Axes, counts: tuple[int, ...], both: set[int], offset: float, y: float,
                **style: object) -> None:
    """A star on each day with a workout of one kind; moved aside on days with both kinds."""
    xs = [day + (offset if day in both else 0.0) for day, count in enumerate(counts) if count]
    if xs:
        ax.scatter(xs, [y] * len(xs), marker="*", s=260, linewidths=1, zorder=3, **style)
    for x, count in zip(xs, [count for count in counts if count], strict=True):
        if count > 1:
            ax.annotate(f"\u00d7{count}", (x, y), xytext=(9, -4), textcoords="offset points",
                        fontsize=9)


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
    per_day = Counter(day for day, _, _, _ in data.ratings)
    seen: Counter[int] = Counter()
    for day, before, after, partial in data.ratings:
        # Several workouts on one day sit side by side, centred on the day.
        x = day + 0.18 * (seen[day] - (per_day[day] - 1) / 2)
        seen[day] += 1
        if before is not None and after is not None:
            ax.plot([x, x], [before, after], color="#bdbdbd", linewidth=2, zorder=1,
                    linestyle="--" if partial else "-")
        hatch = PARTIAL_HATCH if partial else None
        if before is not None:
            ax.scatter([x], [before], zorder=2, hatch=hatch, **_BEFORE)
        if after is not None:
            ax.scatter([x], [after], zorder=3, hatch=hatch,
                       **(_AFTER_PARTIAL if partial else _AFTER))
    # The legend's entries, drawn apart (empty) so that a partial workout's hatched point never
    # stands for all of its kind: plain for before and after, hatched for "partial".
    kinds = [(labels.before, _BEFORE, any(b is not None for _, b, _, _ in data.ratings)),
             (labels.after, _AFTER, any(a is not None for _, _, a, _ in data.ratings)),
             (labels.partial, _PARTIAL_KEY, any(p for _, _, _, p in data.ratings))]
    for label, style, shown in kinds:
        if shown:
            ax.scatter([], [], label=label, **style)
    ax.set_xlim(-0.5, len(data.days) - 0.5)
    _legend_above(ax)


def _legend_above(ax: Axes) -> None:
    # Above the plot, so that it never hides a bar or a point.
    handles, names = ax.get_legend_handles_labels()
    unique = dict(zip(names, handles, strict=True))  # one entry per kind of point
    ax.legend(unique.values(), unique.keys(), loc="lower left", bbox_to_anchor=(0, 1),
              ncols=3, fontsize=9, frameon=False, borderaxespad=0.2)
