"""Pools with many applicant types: the warm-started master, the batched local search,
and that the faster column generation stays exact, valid, deterministic and verifiable."""

from __future__ import annotations

import hashlib
import itertools
import json

import numpy as np
import pytest

from tierslien.lottery import (
    LotteryProblem,
    MaximinParams,
    SelectParams,
    find_lottery,
    maximin,
    population_shares,
    proportional_quotas,
    rng_for_seed,
    select,
)
from tierslien.lottery.compositions import QuotaSystem
from tierslien.lottery.verify import audit, load_lottery, record, verify

from .factories import pool_of

VALUES = {
    "age": ["18-29", "30-44", "45-64", "65+", "undisclosed"],
    "gender": ["woman", "man", "undisclosed"],
    "area": ["north", "south", "centre", "east", "undisclosed"],
    "degree": ["none", "school", "university", "undisclosed"],
}


def many_type_problem(seed: int = 3, n: int = 220, seats: int = 24) -> LotteryProblem:
    """A skewed pool on four criteria (about a hundred types), quotas from flat shares."""
    rng = np.random.default_rng(seed)
    criteria = tuple(VALUES)
    rows = []
    for _ in range(n):
        row = []
        for criterion in criteria:
            values = VALUES[criterion]
            skew = np.linspace(2.0, 1.0, len(values) - 1)
            p = np.append(0.9 * skew / skew.sum(), 0.1)
            row.append(str(values[int(rng.choice(len(values), p=p))]))
        rows.append(tuple(row))
    pool = pool_of(rows, criteria)
    flat = {c: dict.fromkeys(v, 1.0) for c, v in VALUES.items()}
    return LotteryProblem(pool, proportional_quotas(flat, seats, tolerance=0.05), seats)


def test_the_pool_has_many_types() -> None:
    problem = many_type_problem()
    assert len(problem.type_list) > 80
    assert population_shares(problem.pool)["gender"]["undisclosed"] > 0


def test_many_types_reach_the_certified_optimum_with_valid_panels() -> None:
    problem = many_type_problem()
    lottery = find_lottery(problem)
    system = QuotaSystem.of(problem)
    assert all(system.meets(c.counts) for c in lottery.compositions)
    assert sum(lottery.probabilities.values()) == problem.seats
    # The minimum is the maximin: within the ticket rounding of a proven upper bound.
    assert lottery.upper_bound - float(lottery.min_probability) <= 1e-6
    assert float(lottery.min_probability) <= lottery.upper_bound + 1e-9


def test_many_types_are_deterministic_and_verified_bit_for_bit() -> None:
    problem = many_type_problem()
    first = select(problem, rng=rng_for_seed(5))
    second = select(problem, rng=rng_for_seed(5))
    assert first.lottery.compositions == second.lottery.compositions
    assert first.panel == second.panel
    published = record(first, 5)
    outcome = verify(problem, published)
    assert outcome.ok, outcome


def test_warm_master_matches_a_master_solved_from_scratch() -> None:
    problem = many_type_problem(seed=8)
    system = QuotaSystem.of(problem)
    rng = np.random.default_rng(1)
    columns = []
    start = find_lottery(problem).compositions[0].counts
    for _ in range(40):
        weights = rng.random(system.n_types)
        columns.append(system.improve(weights, start))
    columns = list(dict.fromkeys(columns))
    master = maximin._Master(system.sizes)
    assert master.highs is not None  # SciPy ships the HiGHS bindings
    master.add(columns[:10])
    master.solve()
    master.add(columns[10:])  # warm start from the previous basis
    z, lam, duals = master.solve()
    cold_z, _, _ = maximin._master(columns, system.sizes)
    assert z == pytest.approx(cold_z, abs=1e-9)
    assert lam.sum() == pytest.approx(1.0)
    counts = np.array(columns, dtype=np.float64)
    # Dual feasible: normalised, non-negative, no known composition prices above z.
    assert np.all(duals >= 0) and float(duals @ system.sizes) == pytest.approx(1.0)
    assert float((counts @ duals).max()) <= z + 1e-9
    assert float(lam @ counts @ duals) == pytest.approx(z, abs=1e-9)


def test_without_the_bindings_the_result_is_as_good(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = many_type_problem(seed=4, n=150, seats=16)
    warm = find_lottery(problem)
    monkeypatch.setattr(maximin, "_highspy", None)
    cold = find_lottery(problem)
    assert float(cold.min_probability) == pytest.approx(float(warm.min_probability), abs=1e-7)


def test_local_search_ends_valid_and_locally_optimal() -> None:
    problem = many_type_problem(seed=6, n=120, seats=16)
    system = QuotaSystem.of(problem)
    start = find_lottery(problem).compositions[0].counts
    rng = np.random.default_rng(2)
    for _ in range(5):
        weights = np.where(rng.random(system.n_types) < 0.3, rng.random(system.n_types), 0.0)
        result = system.improve(weights, start)
        assert system.meets(result)
        value = float(weights @ np.array(result))
        assert value >= float(weights @ np.array(start)) - 1e-12
        for a, b in itertools.permutations(range(system.n_types), 2):
            if result[a] == 0:
                continue
            moved = list(result)
            moved[a] -= 1
            moved[b] += 1
            if system.meets(tuple(moved)):
                assert weights[b] - weights[a] <= 1e-12


def test_the_type_space_relaxation_bounds_the_optimum() -> None:
    for seed in (3, 8):
        problem = many_type_problem(seed=seed)
        system = QuotaSystem.of(problem)
        value, duals = maximin.type_space_relaxation(system, np.arange(system.n_types))
        lottery = find_lottery(problem)
        assert float(lottery.min_probability) <= value + 1e-9
        assert np.all(duals >= 0) and float(duals @ system.sizes) == pytest.approx(1.0)
        # The duals certify the value: no composition does better against them.
        best = system.best(duals)
        assert best is not None and best[1] >= value - 1e-9


# SHA-256 of [[counts, tickets], ...] of many_type_problem()'s lottery, as computed by the
# library at commit 255c3f8 (the first column generation, before records named a method).
FIRST_METHOD_FINGERPRINT = "55850b001f65e4d01b94f8ecfefb83ccfaf56fe1e9a75b46d2131d4df0ed2eda"


def fingerprint(lottery: maximin.Lottery) -> str:
    data = [[list(c.counts), c.tickets] for c in lottery.compositions]
    return hashlib.sha256(json.dumps(data).encode()).hexdigest()


def test_the_first_method_still_computes_the_first_lottery_bit_for_bit() -> None:
    lottery = find_lottery(many_type_problem(), params=MaximinParams(method=1))
    assert fingerprint(lottery) == FIRST_METHOD_FINGERPRINT
    assert lottery.method == 1


def test_records_name_their_method_and_older_records_rerun_with_the_first() -> None:
    problem = many_type_problem()
    current = record(select(problem, rng=rng_for_seed(5)), 5)
    assert current["method"] == maximin.METHOD == 3
    assert verify(problem, current).ok
    older = record(
        select(problem, rng=rng_for_seed(5), params=SelectParams(MaximinParams(method=1))), 5
    )
    del older["method"]  # records made before 2026-11-26 have no "method"
    assert fingerprint(load_lottery(problem, older)) == FIRST_METHOD_FINGERPRINT
    outcome = verify(problem, older)
    assert outcome.ok, outcome
    # Rerun with the current method instead, the same inputs give another optimal lottery:
    # only the audit would then vouch for the record.
    assert older["compositions"] != current["compositions"]
    assert audit(problem, older) == []


def test_an_unknown_method_is_reported() -> None:
    problem = many_type_problem(seed=4, n=150, seats=16)
    published = record(select(problem, rng=rng_for_seed(5)), 5)
    published["method"] = 99
    outcome = verify(problem, published)
    assert not outcome.ok
    assert any("unknown method" in p for p in outcome.problems)
    with pytest.raises(ValueError, match="method"):
        MaximinParams(method=4)


def own_share_problem(seed: int = 3, n: int = 220, seats: int = 24) -> LotteryProblem:
    """The web app's default: quotas = the applicants' own shares +/- 5 points (min p = k/n)."""
    base = many_type_problem(seed=seed, n=n, seats=seats)
    shares = population_shares(base.pool)
    return LotteryProblem(base.pool, proportional_quotas(shares, seats, tolerance=0.05), seats)


# many_type_problem's pool with own-share quotas: the lottery of method 2 as computed by the
# library at commit 297a79b (before method 3), and the even split of method 3.
SECOND_METHOD_OWN_FINGERPRINT = "a94e9ca48ff15b366793482672a25f2a3e5528efa5982cd39ff78db2f88355c0"
THIRD_METHOD_OWN_FINGERPRINT = "3a63ac4c9751bf48f566232d6f0c2612a4861beeb54f9f3c5d7e4e28b6bdbdc4"


@pytest.mark.parametrize(("seed", "n", "seats"), [(3, 220, 24), (4, 150, 16), (5, 301, 30)])
def test_own_share_quotas_are_split_evenly_at_k_over_n(seed: int, n: int, seats: int) -> None:
    problem = own_share_problem(seed, n, seats)
    system = QuotaSystem.of(problem)
    split = maximin.even_split(system)
    assert split is not None
    # Every panel meets the quotas; every applicant sits in exactly b of the a panels.
    g = np.gcd(n, seats)
    assert len(split) == n // g
    assert all(system.meets(panel) for panel in split)
    assert np.array_equal(np.sum(split, axis=0), (seats // g) * system.sizes.astype(int))
    lottery = find_lottery(problem)
    assert lottery.method == 3 and lottery.iterations == 0
    assert lottery.upper_bound == pytest.approx(seats / n)
    # Exact up to the tickets' rounding, and the true maximin (that of method 2).
    for p in lottery.type_probabilities:
        assert abs(float(p) - seats / n) <= len(split) / maximin.RESOLUTION
    assert sum(lottery.probabilities.values()) == seats
    second = find_lottery(problem, params=MaximinParams(method=2))
    assert float(lottery.min_probability) == pytest.approx(float(second.min_probability), abs=1e-7)


def test_the_second_method_still_computes_its_lottery_bit_for_bit() -> None:
    problem = own_share_problem()
    second = find_lottery(problem, params=MaximinParams(method=2))
    assert fingerprint(second) == SECOND_METHOD_OWN_FINGERPRINT
    assert second.method == 2 and second.iterations > 0
    third = find_lottery(problem)
    assert fingerprint(third) == THIRD_METHOD_OWN_FINGERPRINT
    assert fingerprint(find_lottery(problem)) == THIRD_METHOD_OWN_FINGERPRINT  # deterministic


def test_records_of_the_second_and_third_methods_verify() -> None:
    problem = own_share_problem()
    current = record(select(problem, rng=rng_for_seed(7)), 7)
    assert current["method"] == 3
    assert verify(problem, current).ok
    older = record(
        select(problem, rng=rng_for_seed(7), params=SelectParams(MaximinParams(method=2))), 7
    )
    assert older["method"] == 2
    assert fingerprint(load_lottery(problem, older)) == SECOND_METHOD_OWN_FINGERPRINT
    outcome = verify(problem, older)
    assert outcome.ok, outcome
    assert older["compositions"] != current["compositions"]
    assert audit(problem, older) == [] and audit(problem, current) == []


def test_pools_below_k_over_n_are_unchanged_by_the_third_method() -> None:
    problem = many_type_problem()
    second = find_lottery(problem, params=MaximinParams(method=2))
    third = find_lottery(problem)
    assert second.compositions == third.compositions
    assert float(third.min_probability) < problem.seats / len(problem.pool) - 1e-6


def test_without_an_even_split_the_third_method_falls_back_to_column_generation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    problem = own_share_problem(seed=4, n=150, seats=16)
    monkeypatch.setattr(maximin, "SPLIT_TRIES", 0)
    assert maximin.even_split(QuotaSystem.of(problem)) is None
    third = find_lottery(problem)
    second = find_lottery(problem, params=MaximinParams(method=2))
    assert third.method == 3 and third.iterations > 0
    assert third.compositions == second.compositions
