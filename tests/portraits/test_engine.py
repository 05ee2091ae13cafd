"""The one adapter from the questionnaire to the engine: goal kept, bad answers dropped."""

from __future__ import annotations

from typing import Any

import pytest

from tierslien import mixing
from tierslien.portraits.engine import (
    clean_answers,
    engine_attributes,
    engine_criteria,
    engine_criterion,
    engine_value,
)
from tierslien.portraits.models import Criterion, CriterionGoal, CriterionKind

LEVELS = [{"value": "low", "label": "Low"}, {"value": "high", "label": "High"}]


def question(pk: int = 1, **fields: Any) -> Criterion:
    values: dict[str, Any] = {
        "key": f"q{pk}",
        "label": "Q",
        "kind": CriterionKind.CATEGORICAL,
        "goal": CriterionGoal.DIVERSE,
        "weight": 2,
        "options": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}],
    }
    values.update(fields)
    return Criterion(pk=pk, **values)


def test_a_question_keeps_its_key_kind_weight_and_goal() -> None:
    engine = engine_criterion(question(goal=CriterionGoal.SHARED))
    assert engine == mixing.Criterion(name="q1", kind="categorical", weight=2.0, goal="shared")


def test_an_ordinal_gives_its_levels_lowest_first() -> None:
    engine = engine_criterion(question(kind=CriterionKind.ORDINAL, options=LEVELS))
    assert engine.levels == ("low", "high")


def test_a_sensitive_question_is_always_mixed_on() -> None:
    sensitive = question(goal=CriterionGoal.SHARED, sensitive=True)
    assert engine_criterion(sensitive).goal == "diverse"
    assert engine_criterion(sensitive, goal="shared").goal == "diverse"


def test_a_caller_may_impose_the_goal() -> None:
    assert engine_criterion(question(goal=CriterionGoal.SHARED), goal="diverse").goal == "diverse"


def test_unusable_questions_are_skipped_in_order() -> None:
    questions = [
        question(3),
        question(1, kind=CriterionKind.ORDINAL, options=LEVELS[:1]),  # one level: unusable
        question(2, kind=CriterionKind.ORDINAL, options=LEVELS),
    ]
    assert list(engine_criteria(questions)) == [3, 2]


def test_answers_become_the_engines_values_and_misfits_are_not_given() -> None:
    criteria = [
        engine_criterion(question(1)),
        engine_criterion(question(2, kind=CriterionKind.ORDINAL, options=LEVELS)),
        engine_criterion(question(3, kind=CriterionKind.MULTI)),
    ]
    answers = {"q1": "a", "q2": "medium", "q3": ["x", "y"], "other": "z"}
    assert engine_attributes(criteria, answers) == {"q1": "a", "q3": frozenset({"x", "y"})}
    assert engine_value(criteria[1], "high") == "high"
    assert engine_value(criteria[1], None) is None
    assert engine_attributes(criteria, "not a mapping") == {}  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ({"q1": "a", "q2": "high"}, {"q1": "a", "q2": "high"}),
        ({"q1": "c", "q2": 1, "q9": "a"}, {}),
        ({}, {}),
    ],
)
def test_clean_answers_keeps_only_current_options(
    raw: dict[str, Any], kept: dict[str, str]
) -> None:
    questions = [question(1), question(2, kind=CriterionKind.ORDINAL, options=LEVELS)]
    assert clean_answers(questions, raw) == kept
