"""First solve of a fresh process, with or without `warm_up()` first (Numba cache already filled).

.venv/bin/python bench/first_solve.py without
.venv/bin/python bench/first_solve.py warm
"""

from __future__ import annotations

import sys
import time

import numpy as np

from tierslien.mixing.rounds import solve_rounds

warm = sys.argv[1] == "warm"
if warm:
    from tierslien.mixing.warmup import warm_up

    w = warm_up()
else:
    w = 0.0
rng = np.random.default_rng(1)
d = rng.random((60, 60))
d = (d + d.T) / 2
np.fill_diagonal(d, 0)
t1 = time.perf_counter()
r = solve_rounds(
    d, 4, 5, 12, 2, met_before_penalty=1.0, time_limit=5.0, seed=0, max_iterations=3000
)
t2 = time.perf_counter()
print(
    f"{sys.argv[1]}: warm_up {w:.2f} s, first 60-person 2-round solve (3000 iterations) "
    f"{t2 - t1:.2f} s, repeats {r.repeats}"
)
