"""Health data stays out of the log at every level, with the bot's own logging configuration.

A safety screen answered "Yes" runs at LOG_LEVEL=DEBUG while a handler on the root logger keeps
every record that reaches it, from the bot and from every library it uses: none may hold an
answer, a question, or anything the person typed or was told.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

from bot.app import configure_logging
from bot.config import Settings
from bot.content import load_content
from bot.fakeapi import FakeBotAPI, FakeUser
from tests.harness import RunningBot, logging_put_back

CHAT = 6001
TYPED = "my lower back has ached since the marathon in Porto"
LONG_WAIT = 30  # seconds; only a broken bot takes this long
# An answer as stored or sent anywhere: {"pregnancy": true}, [["pregnancy", true]], or a repr.
ANSWER_SHAPES = re.compile(r"""["'](\w+)["']\s*[:,]\s*(true|false)\b""", re.IGNORECASE)


class KeepEverything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@contextmanager
def the_bots_logging(settings: Settings) -> Iterator[KeepEverything]:
    """configure_logging as ``backcoach`` applies it, plus a handler that keeps every record;
    the process-wide logging is put back as it was afterwards, for the tests that follow."""
    with logging_put_back():
        kept = KeepEverything()
        configure_logging(settings)
        logging.getLogger().addHandler(kept)
        yield kept


async def answer_yes_to_every_question(user: FakeUser) -> None:
    questions = load_content().questions
    total = len(questions)
    # A yes to an urgent sign would end the screen at once.
    urgent = sum(q.kind == "red_flag_urgent" for q in questions)
    await user.send("/screen")
    for number in range(1, urgent + 1):
        await user.expect(f"Question {number} of {total}", timeout=LONG_WAIT)
        await user.press("No")
    await user.expect(f"Question {urgent + 1} of {total}", timeout=LONG_WAIT)
    await user.send(TYPED)
    # asked again after the muddle
    await user.expect(f"Question {urgent + 1} of {total}", timeout=LONG_WAIT)
    for number in range(urgent + 1, total + 1):
        await user.press("Yes")
        if number < total:
            await user.expect(f"Question {number + 1} of {total}", timeout=LONG_WAIT)
    await user.expect("I won't offer you the exercises", timeout=LONG_WAIT)


def private_texts(user: FakeUser) -> list[str]:
    """What must not be logged: the typed message, every line the bot sent this person, and
    every question and reason of the screen in every language."""
    content = load_content()
    texts = [TYPED]
    for event in user.history:
        texts += [line for line in (event.text or "").splitlines() if len(line) >= 12]
    for question in content.questions:
        for language in content.languages:
            for part in ("question", "reason"):
                texts += content.text(f"screening.questions.{question.id}.{part}",
                                      language).splitlines()
    return [text for text in texts if text.strip()]


async def test_a_screen_at_debug_logs_no_health_data(
    api: FakeBotAPI, migrated_database_url: str
) -> None:
    bot = RunningBot(api, migrated_database_url, LOG_LEVEL="DEBUG")
    user = api.user(CHAT, first_name="Wilhelmina")
    with the_bots_logging(bot.settings) as kept:
        assert logging.getLogger().getEffectiveLevel() == logging.DEBUG
        await bot.start()
        try:
            await answer_yes_to_every_question(user)
        finally:
            await bot.stop()
    log = "\n".join(kept.lines)
    assert kept.lines, "nothing was logged: the capture does not work"
    leaks = [text for text in private_texts(user) if text in log]
    assert leaks == [], f"logged: {leaks}"
    question_ids = [question.id for question in load_content().questions]
    assert [q for q in question_ids if f'"{q}"' in log or f"'{q}'" in log] == []
    assert ANSWER_SHAPES.findall(log) == []
    assert "scr:" not in log, "the screen's button data (which holds the answer) was logged"
