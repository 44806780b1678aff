"""The exercise pictures as data: content/poses.toml, read and checked as it is loaded.

A pose is a few joint angles, never coordinates, so a limb keeps its length by construction:
``skeleton`` walks from the pelvis along the torso and the limbs (forward kinematics) and
places each joint at its segment's length. Every pose the pictures can show, the key
positions and every frame in between (``loop_frames``, the same frames the renderer draws), is
checked when the file is loaded: the computed segments keep their lengths (a guard against a
kinematics bug), each joint angle lies within a human range of motion (``JOINT_RANGES``), and
the figure is on the floor, never in it. A broken pose stops the bot at start with the file,
the exercise, the position and the joint named, like the rest of the content.

Angles are in degrees. The figure is seen from its side, with the floor along the bottom:

- ``trunk``: the torso's direction from the pelvis to the shoulders, counter-clockwise from
  the floor pointing right (a protractor on the picture): 90 standing, 180 lying on the back
  with the head on the left, 0 lying face down with the head on the right. The front of the
  body is always a quarter turn clockwise from the torso, so the person's right side faces
  the viewer ("near") and the left side is behind ("far") in every placement.
- ``neck``: the head bent forward (chin to chest) from the torso's line; negative bends it back.
- ``twist``: the shoulders turned about the torso's long axis towards the near side (the far
  shoulder comes forward); negative turns them the other way.
- per side (``near``, ``far``): ``hip`` and ``shoulder`` flexion (0: the thigh or the arm in
  line with the torso, pointing to the feet; positive: forwards; negative: backwards),
  ``knee`` and ``elbow`` flexion (0: straight), ``ankle`` plantar flexion (0: the foot at a
  right angle to the shin; positive: toes pointed).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

from bot.content_model import ContentError
from bot.content_program import describe, file_label, load_program, read_toml

POSES_FILE = "poses.toml"

SIDES = ("near", "far")
SIDE_JOINTS = ("hip", "knee", "ankle", "shoulder", "elbow")
BODY_JOINTS = ("trunk", "neck", "twist")
JOINTS = (*BODY_JOINTS, *(f"{side}.{joint}" for side in SIDES for joint in SIDE_JOINTS))

# Degrees each joint may take: active range of motion, a little generous. The hip is measured
# from the torso's line, so it also carries the pelvis's tilt; the shoulder may pass 180 by up
# to 20 because the figure's straight torso cannot show the upper back's extension, which
# lifts an arm stretched out overhead while lying face down. The trunk's range depends on the
# placement (poses.toml) because it is an angle to the floor, not between two body parts.
JOINT_RANGES: Mapping[str, tuple[float, float]] = MappingProxyType({
    "neck": (-60.0, 50.0),
    "twist": (-45.0, 45.0),
    "hip": (-30.0, 140.0),
    "knee": (0.0, 155.0),  # a knee never bends backwards
    "ankle": (-25.0, 70.0),  # the foot runs to the toes: pointing it bends the midfoot too
    "shoulder": (-60.0, 200.0),
    "elbow": (0.0, 150.0),  # nor an elbow
})

# Each length of [body] as a share of the figure's standing height (about thigh + shin +
# torso + neck + head radius): wide enough for a pictogram's proportions, narrow enough to
# catch a typo such as a thigh as long as the whole leg.
PROPORTION_RANGES: Mapping[str, tuple[float, float]] = MappingProxyType({
    "torso": (0.24, 0.38),
    "neck": (0.06, 0.16),
    "head_radius": (0.04, 0.10),
    "upper_arm": (0.14, 0.24),
    "forearm": (0.14, 0.26),
    "thigh": (0.20, 0.30),
    "shin": (0.20, 0.30),
    "foot": (0.05, 0.14),
    "shoulder_width": (0.10, 0.30),
    "torso_width": (0.04, 0.14),
    "limb_width": (0.02, 0.10),
})

# How far (in figure heights) a joint's edge may dip under the floor line, and how far above
# it the lowest one may float, in any frame: under 1 % of the height, about a pixel or two.
FLOOR_TOLERANCE = 0.006
# The largest error a computed segment may show against its length (forward kinematics).
LENGTH_TOLERANCE = 1e-6

PLACEMENT_RESTS_ON = ("torso", "feet")
LIMBS = ("torso", "head", "near_arm", "far_arm", "near_leg", "far_leg")
PROP_KINDS = ("cushion", "support")
POINTS = (
    "pelvis",
    "chest",
    "head",
    *(f"{side}_{part}" for side in SIDES
      for part in ("shoulder", "elbow", "hand", "knee", "ankle", "toe")),
)

Point = tuple[float, float]
Angles = Mapping[str, float]


class PoseError(ContentError):
    """content/poses.toml is broken; the message names the exercise, position and joint."""


@dataclass(frozen=True)
class Body:
    """Segment lengths and drawn widths, in units of about the figure's standing height."""

    torso: float  # pelvis (hip joints) to the shoulders
    neck: float  # shoulders to the head's centre
    head_radius: float
    upper_arm: float
    forearm: float  # elbow to the middle of the hand
    thigh: float
    shin: float
    foot: float  # ankle to toes
    shoulder_width: float  # shows only when the shoulders twist
    torso_width: float
    limb_width: float

    @property
    def height(self) -> float:
        return self.thigh + self.shin + self.torso + self.neck + self.head_radius


@dataclass(frozen=True)
class Colours:
    background: str
    figure: str  # the near side's limbs, the torso and the head
    figure_far: str  # the far side's limbs, drawn behind the torso
    accent: str  # the limb that matters
    accent_far: str  # ... when it is on the far side
    floor: str
    arrow: str
    ghost: str  # the start position behind the still's hold position
    prop: str  # cushions, a towel, a chair


@dataclass(frozen=True)
class Picture:
    width_px: int
    px_per_unit: float  # the scale, the same in every picture
    min_height_px: int  # a picture is as tall as its exercise needs, within these
    max_height_px: int
    floor_at: float  # from the bottom edge to the floor line
    headroom: float  # from the figure's highest point to the top edge
    margin: float  # the least room between the figure and the left or right edge
    mat_thickness: float
    arrow_width: float
    fps: int
    start_pause_seconds: float
    hold_pause_seconds: float


@dataclass(frozen=True)
class View:
    """What a picture shows: ``left`` and ``bottom`` in body units (the floor is at y = 0),
    and its size in pixels at the picture's scale."""

    left: float
    bottom: float
    width_px: int
    height_px: int
    px_per_unit: float

    @property
    def width(self) -> float:
        return self.width_px / self.px_per_unit

    @property
    def height(self) -> float:
        return self.height_px / self.px_per_unit


@dataclass(frozen=True)
class KeyPosition:
    name: str
    seconds: float  # from the position before to this one; 0 for "start"
    angles: Mapping[str, float]  # every joint of JOINTS


@dataclass(frozen=True)
class Arrow:
    """The path of ``point`` from the key position ``start`` to the hold, pushed ``offset``
    away from ``pivot`` so that it runs beside the limb instead of under it."""

    point: str
    pivot: str
    offset: float
    start: str = "start"


@dataclass(frozen=True)
class Prop:
    """A cushion on the floor under ``at``, or a support (a chair's back)
    whose top is where ``at`` is, in the start position; ``dx`` moves it sideways."""

    kind: str
    at: str
    width: float
    height: float
    dx: float


@dataclass(frozen=True)
class ExercisePoses:
    id: str
    placement: str
    pelvis_height: float
    positions: tuple[KeyPosition, ...]  # "start" first, "hold" last
    accent: tuple[str, ...]  # limbs of LIMBS
    arrows: tuple[Arrow, ...]
    props: tuple[Prop, ...]
    mirrored: bool = False  # the second side: drawn facing the other way, the left side near

    @property
    def start(self) -> KeyPosition:
        return self.positions[0]

    @property
    def hold(self) -> KeyPosition:
        return self.positions[-1]

    def second_side(self) -> ExercisePoses:
        """The same exercise on the other side. A mirror image swaps left and right by
        itself: the same near limbs, drawn facing the other way, are the person's left."""
        return replace(self, mirrored=not self.mirrored)


@dataclass(frozen=True)
class Frame:
    """One picture of the loop: the angles, how long it shows, and the key position's name
    when it is one."""

    angles: Mapping[str, float]
    seconds: float
    key: str | None = None
    where: str = field(default="", compare=False)  # for error messages


@dataclass(frozen=True)
class PoseBook:
    body: Body
    colours: Colours
    picture: Picture
    exercises: Mapping[str, ExercisePoses]
    label: str = field(default="content/poses.toml", compare=False)

    def exercise(self, exercise_id: str, *, second_side: bool = False) -> ExercisePoses:
        poses = self.exercises.get(exercise_id)
        if poses is None:
            raise PoseError(
                f"{self.label}: no poses for exercise {exercise_id!r}; "
                f"there are: {', '.join(self.exercises)}"
            )
        return poses.second_side() if second_side else poses


# --- Geometry -------------------------------------------------------------------------------


def _direction(degrees: float) -> Point:
    radians = math.radians(degrees)
    return math.cos(radians), math.sin(radians)


def _along(start: Point, degrees: float, length: float) -> Point:
    dx, dy = _direction(degrees)
    return start[0] + dx * length, start[1] + dy * length


def skeleton(body: Body, pelvis_height: float, angles: Angles) -> dict[str, Point]:
    """Every point of POINTS for these angles, the pelvis at x = 0 and ``pelvis_height``
    above the floor (y = 0). Segment directions are absolute angles, counter-clockwise."""
    trunk = angles["trunk"]
    pelvis = (0.0, pelvis_height)
    chest = _along(pelvis, trunk, body.torso)
    points: dict[str, Point] = {
        "pelvis": pelvis,
        "chest": chest,
        "head": _along(chest, trunk - angles["neck"], body.neck),
    }
    # The twist turns the shoulder line out of the picture's plane; what shows is its part
    # along the front of the body (a quarter turn clockwise from the torso).
    front = trunk - 90.0
    reach = body.shoulder_width / 2 * math.sin(math.radians(angles["twist"]))
    for side, sign in (("near", -1.0), ("far", 1.0)):
        shoulder = _along(chest, front, sign * reach)
        arm = trunk + 180.0 + angles[f"{side}.shoulder"]
        elbow = _along(shoulder, arm, body.upper_arm)
        forearm = arm + angles[f"{side}.elbow"]
        thigh = trunk + 180.0 + angles[f"{side}.hip"]
        knee = _along(pelvis, thigh, body.thigh)
        shin = thigh - angles[f"{side}.knee"]
        ankle = _along(knee, shin, body.shin)
        foot = shin + 90.0 - angles[f"{side}.ankle"]
        points[f"{side}_shoulder"] = shoulder
        points[f"{side}_elbow"] = elbow
        points[f"{side}_hand"] = _along(elbow, forearm, body.forearm)
        points[f"{side}_knee"] = knee
        points[f"{side}_ankle"] = ankle
        points[f"{side}_toe"] = _along(ankle, foot, body.foot)
    return points


def segments(body: Body, angles: Angles) -> list[tuple[str, str, float, str]]:
    """(from, to, expected length, name) of every segment ``skeleton`` draws."""
    twist = abs(body.shoulder_width * math.sin(math.radians(angles["twist"])))
    found = [
        ("pelvis", "chest", body.torso, "torso"),
        ("chest", "head", body.neck, "neck"),
        ("near_shoulder", "far_shoulder", twist, "shoulder line"),
    ]
    for side in SIDES:
        found += [
            (f"{side}_shoulder", f"{side}_elbow", body.upper_arm, f"{side} upper arm"),
            (f"{side}_elbow", f"{side}_hand", body.forearm, f"{side} forearm"),
            ("pelvis", f"{side}_knee", body.thigh, f"{side} thigh"),
            (f"{side}_knee", f"{side}_ankle", body.shin, f"{side} shin"),
            (f"{side}_ankle", f"{side}_toe", body.foot, f"{side} foot"),
        ]
    return found


def point_radius(body: Body, point: str) -> float:
    """How far the drawn figure reaches below a point: its line's half width."""
    if point == "head":
        return body.head_radius
    if point in ("pelvis", "chest") or point.endswith("_shoulder"):
        return body.torso_width / 2
    return body.limb_width / 2


def check_skeleton(body: Body, angles: Angles, points: Mapping[str, Point], where: str) -> None:
    """Raises PoseError if a computed segment is not as long as the body says, or if the figure
    is in the floor or floats above it."""
    for start, end, length, name in segments(body, angles):
        (x0, y0), (x1, y1) = points[start], points[end]
        actual = math.hypot(x1 - x0, y1 - y0)
        if abs(actual - length) > LENGTH_TOLERANCE:
            raise PoseError(
                f"{where}: the {name} is drawn {actual:.4f} long instead of {length:.4f} "
                "(the figure's joints do not follow the body's lengths)"
            )
    lowest_name, lowest = "", math.inf
    for name, (_, y) in points.items():
        bottom = y - point_radius(body, name)
        if bottom < -FLOOR_TOLERANCE:
            raise PoseError(
                f"{where}: the {_human(name)} is {-bottom:.3f} under the floor "
                f"(at most {FLOOR_TOLERANCE} allowed); change the angles that place it"
            )
        if bottom < lowest:
            lowest_name, lowest = name, bottom
    if lowest > FLOOR_TOLERANCE:
        raise PoseError(
            f"{where}: the figure floats {lowest:.3f} above the floor (its lowest part is the "
            f"{_human(lowest_name)}); something should rest on the floor"
        )


def _human(point: str) -> str:
    return point.replace("_", " ")


# --- Motion ---------------------------------------------------------------------------------


def ease(fraction: float) -> float:
    """Slow out of one position and slow into the next (a half cosine)."""
    return (1.0 - math.cos(math.pi * fraction)) / 2.0


def blend(first: Angles, second: Angles, fraction: float) -> dict[str, float]:
    return {joint: first[joint] + (second[joint] - first[joint]) * fraction for joint in JOINTS}


def _moves(poses: ExercisePoses, fps: int) -> Iterator[tuple[str, list[Frame]]]:
    """Each move from one key position to the next, as the frames after the first position
    up to and including the next one."""
    for before, after in zip(poses.positions, poses.positions[1:], strict=False):
        steps = max(1, round(after.seconds * fps))
        frames = []
        for step in range(1, steps + 1):
            fraction = step / steps
            frames.append(Frame(
                blend(before.angles, after.angles, ease(fraction)),
                1.0 / fps,
                after.name if step == steps else None,
                f"between {before.name!r} and {after.name!r} ({fraction:.0%} of the way)",
            ))
        yield after.name, frames


def loop_frames(poses: ExercisePoses, picture: Picture) -> list[Frame]:
    """The animation: a pause in the start position, each move to the hold, a pause there,
    and the same moves back, ending where it starts so that it loops."""
    start = poses.start
    first = Frame(start.angles, picture.start_pause_seconds, start.name, start.name)
    there: list[Frame] = []
    for _, frames in _moves(poses, picture.fps):
        there += frames
    hold = there[-1]
    there[-1] = replace(hold, seconds=picture.hold_pause_seconds, where=poses.hold.name)
    back = [replace(frame, seconds=1.0 / picture.fps) for frame in reversed(there[:-1])]
    return [first, *there, *back]


def trace(body: Body, poses: ExercisePoses, picture: Picture, arrow: Arrow) -> list[Point]:
    """The arrow's path: ``arrow.point`` from the start to the hold, ``offset`` further out
    from ``arrow.pivot`` than the point itself."""
    path = []
    names = [position.name for position in poses.positions]
    first = poses.positions[names.index(arrow.start)]
    frames = [Frame(first.angles, 0.0)]
    for name, moved in _moves(poses, picture.fps):
        if names.index(name) > names.index(arrow.start):
            frames += moved
    for frame in frames:
        points = skeleton(body, poses.pelvis_height, frame.angles)
        (x, y), (px, py) = points[arrow.point], points[arrow.pivot]
        distance = math.hypot(x - px, y - py)
        if distance < 1e-9:
            path.append((x, y))
        else:
            scale = (distance + arrow.offset) / distance
            path.append((px + (x - px) * scale, py + (y - py) * scale))
    return path


def prop_box(body: Body, poses: ExercisePoses, prop: Prop) -> tuple[float, float, float, float]:
    """(left, bottom, width, height) of a prop, on the floor (y = 0)."""
    x, y = skeleton(body, poses.pelvis_height, poses.start.angles)[prop.at]
    x += prop.dx
    if prop.kind == "support":
        # Its top under the hand's line: the hand rests on it.
        height = max(y - point_radius(body, prop.at), 0.0)
        return x - prop.width / 2, 0.0, prop.width, height
    return x - prop.width / 2, 0.0, prop.width, prop.height


def extent(book: PoseBook, poses: ExercisePoses) -> tuple[float, float, float]:
    """(left, right, top) of everything the exercise's pictures draw, over every frame."""
    body = book.body
    left, right, top = math.inf, -math.inf, -math.inf
    for frame in loop_frames(poses, book.picture):
        for name, (x, y) in skeleton(body, poses.pelvis_height, frame.angles).items():
            radius = point_radius(body, name)
            left, right, top = min(left, x - radius), max(right, x + radius), max(top, y + radius)
    for prop in poses.props:
        x, _, width, height = prop_box(body, poses, prop)
        left, right, top = min(left, x), max(right, x + width), max(top, height)
    margin = book.picture.arrow_width * 2  # the arrow's line and head
    for arrow in poses.arrows:
        for x, y in trace(body, poses, book.picture, arrow):
            left, right = min(left, x - margin), max(right, x + margin)
            top = max(top, y + margin)
    return left, right, top


def view(book: PoseBook, poses: ExercisePoses, height_px: int | None = None) -> View:
    """The exercise's picture: the figure centred, the floor ``floor_at`` above the bottom
    edge, as tall as the figure needs (or ``height_px``). Mirrored for the second side."""
    picture = book.picture
    left, right, top = extent(book, poses)
    if poses.mirrored:
        left, right = -right, -left
    if height_px is None:
        needed = (picture.floor_at + top + picture.headroom) * picture.px_per_unit
        height_px = max(picture.min_height_px, 2 * math.ceil(needed / 2))
    width = picture.width_px / picture.px_per_unit
    return View((left + right - width) / 2, -picture.floor_at, picture.width_px, height_px,
                picture.px_per_unit)


# --- Loading --------------------------------------------------------------------------------


class _Table:
    """One TOML table, read field by field; what is left unread is reported as unknown."""

    def __init__(self, table: object, label: str, path: str) -> None:
        self.label, self.path = label, path
        if not isinstance(table, dict):
            raise self.error(None, f"expected a table, got {describe(table)}")
        self.values: dict[str, object] = table
        self._read: set[str] = set()

    def error(self, name: str | None, message: str) -> PoseError:
        location = ".".join(part for part in (self.path, name) if part)
        return PoseError(f"{self.label}: {location or '(top level)'}: {message}")

    def where(self, name: str | None = None) -> str:
        location = ".".join(part for part in (self.path, name) if part)
        return f"{self.label}: {location}"

    def has(self, name: str) -> bool:
        return name in self.values

    def raw(self, name: str) -> object:
        if name not in self.values:
            raise self.error(name, "missing")
        self._read.add(name)
        return self.values[name]

    def table(self, name: str) -> _Table:
        return _Table(self.raw(name), self.label, f"{self.path}.{name}" if self.path else name)

    def number(self, name: str, low: float = 0.0, *, above: bool = True) -> float:
        value = self.raw(name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(name, f"expected a number, got {describe(value)}")
        if value < low or (above and value == low):
            raise self.error(name, f"expected a number {'>' if above else '≥'} {low}, "
                                   f"got {value}")
        return float(value)

    def whole(self, name: str, low: int, high: int) -> int:
        value = self.raw(name)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.error(name, f"expected a whole number from {low} to {high}, "
                                   f"got {describe(value)}")
        return value

    def text(self, name: str, allowed: Iterable[str] | None = None) -> str:
        value = self.raw(name)
        choices = tuple(allowed) if allowed is not None else None
        if not isinstance(value, str) or (choices is not None and value not in choices):
            wanted = f"one of {', '.join(choices)}" if choices else "a string"
            raise self.error(name, f"expected {wanted}; got {describe(value)}")
        return value

    def colour(self, name: str) -> str:
        value = self.text(name)
        if len(value) != 7 or value[0] != "#" or any(c not in "0123456789abcdefABCDEF"
                                                      for c in value[1:]):
            raise self.error(name, f"expected a colour like '#1f3b57', got {value!r}")
        return value.lower()

    def angle(self, name: str) -> float:
        value = self.raw(name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(name, f"expected an angle in degrees, got {describe(value)}")
        return float(value)

    def names(self, name: str, allowed: Iterable[str]) -> tuple[str, ...]:
        allowed = tuple(allowed)
        value = self.raw(name)
        if not isinstance(value, list) or not value:
            raise self.error(name, f"expected a non-empty list, got {describe(value)}")
        for item in value:
            if item not in allowed:
                raise self.error(name, f"expected names from {', '.join(allowed)}; got {item!r}")
        if len(set(value)) != len(value):
            raise self.error(name, "a name is listed twice")
        return tuple(value)

    def finish(self) -> None:
        unknown = [name for name in self.values if name not in self._read]
        if unknown:
            raise self.error(unknown[0], "unknown field")


def load_poses(directory: Path | None = None) -> PoseBook:
    """Reads and checks ``poses.toml`` in the content directory (content/ by default) against
    the exercises of its program.toml; raises PoseError (a ContentError) if anything is off."""
    if directory is None:
        from content import CONTENT_DIR

        directory = CONTENT_DIR
    directory = Path(directory)
    path = directory / POSES_FILE
    label = file_label(directory, path)
    top = _Table(read_toml(directory, path), label, "")
    body = _read_body(top.table("body"))
    colours = _read_colours(top.table("colours"))
    picture = _read_picture(top.table("picture"))
    placements = _read_placements(top.table("placements"), body)

    exercise_ids = list(load_program(directory).exercises)
    table = top.table("exercises")
    unknown = [name for name in table.values if name not in exercise_ids]
    if unknown:
        raise table.error(unknown[0], "not an exercise of program.toml "
                                      f"(those are: {', '.join(exercise_ids)})")
    missing = [name for name in exercise_ids if name not in table.values]
    if missing:
        raise table.error(None, f"no poses for {', '.join(missing)}: every exercise of "
                                "program.toml needs its picture")
    exercises = {
        exercise_id: _read_exercise(table.table(exercise_id), body, placements)
        for exercise_id in exercise_ids
    }
    table.finish()
    top.finish()
    book = PoseBook(body, colours, picture, MappingProxyType(exercises), label)
    for exercise_id, poses in exercises.items():
        check_exercise(book, poses, f"{label}: exercises.{exercise_id}")
    return book


def check_exercise(book: PoseBook, poses: ExercisePoses, where: str) -> None:
    """Every frame of the loop on the floor with its segments' lengths, and the whole of it
    inside the picture."""
    for frame in loop_frames(poses, book.picture):
        points = skeleton(book.body, poses.pelvis_height, frame.angles)
        check_skeleton(book.body, frame.angles, points, f"{where}: {frame.where}")
    for arrow in poses.arrows:
        lowest = min(y for _, y in trace(book.body, poses, book.picture, arrow))
        if lowest < book.picture.arrow_width / 2:
            raise PoseError(f"{where}: the arrow along the {_human(arrow.point)} runs into the "
                            "floor; change its offset")
    left, right, _ = extent(book, poses)
    picture = book.picture
    room = picture.width_px / picture.px_per_unit - 2 * picture.margin
    if right - left > room:
        raise PoseError(f"{where}: the figure needs {right - left:.2f} across, more than the "
                        f"{room:.2f} the picture has ([picture] width_px and px_per_unit)")
    height_px = view(book, poses).height_px
    if height_px > picture.max_height_px:
        raise PoseError(f"{where}: the picture would be {height_px} pixels tall, more than "
                        f"[picture] max_height_px ({picture.max_height_px})")


def _read_body(table: _Table) -> Body:
    values = {name: table.number(name) for name in PROPORTION_RANGES}
    table.finish()
    # The height each length implies (at the middle of its range); their median stands for
    # the figure's height, so that one wrong length is the one reported, not the others.
    implied = sorted(values[name] / ((low + high) / 2)
                     for name, (low, high) in PROPORTION_RANGES.items())
    height = implied[len(implied) // 2]
    for name, (low, high) in PROPORTION_RANGES.items():
        share = values[name] / height
        if not low <= share <= high:
            raise table.error(
                name,
                f"{values[name]:g} is {share:.0%} of the figure's height (about {height:.2f}, "
                f"from the other lengths); a {name.replace('_', ' ')} is {low:.0%} to "
                f"{high:.0%} of it",
            )
    return Body(**values)


def _read_colours(table: _Table) -> Colours:
    colours = Colours(**{name: table.colour(name) for name in Colours.__dataclass_fields__})
    table.finish()
    return colours


def _read_picture(table: _Table) -> Picture:
    picture = Picture(
        width_px=table.whole("width_px", 64, 1920),
        px_per_unit=table.number("px_per_unit"),
        min_height_px=table.whole("min_height_px", 64, 1920),
        max_height_px=table.whole("max_height_px", 64, 1920),
        floor_at=table.number("floor_at"),
        headroom=table.number("headroom", above=False),
        margin=table.number("margin", above=False),
        mat_thickness=table.number("mat_thickness"),
        arrow_width=table.number("arrow_width"),
        fps=table.whole("fps", 1, 60),
        start_pause_seconds=table.number("start_pause_seconds", above=False),
        hold_pause_seconds=table.number("hold_pause_seconds", above=False),
    )
    table.finish()
    for name in ("width_px", "min_height_px", "max_height_px"):
        if getattr(picture, name) % 2:
            raise table.error(name, "video needs an even width and height")
    if picture.min_height_px > picture.max_height_px:
        raise table.error("min_height_px", "more than max_height_px")
    if picture.floor_at <= picture.mat_thickness:
        raise table.error("floor_at", "the mat must fit under the floor line")
    return picture


@dataclass(frozen=True)
class _Placement:
    trunk_range: tuple[float, float]
    pelvis_height: float
    angles: Mapping[str, float]


def _read_placements(table: _Table, body: Body) -> dict[str, _Placement]:
    placements = {}
    for name in list(table.values):
        spec = table.table(name)
        trunk_range = spec.raw("trunk_range")
        if (not isinstance(trunk_range, list) or len(trunk_range) != 2
                or not all(isinstance(v, int | float) and not isinstance(v, bool)
                           for v in trunk_range)
                or trunk_range[0] >= trunk_range[1]):
            raise spec.error("trunk_range", f"expected [lowest, highest] degrees, got "
                                            f"{describe(trunk_range)}")
        rests_on = spec.text("rests_on", PLACEMENT_RESTS_ON)
        if rests_on == "torso":
            pelvis_height = body.torso_width / 2
        else:
            pelvis_height = body.limb_width / 2 + body.thigh + body.shin
        low, high = float(trunk_range[0]), float(trunk_range[1])
        angles = _read_angles(spec, {}, (low, high), complete=True)
        spec.finish()
        placements[name] = _Placement((low, high), pelvis_height, angles)
    if not placements:
        raise table.error(None, "no placements")
    return placements


def _read_angles(
    table: _Table, inherited: Mapping[str, float], trunk_range: tuple[float, float],
    *, complete: bool = False,
) -> dict[str, float]:
    """The angles a position (or a placement) sets, over the ones it inherits; ``both`` sets
    a joint on both sides, and ``near`` or ``far`` then changes one side."""
    angles = dict(inherited)
    for joint in BODY_JOINTS:
        if table.has(joint) or complete:
            angles[joint] = table.angle(joint)
    for group in ("both", *SIDES):
        if not table.has(group):
            continue
        side_table = table.table(group)
        for joint in SIDE_JOINTS:
            if side_table.has(joint):
                value = side_table.angle(joint)
                for side in SIDES if group == "both" else (group,):
                    angles[f"{side}.{joint}"] = value
        side_table.finish()
    missing = [joint for joint in JOINTS if joint not in angles]
    if missing:
        raise table.error(None, f"no angle for {', '.join(missing)}")
    for joint, value in angles.items():
        if joint == "trunk":
            low, high = trunk_range
            name = "the trunk (in this placement)"
        else:
            low, high = JOINT_RANGES[joint.split(".")[-1]]
            name = f"the {joint.replace('.', ' ')}"
        if not low <= value <= high:
            hint = " (it would bend the wrong way)" if value < low == 0 else ""
            raise table.error(
                _angle_field(table, joint),
                f"{value:g}° is outside the range of {name}, {low:g}° to {high:g}°{hint}",
            )
    return angles


def _angle_field(table: _Table, joint: str) -> str:
    """Where a joint's angle was written: near.knee, both.knee, or inherited."""
    if "." not in joint:
        return joint if table.has(joint) else f"{joint} (inherited)"
    side, name = joint.split(".")
    for group in (side, "both"):
        written = table.values.get(group)
        if isinstance(written, dict) and name in written:
            return f"{group}.{name}"
    return f"{side}.{name} (inherited)"


def _read_exercise(table: _Table, body: Body, placements: Mapping[str, _Placement]
                   ) -> ExercisePoses:
    placement_name = table.text("placement", placements)
    placement = placements[placement_name]
    pelvis_lift = table.number("pelvis_lift", above=False) if table.has("pelvis_lift") else 0.0
    accent = table.names("accent", LIMBS)
    positions = _read_positions(table, placement)
    arrows = []
    if table.has("arrows"):
        for index, entry in enumerate(_array(table, "arrows")):
            spec = _Table(entry, table.label, f"{table.path}.arrows[{index}]")
            names = [position.name for position in positions[:-1]]
            arrows.append(Arrow(
                spec.text("point", POINTS),
                spec.text("pivot", POINTS),
                spec.number("offset", above=False),
                spec.text("from", names) if spec.has("from") else "start",
            ))
            spec.finish()
    props = []
    if table.has("props"):
        for index, entry in enumerate(_array(table, "props")):
            spec = _Table(entry, table.label, f"{table.path}.props[{index}]")
            kind = spec.text("kind", PROP_KINDS)
            props.append(Prop(
                kind=kind,
                at=spec.text("at", POINTS),
                width=spec.number("width"),
                height=spec.number("height") if kind != "support" else 0.0,
                dx=spec.angle("dx") if spec.has("dx") else 0.0,
            ))
            spec.finish()
    table.finish()
    exercise_id = table.path.rsplit(".", 1)[-1]
    return ExercisePoses(
        exercise_id, placement_name, placement.pelvis_height + pelvis_lift, positions, accent,
        tuple(arrows), tuple(props),
    )


def _array(table: _Table, name: str) -> list[object]:
    value = table.raw(name)
    if not isinstance(value, list) or not value:
        raise table.error(name, f"expected one or more [[{table.path}.{name}]] tables")
    return value


def _read_positions(table: _Table, placement: _Placement) -> tuple[KeyPosition, ...]:
    entries = _array(table, "positions")
    positions: list[KeyPosition] = []
    angles: Mapping[str, float] = placement.angles
    for index, entry in enumerate(entries):
        spec = _Table(entry, table.label, f"{table.path}.positions[{index}]")
        name = spec.text("name")
        spec.path = f"{table.path}.positions.{name}"
        if index == 0 and name != "start":
            raise spec.error("name", "the first position is the start: name = \"start\"")
        if index == len(entries) - 1 and name != "hold":
            raise spec.error("name", "the last position is the hold: name = \"hold\"")
        if any(position.name == name for position in positions):
            raise spec.error("name", "two positions have this name")
        if index == 0:
            if spec.has("seconds"):
                raise spec.error("seconds", "the start has no move before it")
            seconds = 0.0
        else:
            seconds = spec.number("seconds")
        angles = _read_angles(spec, angles, placement.trunk_range)
        spec.finish()
        positions.append(KeyPosition(name, seconds, dict(angles)))
    if len(positions) < 2:
        raise table.error("positions", "expected at least a start and a hold")
    return tuple(positions)
