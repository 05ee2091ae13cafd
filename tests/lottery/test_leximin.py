"""The leximin lottery: optimal against a brute force on tiny pools (Hypothesis), valid,
at least as fair as the maximin, and verifiable bit for bit like the maximin."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tierslien.lottery import (
    InfeasibleQuotasError,
    LotteryProblem,
    MaximinParams,
    SelectParams,
    find_lottery,
    rng_for_seed,
    select,
)
from tierslien.lottery import leximin as leximin_module
from tierslien.lottery.compositions import QuotaSystem
from tierslien.lottery.leximin import LeximinParams, find_leximin
from tierslien.lottery.verify import audit, load_lottery, record, verify

from .brute import brute_force_leximin, brute_force_maximin, valid_panels
from .test_many_types import fingerprint, many_type_problem, own_share_problem
from .test_properties import PROPERTY_SETTINGS, problems

LEXIMIN = SelectParams(objective="leximin")


@contextmanager
def level_by_level() -> Iterator[None]:
    """Skip the type-space shortcut: the level by level search over lotteries only."""
    saved = leximin_module.REALISE
    leximin_module.REALISE = False
    try:
        yield
    finally:
        leximin_module.REALISE = saved


def profile(lottery: object) -> list[float]:
    return sorted(float(p) for p in lottery.probabilities.values())  # type: ignore[attr-defined]


def lexicographically_at_least(a: list[float], b: list[float], tol: float = 1e-7) -> bool:
    for x, y in zip(a, b, strict=True):
        if x > y + tol:
            return True
        if x < y - tol:
            return False
    return True


@PROPERTY_SETTINGS
@given(problems(), st.integers(0, 2**63))
def test_leximin_is_optimal_valid_and_verifiable_on_tiny_pools(
    problem: LotteryProblem, seed: int
) -> None:
    if not valid_panels(problem):
        with pytest.raises(InfeasibleQuotasError):
            select(problem, rng=rng_for_seed(seed), params=LEXIMIN)
        return
    result = select(problem, rng=rng_for_seed(seed), params=LEXIMIN)
    lottery = result.lottery
    assert lottery.method == leximin_module.METHOD
    # Every panel it can draw meets the quotas; probabilities add up to the seats, exactly.
    system = QuotaSystem.of(problem)
    assert all(system.meets(c.counts) for c in lottery.compositions)
    assert problem.quota_violations(result.panel.ids) == []
    assert sum(lottery.probabilities.values()) == problem.seats
    # The whole sorted profile is the brute-force leximin, its first entry the maximin.
    expected = brute_force_leximin(problem)
    assert profile(lottery) == pytest.approx(expected, abs=1e-6)
    maximin = find_lottery(problem)
    assert float(lottery.min_selectable_probability) == pytest.approx(
        brute_force_maximin(problem), abs=1e-7
    )
    assert float(lottery.min_probability) == pytest.approx(float(maximin.min_probability), abs=1e-7)
    assert lexicographically_at_least(profile(lottery), profile(maximin))
    # The published record says leximin and reruns bit for bit.
    published = record(result, seed)
    assert published["method"] == 4 and published["objective"] == "leximin"
    outcome = verify(problem, json.loads(json.dumps(published)))
    assert outcome.ok, outcome.problems


@PROPERTY_SETTINGS
@given(problems())
def test_the_level_by_level_search_finds_the_same_leximin(problem: LotteryProblem) -> None:
    if not valid_panels(problem):
        return
    with level_by_level():
        slow = find_leximin(problem)
    assert sum(slow.probabilities.values()) == problem.seats
    assert profile(slow) == pytest.approx(brute_force_leximin(problem), abs=1e-6)
    assert profile(find_leximin(problem)) == pytest.approx(profile(slow), abs=1e-6)


def expected_profile(problem: LotteryProblem, target: np.ndarray) -> list[float]:
    return sorted(
        t / kind.size
        for t, kind in zip(target.tolist(), problem.type_list, strict=True)
        for _ in kind.members
    )


def test_relaxed_leximin_bounds_the_leximin_from_above() -> None:
    problem = many_type_problem()
    system = QuotaSystem.of(problem)
    target = leximin_module.relaxed_leximin(system, np.arange(system.n_types))
    assert target is not None
    assert target.sum() == pytest.approx(problem.seats)
    assert np.all(system.matrix @ target >= system.lo - 1e-7)
    assert np.all(system.matrix @ target <= system.hi + 1e-7)
    fast = find_leximin(problem)
    with level_by_level():
        slow = find_leximin(problem)
    assert profile(fast) == pytest.approx(profile(slow), abs=1e-7)
    # With four criteria the polytope has fractional corners: here the bound is not reached.
    assert lexicographically_at_least(expected_profile(problem, target), profile(fast))


def test_with_two_criteria_the_type_space_leximin_is_realised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Two criteria: the quota matrix is an interval (network) matrix, the polytope integral.
    base = many_type_problem(seed=6, n=200, seats=20)
    pool = base.pool
    keep = ("age", "area")
    rows = tuple(tuple(row[pool.criteria.index(c)] for c in keep) for row in pool.values)
    quota_rows = tuple(q for q in base.quotas.rows if q.criterion in keep)
    problem = LotteryProblem(
        type(pool)(keep, pool.ids, rows), type(base.quotas)(quota_rows), base.seats
    )
    with caplog.at_level(logging.INFO, logger="tierslien.lottery.leximin"):
        fast = find_leximin(problem)
    assert any("is realised" in r.getMessage() for r in caplog.records)
    system = QuotaSystem.of(problem)
    target = leximin_module.relaxed_leximin(system, np.arange(system.n_types))
    assert target is not None
    assert profile(fast) == pytest.approx(expected_profile(problem, target), abs=1e-7)
    with level_by_level():
        slow = find_leximin(problem)
    assert profile(fast) == pytest.approx(profile(slow), abs=1e-7)


def test_many_types_leximin_keeps_the_maximin_and_lifts_the_rest() -> None:
    problem = many_type_problem()
    maximin = find_lottery(problem)
    lottery = find_leximin(problem)
    system = QuotaSystem.of(problem)
    assert all(system.meets(c.counts) for c in lottery.compositions)
    assert sum(lottery.probabilities.values()) == problem.seats
    assert float(lottery.min_probability) == pytest.approx(float(maximin.min_probability), abs=1e-7)
    assert lottery.upper_bound == pytest.approx(maximin.upper_bound, abs=1e-9)
    assert lexicographically_at_least(profile(lottery), profile(maximin))
    assert profile(lottery) != pytest.approx(profile(maximin), abs=1e-6)  # it does lift some


def test_leximin_records_verify_bit_for_bit_and_maximin_records_still_do() -> None:
    problem = many_type_problem(seed=4, n=150, seats=16)
    first = select(problem, rng=rng_for_seed(5), params=LEXIMIN)
    again = select(problem, rng=rng_for_seed(5), params=LEXIMIN)
    assert first.lottery.compositions == again.lottery.compositions  # deterministic
    published = record(first, 5)
    assert published["method"] == 4
    assert verify(problem, published).ok
    assert load_lottery(problem, published).compositions == first.lottery.compositions
    # A maximin record of the same inputs carries method 3, no objective, and still verifies.
    maximin = record(select(problem, rng=rng_for_seed(5)), 5)
    assert maximin["method"] == 3 and "objective" not in maximin
    assert verify(problem, maximin).ok
    assert maximin["compositions"] != published["compositions"]
    # Tampering with the method makes the rerun disagree, while the audit still holds.
    relabelled = {**published, "method": 3}
    assert not verify(problem, relabelled).ok
    assert audit(problem, relabelled) == []


def test_at_k_over_n_the_leximin_is_the_even_split() -> None:
    problem = own_share_problem()
    lottery = find_leximin(problem)
    maximin = find_lottery(problem)
    assert lottery.method == 4 and lottery.iterations == 0
    assert lottery.compositions == maximin.compositions
    assert float(lottery.min_probability) == pytest.approx(problem.seats / len(problem.pool))


def test_a_time_limited_leximin_is_still_a_valid_lottery() -> None:
    problem = many_type_problem(seed=4, n=150, seats=16)
    lottery = find_leximin(problem, params=LeximinParams(time_limit=1e-6))
    system = QuotaSystem.of(problem)
    assert all(system.meets(c.counts) for c in lottery.compositions)
    assert sum(lottery.probabilities.values()) == problem.seats


def test_methods_are_checked() -> None:
    with pytest.raises(ValueError, match="method"):
        LeximinParams(method=3)
    with pytest.raises(ValueError, match="objective"):
        SelectParams(objective="utilitarian")  # type: ignore[arg-type]
    assert SelectParams().with_method(4).objective == "leximin"
    assert SelectParams(objective="leximin").with_method(2).maximin == MaximinParams(method=2)
    with pytest.raises(ValueError, match="method"):
        SelectParams().with_method(99)


# SHA-256 of [[counts, tickets], ...] of the leximin (method 4) lotteries of two pools, as
# computed when method 4 was introduced (2026-12-03): a change to leximin.py that alters
# them needs a new method number, since published records must rerun bit for bit.
#
# The pool (3, 220, 24) sits on a near-tie: its type-space leximin is realised with
# z = 1 - 1.2e-8, against a threshold of 1 - 1e-8 (`REALISED`), and HiGHS's last digits
# differ between processors (the first fingerprint on the machine where method 4 was
# introduced, the second on an AMD EPYC, 2026-12-03). Both are listed: the test still fails
# on any other lottery. A rerun on another processor can thus differ in such a case; the
# record's audit (`verify`, solver-independent) still checks it. Known issue, issue 13.
FOURTH_METHOD_FINGERPRINTS: dict[tuple[int, int, int], set[str]] = {
    (4, 150, 16): {"b171028bb6a2bfa6999957b3087aa2e60eb748e09b3d25c64062dade045844e3"},
    (3, 220, 24): {
        "6da2854c3c89eff560c4c908701fe76da044be471545a3c00a797eb5b88bffb1",
        "5b9d88ce86158d4ef2fd991daff265b94a1c6bc7e2606c813334015e91d87ee0",
    },
}


@pytest.mark.parametrize("pool", sorted(FOURTH_METHOD_FINGERPRINTS))
def test_the_fourth_method_computes_its_lotteries_bit_for_bit(pool: tuple[int, int, int]) -> None:
    lottery = find_leximin(many_type_problem(*pool))
    assert fingerprint(lottery) in FOURTH_METHOD_FINGERPRINTS[pool]
    assert fingerprint(find_leximin(many_type_problem(*pool))) == fingerprint(lottery)
