"""The exercise pictures (bot/pictures): the poses in content/poses.toml, their checks, the
rendered MP4 and PNG files, and the cache."""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import re
import shutil
import stat
import threading
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

import bot.pictures.cache as cache_module
import bot.pictures.poses as poses_module
from bot.content import ContentError, load_content
from bot.pictures import PictureLibrary, PoseBook, PoseError, load_poses
from bot.pictures.poses import JOINT_RANGES, JOINTS, check_skeleton, loop_frames, skeleton, view
from bot.pictures.render import render_animation, render_frames, render_still
from content import CONTENT_DIR

# An animation above this is a sign that something went wrong (dithering, noise, a huge
# canvas): the largest is about 25 KB.
MAX_ANIMATION_BYTES = 60_000
MAX_STILL_BYTES = 20_000


@pytest.fixture(scope="module")
def book() -> PoseBook:
    return load_poses()


@pytest.fixture(scope="module")
def rendered(book: PoseBook) -> dict[str, tuple[bytes, bytes]]:
    """Each exercise's animation and still, rendered once for the whole module."""
    return {
        exercise_id: (render_animation(book, exercise_id), render_still(book, exercise_id))
        for exercise_id in book.exercises
    }


# --- The poses ------------------------------------------------------------------------------


def test_every_exercise_has_poses_that_pass_the_checks(book: PoseBook) -> None:
    assert set(book.exercises) == set(load_content().exercises)
    for exercise_id, poses in book.exercises.items():
        assert poses.start.name == "start" and poses.hold.name == "hold", exercise_id
        assert poses.accent, exercise_id
        for position in poses.positions:
            assert set(position.angles) == set(JOINTS)
            for joint, value in position.angles.items():
                if joint != "trunk":
                    low, high = JOINT_RANGES[joint.split(".")[-1]]
                    assert low <= value <= high, (exercise_id, position.name, joint)


def test_start_and_hold_look_different(book: PoseBook) -> None:
    for exercise_id in book.exercises:
        frames = render_frames(book, exercise_id)
        poses = book.exercise(exercise_id)
        keys = [frame.key for frame in loop_frames(poses, book.picture)]
        start, hold = frames[0][0], frames[keys.index("hold")][0]
        changed = np.any(start != hold, axis=2).mean()
        assert changed > 0.003, f"{exercise_id}: only {changed:.2%} of the pixels move"


def test_limbs_keep_their_lengths_and_the_figure_stays_on_the_floor(book: PoseBook) -> None:
    body = book.body
    for poses in book.exercises.values():
        for frame in loop_frames(poses, book.picture):
            points = skeleton(body, poses.pelvis_height, frame.angles)
            check_skeleton(body, frame.angles, points, "here")  # raises if not
            thigh = np.subtract(points["near_knee"], points["pelvis"])
            assert np.hypot(*thigh) == pytest.approx(body.thigh)


# --- The files ------------------------------------------------------------------------------


def test_each_animation_is_a_small_looping_h264_video(
    book: PoseBook, rendered: dict[str, tuple[bytes, bytes]]
) -> None:
    for exercise_id, (animation, _) in rendered.items():
        assert len(animation) < MAX_ANIMATION_BYTES, exercise_id
        with av.open(io.BytesIO(animation)) as container:
            assert not container.streams.audio  # Telegram's animations are silent
            stream = container.streams.video[0]
            assert stream.codec_context.name == "h264"
            frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(stream)]
        poses = book.exercise(exercise_id)
        expected = sum(max(1, round(frame.seconds * book.picture.fps))
                       for frame in loop_frames(poses, book.picture))
        assert len(frames) == expected > 1, exercise_id
        shown = view(book, poses)
        assert frames[0].shape == (shown.height_px, shown.width_px, 3)
        # It loops: the last frame is the first again, and the middle is not.
        assert np.abs(frames[-1].astype(int) - frames[0]).mean() < 2
        assert np.abs(frames[len(frames) // 2].astype(int) - frames[0]).mean() > 0.5


def test_each_still_is_a_png(book: PoseBook, rendered: dict[str, tuple[bytes, bytes]]) -> None:
    for exercise_id, (_, still) in rendered.items():
        assert len(still) < MAX_STILL_BYTES
        image = Image.open(io.BytesIO(still))
        assert image.format == "PNG"
        image.load()
        shown = view(book, book.exercise(exercise_id))
        assert image.size == (shown.width_px, shown.height_px)


def test_the_second_side_is_the_mirror_image(book: PoseBook) -> None:
    for exercise_id in ("hamstring_stretch", "opposite_raises"):
        first = np.asarray(Image.open(io.BytesIO(render_still(book, exercise_id))).convert("RGB"))
        second = np.asarray(Image.open(io.BytesIO(
            render_still(book, exercise_id, second_side=True))).convert("RGB"))
        different = np.abs(first[:, ::-1].astype(int) - second).max(axis=2) > 60
        assert different.mean() < 0.01


# --- Broken poses are refused at load --------------------------------------------------------


def content_with(tmp_path: Path, *changes: tuple[str, str]) -> Path:
    """A copy of content/ with poses.toml edited: each (pattern, replacement) must match."""
    directory = tmp_path / "content"
    directory.mkdir(parents=True)
    shutil.copy(CONTENT_DIR / "program.toml", directory / "program.toml")
    text = (CONTENT_DIR / "poses.toml").read_text(encoding="utf-8")
    for pattern, replacement in changes:
        text, count = re.subn(pattern, replacement, text, count=1, flags=re.MULTILINE)
        assert count == 1, pattern
    (directory / "poses.toml").write_text(text, encoding="utf-8")
    return directory


def refused(directory: Path) -> str:
    with pytest.raises(PoseError) as caught:
        load_poses(directory)
    assert isinstance(caught.value, ContentError)
    return str(caught.value)


def test_a_limb_of_the_wrong_length_is_refused(tmp_path: Path) -> None:
    message = refused(content_with(tmp_path, (r"^thigh = .*$", "thigh = 0.6")))
    assert message == (
        "content/poses.toml: body.thigh: 0.6 is 61% of the figure's height (about 0.98, from "
        "the other lengths); a thigh is 20% to 30% of it"
    )


def test_a_joint_past_its_range_is_refused(tmp_path: Path) -> None:
    # The straightened knee of the hamstring stretch, bent backwards.
    message = refused(content_with(
        tmp_path, (r"near = \{ hip = 88, knee = 12,", "near = { hip = 88, knee = -20,")))
    assert message == (
        "content/poses.toml: exercises.hamstring_stretch.positions.hold.near.knee: -20° is "
        "outside the range of the near knee, 0° to 155° (it would bend the wrong way)"
    )


def test_a_foot_under_the_floor_is_refused(tmp_path: Path) -> None:
    # Knees bent further with the hips where they are: the feet go through the floor.
    message = refused(content_with(
        tmp_path,
        (r'(\[\[exercises\.crunch\.positions\]\]\nname = "start"\n)'
         r"both = \{ hip = 45, knee = 96,",
         r"\1both = { hip = 45, knee = 120,"),
    ))
    assert message.startswith("content/poses.toml: exercises.crunch: start: the ")
    assert "under the floor" in message


def test_a_frame_between_two_good_positions_is_checked_too(tmp_path: Path) -> None:
    # Straight from standing to a bent knee, without lifting the heel first: the toe drags
    # through the floor on the way although both positions are fine.
    message = refused(content_with(
        tmp_path, (r'name = "heel_up"\nseconds = 0.6\nnear = \{ hip = 20, knee = 40, ankle = -8 \}',
                   'name = "heel_up"\nseconds = 0.6\nnear = { hip = 0, knee = 100, ankle = 30 }'),
    ))
    assert re.match(r"content/poses\.toml: exercises\.quadriceps_stretch: between 'start' and "
                    r"'heel_up' \(\d+% of the way\): the near toe is 0\.\d+ under the floor",
                    message), message


def test_a_figure_floating_above_the_floor_is_refused(tmp_path: Path) -> None:
    message = refused(content_with(tmp_path, (r'^placement = "front"\n', 'placement = "front"\n'
                                                                       "pelvis_lift = 0.2\n")))
    assert "exercises.superman: start: the figure floats" in message


def test_wrong_kinematics_are_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = poses_module.skeleton

    def stretched_forearm(*args: object, **kwargs: object) -> dict[str, tuple[float, float]]:
        points = real(*args, **kwargs)  # type: ignore[arg-type]
        x, y = points["near_hand"]
        points["near_hand"] = (x + 0.05, y + 0.05)
        return points

    monkeypatch.setattr(poses_module, "skeleton", stretched_forearm)
    message = refused(CONTENT_DIR)
    assert "the near forearm is drawn 0." in message and "instead of 0.1900" in message


def test_exercises_must_match_the_program(tmp_path: Path) -> None:
    unknown = refused(
        content_with(tmp_path / "a", (r"^\[exercises\.superman\]", "[exercises.flying]")))
    assert unknown == ("content/poses.toml: exercises.flying: not an exercise of program.toml "
                       "(those are: hamstring_stretch, knees_to_chest, standing_back_arch, "
                       "quadriceps_stretch, crunch, oblique_crunch, superman, opposite_raises)")
    assert "unknown field" in refused(content_with(
        tmp_path / "b", (r'^placement = "front"\n', 'placement = "front"\nspeed = 2\n')))
    with pytest.raises(PoseError, match="no poses for exercise 'flying'"):
        load_poses().exercise("flying")


def test_a_missing_exercise_is_refused(tmp_path: Path) -> None:
    directory = content_with(tmp_path, (r"\[exercises\.superman\][\s\S]*?(?=\[exercises\.opp)", ""))
    assert refused(directory) == (
        "content/poses.toml: exercises: no poses for superman: every exercise of program.toml "
        "needs its picture"
    )


# --- The cache ------------------------------------------------------------------------------


async def test_a_picture_is_drawn_once(tmp_path: Path, book: PoseBook) -> None:
    library = PictureLibrary(tmp_path / "pictures", poses=book)
    try:
        first = await library.still("crunch")
        again = await library.still("crunch")
        assert first == again and first.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert library.renders == 1
        animation = await library.animation("crunch")
        assert animation.suffix == ".mp4" and library.renders == 2
        other = await library.still("crunch", second_side=True)
        assert other not in (first, animation) and library.renders == 3
        assert stat.S_IMODE((tmp_path / "pictures").stat().st_mode) == 0o700
        assert sorted(p.name for p in (tmp_path / "pictures").iterdir()) == sorted(
            p.name for p in (first, animation, other))  # no temporary files left
        with pytest.raises(PoseError):
            await library.still("flying")
    finally:
        library.close()
    reopened = PictureLibrary(tmp_path / "pictures", poses=book)
    try:
        assert await reopened.still("crunch") == first and reopened.renders == 0
    finally:
        reopened.close()


async def test_concurrent_requests_for_one_picture_draw_it_once(
    tmp_path: Path, book: PoseBook
) -> None:
    library = PictureLibrary(tmp_path, poses=book)
    try:
        paths = await asyncio.gather(*(library.still("superman") for _ in range(3)))
        assert len(set(paths)) == 1 and library.renders == 1
    finally:
        library.close()


async def test_drawing_leaves_the_event_loop_free(
    tmp_path: Path, book: PoseBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticks = 0
    seen: dict[str, object] = {}
    loop_thread = threading.get_ident()

    def watched(poses: PoseBook, exercise_id: str, *, second_side: bool = False) -> bytes:
        seen["before"] = ticks
        seen["thread"] = threading.get_ident()
        data = render_animation(poses, exercise_id, second_side=second_side)
        seen["after"] = ticks
        return data

    monkeypatch.setattr(cache_module, "render_animation", watched)
    stop = asyncio.Event()

    async def chat() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0)

    ticker = asyncio.create_task(chat())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as executor:
        library = PictureLibrary(tmp_path, executor, poses=book)
        await library.animation("knees_to_chest")
    stop.set()
    await ticker
    assert seen["thread"] != loop_thread
    assert seen["after"] > seen["before"]  # the loop went on while the picture was drawn


async def test_prepare_draws_ahead_in_order(tmp_path: Path, book: PoseBook) -> None:
    library = PictureLibrary(tmp_path, poses=book)
    try:
        library.prepare(["crunch", "superman"])
        await asyncio.wait_for(asyncio.gather(*library._files._ahead), 30)
        assert library.renders == 4
        assert (await library.animation("superman")).is_file() and library.renders == 4
    finally:
        library.close()
