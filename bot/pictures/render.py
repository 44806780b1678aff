"""Drawing the exercise pictures: frames with matplotlib's Agg renderer, encoded in-process.

Everything the pictures show comes from the pose book (content/poses.toml): the body's
proportions, the colours, the picture's size and pace, the positions, the accented limbs, the
arrows and the props. This module only knows how a pictogram is drawn: a filled round head,
thick limbs with round ends, the far side's limbs behind the torso in a lighter colour, the
near side's in front, a mat under the floor line, and an arrow along the path of the part that
moves.

The animation is an H.264 MP4 without sound, which Telegram shows as a looping "GIF"; a GIF of
the same frames is about three times larger (``encode_gif`` is kept for the comparison in
benchmarks/bench_pictures.py). The still is a palette PNG of the hold position over a pale
"ghost" of the start. Frames carry no text, so the drawing never touches matplotlib's shared
font objects; the figure is built with the object API, never pyplot.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import tempfile
import threading
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bot.pictures.poses import (
    SIDES,
    Angles,
    ExercisePoses,
    PoseBook,
    View,
    loop_frames,
    prop_box,
    skeleton,
    trace,
    view,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.lines import Line2D
    from matplotlib.patches import Circle

# Bump when a change here changes what a picture looks like, so cached files are drawn again.
RENDERER_VERSION = "1"

ANIMATION_SUFFIX = ".mp4"
ANIMATION_MIME = "video/mp4"
STILL_SUFFIX = ".png"

DPI = 100
# x264: constant quality; "animation" tuning suits flat colour with sharp edges.
H264_OPTIONS = {"crf": "30", "preset": "slow", "tune": "animation"}
GIF_COLOURS = 16
STILL_COLOURS = 32

# Draw order, back to front: what a limb of each group hides and what hides it.
_Z = {
    "mat": 1, "prop": 2, "ghost": 3, "arrow": 4, "far_leg": 5, "far_arm": 6, "far_torso": 7,
    "torso": 8, "head": 9, "near_leg": 10, "near_arm": 11
}
_LIMB_POINTS = {
    "arm": ("shoulder", "elbow", "hand"),
    "leg": ("knee", "ankle", "toe"),  # from the pelvis
}
_drawing = threading.Lock()


def picture_key(book: PoseBook, exercise_id: str, kind: str, *, second_side: bool) -> str:
    """A stable name for one picture: changes with the exercise's poses, the body, the colours,
    the picture settings, the renderer and the libraries that draw and encode it."""
    poses = book.exercise(exercise_id, second_side=second_side)
    payload = {
        "kind": kind,
        "renderer": RENDERER_VERSION,
        "format": ANIMATION_SUFFIX if kind == "animation" else STILL_SUFFIX,
        "libraries": _library_versions(),
        "body": asdict(book.body),
        "colours": asdict(book.colours),
        "picture": asdict(book.picture),
        "poses": asdict(poses),
    }
    encoded = json.dumps(payload, sort_keys=True).encode()
    return hashlib.sha256(encoded).hexdigest()


@functools.cache
def _library_versions() -> list[str]:
    """From the installed packages' metadata: no import, so the event loop may ask for a key
    without waiting for matplotlib to load."""
    return [f"{name} {metadata.version(name)}" for name in ("matplotlib", "pillow", "av")]


# --- Frames ---------------------------------------------------------------------------------


class Sketch:
    """One exercise drawn on one matplotlib Axes; ``show(angles)`` moves the figure to a pose.

    The artists are made once and moved for each frame, which is several times faster than
    drawing each frame anew.
    """

    def __init__(self, ax: Axes, book: PoseBook, poses: ExercisePoses, shown: View, *,
                 ghost: Angles | None = None) -> None:
        from matplotlib.lines import Line2D
        from matplotlib.patches import Circle

        self.ax, self.book, self.poses = ax, book, poses
        self._flip = -1.0 if poses.mirrored else 1.0
        body, colours = book.body, book.colours
        ax.set_xlim(shown.left, shown.left + shown.width)
        ax.set_ylim(shown.bottom, shown.bottom + shown.height)
        # Widths are in body units; matplotlib wants points.
        axes_inches = ax.get_position().height * ax.figure.get_figheight()
        self.points_per_unit = axes_inches * 72.0 / shown.height
        self._draw_ground()
        if ghost is not None:
            self._draw_ghost(ghost)
        self._draw_arrows()
        accent = set(poses.accent)
        self._lines: dict[str, Line2D] = {}
        for group in ("far_leg", "far_arm", "far_torso", "torso", "near_leg", "near_arm"):
            limb = "torso" if group.endswith("torso") else group
            far = group.startswith("far")
            if limb in accent:
                colour = colours.accent_far if far else colours.accent
            else:
                colour = colours.figure_far if far else colours.figure
            width = body.torso_width if limb == "torso" else body.limb_width
            line = Line2D([], [], color=colour, linewidth=width * self.points_per_unit,
                          solid_capstyle="round", solid_joinstyle="round", zorder=_Z[group])
            ax.add_line(line)
            self._lines[group] = line
        head_colour = colours.accent if "head" in accent else colours.figure
        self._head: Circle = Circle((0, 0), body.head_radius, color=head_colour, linewidth=0,
                                    zorder=_Z["head"])
        ax.add_patch(self._head)

    def _x(self, x: float) -> float:
        return x * self._flip

    def _draw_ground(self) -> None:
        from matplotlib.patches import FancyBboxPatch, Rectangle

        colours, picture, body = self.book.colours, self.book.picture, self.book.body
        self.ax.add_patch(Rectangle((-1e3, -picture.mat_thickness), 2e3, picture.mat_thickness,
                                    color=colours.floor, linewidth=0, zorder=_Z["mat"]))
        for prop in self.poses.props:
            left, bottom, width, height = prop_box(body, self.poses, prop)
            if self._flip < 0:
                left = -left - width
            rounding = min(width, height) * (0.2 if prop.kind == "support" else 0.45)
            shape = FancyBboxPatch(
                (left + rounding, bottom + rounding), width - 2 * rounding,
                max(height - 2 * rounding, 1e-6), boxstyle=f"round,pad={rounding}",
                color=colours.prop, linewidth=0)
            shape.set_zorder(_Z["prop"])
            self.ax.add_artist(shape)

    def _draw_ghost(self, angles: Angles) -> None:
        from matplotlib.lines import Line2D

        body, colour = self.book.body, self.book.colours.ghost
        for group, xs, ys in self._polylines(angles):
            width = body.torso_width if group.endswith("torso") else body.limb_width
            self.ax.add_line(Line2D(xs, ys, color=colour, linewidth=width * self.points_per_unit,
                                    solid_capstyle="round", solid_joinstyle="round",
                                    zorder=_Z["ghost"]))
        x, y = skeleton(body, self.poses.pelvis_height, angles)["head"]
        head = _circle((self._x(x), y), body.head_radius, colour)
        head.set_zorder(_Z["ghost"])
        self.ax.add_patch(head)

    def _draw_arrows(self) -> None:
        from matplotlib.patches import FancyArrowPatch
        from matplotlib.path import Path as MplPath
        from matplotlib.patheffects import withStroke

        picture, colour = self.book.picture, self.book.colours.arrow
        width = picture.arrow_width * self.points_per_unit
        for arrow in self.poses.arrows:
            path = [(self._x(x), y) for x, y in trace(self.book.body, self.poses, picture, arrow)]
            patch = FancyArrowPatch(
                path=MplPath(path), arrowstyle=f"-|>,head_length={width * 2.6:.2f},"
                f"head_width={width * 1.5:.2f}", mutation_scale=1, color=colour,
                linewidth=width, capstyle="round", joinstyle="round", shrinkA=0, shrinkB=0,
                zorder=_Z["arrow"])
            # A rim of the background keeps an arrow apart from a limb of the same colour.
            patch.set_path_effects([withStroke(linewidth=width * 2.2,
                                               foreground=self.book.colours.background)])
            self.ax.add_patch(patch)

    def _polylines(self, angles: Angles) -> list[tuple[str, list[float], list[float]]]:
        points = skeleton(self.book.body, self.poses.pelvis_height, angles)
        lines = []
        for side in SIDES:
            names = ["pelvis", *(f"{side}_{part}" for part in _LIMB_POINTS["leg"])]
            lines.append((f"{side}_leg", names))
            lines.append((f"{side}_arm", [f"{side}_{part}" for part in _LIMB_POINTS["arm"]]))
        lines.append(("far_torso", ["pelvis", "far_shoulder"]))
        lines.append(("torso", ["pelvis", "chest", "near_shoulder"]))
        return [(group, [self._x(points[name][0]) for name in names],
                 [points[name][1] for name in names]) for group, names in lines]

    def show(self, angles: Angles) -> None:
        for group, xs, ys in self._polylines(angles):
            self._lines[group].set_data(xs, ys)
        x, y = skeleton(self.book.body, self.poses.pelvis_height, angles)["head"]
        self._head.set_center((self._x(x), y))


def _circle(centre: tuple[float, float], radius: float, colour: str) -> Circle:
    from matplotlib.patches import Circle

    return Circle(centre, radius, color=colour, linewidth=0)


def _canvas(book: PoseBook, shown: View) -> tuple[object, Axes]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(shown.width_px / DPI, shown.height_px / DPI), dpi=DPI,
                    facecolor=book.colours.background)
    canvas = FigureCanvasAgg(figure)
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_facecolor(book.colours.background)
    return canvas, ax


def _pixels(canvas: object) -> np.ndarray:
    canvas.draw()  # type: ignore[attr-defined]
    rgba = np.asarray(canvas.buffer_rgba())  # type: ignore[attr-defined]
    return np.ascontiguousarray(rgba[:, :, :3])


def render_frames(book: PoseBook, exercise_id: str, *, second_side: bool = False
                  ) -> list[tuple[np.ndarray, float]]:
    """The loop's frames as RGB arrays, each with the seconds it shows. A pose that comes
    back (on the way back from the hold) is drawn once."""
    poses = book.exercise(exercise_id, second_side=second_side)
    frames = loop_frames(poses, book.picture)
    with _drawing:
        shown = view(book, poses)
        canvas, ax = _canvas(book, shown)
        sketch = Sketch(ax, book, poses, shown)
        drawn: dict[tuple[float, ...], np.ndarray] = {}
        result = []
        for frame in frames:
            key = tuple(round(frame.angles[joint], 9) for joint in sorted(frame.angles))
            if key not in drawn:
                sketch.show(frame.angles)
                drawn[key] = _pixels(canvas)
            result.append((drawn[key], frame.seconds))
    return result


# --- Encoding -------------------------------------------------------------------------------


def encode_mp4(frames: list[tuple[np.ndarray, float]], fps: int) -> bytes:
    """H.264 in MP4 at a constant ``fps``: a frame shown longer is repeated, which costs
    x264 almost nothing. Written to a temporary file: moving the index to the front
    (faststart, so that a client can play while it downloads) needs a second pass over it."""
    import av

    height, width = frames[0][0].shape[:2]
    with tempfile.TemporaryDirectory(prefix="backcoach-picture-") as folder:
        path = Path(folder) / "animation.mp4"
        with av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"}
                     ) as container:
            stream = container.add_stream("libx264", rate=fps)
            stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            stream.options = dict(H264_OPTIONS)
            for pixels, seconds in frames:
                video_frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
                for _ in range(max(1, round(seconds * fps))):
                    container.mux(stream.encode(video_frame))
            container.mux(stream.encode())
        return path.read_bytes()


def encode_gif(frames: list[tuple[np.ndarray, float]]) -> bytes:
    """A looping GIF on one palette of GIF_COLOURS colours, without dithering: flat colours
    and their anti-aliased edges."""
    from PIL import Image

    images = [Image.fromarray(pixels) for pixels, _ in frames]
    palette = _palette([images[0], images[len(images) // 2]], GIF_COLOURS)
    quantized = [image.quantize(palette=palette, dither=Image.Dither.NONE) for image in images]
    buffer = io.BytesIO()
    quantized[0].save(buffer, format="GIF", save_all=True, append_images=quantized[1:],
                      duration=[round(seconds * 1000) for _, seconds in frames], loop=0,
                      optimize=False, disposal=1)
    return buffer.getvalue()


def _palette(images: list[object], colours: int) -> object:
    from PIL import Image

    first = images[0]
    sample = Image.new("RGB", (first.width * len(images), first.height))  # type: ignore[attr-defined]
    for index, image in enumerate(images):
        sample.paste(image, (index * first.width, 0))  # type: ignore[arg-type]
    return sample.quantize(colors=colours, method=Image.Quantize.MEDIANCUT)


def render_animation(book: PoseBook, exercise_id: str, *, second_side: bool = False) -> bytes:
    """The exercise's loop (start, to the hold, a pause, back) as an MP4 file's bytes."""
    frames = render_frames(book, exercise_id, second_side=second_side)
    return encode_mp4(frames, book.picture.fps)


def render_still(book: PoseBook, exercise_id: str, *, second_side: bool = False) -> bytes:
    """The hold position over a pale ghost of the start, with the arrows, as a PNG's bytes."""
    from PIL import Image

    poses = book.exercise(exercise_id, second_side=second_side)
    with _drawing:
        shown = view(book, poses)
        canvas, ax = _canvas(book, shown)
        sketch = Sketch(ax, book, poses, shown, ghost=poses.start.angles)
        sketch.show(poses.hold.angles)
        pixels = _pixels(canvas)
    image = Image.fromarray(pixels).quantize(colors=STILL_COLOURS,
                                             method=Image.Quantize.MEDIANCUT,
                                             dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def draw_still(ax: Axes, book: PoseBook, exercise_id: str, *, height_px: int | None = None,
               second_side: bool = False) -> None:
    """The still on an Axes of the caller's (scripts/draw_stills.py), as tall as
    ``height_px`` at the picture's scale; the Axes should have the picture's proportions."""
    poses = book.exercise(exercise_id, second_side=second_side)
    ax.set_axis_off()
    sketch = Sketch(ax, book, poses, view(book, poses, height_px), ghost=poses.start.angles)
    sketch.show(poses.hold.angles)


__all__ = [
    "ANIMATION_MIME",
    "ANIMATION_SUFFIX",
    "RENDERER_VERSION",
    "STILL_SUFFIX",
    "Sketch",
    "draw_still",
    "encode_gif",
    "encode_mp4",
    "picture_key",
    "render_animation",
    "render_frames",
    "render_still",
]
