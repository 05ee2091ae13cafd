"""The numeric core: optimality on tiny instances, feasibility, determinism."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tierslien.mixing.core import CoreInstance, improve, pair_objective
from tierslien.mixing.search import kernels, tabu, target_sizes

# Iteration budgets make the runs deterministic; the time limit only guards
# against a hang (and leaves room for the first JIT compilation).
BUDGET = 600.0


def brute_force(instance: CoreInstance) -> float | None:
    """Best objective over all feasible assignments, or None if none exists."""
    n = instance.weights.shape[0]
    n_groups = len(instance.min_size)
    allowed = np.ones((n, n_groups), dtype=bool) if instance.allowed is None else instance.allowed
    best: float | None = None
    for combo in itertools.product(range(n_groups), repeat=n):
        a = np.array(combo, dtype=np.int64)
        sizes = np.bincount(a, minlength=n_groups)
        if (sizes < instance.min_size).any() or (sizes > instance.max_size).any():
            continue
        if not allowed[np.arange(n), a].all():
            continue
        if (
            instance.fixed is not None
            and (a[instance.fixed >= 0] != instance.fixed[instance.fixed >= 0]).any()
        ):
            continue
        value = pair_objective(instance.weights, a)
        if best is None or value > best:
            best = value
    return best


def random_instance(
    rng: np.random.Generator, n: int, n_groups: int, *, constrained: bool
) -> CoreInstance:
    weights = rng.integers(-3, 10, size=(n, n)).astype(np.float64)
    weights = np.triu(weights, 1)
    weights = weights + weights.T
    lo = rng.integers(0, 3, size=n_groups)
    hi = lo + rng.integers(0, 4, size=n_groups)
    allowed = rng.random((n, n_groups)) < 0.7 if constrained else None
    fixed = (
        np.where(rng.random(n) < 0.15, rng.integers(0, n_groups, size=n), -1)
        if constrained
        else None
    )
    return CoreInstance(weights, lo, hi, allowed, fixed)


def assert_feasible(instance: CoreInstance, assignment: np.ndarray) -> None:
    n_groups = len(instance.min_size)
    sizes = np.bincount(assignment, minlength=n_groups)
    assert (sizes >= instance.min_size).all()
    assert (sizes <= instance.max_size).all()
    if instance.allowed is not None:
        assert instance.allowed[np.arange(len(assignment)), assignment].all()
    if instance.fixed is not None:
        locked = instance.fixed >= 0
        assert (assignment[locked] == instance.fixed[locked]).all()


@pytest.mark.parametrize("seed", range(12))
def test_finds_the_brute_force_optimum_on_tiny_instances(seed: int) -> None:
    rng = np.random.default_rng(seed)
    instance = random_instance(
        rng, n=int(rng.integers(4, 9)), n_groups=3, constrained=seed % 2 == 1
    )
    expected = brute_force(instance)
    if expected is None:
        with pytest.raises(ValueError):
            improve(instance, time_limit=BUDGET, seed=seed, max_iterations=2_000)
        return
    result = improve(instance, time_limit=BUDGET, seed=seed, max_iterations=2_000)
    assert_feasible(instance, result.assignment)
    assert result.objective == pytest.approx(expected)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 7),
    n_groups=st.integers(1, 4),
)
def test_feasible_under_allowed_fixed_and_sizes_or_provably_impossible(
    seed: int, n: int, n_groups: int
) -> None:
    instance = random_instance(np.random.default_rng(seed), n, n_groups, constrained=True)
    try:
        result = improve(instance, time_limit=BUDGET, seed=seed, max_iterations=200)
    except ValueError:
        # The core only gives up when no feasible assignment exists at all.
        assert brute_force(instance) is None
        return
    assert_feasible(instance, result.assignment)
    assert result.objective == pytest.approx(pair_objective(instance.weights, result.assignment))


def test_same_seed_and_iteration_budget_give_the_same_assignment() -> None:
    rng = np.random.default_rng(7)
    instance = random_instance(rng, n=40, n_groups=8, constrained=False)
    instance = CoreInstance(instance.weights, np.full(8, 4), np.full(8, 6))
    runs = [improve(instance, time_limit=BUDGET, seed=3, max_iterations=3_000) for _ in range(2)]
    assert (runs[0].assignment == runs[1].assignment).all()
    assert runs[0].objective == runs[1].objective
    assert runs[0].iterations == 3_000


def test_two_workers_are_deterministic_and_feasible() -> None:
    rng = np.random.default_rng(8)
    weights = rng.random((30, 30))
    instance = CoreInstance(weights + weights.T, np.full(6, 5), np.full(6, 5))
    runs = [
        improve(instance, time_limit=BUDGET, seed=1, max_iterations=1_000, workers=2)
        for _ in range(2)
    ]
    assert (runs[0].assignment == runs[1].assignment).all()
    assert_feasible(instance, runs[0].assignment)


def test_starts_from_a_given_assignment_and_never_worsens_it() -> None:
    rng = np.random.default_rng(9)
    weights = rng.random((20, 20))
    weights = weights + weights.T
    instance = CoreInstance(weights, np.full(4, 5), np.full(4, 5))
    initial = np.repeat(np.arange(4), 5)
    result = improve(instance, initial=initial, time_limit=BUDGET, seed=0, max_iterations=500)
    assert result.objective >= pair_objective(weights, initial)


def test_rejects_an_infeasible_initial_assignment() -> None:
    instance = CoreInstance(np.zeros((4, 4)), np.array([2, 2]), np.array([2, 2]))
    with pytest.raises(ValueError, match="outside"):
        improve(instance, initial=np.array([0, 0, 0, 1]), time_limit=1.0, seed=0)


@pytest.mark.parametrize(
    ("instance", "message"),
    [
        (CoreInstance(np.zeros((3, 3)), np.array([2, 2]), np.array([3, 3])), "cannot fill"),
        (CoreInstance(np.zeros((7, 7)), np.array([1, 1]), np.array([3, 3])), "do not fit"),
        (
            CoreInstance(
                np.zeros((4, 4)),
                np.array([2, 2]),
                np.array([2, 2]),
                allowed=np.array([[1, 0], [1, 0], [1, 0], [0, 1]], dtype=bool),
            ),
            "cannot be placed|cannot reach",
        ),
    ],
)
def test_explains_why_no_assignment_exists(instance: CoreInstance, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        improve(instance, time_limit=1.0, seed=0)


def test_locked_people_stay_put_and_forbidden_groups_stay_empty_of_them() -> None:
    rng = np.random.default_rng(11)
    weights = rng.random((24, 24))
    weights = weights + weights.T
    allowed = np.ones((24, 4), dtype=bool)
    allowed[:6, 0] = False  # the first six may never join group 0
    fixed = np.full(24, -1)
    fixed[10] = 2
    instance = CoreInstance(weights, np.full(4, 5), np.full(4, 7), allowed, fixed)
    result = improve(instance, time_limit=BUDGET, seed=2, max_iterations=2_000)
    assert_feasible(instance, result.assignment)


def test_profile_start_prefers_big_groups_for_positive_weights() -> None:
    sizes = target_sizes(np.array([8, 12, 12]), np.array([16, 16, 12]), 36, 1.0)
    assert sizes.sum() == 36
    assert sorted(sizes.tolist()) == [8, 12, 16]


def test_a_single_group_or_nobody_needs_no_search() -> None:
    one = CoreInstance(np.ones((3, 3)), np.array([3]), np.array([3]))
    assert improve(one, time_limit=1.0, seed=0).objective == 3.0
    empty = CoreInstance(np.zeros((0, 0)), np.array([0, 0]), np.array([2, 2]))
    assert improve(empty, time_limit=1.0, seed=0).assignment.shape == (0,)


def check_tables(search: tabu._Search, W: np.ndarray, allowed: np.ndarray) -> None:
    """The search's gain tables (C, own, member lists, the swap value per pair of
    groups) against a recount from scratch: the exact best swap of each pair, or, in
    bounds mode, never below it (and `A`, the best move from g to h, exact)."""
    a = search.a
    n, n_groups = allowed.shape
    assert search.sf[kernels.SF_F] == pytest.approx(pair_objective(W, a), abs=1e-6)
    onehot = np.eye(n_groups)[a]
    np.testing.assert_allclose(search.C, W @ onehot, atol=1e-9)
    own = search.C[np.arange(n), a]
    np.testing.assert_allclose(search.own, own, atol=1e-9)
    bounds = bool(search.st[kernels.ST_BOUNDS])
    for g in range(n_groups):
        members = sorted(search.mem[g, : search.size[g]].tolist())
        assert members == np.nonzero(a == g)[0].tolist()
        for h in range(n_groups):
            if h == g:
                continue
            gains = [
                search.C[i, h] - own[i] + search.C[j, g] - own[j] - 2 * W[i, j]
                for i in np.nonzero(a == g)[0]
                for j in np.nonzero(a == h)[0]
                if allowed[i, h] and allowed[j, g]
            ]
            expected = max(gains) if gains else -np.inf
            if bounds:
                assert search.S[g, h] >= expected - 1e-9
                moves = [search.C[i, h] - own[i] for i in np.nonzero(a == g)[0]]
                assert search.A[g, h] == pytest.approx(max(moves, default=-np.inf), abs=1e-9)
            else:
                assert search.S[g, h] == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("kind", ["free", "constrained", "negative weight"])
def test_incremental_tables_match_a_full_recount(kind: str) -> None:
    """After many tabu steps the gain tables equal the ones recomputed from scratch;
    swap values are bounds only when everyone is free and no weight is negative."""
    from tierslien.mixing.search import construct

    rng = np.random.default_rng(3)
    n, n_groups = 30, 5
    W = rng.random((n, n))
    W = W + W.T
    if kind == "negative weight":
        W[0, 1] = W[1, 0] = -1.0
    np.fill_diagonal(W, 0.0)
    lo, hi = np.full(n_groups, 4, dtype=np.int64), np.full(n_groups, 8, dtype=np.int64)
    allowed = np.ones((n, n_groups), dtype=bool)
    if kind == "constrained":
        allowed[rng.random((n, n_groups)) < 0.2] = False
        allowed[np.arange(n), rng.integers(0, n_groups, n)] = True
    start = construct(lo, hi, allowed, rng)
    params = tabu.TabuParams(depth=50).resolve(n, n_groups)
    search = tabu._Search(W, lo, hi, allowed, start, params, seed=1)
    assert bool(search.st[kernels.ST_BOUNDS]) == (kind == "free")
    for _ in range(20):
        search.chunk(37)
        check_tables(search, W, allowed)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n_groups=st.integers(2, 6))
def test_swap_bounds_never_fall_below_the_best_swap(seed: int, n_groups: int) -> None:
    """Bounds mode on random instances with different group sizes, through tabu
    steps and the perturbations between runs: every pair's value stays at or above
    its best swap, so the scan never skips a swap that could win."""
    rng = np.random.default_rng(seed)
    search = different_sizes_search(rng, n_groups, seed)
    for _ in range(8):
        search.chunk(int(rng.integers(1, 30)))
        check_tables(search, search.W, search.allowed)


def _step(search: tabu._Search) -> bool:
    return bool(
        kernels._tabu_step(
            search.W, search.allowed, search.movable, search.lo, search.hi, search.a,
            search.C, search.CT, search.size, search.own, search.S, search.A, search.mem,
            search.pos, search.tmp, search.cand, search.tabu, search.st, search.sf,
            search.params, search.rng,
        )
    )  # fmt: skip


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n_groups=st.integers(2, 6))
def test_a_step_read_through_the_tables_bounds_gains_what_reading_everything_gains(
    seed: int, n_groups: int
) -> None:
    """Bounds mode reads only the pairs of groups whose best move (`A`) or swap bound
    (`S`) can still win. From the same state, tabu list and random stream, its step
    gains exactly what a step reading every move and every exact swap gains."""
    import copy

    rng = np.random.default_rng(seed)
    search = different_sizes_search(rng, n_groups, seed)
    assert search.st[kernels.ST_BOUNDS]
    for _ in range(4):
        search.chunk(int(rng.integers(1, 30)))
        for _ in range(40):  # tabu steps in a row, the tabu list filling up
            # Half of the moves tabu as well: the best pair is often blocked, and the
            # step must then find the best admissible move in the others.
            blocked = rng.random(search.tabu.shape) < 0.5
            search.tabu[blocked] = search.st[kernels.ST_ITER] + 3
            everything = copy.deepcopy(search)
            everything.st[kernels.ST_BOUNDS] = 0
            everything._rebuild_pairs()  # exact swap values
            before = float(search.sf[kernels.SF_F])
            assert _step(search) == _step(everything)
            assert search.sf[kernels.SF_F] - before == pytest.approx(
                everything.sf[kernels.SF_F] - before, abs=1e-9
            )
            search.st[kernels.ST_ITER] += 1
        check_tables(search, search.W, search.allowed)


def different_sizes(rng: np.random.Generator, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Bounds that differ from group to group, as MDGPLIB's "ds" instances have."""
    lo = rng.integers(1, 6, size=n_groups)
    return lo, lo + rng.integers(0, 5, size=n_groups)


def different_sizes_search(rng: np.random.Generator, n_groups: int, seed: int) -> tabu._Search:
    """A tabu search in bounds mode on a random instance with different group sizes and
    integer weights (ties, as MDGPLIB's have), everyone free."""
    from tierslien.mixing.search import construct

    lo, hi = different_sizes(rng, n_groups)
    n = int(rng.integers(lo.sum(), hi.sum() + 1))
    W = rng.integers(0, 100, size=(n, n)).astype(np.float64)
    W = W + W.T
    np.fill_diagonal(W, 0.0)
    allowed = np.ones((n, n_groups), dtype=bool)
    start = construct(lo, hi, allowed, rng)
    params = tabu.TabuParams(depth=20).resolve(n, n_groups)
    return tabu._Search(W, lo, hi, allowed, start, params, seed=seed)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n_groups=st.integers(2, 6))
def test_crossover_of_two_feasible_parents_keeps_every_group_within_its_bounds(
    seed: int, n_groups: int
) -> None:
    from tierslien.mixing.search import construct
    from tierslien.mixing.search.tabu import crossover

    rng = np.random.default_rng(seed)
    lo, hi = different_sizes(rng, n_groups)
    n = int(rng.integers(lo.sum(), hi.sum() + 1))
    weights = rng.random((n, n))
    weights = weights + weights.T
    everyone = np.ones((n, n_groups), dtype=bool)
    # Parents with different size profiles: their big groups may not fit together.
    parents = [
        construct(profile, profile, everyone, rng)
        for profile in (target_sizes(lo, hi, n, 1.0), target_sizes(lo, hi, n, -1.0))
    ]
    child = crossover(parents[0], parents[1], lo, hi, weights, rng)
    assert child.shape == (n,)
    assert_feasible(CoreInstance(weights, lo, hi), child)


def test_crossing_a_grouping_with_a_relabelling_of_itself_gives_back_the_same_groups() -> None:
    from tierslien.mixing.search import construct
    from tierslien.mixing.search.tabu import crossover

    rng = np.random.default_rng(7)
    # Bounds differ from group to group but several groups have the same size:
    # the same groups under other indices must still be recognised as whole.
    lo = np.array([3, 4, 2, 5, 3, 4])
    hi = np.array([5, 5, 6, 5, 7, 5])
    sizes = np.array([5, 5, 5, 5, 4, 4])
    n = int(sizes.sum())
    everyone = np.ones((n, len(lo)), dtype=bool)
    first = construct(sizes, sizes, everyone, rng)
    relabel = np.array([3, 0, 1, 2, 5, 4])  # a permutation within each size
    second = relabel[first]
    weights = rng.random((n, n))
    weights = weights + weights.T
    child = crossover(first, second, lo, hi, weights, rng)
    groups = {frozenset(np.flatnonzero(child == g)) for g in range(len(lo))}
    assert groups == {frozenset(np.flatnonzero(first == g)) for g in range(len(lo))}
    assert np.bincount(child, minlength=len(lo)).tolist() == sizes.tolist()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n_groups=st.integers(2, 6))
def test_with_different_group_sizes_the_result_keeps_the_bounds_and_never_worsens_the_start(
    seed: int, n_groups: int
) -> None:
    from tierslien.mixing.search import construct

    rng = np.random.default_rng(seed)
    lo, hi = different_sizes(rng, n_groups)
    n = int(rng.integers(lo.sum(), hi.sum() + 1))
    weights = rng.random((n, n)) - 0.2
    instance = CoreInstance(weights + weights.T, lo, hi)
    initial = construct(lo, hi, np.ones((n, n_groups), dtype=bool), rng)
    result = improve(instance, initial=initial, time_limit=BUDGET, seed=seed, max_iterations=3_000)
    assert_feasible(instance, result.assignment)
    assert result.objective >= pair_objective(instance.weights, initial) - 1e-9


def test_the_elite_pool_runs_only_when_everyone_may_join_every_group_up_to_600_people() -> None:
    from tierslien.mixing.search import TabuParams, kernels

    assert TabuParams().pool_size(120, 10, free=True) == 8
    assert TabuParams().pool_size(120, 10, free=False) == 0
    assert TabuParams(pool=0).pool_size(120, 10, free=True) == 0
    # A smaller pool of shorter runs between 300 and 600 people, none above (not measured).
    assert TabuParams().pool_size(480, 20, free=True) == 4
    depth = kernels.P_DEPTH
    assert TabuParams().resolve(480, 20, pooled=True)[depth] == 5 * 480
    assert TabuParams().resolve(480, 20)[depth] == 30_000
    assert TabuParams().pool_size(1000, 200, free=True) == 0
    assert TabuParams(pool=8).pool_size(480, 20, free=True) == 8
