from __future__ import annotations

from pathlib import Path

import pytest

from tierslien.lottery import LotteryInputError, read_pool, read_quotas, write_pool, write_quotas

from .factories import random_pool, small_problem


def test_pool_and_quotas_round_trip(tmp_path: Path) -> None:
    problem = small_problem()
    write_pool(problem.pool, tmp_path / "pool.csv")
    write_quotas(problem.quotas, tmp_path / "quotas.csv")
    assert read_pool(tmp_path / "pool.csv") == problem.pool
    assert read_quotas(tmp_path / "quotas.csv") == problem.quotas


def test_flanigan_and_sortition_quota_headers_are_accepted(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("category,feature,min,max\ngender,female,9,20\n")
    (tmp_path / "b.csv").write_text("feature,value,min,max\ngender,female,9,20\n")
    assert read_quotas(tmp_path / "a.csv") == read_quotas(tmp_path / "b.csv")


def test_bad_number_names_file_and_row(tmp_path: Path) -> None:
    path = tmp_path / "quotas.csv"
    path.write_text("criterion,value,min,max\ngender,woman,2,4\ngender,man,two,4\n")
    with pytest.raises(LotteryInputError, match=r"quotas.csv row 3: min 'two' is not a whole"):
        read_quotas(path)


def test_quota_error_names_the_row(tmp_path: Path) -> None:
    path = tmp_path / "quotas.csv"
    path.write_text("criterion,value,min,max\ngender,woman,5,4\n")
    with pytest.raises(LotteryInputError, match=r"row 2: quota gender=woman: maximum 4 is below"):
        read_quotas(path)


def test_duplicate_id_names_both_rows(tmp_path: Path) -> None:
    path = tmp_path / "pool.csv"
    path.write_text("id,gender\nx,woman\ny,man\nx,man\n")
    with pytest.raises(LotteryInputError, match="row 4: id 'x' already on row 2"):
        read_pool(path)


def test_missing_value_and_missing_id_column(tmp_path: Path) -> None:
    path = tmp_path / "pool.csv"
    path.write_text("id,gender\nx,\n")
    with pytest.raises(LotteryInputError, match="row 2: no value for 'gender'"):
        read_pool(path)
    with pytest.raises(LotteryInputError, match="no 'ref' column"):
        read_pool(path, id_column="ref")


def test_random_pool_round_trips(tmp_path: Path) -> None:
    pool = random_pool(1, 30, ("gender", "age", "area"))
    write_pool(pool, tmp_path / "p.csv")
    assert read_pool(tmp_path / "p.csv") == pool
