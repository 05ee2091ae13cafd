"""Salted commitments: each entry checkable with its salt, nothing learnt without it."""

from __future__ import annotations

import csv
import hashlib
import itertools
from pathlib import Path

import pytest

from tierslien.lottery import write_pool, write_quotas
from tierslien.lottery.cli import main
from tierslien.lottery.commitments import check_entries, entry_digest, entry_text

from .factories import small_problem


def test_the_entry_text_is_what_an_applicant_hashes_by_hand() -> None:
    text = entry_text("00ff", "a01", {"gender": "woman", "age": "75+"})
    assert text == "00ff|a01|gender=woman|age=75+"
    assert entry_digest("00ff", "a01", {"gender": "woman", "age": "75+"}) == (
        hashlib.sha256(text.encode()).hexdigest()
    )


def test_without_the_salt_no_combination_of_categories_gives_the_commitment() -> None:
    published = entry_digest("9c1e" * 8, "a01", {"gender": "woman", "age": "75+"})
    guesses = {
        entry_digest(salt, "a01", {"gender": g, "age": a})
        for salt, g, a in itertools.product(
            ["", "0", "a01"], ["woman", "man", "undisclosed"], ["18-29", "75+", "undisclosed"]
        )
    }
    assert published not in guesses


def test_check_entries_names_a_changed_entry_an_erased_one_and_an_unknown_one() -> None:
    pool = small_problem().pool
    salts = {ident: f"salt-{ident}" for ident in pool.ids}
    public = {
        ident: entry_digest(salts[ident], ident, dict(zip(pool.criteria, values, strict=True)))
        for ident, values in zip(pool.ids, pool.values, strict=True)
    }
    assert check_entries(pool, salts, public).ok
    first, second = pool.ids[0], pool.ids[1]
    tampered = {**public, first: "0" * 64, "ghost": "1" * 64}
    del salts[second]
    outcome = check_entries(pool, salts, tampered)
    assert not outcome.ok
    assert outcome.checked == len(pool) - 2
    assert any(p.startswith(f"{first}: the entry differs") for p in outcome.problems)
    assert any(p.startswith(f"{second}: no salt") for p in outcome.problems)
    assert "ghost: published but not in the pool" in outcome.problems


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_cli_verifies_the_draw_and_every_entry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    problem = small_problem()
    pool, quotas = tmp_path / "pool.csv", tmp_path / "quotas.csv"
    write_pool(problem.pool, pool)
    write_quotas(problem.quotas, quotas)
    record = tmp_path / "panel.json"
    assert main([str(pool), str(quotas), "--seats", "4", "--seed", "3", "-o", str(record)]) == 0
    rows = list(zip(problem.pool.ids, problem.pool.values, strict=True))
    criteria = problem.criteria
    at = [problem.pool.criteria.index(c) for c in criteria]
    salts = _write(tmp_path / "salts.csv", ["id", "salt"], [[i, f"s{i}"] for i, _ in rows])
    digests = [
        [i, entry_digest(f"s{i}", i, {c: v[j] for c, j in zip(criteria, at, strict=True)})]
        for i, v in rows
    ]
    entries = _write(tmp_path / "public.csv", ["id", "entry_sha256"], digests)
    args = [str(pool), str(quotas), "--seats", "4", "--verify", str(record)]
    capsys.readouterr()
    assert main([*args, "--entries", str(entries), "--salts", str(salts)]) == 0
    out = capsys.readouterr().out
    assert f"OK: {len(rows)} entries match the published commitments" in out
    assert "OK: the draw is reproduced bit for bit" in out

    digests[0][1] = "0" * 64
    _write(entries, ["id", "entry_sha256"], digests)
    assert main([*args, "--entries", str(entries), "--salts", str(salts)]) == 1
    assert "the entry differs from the one published" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main([*args, "--entries", str(entries)])
