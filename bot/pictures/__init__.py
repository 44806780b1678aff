"""Pictures of the exercises: a looping animation and a still of each, drawn from data.

The design. content/poses.toml describes a pictogram figure once (its segment lengths and
colours) and each exercise as a placement (on the back, face down, standing) and a few key
positions, "start" to "hold", each a handful of joint angles, with the limbs to accent, an
arrow along the part that moves, and props (a chair's back, a pillow). ``load_poses`` reads
and checks it (bot/pictures/poses.py): the angles within a human range of motion, the figure's
computed segments at their lengths, and the figure on the floor, never in it, in every frame
the animation shows; every exercise of program.toml must have its poses. The renderer
(bot/pictures/render.py) eases the angles from one key position to the next, draws each frame
with matplotlib's Agg renderer (a round head, thick round-ended limbs, the far side's limbs
lighter and behind, the accent in orange), and encodes the loop (start, to the hold, a pause,
back) as H.264 MP4 with PyAV's libx264, which Telegram plays as a silent looping "GIF", and
the hold over a pale ghost of the start as a palette PNG. ``PictureLibrary`` keeps the files
on disk under a hash of what draws them and renders a missing one in a worker thread, so the
event loop never waits.

The price. A side view of a stick figure cannot show everything: the twist of the side crunch
is only hinted (the far shoulder higher and the far arm reaching further), arms that hug or
hold on to the side of the body are drawn in the picture's plane, and a rolled towel under the
forehead would hide behind the head, so it is left out. Angles, not coordinates, keep the
limbs their length, but placing a foot flat on the floor means solving for the knee and ankle
angles by hand; the floor check catches a mistake, not a near miss that looks odd, so a new
pose still needs a look (scripts/draw_stills.py draws all eight stills into one image). A
two-sided exercise is drawn on its first side (the person's right side in front); the second
side is the mirror image, drawn on request.
"""

from bot.pictures.cache import PictureLibrary, animation_or_none
from bot.pictures.poses import JOINT_RANGES, ExercisePoses, PoseBook, PoseError, load_poses
from bot.pictures.render import (
    ANIMATION_MIME,
    ANIMATION_SUFFIX,
    RENDERER_VERSION,
    STILL_SUFFIX,
    render_animation,
    render_still,
)

__all__ = [
    "ANIMATION_MIME",
    "ANIMATION_SUFFIX",
    "JOINT_RANGES",
    "RENDERER_VERSION",
    "STILL_SUFFIX",
    "ExercisePoses",
    "PictureLibrary",
    "PoseBook",
    "PoseError",
    "animation_or_none",
    "load_poses",
    "render_animation",
    "render_still",
]
