"""Who is missing: population shares, the pool compared with them, and what is never shown."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from tests.cast import Cast
from tierslien.accounts.models import User
from tierslien.circles.models import Registration, Season
from tierslien.outreach import missing
from tierslien.outreach.forms import ReferenceForm
from tierslien.outreach.models import PoolSnapshot, Reference
from tierslien.portraits.models import Answer, Criterion, Portrait
from tierslien.relays.models import AgreedHow, Registered
from tierslien.territories.models import Sector

pytestmark = pytest.mark.django_db

# After the cast and the people made at the clock's time: later arrivals are after it.
NOW = datetime.datetime(2030, 1, 20, 10, 0, tzinfo=datetime.UTC)
OCCUPATIONS_IN_TOWN = {"3": 10, "5": 30, "7": 30, "8": 30}  # the population, in %


def people(
    cast: Cast,
    count: int,
    *,
    sector: Sector | None = None,
    answers: dict[str, Any] | None = None,
    tag: str = "p",
    relay: User | None = None,
) -> list[User]:
    """`count` participants of the cast's territory with the same portrait."""
    start = User.objects.count()
    users = User.objects.bulk_create(
        [
            User(email=f"{tag}{start + n}@example.org", display_name=f"P{start + n}")
            for n in range(count)
        ]
    )
    portraits = Portrait.objects.bulk_create(
        [Portrait(user=user, territory=cast.territory, sector=sector) for user in users]
    )
    criteria = {c.key: c for c in cast.territory.criteria.all()}
    Answer.objects.bulk_create(
        [
            Answer(portrait=portrait, criterion=criteria[key], value=value)
            for portrait in portraits
            for key, value in (answers or {}).items()
        ]
    )
    if relay is not None:
        Registered.objects.bulk_create(
            [
                Registered(
                    person=user,
                    relay=relay,
                    territory=cast.territory,
                    agreed_how=AgreedHow.PAPER,
                    agreed_at=timezone.now(),
                )
                for user in users
            ]
        )
    return users


def few_farmers(cast: Cast) -> None:
    """A second small cell next to the cast's two members who did not say their occupation:
    alone, a small cell would take the next smallest count with it (complementary)."""
    people(cast, 3, answers={"occupation": "1"})


def register(season: Season, users: Sequence[User]) -> None:
    Registration.objects.bulk_create(
        [Registration(season=season, user=user, availability=[], max_km=5) for user in users]
    )


def make_season(cast: Cast) -> Season:
    return Season.objects.create(
        territory=cast.territory,
        name="Printemps",
        registration_opens=datetime.date(2026, 11, 1),
        registration_closes=datetime.date(2026, 12, 1),
        first_week=datetime.date(2026, 12, 7),
    )


def occupation_reference(cast: Cast) -> Reference:
    return missing.save_reference(
        cast.territory,
        "occupation",
        {value: Decimal(share) for value, share in OCCUPATIONS_IN_TOWN.items()},
        source="INSEE, recensement 2021",
        year=2021,
    )


def rows_of(page: missing.MissingPage, key: str) -> dict[str, missing.Row]:
    comparison = next(c for c in page.comparisons if c.dimension.key == key)
    return {row.value: row for row in comparison.rows}


def html(client: Client, cast: Cast, **query: str) -> str:
    response = client.get(reverse("outreach_missing", args=[cast.territory.slug]), query)
    assert response.status_code == 200
    # The CSRF token of the header's forms changes with every response.
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


# --- Population shares ----------------------------------------------------------------------


def _form(cast: Cast, key: str, numbers: dict[int, str], **extra: str) -> ReferenceForm:
    dimension = missing.dimension_for_shares(cast.territory, key)
    assert dimension is not None
    data = {"unit": "percent", "source": "INSEE, recensement 2021", "year": "2021", **extra}
    data.update({f"share_{index}": number for index, number in numbers.items()})
    return ReferenceForm(data, dimension=dimension)


def test_shares_summing_to_100_give_or_take_1_are_accepted(cast: Cast) -> None:
    form = _form(cast, "gender", {0: "52", 1: "47.5", 2: "1"})
    assert form.is_valid(), form.errors
    assert sum(form.cleaned_data["shares"].values()) == Decimal("100.5")


@pytest.mark.parametrize(
    ("numbers", "mistake"),
    [({0: "52", 1: "40"}, "add up to 92"), ({0: "120", 1: "0"}, "between 0 and 100")],
)
def test_shares_that_do_not_make_a_population_are_refused(
    cast: Cast, numbers: dict[int, str], mistake: str
) -> None:
    with translation.override("en"):
        form = _form(cast, "gender", numbers)
        assert not form.is_valid()
        assert mistake in str(form.errors)


def test_a_negative_share_is_refused(cast: Cast) -> None:
    assert not _form(cast, "gender", {0: "-1", 1: "101"}).is_valid()


def test_counts_from_a_census_table_become_shares(cast: Cast) -> None:
    form = _form(cast, "gender", {0: "5200", 1: "4700", 2: "100"}, unit="counts")
    assert form.is_valid(), form.errors
    assert form.converted
    assert form.cleaned_data["shares"] == {
        "woman": Decimal("52.00"),
        "man": Decimal("47.00"),
        "other": Decimal("1.00"),
    }


def test_only_the_questions_own_options_can_have_shares(cast: Cast) -> None:
    with pytest.raises(missing.InvalidShares):
        missing.save_reference(
            cast.territory,
            "gender",
            {"woman": Decimal(50), "unicorn": Decimal(50)},
            source="x",
            year=2021,
        )
    assert not Reference.objects.exists()


@pytest.mark.parametrize("key", ["engagement", "languages", "no-such-question"])
def test_sensitive_multiple_choice_and_unknown_questions_get_no_form(
    cast: Cast, client_as: Callable[[str], Client], key: str
) -> None:
    url = reverse("outreach_missing_reference", args=[cast.territory.slug, key])
    response = client_as("facilitator").get(url)
    if key == "engagement":  # sensitive: refused in words, back to the page
        assert response.status_code == 302
        with pytest.raises(missing.SensitiveDimension):
            missing.save_reference(
                cast.territory, key, {"curious": Decimal(100)}, source="x", year=2021
            )
    else:
        assert response.status_code == 404


def test_a_facilitator_saves_shares_from_the_form(
    cast: Cast, client_as: Callable[[str], Client]
) -> None:
    url = reverse("outreach_missing_reference", args=[cast.territory.slug, "sector"])
    response = client_as("facilitator").post(
        url, {"unit": "percent", "share_0": "100", "source": "Mairie, 2024", "year": "2024"}
    )
    assert response.status_code == 302
    reference = Reference.objects.get(territory=cast.territory, dimension="sector")
    assert reference.shares == {str(cast.sector.pk): 100.0}
    assert reference.source == "Mairie, 2024"


# --- Small cells ----------------------------------------------------------------------------


def test_counts_under_11_are_hidden_with_their_shares_and_a_complement(cast: Cast) -> None:
    occupation_reference(cast)
    people(cast, 40, answers={"occupation": "5"})
    people(cast, 30, answers={"occupation": "3"})
    people(cast, 4, answers={"occupation": "7"})  # a small cell
    people(cast, 12, answers={"occupation": "8"})
    page = missing.missing_page(cast.territory, None)
    rows = rows_of(page, "occupation")
    assert rows["7"].count is None and rows["7"].pool_share is None and rows["7"].gap is None
    comparison = next(c for c in page.comparisons if c.dimension.key == "occupation")
    assert comparison.not_said is None  # the two cast members who did not say
    assert rows["5"].count == 40 and rows["3"].count == 30 and rows["8"].count == 12
    # A hidden cell is never ranked among the gaps, even though it is the largest: it is
    # only said to be missing, without a number, since even 10 would be too few.
    assert [gap.row.value for gap in page.gaps] == ["8"]
    assert [(item.row.value, item.row.few) for item in page.scarce] == [("7", True)]


def test_a_share_never_reveals_how_many_did_not_answer(cast: Cast) -> None:
    occupation_reference(cast)
    people(cast, 40, answers={"occupation": "5"})
    people(cast, 20, answers={"occupation": "3"})
    rows = rows_of(missing.missing_page(cast.territory, None), "occupation")
    # 2 did not say (hidden): shares are over the whole pool of 62, not over those 60.
    assert rows["5"].pool_share == round(40 * 100 / 62)


def test_a_lone_hidden_count_takes_the_next_smallest_with_it() -> None:
    assert missing.suppress_within([30, 4, 40], None) == [None, None, 40]


def test_suppress_within_hides_cells_that_differ_from_the_whole_by_fewer_than_11() -> None:
    assert missing.suppress_within([30, 40, 50], [30, 45, 80]) == [None, None, 50]
    assert missing.suppress_within([30, 40, 50], [30, 40, 50]) == [30, 40, 50]
    assert missing.suppress_within([30, 40, 50], None) == [30, 40, 50]
    # Against two larger pools (frozen figures, the overview's live ones): either one counts.
    assert missing.suppress_within([30, 40, 50], [30, 40, 50], [30, 52, 61]) == [30, 40, 50]
    assert missing.suppress_within([30, 40, 50], [30, 40, 50], [30, 45, 61]) == [None, None, 50]


def test_the_season_pool_cannot_be_differenced_with_the_territory_pool(cast: Cast) -> None:
    occupation_reference(cast)
    season = make_season(cast)
    retired = people(cast, 25, answers={"occupation": "7"})
    employees = people(cast, 60, answers={"occupation": "5"})
    students = people(cast, 30, answers={"occupation": "8"})
    few_farmers(cast)
    # 18 of the 25 retired people registered: 25 - 18 = 7 would be a small cell.
    register(season, retired[:18] + employees[:40] + students)
    territory = rows_of(missing.missing_page(cast.territory, None), "occupation")
    seasonal = rows_of(missing.missing_page(cast.territory, season), "occupation")
    assert territory["7"].count == 25
    assert seasonal["7"].count is None
    assert seasonal["8"].count == 30  # nobody left out: the difference is 0
    assert seasonal["5"].count == 40  # 20 left out: not a small cell
    for value, row in seasonal.items():
        shown = territory[value].count
        if row.count is not None and shown is not None:
            assert shown - row.count == 0 or shown - row.count >= 11


def test_figures_stay_frozen_until_11_people_joined_or_left(
    cast: Cast, client_as: Callable[[str], Client]
) -> None:
    occupation_reference(cast)
    people(cast, 30, answers={"occupation": "5"})
    people(cast, 30, answers={"occupation": "7"})
    with time_machine.travel(NOW, tick=False):
        client = client_as("facilitator")
        before = html(client, cast)
    with time_machine.travel(NOW + datetime.timedelta(days=1), tick=False):
        newcomer = people(cast, 1, answers={"occupation": "7"})
        assert html(client, cast) == before  # one arrival cannot be read
        Portrait.objects.filter(user=newcomer[0]).delete()
        people(cast, 9, answers={"occupation": "7"})
        assert html(client, cast) == before  # the one who came and went, and 9 more
    with time_machine.travel(NOW + datetime.timedelta(days=2), tick=False):
        people(cast, 2, answers={"occupation": "7"})  # 11 arrivals since the figures
        after = html(client, cast)
    assert after != before
    rows = rows_of(missing.missing_page(cast.territory, None), "occupation")
    assert rows["7"].count == 41
    assert PoolSnapshot.objects.filter(territory=cast.territory, season=None).count() == 1


# --- Gaps and origins ----------------------------------------------------------------------


def test_the_largest_gaps_come_first_in_plain_words(cast: Cast) -> None:
    occupation_reference(cast)
    people(cast, 60, answers={"occupation": "3"})
    people(cast, 26, answers={"occupation": "5"})
    people(cast, 14, answers={"occupation": "7"})
    people(cast, 95, answers={"occupation": "8"})
    few_farmers(cast)  # 200 with the cast's two
    with translation.override("en"):
        page = missing.missing_page(cast.territory, None)
        sentence = page.gaps[0].sentence
    gaps = [(gap.row.value, gap.row.gap) for gap in page.gaps]
    assert gaps == [("7", 23), ("5", 17)]
    assert sentence == (
        "Retired (Occupation): 7 % of the pool, 30 % of the population — 23 points missing"
    )


def test_where_to_recruit_names_the_origins_that_brought_the_missing_group(
    cast: Cast,
) -> None:
    occupation_reference(cast)
    other = Sector.objects.create(territory=cast.territory, name="Gare", latitude=48, longitude=-1)
    park = Sector.objects.create(territory=cast.territory, name="Parc", latitude=48, longitude=-1)
    people(cast, 12, sector=other, answers={"occupation": "7"}, relay=cast.relay)
    people(cast, 3, sector=cast.sector, answers={"occupation": "7"})
    gone = people(cast, 2, sector=park, answers={"occupation": "7"}, relay=cast.relay)
    Registered.objects.filter(person__in=gone).update(relay=None)  # their relay left
    people(cast, 80, sector=cast.sector, answers={"occupation": "3"})
    few_farmers(cast)
    with translation.override("en"):
        page = missing.missing_page(cast.territory, None)
    first = page.recruit[0]
    assert first.gap.row.value == "7"
    assert [(origin.label, origin.count) for origin in first.sectors] == [("Gare", 12)]
    assert [(origin.label, origin.count) for origin in first.origins] == [
        ("Through Rosa (local contact)", 12)
    ]
    paper = next(o for o in page.channels if o.label.startswith("Paper"))
    assert paper.count == 14


# --- Sensitive questions -------------------------------------------------------------------


def _sensitive_world(cast: Cast) -> tuple[Criterion, list[User]]:
    occupation_reference(cast)
    engagement = cast.territory.criteria.get(key="engagement")
    assert engagement.sensitive
    # A reference left from before the question was sensitive must not bring it back.
    Reference.objects.create(
        territory=cast.territory,
        dimension="engagement",
        shares={"curious": 50, "distant": 50},
        source="Enquête",
        year=2020,
    )
    crowd = people(cast, 40, answers={"occupation": "5"}) + people(
        cast, 30, answers={"occupation": "7"}
    )
    return engagement, crowd


def _answer(criterion: Criterion, users: Sequence[User], value: str) -> None:
    Answer.objects.filter(criterion=criterion).delete()
    Answer.objects.bulk_create(
        [
            Answer(portrait=p, criterion=criterion, value=value)
            for p in Portrait.objects.filter(user__in=users)
        ]
    )


def test_the_page_is_byte_for_byte_the_same_whatever_sensitive_answers_say(
    cast: Cast, client_as: Callable[[str], Client]
) -> None:
    engagement, crowd = _sensitive_world(cast)
    with time_machine.travel(NOW, tick=False):
        client = client_as("facilitator")
    pages = []
    for answered in ([], crowd, crowd[:15]):
        for value in ("curious", "activist"):
            _answer(engagement, answered, value)
            PoolSnapshot.objects.all().delete()  # counted again from scratch every time
            with time_machine.travel(NOW, tick=False):
                pages.append(html(client, cast))
    assert all(page == pages[0] for page in pages)
    assert "Curious" not in pages[0] and "Enquête" not in pages[0]


def test_a_question_turned_sensitive_loses_its_comparison(
    cast: Cast, client_as: Callable[[str], Client]
) -> None:
    occupation_reference(cast)
    people(cast, 40, answers={"occupation": "5"})
    client = client_as("facilitator")
    assert "INSEE, recensement 2021" in html(client, cast)
    Criterion.objects.filter(territory=cast.territory, key="occupation").update(
        sensitive=True, ever_sensitive=True
    )
    page = html(client, cast)
    assert "INSEE, recensement 2021" not in page and "Retired" not in page
    url = reverse("outreach_missing_reference", args=[cast.territory.slug, "occupation"])
    assert client.get(url).status_code == 302


# --- Access and languages ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [("facilitator", 200), ("other_facilitator", 403), ("participant", 403), ("relay", 403)],
)
def test_only_the_territorys_facilitators_see_the_page(
    cast: Cast, client_as: Callable[[str], Client], role: str, status: int
) -> None:
    response = client_as(role).get(reverse("outreach_missing", args=[cast.territory.slug]))
    assert response.status_code == status


def test_another_territorys_season_is_not_found(
    cast: Cast, client_as: Callable[[str], Client]
) -> None:
    elsewhere = Season.objects.create(
        territory=cast.other_territory,
        name="Ailleurs",
        registration_opens=datetime.date(2026, 11, 1),
        registration_closes=datetime.date(2026, 12, 1),
        first_week=datetime.date(2026, 12, 7),
    )
    url = reverse("outreach_missing", args=[cast.territory.slug])
    client = client_as("facilitator")
    assert client.get(url, {"pool": str(elsewhere.pk)}).status_code == 404
    assert client.get(url, {"pool": "x"}).status_code == 404


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Who is missing", "The largest gaps", "points missing"]),
        ("fr", ["Qui manque", "Les plus grands écarts", "points manquants"]),
    ],
)
def test_the_page_speaks_french_and_english(
    cast: Cast, client_as: Callable[[str], Client], language: str, words: list[str]
) -> None:
    User.objects.filter(pk=cast.facilitator.pk).update(language=language)
    occupation_reference(cast)
    people(cast, 60, answers={"occupation": "3"})
    people(cast, 13, answers={"occupation": "7"})
    few_farmers(cast)
    page = html(client_as("facilitator"), cast)
    for word in words:
        assert word in page


# --- The demo ------------------------------------------------------------------------------


def test_the_demo_town_shows_real_gaps_and_where_to_recruit(settings: Any) -> None:
    from io import StringIO

    from django.core.management import call_command

    from tests.cast import sign_in
    from tierslien.demo import territory as demo

    settings.DEBUG = True
    call_command("load_demo", stdout=StringIO(), stderr=StringIO())
    territory = demo.ensure_territory()
    assert Reference.objects.filter(territory=territory).count() == 4
    with translation.override("en"):
        page = missing.missing_page(territory, None)
    assert len(page.gaps) >= 3 and page.gaps[0].row.gap is not None and page.gaps[0].row.gap >= 8
    assert len(page.recruit) == 3
    client = Client()
    sign_in(client, User.objects.get(email=demo.FACILITATOR_EMAIL))
    season = missing.seasons_to_compare(territory).first()
    assert season is not None
    for query in ({}, {"pool": str(season.pk)}):
        response = client.get(reverse("outreach_missing", args=[territory.slug]), query)
        assert response.status_code == 200


def test_hidden_zeros_do_not_cover_a_lone_small_count() -> None:
    # 2 hidden next to hidden zeros would follow from the total: 30 goes with it.
    assert missing.suppress_within([30, 2, 0, 40], None) == [None, None, None, 40]


def test_a_season_cell_is_checked_against_the_overviews_live_counts_too(cast: Cast) -> None:
    missing.save_reference(
        cast.territory, "sector", {str(cast.sector.pk): Decimal(100)}, source="x", year=2021
    )
    season = make_season(cast)
    register(season, [*people(cast, 40, sector=cast.sector), cast.participant, cast.co_member])
    key = str(cast.sector.pk)
    assert rows_of(missing.missing_page(cast.territory, season), "sector")[key].count == 42
    # 5 arrive: the frozen figures do not move, but the overview's count by sector does.
    people(cast, 5, sector=cast.sector)
    assert rows_of(missing.missing_page(cast.territory, None), "sector")[key].count == 42
    assert rows_of(missing.missing_page(cast.territory, season), "sector")[key].count is None
