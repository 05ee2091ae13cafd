from __future__ import annotations

import json

import pytest

from tierslien.lottery import LotteryProblem, Pool, find_lottery, rng_for_seed, select
from tierslien.lottery.verify import (
    audit,
    input_digest,
    load_lottery,
    lottery_record,
    record,
    verify,
)

from .factories import pool_of, quotas, small_problem


def test_audit_accepts_an_honest_record_without_any_solver_run() -> None:
    problem = small_problem()
    published = record(select(problem, rng=rng_for_seed(9)), 9)
    assert audit(problem, published) == []


def test_audit_rejects_a_lottery_breaking_the_quotas() -> None:
    problem = small_problem()
    published = record(select(problem, rng=rng_for_seed(9)), 9)
    women = [i for i, t in enumerate(problem.type_list) if t.categories[0] == "woman"]
    for composition in published["compositions"]:
        for t in women:
            composition["counts"][t] = 0
    assert any("breaks the quotas" in p for p in audit(problem, published))


def test_audit_rejects_another_seed_and_other_inputs() -> None:
    problem = small_problem()
    published = record(select(problem, rng=rng_for_seed(9)), 9)
    other_seed = {**published, "seed": 10}
    assert verify(problem, other_seed).ok is False
    other_inputs = {**published, "inputs_sha256": "0" * 64}
    assert "digest mismatch" in " ".join(audit(problem, other_inputs))


def test_digest_ignores_row_order_but_not_content() -> None:
    problem = small_problem()
    pool = problem.pool
    shuffled = Pool(pool.criteria, pool.ids[::-1], pool.values[::-1])
    assert input_digest(LotteryProblem(shuffled, problem.quotas, 4)) == input_digest(problem)
    assert input_digest(LotteryProblem(pool, problem.quotas, 3)) != input_digest(problem)


def test_a_stored_lottery_draws_the_same_panel_later() -> None:
    # Probabilities are shown to applicants first; the seed is published; the draw follows.
    problem = small_problem()
    stored = json.loads(json.dumps(lottery_record(find_lottery(problem))))
    later = load_lottery(problem, stored).draw(rng_for_seed(77))
    assert later == select(problem, rng=rng_for_seed(77)).panel


def test_a_stored_lottery_breaking_the_quotas_is_refused() -> None:
    problem = small_problem()
    stored = lottery_record(find_lottery(problem))
    stored["compositions"][0]["counts"] = [0] * len(problem.type_list)
    with pytest.raises(ValueError, match="breaks the quotas"):
        load_lottery(problem, stored)


def test_a_stored_lottery_keeps_who_cannot_be_selected() -> None:
    rows = [("woman",)] * 3 + [("man",)] * 3 + [("other",)]
    problem = LotteryProblem(
        pool_of(rows, ("gender",)),
        quotas(("gender", "woman", 1, 2), ("gender", "man", 1, 2), ("gender", "other", 0, 0)),
        seats=3,
    )
    lottery = find_lottery(problem)
    stored = lottery_record(lottery)
    assert stored["cannot_be_selected"] == ["a006"]
    loaded = load_lottery(problem, stored)
    assert loaded.min_selectable_probability == lottery.min_selectable_probability > 0
