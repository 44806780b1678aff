"""The safety screen: which question comes next, what the answers decide, and where they are kept.

Nothing here knows Telegram. The rules, strictest first:

* an urgent red flag ends the screen at once: emergency care now;
* any contraindication or red flag: no exercises, see a doctor first;
* a spine condition or fragile bones: therapeutic exercise with a specialist instead;
* otherwise the person is cleared.

The quick check before a workout asks again what can begin on any day. Its answers are not
kept, except an urgent red flag: that replaces the stored result, so the next /workout repeats
the emergency advice and no exercise reminders go out.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cache import known_chats, latest_screens
from bot.cache.latest_screens import Screen
from bot.chats import ensure_chat
from bot.content import Content, Question
from bot.content_model import URGENT_QUESTION_KIND
from bot.models import ScreeningDraft, ScreeningResult, utcnow

# A cleared screen is trusted for this long; after that the next workout asks for a new one.
RESCREEN_AFTER = timedelta(days=30)
# Right after a full screen its answers are fresh: the quick check would only repeat them.
QUICK_CHECK_SKIPPED_FOR = timedelta(hours=1)
# A screen left unanswered this long is over; a late answer asks the person to start again.
INACTIVITY_LIMIT = timedelta(minutes=15)

URGENT_KIND = URGENT_QUESTION_KIND
SEE_DOCTOR_KINDS = frozenset({"contraindication", "red_flag"})
DIAGNOSIS_KIND = "diagnosis"


class Outcome(StrEnum):
    CLEARED = "cleared"
    URGENT = "urgent"
    SEE_DOCTOR = "see_doctor"
    THERAPEUTIC = "therapeutic"


class Purpose(StrEnum):
    FULL = "full"  # the whole screen, stored as the chat's result
    RECHECK = "recheck"  # the quick check of passing conditions before a workout


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    # The questions answered "yes", in the order asked: the reasons given to the person.
    reasons: tuple[Question, ...]

    @property
    def allows_exercise(self) -> bool:
        return self.outcome is Outcome.CLEARED


Answers = Sequence[tuple[str, bool]]


def questions_for(content: Content, purpose: Purpose) -> tuple[Question, ...]:
    if purpose is Purpose.RECHECK:
        return tuple(q for q in content.questions if q.recheck_before_workout)
    return content.questions


def next_question(questions: Sequence[Question], answers: Answers) -> Question | None:
    """The question to ask now, or None when the screen is complete."""
    by_id = {q.id: q for q in questions}
    if any(yes and by_id[qid].kind == URGENT_KIND for qid, yes in answers):
        return None
    return questions[len(answers)] if len(answers) < len(questions) else None


def decide(questions: Sequence[Question], answers: Mapping[str, bool]) -> Decision:
    reasons = tuple(q for q in questions if answers.get(q.id))
    kinds = {q.kind for q in reasons}
    if URGENT_KIND in kinds:
        return Decision(Outcome.URGENT, tuple(q for q in reasons if q.kind == URGENT_KIND))
    if kinds & SEE_DOCTOR_KINDS:
        return Decision(Outcome.SEE_DOCTOR, reasons)
    if DIAGNOSIS_KIND in kinds:
        return Decision(Outcome.THERAPEUTIC, reasons)
    return Decision(Outcome.CLEARED, ())


def is_kept(purpose: Purpose, decision: Decision) -> bool:
    """Whether a finished screen's answers become the chat's stored result."""
    return purpose is Purpose.FULL or decision.outcome is Outcome.URGENT


def is_current(result: Screen | ScreeningResult | None, now: datetime) -> bool:
    """Whether a stored result is recent enough to go by."""
    return result is not None and now - result.completed_at < RESCREEN_AFTER


def needs_quick_check(result: Screen | ScreeningResult | None, now: datetime) -> bool:
    return result is None or now - result.completed_at >= QUICK_CHECK_SKIPPED_FOR


# --- storage -----------------------------------------------------------------------------


async def start_draft(session: AsyncSession, chat_id: int, purpose: Purpose) -> ScreeningDraft:
    """A fresh screen for the chat, replacing any unfinished one."""
    await ensure_chat(session, chat_id)
    draft = await session.get(ScreeningDraft, chat_id)
    if draft is None:
        draft = ScreeningDraft(chat_id=chat_id)
        session.add(draft)
    draft.purpose = purpose.value
    draft.nonce = secrets.token_hex(4)
    draft.answers = []
    draft.updated_at = utcnow()
    await session.flush()
    return draft


async def load_draft(session: AsyncSession, chat_id: int) -> ScreeningDraft | None:
    return await session.get(ScreeningDraft, chat_id, with_for_update=True)


def draft_answers(draft: ScreeningDraft) -> list[tuple[str, bool]]:
    return [(str(qid), bool(yes)) for qid, yes in draft.answers]


def draft_is_stale(draft: ScreeningDraft, now: datetime) -> bool:
    return now - draft.updated_at >= INACTIVITY_LIMIT


def answer(draft: ScreeningDraft, question: Question, yes: bool) -> None:
    # A new list, so SQLAlchemy sees the JSON column change.
    draft.answers = [*draft.answers, [question.id, yes]]
    draft.updated_at = utcnow()


def go_back(draft: ScreeningDraft) -> None:
    draft.answers = draft.answers[:-1]
    draft.updated_at = utcnow()


async def discard_draft(session: AsyncSession, chat_id: int) -> bool:
    draft = await session.get(ScreeningDraft, chat_id)
    if draft is None:
        return False
    await session.delete(draft)
    return True


async def store_result(
    session: AsyncSession, chat_id: int, answers: Answers, decision: Decision
) -> ScreeningResult:
    """Keep the new result and drop older ones: only the latest answers are needed."""
    await session.execute(delete(ScreeningResult).where(ScreeningResult.chat_id == chat_id))
    result = ScreeningResult(
        chat_id=chat_id, outcome=decision.outcome.value, answers=dict(answers)
    )
    session.add(result)
    await session.flush()
    return result


async def latest_screen(session: AsyncSession, chat_id: int) -> Screen | None:
    """The chat's latest stored screen: from memory once read (bot/cache/), and without a
    query for a chat known to have no row (a screen needs its chat's row)."""
    known = known_chats.of(session)
    if known is not None and known.has_none(chat_id):
        return None
    screens = latest_screens.of(session)
    if screens is None:
        return _screen_of(await latest_result(session, chat_id))
    known, screen = screens.get(chat_id)
    if known:
        return screen
    token = screens.reading()
    screen = _screen_of(await latest_result(session, chat_id))
    screens.keep(token, chat_id, screen)
    return screen


def _screen_of(result: ScreeningResult | None) -> Screen | None:
    return None if result is None else Screen(result.outcome, result.completed_at)


async def latest_result(session: AsyncSession, chat_id: int) -> ScreeningResult | None:
    return await session.scalar(
        select(ScreeningResult)
        .where(ScreeningResult.chat_id == chat_id)
        .order_by(ScreeningResult.completed_at.desc(), ScreeningResult.id.desc())
        .limit(1)
    )
