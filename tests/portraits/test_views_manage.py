from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.cast import Cast
from tests.portraits.helpers import criterion, edit_url, questionnaire
from tests.ritual import assert_sent_to_enrol, assert_sent_to_login, password_only
from tierslien.accounts.models import Consent, User
from tierslien.portraits.models import Answer, Criterion

pytestmark = pytest.mark.django_db


def manage_urls(cast: Cast) -> list[str]:
    slug = cast.territory.slug
    return [
        reverse("manage_criteria", args=[slug]),
        reverse("manage_criterion_new", args=[slug]),
        reverse("manage_criterion_edit", args=[slug, criterion(cast.territory, "gender").pk]),
    ]


def settings_post(territory: Any, **changes: Any) -> dict[str, str]:
    """The criteria list as posted unchanged, with `changes` as {key: (enabled, weight)}."""
    data: dict[str, str] = {}
    for item in Criterion.objects.filter(territory=territory):
        enabled, weight = changes.get(item.key, (item.enabled, item.weight))
        if enabled:
            data[f"enabled_{item.pk}"] = "on"
        data[f"weight_{item.pk}"] = str(weight)
    return data


def custom_post(**overrides: Any) -> dict[str, Any]:
    data = {
        "label": "Pets",
        "question": "Which animals live with you?",
        "kind": "multi",
        "goal": "diverse",
        "weight": "1.5",
        "enabled": "on",
        "options": "Cat\nDog\nFish",
        "numeric_min": "",
        "numeric_max": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# --- The permission ritual ---------------------------------------------------------------


def test_anonymous_is_sent_to_log_in(cast: Cast, client_as) -> None:
    for url in manage_urls(cast):
        assert_sent_to_login(client_as("anonymous").get(url))


@pytest.mark.parametrize(
    "name,args",
    [
        ("manage_criteria", []),
        ("manage_criterion_new", []),
        ("manage_criterion_edit", [1]),
    ],
)
def test_unknown_territory_is_404(client_as, name: str, args: list[int]) -> None:
    assert client_as("admin").get(reverse(name, args=["nowhere", *args])).status_code == 404


@pytest.mark.parametrize("role", ["outsider", "participant", "other_facilitator"])
def test_people_who_do_not_facilitate_get_403(cast: Cast, client_as, role: str) -> None:
    for url in manage_urls(cast):
        assert client_as(role).get(url).status_code == 403
        assert client_as(role).post(url, custom_post()).status_code == 403


@pytest.mark.parametrize("role", ["facilitator", "admin"])
def test_facilitators_and_admins_see_the_pages(cast: Cast, client_as, role: str) -> None:
    for url in manage_urls(cast):
        assert client_as(role).get(url).status_code == 200


def test_a_facilitator_without_totp_is_sent_to_enrol(
    cast: Cast, facilitator_without_totp: User
) -> None:
    client = password_only(facilitator_without_totp)
    for url in manage_urls(cast):
        assert_sent_to_enrol(client.get(url))


def test_another_territorys_criterion_is_404(cast: Cast, client_as) -> None:
    elsewhere = criterion(cast.other_territory, "gender")
    url = reverse("manage_criterion_edit", args=[cast.territory.slug, elsewhere.pk])
    assert client_as("facilitator").get(url).status_code == 404


# --- Enabling, disabling, reweighting ----------------------------------------------------


def test_disabling_a_criterion_removes_its_question(cast: Cast, client_as) -> None:
    client = client_as("facilitator")
    url = reverse("manage_criteria", args=[cast.territory.slug])
    response = client.post(url, settings_post(cast.territory, housing=(False, 1.0)))
    assert response.status_code == 302
    assert criterion(cast.territory, "housing").enabled is False
    form = client_as("participant").get(edit_url(cast.territory)).context["form"]
    assert "answer_housing" not in form.fields
    assert "answer_occupation" in form.fields


def test_disabled_answers_are_kept_and_shown_apart(cast: Cast, client_as) -> None:
    participant = client_as("participant")
    participant.post(edit_url(cast.territory), questionnaire())
    client_as("facilitator").post(
        reverse("manage_criteria", args=[cast.territory.slug]),
        settings_post(cast.territory, housing=(False, 1.0)),
    )
    # Saving the questionnaire again leaves the paused answer alone.
    participant.post(edit_url(cast.territory), questionnaire())
    assert Answer.objects.filter(criterion__key="housing").exists()
    description = participant.get(reverse("portrait_detail", args=[cast.territory.slug])).context[
        "description"
    ]
    assert [line.key for line in description.unused] == ["housing"]
    assert "housing" not in [line.key for line in description.answers]


def test_reweighting_criteria(cast: Cast, client_as) -> None:
    url = reverse("manage_criteria", args=[cast.territory.slug])
    client_as("facilitator").post(
        url, settings_post(cast.territory, occupation=(True, 7.5), gender=(True, 0))
    )
    assert criterion(cast.territory, "occupation").weight == 7.5
    assert criterion(cast.territory, "gender").weight == 0
    assert criterion(cast.other_territory, "occupation").weight == 2.0


def test_a_weight_out_of_range_changes_nothing(cast: Cast, client_as) -> None:
    url = reverse("manage_criteria", args=[cast.territory.slug])
    response = client_as("facilitator").post(
        url, settings_post(cast.territory, occupation=(True, 11), housing=(False, 1))
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert criterion(cast.territory, "occupation").weight == 2.0
    assert criterion(cast.territory, "housing").enabled is True


# --- Custom criteria ---------------------------------------------------------------------

KINDS = [
    ("categorical", {"options": "North\nSouth\nEast"}, "south", "south"),
    ("ordinal", {"options": "Never\nSometimes\nOften"}, "often", "often"),
    ("multi", {"options": "Cat\nDog\nFish"}, ["cat", "fish"], ["cat", "fish"]),
    ("numeric", {"options": "", "numeric_min": "0", "numeric_max": "20"}, "3", 3),
]


@pytest.mark.parametrize("kind,fields,posted,stored", KINDS)
def test_custom_criteria_of_each_kind_can_be_answered(
    cast: Cast, client_as, kind: str, fields: dict[str, str], posted: Any, stored: Any
) -> None:
    url = reverse("manage_criterion_new", args=[cast.territory.slug])
    response = client_as("facilitator").post(url, custom_post(kind=kind, **fields))
    assert response.status_code == 302, response.context["form"].errors
    created = Criterion.objects.get(territory=cast.territory, label="Pets")
    assert created.kind == kind
    assert created.catalogue_key == ""
    assert created.key.startswith(f"t{cast.territory.pk}-")
    participant = client_as("participant")
    assert (
        f"answer_{created.key}" in participant.get(edit_url(cast.territory)).context["form"].fields
    )
    response = participant.post(
        edit_url(cast.territory), questionnaire(**{f"answer_{created.key}": posted})
    )
    assert response.status_code == 302
    assert Answer.objects.get(criterion=created).value == stored


def test_a_sensitive_custom_criterion_asks_for_consent(cast: Cast, client_as) -> None:
    url = reverse("manage_criterion_new", args=[cast.territory.slug])
    client_as("facilitator").post(url, custom_post(sensitive="on"))
    created = Criterion.objects.get(territory=cast.territory, label="Pets")
    participant = client_as("participant")
    answer = {f"answer_{created.key}": ["cat"]}
    response = participant.post(edit_url(cast.territory), questionnaire(**answer))
    assert response.status_code == 200
    assert not Answer.objects.filter(criterion=created).exists()
    answer[f"consent_{created.key}"] = "on"
    assert participant.post(edit_url(cast.territory), questionnaire(**answer)).status_code == 302
    assert Answer.objects.filter(criterion=created).exists()


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"options": "Only one"}, "options"),
        ({"options": "Cat\ncat"}, "options"),
        ({"kind": "numeric", "options": "", "numeric_min": "5", "numeric_max": "5"}, "numeric_max"),
        ({"kind": "numeric", "options": "", "numeric_min": ""}, "numeric_max"),
        ({"weight": "12"}, "weight"),
        ({"label": ""}, "label"),
        ({"kind": "colour"}, "kind"),
    ],
)
def test_an_invalid_custom_criterion_is_refused(
    cast: Cast, client_as, overrides: dict[str, str], field: str
) -> None:
    count = Criterion.objects.count()
    url = reverse("manage_criterion_new", args=[cast.territory.slug])
    response = client_as("facilitator").post(url, custom_post(**overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Criterion.objects.count() == count


def _answered_custom(cast: Cast, client_as, **overrides: Any) -> Criterion:
    client_as("facilitator").post(
        reverse("manage_criterion_new", args=[cast.territory.slug]), custom_post(**overrides)
    )
    created = Criterion.objects.get(territory=cast.territory, label="Pets")
    value = ["cat"] if created.kind == "multi" else "7"
    client_as("participant").post(
        edit_url(cast.territory), questionnaire(**{f"answer_{created.key}": value})
    )
    assert Answer.objects.filter(criterion=created).exists()
    return created


def test_kind_cannot_change_once_answered(cast: Cast, client_as) -> None:
    created = _answered_custom(cast, client_as)
    url = reverse("manage_criterion_edit", args=[cast.territory.slug, created.pk])
    response = client_as("facilitator").post(url, custom_post(kind="categorical"))
    assert response.status_code == 200
    assert "kind cannot change" in str(response.context["form"].errors["kind"])
    created.refresh_from_db()
    assert created.kind == "multi"


def test_used_options_cannot_be_removed_but_can_be_added_and_respelled(
    cast: Cast, client_as
) -> None:
    created = _answered_custom(cast, client_as)
    url = reverse("manage_criterion_edit", args=[cast.territory.slug, created.pk])
    client = client_as("facilitator")
    response = client.post(url, custom_post(options="Dog\nFish"))
    assert response.status_code == 200
    assert "cannot be removed" in str(response.context["form"].errors["options"])
    response = client.post(url, custom_post(options="CAT\nDog\nFish\nBird", label="Animals"))
    assert response.status_code == 302
    created.refresh_from_db()
    assert created.label == "Animals"
    assert created.key.endswith("pets")  # keys never change
    assert [o["value"] for o in created.options] == ["cat", "dog", "fish", "bird"]
    assert created.label_for("cat") == "CAT"
    assert Answer.objects.get(criterion=created).value == ["cat"]


def test_a_numeric_range_can_widen_but_not_narrow_once_answered(cast: Cast, client_as) -> None:
    created = _answered_custom(
        cast, client_as, kind="numeric", options="", numeric_min="0", numeric_max="10"
    )
    url = reverse("manage_criterion_edit", args=[cast.territory.slug, created.pk])
    client = client_as("facilitator")
    narrow = custom_post(kind="numeric", options="", numeric_min="0", numeric_max="8")
    assert client.post(url, narrow).status_code == 200
    wide = custom_post(kind="numeric", options="", numeric_min="-5", numeric_max="50")
    assert client.post(url, wide).status_code == 302
    created.refresh_from_db()
    assert (created.numeric_min, created.numeric_max) == (-5, 50)


def test_an_unanswered_criterion_can_change_kind(cast: Cast, client_as) -> None:
    client_as("facilitator").post(
        reverse("manage_criterion_new", args=[cast.territory.slug]), custom_post()
    )
    created = Criterion.objects.get(territory=cast.territory, label="Pets")
    url = reverse("manage_criterion_edit", args=[cast.territory.slug, created.pk])
    response = client_as("facilitator").post(url, custom_post(kind="ordinal", options="A\nB"))
    assert response.status_code == 302
    created.refresh_from_db()
    assert created.kind == "ordinal"


def test_flagging_a_criterion_sensitive_erases_answers_given_without_consent(
    cast: Cast, client_as
) -> None:
    created = _answered_custom(cast, client_as)
    url = reverse("manage_criterion_edit", args=[cast.territory.slug, created.pk])
    response = client_as("facilitator").post(url, custom_post(sensitive="on"), follow=True)
    assert "answers given without consent were erased" in response.content.decode()
    assert not Answer.objects.filter(criterion=created).exists()


def test_flagging_sensitive_keeps_answers_given_with_consent(cast: Cast, client_as) -> None:
    from tierslien.accounts.services import give_consent

    created = _answered_custom(cast, client_as)
    give_consent(cast.participant, Consent.question_subject(created.key), wording_version="x")
    url = reverse("manage_criterion_edit", args=[cast.territory.slug, created.pk])
    client_as("facilitator").post(url, custom_post(sensitive="on"))
    assert Answer.objects.filter(criterion=created).exists()


def test_catalogue_criteria_keep_their_wording_and_options(cast: Cast, client_as) -> None:
    gender = criterion(cast.territory, "gender")
    url = reverse("manage_criterion_edit", args=[cast.territory.slug, gender.pk])
    page = client_as("facilitator").get(url)
    assert set(page.context["form"].fields) == {"weight", "enabled", "sensitive"}
    response = client_as("facilitator").post(
        url, {"weight": "3", "sensitive": "on", "label": "Hacked", "options": "x\ny"}
    )
    assert response.status_code == 302
    gender.refresh_from_db()
    assert (gender.weight, gender.enabled, gender.sensitive) == (3, False, True)
    assert gender.label == "Gender"
    assert [o["value"] for o in gender.options] == ["woman", "man", "other"]


def test_catalogue_sensitive_questions_stay_sensitive(cast: Cast, client_as) -> None:
    engagement = criterion(cast.territory, "engagement")
    url = reverse("manage_criterion_edit", args=[cast.territory.slug, engagement.pk])
    response = client_as("facilitator").post(url, {"weight": "1", "enabled": "on"})
    assert response.status_code == 302
    engagement.refresh_from_db()
    assert engagement.sensitive is True
    assert engagement.weight == 1


def test_an_absurd_criterion_id_is_404(cast: Cast, client_as) -> None:
    url = reverse("manage_criterion_edit", args=[cast.territory.slug, 10**30])
    assert client_as("facilitator").get(url).status_code == 404


def test_the_criteria_list_costs_the_same_with_more_criteria(
    cast: Cast, client_as, django_assert_max_num_queries
) -> None:
    client = client_as("facilitator")
    url = reverse("manage_criteria", args=[cast.territory.slug])
    with django_assert_max_num_queries(20) as first:
        client.get(url)
    baseline = len(first)
    new = reverse("manage_criterion_new", args=[cast.territory.slug])
    for number in range(6):
        client.post(new, custom_post(label=f"Extra {number}"))
    with django_assert_max_num_queries(baseline):
        response = client.get(url)
    assert len(response.context["form"].rows()) == 15


def test_making_a_catalogue_question_sensitive_asks_for_consent(cast: Cast, client_as) -> None:
    client_as("participant").post(edit_url(cast.territory), questionnaire(answer_gender="woman"))
    assert Answer.objects.filter(criterion__key="gender").exists()
    gender = criterion(cast.territory, "gender")
    url = reverse("manage_criterion_edit", args=[cast.territory.slug, gender.pk])
    client_as("facilitator").post(url, {"weight": "0.5", "enabled": "on", "sensitive": "on"})
    assert not Answer.objects.filter(criterion__key="gender").exists()
    form = client_as("participant").get(edit_url(cast.territory)).context["form"]
    assert "consent_gender" in form.fields
