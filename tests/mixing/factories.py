from __future__ import annotations

from typing import Any

from tierslien.mixing import SolveParams

# Small, bounded searches: the suite stays fast and every run repeatable.
FAST = SolveParams(max_iterations=300)


def people(count: int, **extra: Any) -> list[dict[str, Any]]:
    occupations = ["ouvrier", "cadre", "etudiant", "retraite"]
    return [
        {
            "id": f"p{i}",
            "attributes": {"occupation": occupations[i % 4], "age": 20 + (7 * i) % 60},
            **extra,
        }
        for i in range(count)
    ]


def problem_dict(count: int = 12, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "version": 1,
        "group_size": {"min": 3, "max": 4},
        "criteria": [
            {"name": "occupation", "kind": "categorical", "weight": 2.0},
            {"name": "age", "kind": "numeric"},
        ],
        "people": people(count),
    }
    data.update(overrides)
    return data
