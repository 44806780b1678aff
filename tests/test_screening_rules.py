"""The safety screen's rules, for every combination of answers."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from bot.content import Content, load_content
from bot.models import ScreeningResult, utcnow
from bot.screening import (
    RESCREEN_AFTER,
    Outcome,
    Purpose,
    decide,
    is_current,
    is_kept,
    needs_quick_check,
    next_question,
    questions_for,
)

# The topics, written out here rather than read from content, so a question filed under the
# wrong kind in content/ fails this test.
URGENT = ["red_flag_urgent", "serious_accident"]  # emergency care now; asked first
CONTRAINDICATIONS = {  # the article's list
    "severe_pain", "bleeding", "flare_up", "spinal_injury", "kidney_or_heart_disease", "pregnancy",
}
RED_FLAGS = {"fever", "pain_after_injury", "night_pain", "chest_pain_or_fainting",
             "cancer_or_weight_loss"}
DIAGNOSES = {"diagnosed_condition", "fragile_bones"}  # therapeutic exercise instead
ALL = set(URGENT) | CONTRAINDICATIONS | RED_FLAGS | DIAGNOSES
# Asked again before every workout, in this order: what can begin on any day, urgent first.
QUICK_CHECK = ["red_flag_urgent", "fever", "severe_pain", "bleeding", "flare_up"]


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content()


def run_screen(content: Content, yes_to: set[str]) -> tuple[list[str], Outcome, set[str]]:
    """Answer the screen as a person would; returns the questions asked and the decision."""
    questions = questions_for(content, Purpose.FULL)
    answers: list[tuple[str, bool]] = []
    while (question := next_question(questions, answers)) is not None:
        answers.append((question.id, question.id in yes_to))
    decision = decide(questions, dict(answers))
    return [qid for qid, _ in answers], decision.outcome, {q.id for q in decision.reasons}


def test_the_screen_asks_exactly_the_listed_topics(content: Content) -> None:
    ids = [q.id for q in questions_for(content, Purpose.FULL)]
    assert set(ids) == ALL and len(ids) == len(ALL)
    assert ids[: len(URGENT)] == URGENT


def test_the_quick_check_asks_what_can_begin_on_any_day(content: Content) -> None:
    assert [q.id for q in questions_for(content, Purpose.RECHECK)] == QUICK_CHECK


def test_every_combination_of_answers(content: Content) -> None:
    """All 2^15 ways to answer the full screen, each answered in order as a person would."""
    all_ids = [q.id for q in questions_for(content, Purpose.FULL)]
    count = 0
    for size in range(len(all_ids) + 1):
        for combo in itertools.combinations(all_ids, size):
            yes_to = set(combo)
            count += 1
            asked, outcome, reasons = run_screen(content, yes_to)
            urgent_yes = [qid for qid in URGENT if qid in yes_to]
            if urgent_yes:
                # Stop at the first urgent "yes": nothing after it is asked.
                assert asked == all_ids[: all_ids.index(urgent_yes[0]) + 1], yes_to
                assert outcome is Outcome.URGENT, yes_to
                assert reasons == {urgent_yes[0]}, yes_to
                continue
            assert asked == all_ids, yes_to
            if yes_to & (CONTRAINDICATIONS | RED_FLAGS):
                assert outcome is Outcome.SEE_DOCTOR, yes_to
                assert reasons == yes_to, yes_to
            elif yes_to & DIAGNOSES:
                assert outcome is Outcome.THERAPEUTIC, yes_to
                assert reasons == yes_to, yes_to
            else:
                assert outcome is Outcome.CLEARED, yes_to
                assert reasons == set()
            # The rule that matters most: any "yes" means no exercise.
            assert (outcome is Outcome.CLEARED) == (not yes_to), yes_to
    assert count == 2 ** len(ALL) == 2 ** 15


def test_every_combination_in_the_quick_check(content: Content) -> None:
    questions = questions_for(content, Purpose.RECHECK)
    ids = [q.id for q in questions]
    for size in range(len(ids) + 1):
        for combo in itertools.combinations(ids, size):
            answers: list[tuple[str, bool]] = []
            while (question := next_question(questions, answers)) is not None:
                answers.append((question.id, question.id in combo))
            decision = decide(questions, dict(answers))
            assert decision.allows_exercise == (not combo), combo
            expected = Outcome.URGENT if "red_flag_urgent" in combo else (
                Outcome.SEE_DOCTOR if combo else Outcome.CLEARED)
            assert decision.outcome is expected, combo
            # Only an urgent sign replaces the stored result; other answers are for today.
            assert is_kept(Purpose.RECHECK, decision) == (expected is Outcome.URGENT)
            assert is_kept(Purpose.FULL, decision)


def test_old_results_without_the_new_questions_still_read(content: Content) -> None:
    """A result kept before the second edition of the screen holds other ids; it is read as
    it was decided, and expires like any other."""
    old_ids = ["red_flag_urgent", "severe_pain", "bleeding", "flare_up", "spinal_injury",
               "kidney_or_heart_disease", "pregnancy", "red_flag", "diagnosed_condition"]
    now = utcnow()
    old = ScreeningResult(outcome="cleared", answers=dict.fromkeys(old_ids, False),
                          completed_at=now - timedelta(days=3))
    assert is_current(old, now) and needs_quick_check(old, now)
    assert Outcome(old.outcome) is Outcome.CLEARED
    questions = questions_for(content, Purpose.FULL)
    assert decide(questions, old.answers).outcome is Outcome.CLEARED


def test_a_result_is_trusted_for_thirty_days() -> None:
    now = utcnow()
    fresh = ScreeningResult(outcome="cleared", answers={}, completed_at=now - timedelta(days=29))
    old = ScreeningResult(outcome="cleared", answers={}, completed_at=now - RESCREEN_AFTER)
    assert is_current(fresh, now)
    assert not is_current(old, now)
    assert not is_current(None, now)
