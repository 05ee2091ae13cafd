"""The analysis mixes on one stand-in per sensitive question, as the composition mixes on
the question itself, without reading any answer to it and without showing any figure of it."""

from __future__ import annotations

import pytest

from tests.cast import Cast
from tests.circles.conftest import season_values
from tests.potential.test_sensitive import CROWD
from tests.security.test_sensitive import registered_crowd, set_sensitive
from tierslien.accounts.models import User
from tierslien.circles.engine import build_problem
from tierslien.circles.models import Season
from tierslien.portraits.engine import option_values
from tierslien.portraits.models import Criterion
from tierslien.potential import jobs
from tierslien.potential.models import AnalysisKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowded(cast: Cast) -> tuple[Season, list[User]]:
    season = Season.objects.create(territory=cast.territory, **season_values())
    return season, registered_crowd(cast, season, CROWD)


def test_each_sensitive_question_gets_a_stand_in_of_its_kind_weight_and_options(
    cast: Cast,
    crowded: tuple[Season, list[User]],
) -> None:
    season, _ = crowded
    built = build_problem(season)
    assert built.sensitive == {"engagement", "belief_worlds"}
    problem, hidden = jobs.with_stand_ins(built, cast.territory.pk, seed=7)
    assert hidden == {"stand-in:engagement", "stand-in:belief_worlds"}
    names = [c.name for c in problem.criteria]
    assert not built.sensitive & set(names)  # the real questions are not there
    real = {c.name: c for c in built.problem.criteria}
    for key in built.sensitive:
        stand_in = next(c for c in problem.criteria if c.name == f"stand-in:{key}")
        question = Criterion.objects.get(territory=cast.territory, key=key)
        assert (stand_in.kind, stand_in.weight, stand_in.levels, stand_in.goal) == (
            real[key].kind,
            real[key].weight,
            real[key].levels,
            "diverse",
        )
        options = set(option_values(question))
        for person in problem.people:  # everyone registered, answered or not
            assert key not in person.attributes
            value = person.attributes[stand_in.name]
            assert (value <= options) if isinstance(value, frozenset) else value in options
    drawn = {p.attributes["stand-in:engagement"] for p in problem.people}
    assert len(drawn) >= 2


def test_the_stand_ins_read_no_answer_and_follow_the_season_seed(
    cast: Cast,
    crowded: tuple[Season, list[User]],
) -> None:
    season, users = crowded
    before = jobs.with_stand_ins(build_problem(season), cast.territory.pk, seed=7)
    set_sensitive(cast, users[0], (None, None))  # withdraws both consents
    set_sensitive(cast, users[1], ("disillusioned", ["religious", "secular"]))
    after = jobs.with_stand_ins(build_problem(season), cast.territory.pk, seed=7)
    assert after == before
    other = jobs.with_stand_ins(build_problem(season), cast.territory.pk, seed=8)
    assert other[0].people != before[0].people


def test_no_figure_of_the_analysis_speaks_of_a_stand_in(
    cast: Cast,
    crowded: tuple[Season, list[User]],
) -> None:
    season, _ = crowded
    result = jobs.compute(season, AnalysisKind.SEASON, {})
    assert not any(name.startswith("stand-in:") for name in result["mixed_on"])
    assert not any(name.startswith("stand-in:") for name in result["baseline"]["entre_soi"])
    assert not any(name.startswith("stand-in:") for name in result["criteria"])
    for change in result["levers"] + result["relaxations"]:
        assert not any(name.startswith("stand-in:") for name in change["figures"]["entre_soi"])
