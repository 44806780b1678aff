"""Loading and validating Back Coach content: the program and the texts people read.

The content is data (content/program.toml and content/locales/<lang>/*.toml) so that the
doses can be checked against the source article and a language can be added without code.
Everything is validated when it is loaded, so a broken edit stops the bot at start-up with
the file and the field named, instead of failing halfway through someone's workout.

Text keys are "<file stem>.<table path>": ``[hamstring_stretch] name = "..."`` in
exercises.toml is ``exercises.hamstring_stretch.name``.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

from bot.content_model import (
    REFERENCE_LANGUAGE,
    Content,
    ContentError,
    Exercise,
    Pacing,
    Question,
    Range,
    SessionStep,
)
from bot.content_program import load_program
from bot.content_texts import check_texts, load_locales
from content import CONTENT_DIR

__all__ = [
    "REFERENCE_LANGUAGE",
    "Content",
    "ContentError",
    "Exercise",
    "Pacing",
    "Question",
    "Range",
    "SessionStep",
    "load_content",
]


def load_content(directory: Path | None = None) -> Content:
    """Loads and validates the program and every locale; raises ContentError if anything is off."""
    directory = CONTENT_DIR if directory is None else Path(directory)
    program = load_program(directory)
    texts_by_language = load_locales(directory)
    check_texts(directory, program, texts_by_language)
    languages = (REFERENCE_LANGUAGE, *sorted(set(texts_by_language) - {REFERENCE_LANGUAGE}))
    return Content(
        exercises=MappingProxyType(program.exercises),
        session=program.session,
        questions=program.questions,
        pacing=program.pacing,
        walking_goal_km=program.walking_goal_km,
        tip_ids=program.tip_ids,
        desk_break_stretches=program.desk_break_stretches,
        back_rating=program.back_rating,
        languages=languages,
        texts_by_language=MappingProxyType(
            {lang: MappingProxyType(texts) for lang, texts in texts_by_language.items()}
        ),
    )
