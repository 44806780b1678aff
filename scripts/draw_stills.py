"""Draws the still of every exercise side by side, with its English name, into one PNG.

The same poses (content/poses.toml) and the same drawing (bot/pictures/render.py) as the
bot's pictures, four to a row in the order of program.toml, at the pictures' scale (``--scale``
times it). For the
README, and for a look at every pose after an edit.

Usage: python -m scripts.draw_stills [--out docs/exercises.png] [--scale 0.75]
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

from bot.content import load_content
from bot.pictures.poses import load_poses, view
from bot.pictures.render import draw_still

COLUMNS = 4
TITLE_PX = 44  # the name's band above each picture, at scale 1
DPI = 100
COLOURS = 64  # the PNG's palette: the pictures' flat colours and the names' anti-aliasing


def draw(out: Path, scale: float) -> int:
    """Writes the sheet; returns its size in bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from PIL import Image

    content = load_content()
    book = load_poses()
    ids = list(book.exercises)
    cell_width = book.picture.width_px
    rows = [ids[start:start + COLUMNS] for start in range(0, len(ids), COLUMNS)]
    # Each row as tall as its tallest picture: lying exercises need less than standing ones.
    row_heights = [max(view(book, book.exercise(id_)).height_px for id_ in row) for row in rows]
    width, height = COLUMNS * cell_width, sum(row_heights) + TITLE_PX * len(rows)
    figure = Figure(figsize=(width * scale / DPI, height * scale / DPI), dpi=DPI,
                    facecolor=book.colours.background)
    canvas = FigureCanvasAgg(figure)
    top = 1.0
    for row, row_height in zip(rows, row_heights, strict=True):
        for column, exercise_id in enumerate(row):
            ax = figure.add_axes((column / COLUMNS, top - (TITLE_PX + row_height) / height,
                                  1 / COLUMNS, row_height / height))
            draw_still(ax, book, exercise_id, height_px=row_height)
            figure.text((column + 0.5) / COLUMNS, top - TITLE_PX * 0.55 / height,
                        content.text(f"exercises.{exercise_id}.name"), ha="center",
                        va="center", fontsize=17 * scale, color=book.colours.figure)
        top -= (TITLE_PX + row_height) / height
    canvas.draw()
    image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba())
    buffer = io.BytesIO()
    image.convert("RGB").quantize(COLOURS, dither=Image.Dither.NONE).save(
        buffer, format="PNG", optimize=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(buffer.getvalue())
    return len(buffer.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/exercises.png"))
    parser.add_argument("--scale", type=float, default=0.75,
                        help="the pictures' size in the sheet (1: as the bot sends them)")
    args = parser.parse_args()
    size = draw(args.out, args.scale)
    print(f"{args.out}: {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
