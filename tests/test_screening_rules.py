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
    next_question,
    questions_for,
)

# The list, written out here rather than read from content, so a question filed under
# the wrong kind in content/ fails this test.
CONTRAINDICATIONS = {
    "severe_pain", "bleeding", "flare_up", "spinal_injury", "kidney_or_heart_disease", "pregnancy",
}
DIAGNOSIS = {"diagnosed_condition"}
URGENT = {"red_flag_urgent"}
RED_FLAG = {"red_flag"}
PASSING_CONDITIONS = {"severe_pain", "bleeding", "flare_up"}


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
    ids = {q.id for q in questions_for(content, Purpose.FULL)}
    assert ids == CONTRAINDICATIONS | DIAGNOSIS | URGENT | RED_FLAG


def test_the_quick_check_asks_only_the_passing_conditions(content: Content) -> None:
    assert {q.id for q in questions_for(content, Purpose.RECHECK)} == PASSING_CONDITIONS


def all_answer_combinations() -> list[frozenset[str]]:
    ids = sorted(CONTRAINDICATIONS | DIAGNOSIS | URGENT | RED_FLAG)
    return [
        frozenset(combo)
        for size in range(len(ids) + 1)
        for combo in itertools.combinations(ids, size)
    ]


def test_every_combination_of_answers(content: Content) -> None:
    combinations = all_answer_combinations()
    assert len(combinations) == 2 ** 9
    all_ids = [q.id for q in questions_for(content, Purpose.FULL)]
    for yes_to in combinations:
        asked, outcome, reasons = run_screen(content, set(yes_to))
        if yes_to & URGENT:
            # Stop at once: nothing after the urgent question is asked.
            assert asked == all_ids[: all_ids.index("red_flag_urgent") + 1], yes_to
            assert outcome is Outcome.URGENT, yes_to
            assert reasons == URGENT
        elif yes_to & (CONTRAINDICATIONS | RED_FLAG):
            assert asked == all_ids, yes_to
            assert outcome is Outcome.SEE_DOCTOR, yes_to
            assert reasons == set(yes_to), yes_to
        elif yes_to & DIAGNOSIS:
            assert outcome is Outcome.THERAPEUTIC, yes_to
            assert reasons == DIAGNOSIS
        else:
            assert outcome is Outcome.CLEARED, yes_to
            assert reasons == set()
        # The rule that matters most: any "yes" means no exercise.
        assert (outcome is Outcome.CLEARED) == (not yes_to), yes_to


def test_the_urgent_question_comes_first(content: Content) -> None:
    assert questions_for(content, Purpose.FULL)[0].id == "red_flag_urgent"


def test_every_passing_condition_blocks_the_quick_check(content: Content) -> None:
    questions = questions_for(content, Purpose.RECHECK)
    for size in range(len(questions) + 1):
        for combo in itertools.combinations([q.id for q in questions], size):
            answers = {q.id: q.id in combo for q in questions}
            assert decide(questions, answers).allows_exercise == (not combo)


def test_a_result_is_trusted_for_thirty_days() -> None:
    now = utcnow()
    fresh = ScreeningResult(outcome="cleared", answers={}, completed_at=now - timedelta(days=29))
    old = ScreeningResult(outcome="cleared", answers={}, completed_at=now - RESCREEN_AFTER)
    assert is_current(fresh, now)
    assert not is_current(old, now)
    assert not is_current(None, now)
