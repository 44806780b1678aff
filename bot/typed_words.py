"""Reading a typed message as a button: "pause", "seven", «да».

The words are content (content/locales/<lang>/typed.toml, ``typed.words.*``): for each
button a list of phrases, and the numbers 0 to 10 as words. A message means a button only
when it is one of its phrases as a whole, once case, punctuation and emoji are set aside
("Pause!" is "pause", "pause for a sec" is nothing), so a sentence typed for another reason
never presses anything. Which buttons a message may mean is the caller's choice: the ones the
open question offers.
"""

# The Cyrillic letters and the typographic apostrophe here are meant, not look-alikes.
# ruff: noqa: RUF001

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.content import Content

ACTIONS = ("pause", "resume", "skip", "stop", "start", "yes", "no")
RATING_SCALE = range(11)
_NOT_A_WORD = re.compile(r"[^\w\s'’-]+")
_LONGEST = 60  # characters: a longer message is a sentence, not a button


def normalized(typed: str) -> str:
    cleaned = _NOT_A_WORD.sub(" ", typed.casefold().replace("ё", "е").replace("’", "'"))
    return " ".join(cleaned.split())


@dataclass(frozen=True)
class TypedWords:
    phrases: dict[str, frozenset[str]]  # action -> its phrases, normalized
    numbers: dict[str, int]  # a number's words, normalized -> the number

    @classmethod
    def of(cls, content: Content, language: str) -> TypedWords:
        phrases = {action: frozenset(normalized(p) for p in
                                     content.text_list(f"typed.words.{action}", language))
                   for action in ACTIONS}
        numbers = {normalized(word): value for value, words in
                   enumerate(content.text_list("typed.words.numbers", language))
                   for word in words.split("|")}
        return cls(phrases, numbers)

    def action(self, typed: str, offered: Iterable[str]) -> str | None:
        """The one of the ``offered`` buttons the message means, if any."""
        said = normalized(typed) if len(typed) <= _LONGEST else ""
        return next((a for a in offered if said and said in self.phrases[a]), None)

    def rating(self, typed: str) -> int | None:
        """A number from 0 to 10, in figures or in words; None for anything else."""
        said = normalized(typed) if len(typed) <= _LONGEST else ""
        value = int(said) if said.isdigit() and len(said) <= 2 else self.numbers.get(said)
        return value if value in RATING_SCALE else None
