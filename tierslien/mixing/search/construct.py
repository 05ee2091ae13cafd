"""Feasible starting assignments: a flow with lower bounds, solved by augmenting paths.

People are assigned to groups they are allowed in, each group between its
minimum and maximum size. Phase 1 fills every group up to its minimum (a
maximum flow with capacities `min_size`); phase 2 places everybody else with
capacities `max_size`. An augmenting path only moves people along a chain of
groups and grows the size of its last group, so phase 2 never breaks what
phase 1 reached, and failing to augment proves that no feasible assignment
exists (König / max-flow argument).
"""

from __future__ import annotations

from collections import deque

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
BoolMatrix = npt.NDArray[np.bool_]


def allowed_matrix(
    n: int, n_groups: int, allowed: BoolMatrix | None, fixed: IntArray | None
) -> BoolMatrix:
    """The effective `allowed` matrix: a fixed person may only be in their group."""
    if allowed is None:
        result = np.ones((n, n_groups), dtype=np.bool_)
    else:
        result = np.array(allowed, dtype=np.bool_, copy=True)
        if result.shape != (n, n_groups):
            raise ValueError(f"allowed has shape {result.shape}, expected {(n, n_groups)}")
    if fixed is not None:
        fixed_arr = np.asarray(fixed, dtype=np.int64)
        if fixed_arr.shape != (n,):
            raise ValueError(f"fixed has shape {fixed_arr.shape}, expected {(n,)}")
        for i in np.flatnonzero(fixed_arr >= 0):
            g = int(fixed_arr[i])
            if g >= n_groups:
                raise ValueError(f"person {i} is fixed to group {g}, but there are {n_groups}")
            if not result[i, g]:
                raise ValueError(f"person {i} is fixed to group {g}, where they are not allowed")
            result[i, :] = False
            result[i, g] = True
    return result


def check_feasible(
    assignment: IntArray, min_size: IntArray, max_size: IntArray, allowed: BoolMatrix
) -> None:
    """Raise `ValueError` unless `assignment` keeps every bound and `allowed`."""
    n, n_groups = allowed.shape
    if assignment.shape != (n,):
        raise ValueError(f"assignment has shape {assignment.shape}, expected {(n,)}")
    if n and (assignment.min() < 0 or assignment.max() >= n_groups):
        raise ValueError("assignment holds a group index out of range")
    sizes = np.bincount(assignment, minlength=n_groups)
    for g in range(n_groups):
        if not min_size[g] <= sizes[g] <= max_size[g]:
            raise ValueError(
                f"group {g} has {sizes[g]} members, outside [{min_size[g]}, {max_size[g]}]"
            )
    bad = np.flatnonzero(~allowed[np.arange(n), assignment])
    if bad.size:
        raise ValueError(f"person {int(bad[0])} is in a group they are not allowed in")


def _augment(
    person: int,
    assignment: IntArray,
    sizes: IntArray,
    capacity: IntArray,
    allowed: BoolMatrix,
    members: list[list[int]],
) -> bool:
    """Place `person` through a shortest chain of moves ending in a group below capacity."""
    n_groups = allowed.shape[1]
    # parent[g] = (previous group, person moved from it into g); -1 for a start group.
    parent_group = np.full(n_groups, -2, dtype=np.int64)
    parent_person = np.full(n_groups, -1, dtype=np.int64)
    queue: deque[int] = deque()
    for start in np.flatnonzero(allowed[person]):
        parent_group[start] = -1
        parent_person[start] = person
        queue.append(int(start))
    end = -1
    while queue:
        g = queue.popleft()
        if sizes[g] < capacity[g]:
            end = g
            break
        for p in members[g]:
            for h in np.flatnonzero(allowed[p] & (parent_group == -2)).tolist():
                parent_group[h] = g
                parent_person[h] = p
                queue.append(int(h))
    if end < 0:
        return False
    g = end
    sizes[g] += 1
    while True:
        p = int(parent_person[g])
        prev = int(parent_group[g])
        if prev >= 0:
            members[prev].remove(p)
        members[g].append(p)
        assignment[p] = g
        if prev < 0:
            return True
        g = prev


def construct(
    min_size: IntArray,
    max_size: IntArray,
    allowed: BoolMatrix,
    rng: np.random.Generator,
) -> IntArray:
    """A random feasible assignment, or `ValueError` explaining why none exists."""
    n, n_groups = allowed.shape
    lo = np.asarray(min_size, dtype=np.int64)
    hi = np.asarray(max_size, dtype=np.int64)
    if lo.shape != (n_groups,) or hi.shape != (n_groups,):
        raise ValueError("min_size and max_size need one entry per group")
    if (lo < 0).any() or (lo > hi).any():
        raise ValueError("every group needs 0 <= min_size <= max_size")
    if n < lo.sum():
        raise ValueError(f"{n} people cannot fill {n_groups} groups of minimum sizes {lo.sum()}")
    if n > hi.sum():
        raise ValueError(f"{n} people do not fit in {n_groups} groups of total size {hi.sum()}")
    stranded = np.flatnonzero(~allowed.any(axis=1))
    if stranded.size:
        raise ValueError(f"person {int(stranded[0])} is allowed in no group")

    assignment = np.full(n, -1, dtype=np.int64)
    sizes = np.zeros(n_groups, dtype=np.int64)
    members: list[list[int]] = [[] for _ in range(n_groups)]
    # People with fewer options go first: greedy then rarely needs augmenting.
    order = rng.permutation(n)
    order = order[np.argsort(allowed[order].sum(axis=1), kind="stable")]
    for phase, capacity in enumerate((lo, hi)):
        for p in order:
            if assignment[p] >= 0:
                continue
            open_groups = np.flatnonzero(allowed[p] & (sizes < capacity))
            if open_groups.size:
                # The emptiest group relative to its target keeps sizes balanced.
                fill = sizes[open_groups] / np.maximum(capacity[open_groups], 1)
                g = int(open_groups[np.argmin(fill)])
                assignment[p] = g
                sizes[g] += 1
                members[g].append(int(p))
            elif not _augment(int(p), assignment, sizes, capacity, allowed, members) and phase:
                raise ValueError(
                    f"person {int(p)} cannot be placed: the groups they are allowed in are "
                    "full and nobody can make room"
                )
        if phase == 0 and (sizes < lo).any():
            g = int(np.flatnonzero(sizes < lo)[0])
            raise ValueError(
                f"group {g} cannot reach its minimum size {lo[g]}: too few people are allowed in it"
            )
    return assignment


def target_sizes(min_size: IntArray, max_size: IntArray, n: int, mean_weight: float) -> IntArray:
    """Group sizes summing to n that maximise `mean_weight` times the number of pairs.

    With positive weights a bigger group holds more pairs, so the best size
    profiles sit at the bounds (the pair count is convex in each size), and
    moving between two such profiles takes many moves that each lose. The
    search therefore starts from the profile that is best "on average"; an
    exact knapsack-like dynamic programme over groups and total size.
    """
    lo = np.asarray(min_size, dtype=np.int64)
    hi = np.asarray(max_size, dtype=np.int64)
    n_groups = lo.shape[0]
    sign = 1.0 if mean_weight >= 0 else -1.0
    # best[t]: best pair count (times sign) of the groups so far with t people.
    best = np.full(n + 1, -np.inf)
    best[0] = 0.0
    choice = np.zeros((n_groups, n + 1), dtype=np.int64)
    for g in range(n_groups):
        new = np.full(n + 1, -np.inf)
        for s in range(int(lo[g]), int(min(hi[g], n)) + 1):
            value = np.full(n + 1, -np.inf)
            value[s:] = best[: n + 1 - s] + sign * s * (s - 1) / 2
            better = value > new
            new[better] = value[better]
            choice[g, better] = s
        best = new
    sizes = np.zeros(n_groups, dtype=np.int64)
    if not np.isfinite(best[n]):
        raise ValueError(f"{n} people do not fit the group size bounds")
    t = n
    for g in range(n_groups - 1, -1, -1):
        sizes[g] = choice[g, t]
        t -= int(sizes[g])
    return sizes
