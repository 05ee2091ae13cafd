from __future__ import annotations

import pytest
from django.urls import reverse

from tests.cast import Cast
from tests.portraits.helpers import (
    detail_url,
    edit_url,
    questionnaire,
    withdraw_url,
)
from tests.ritual import assert_sent_to_login
from tierslien.accounts.models import Consent
from tierslien.portraits.models import Answer, Portrait

pytestmark = pytest.mark.django_db


# --- The permission ritual ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["portrait_detail", "portrait_edit"])
def test_anonymous_is_sent_to_log_in(cast: Cast, client_as, name: str) -> None:
    response = client_as("anonymous").get(reverse(name, args=[cast.territory.slug]))
    assert_sent_to_login(response)


def test_anonymous_cannot_withdraw_a_consent(cast: Cast, client_as) -> None:
    response = client_as("anonymous").post(withdraw_url(cast.territory, "engagement"))
    assert_sent_to_login(response)


@pytest.mark.parametrize("name", ["portrait_detail", "portrait_edit"])
def test_unknown_territory_is_404(client_as, name: str) -> None:
    response = client_as("participant").get(reverse(name, args=["nowhere"]))
    assert response.status_code == 404


def test_withdrawing_in_an_unknown_territory_is_404(client_as) -> None:
    assert client_as("participant").post(withdraw_url_for("nowhere")).status_code == 404


def withdraw_url_for(slug: str) -> str:
    return reverse("portrait_withdraw_consent", args=[slug, "engagement"])


def test_withdrawing_an_unknown_question_is_404(cast: Cast, client_as) -> None:
    response = client_as("participant").post(withdraw_url(cast.territory, "no-such-question"))
    assert response.status_code == 404


def test_withdrawing_needs_post(cast: Cast, client_as) -> None:
    response = client_as("participant").get(withdraw_url(cast.territory, "engagement"))
    assert response.status_code == 405


@pytest.mark.parametrize("role", ["outsider", "participant", "facilitator", "admin"])
def test_without_a_portrait_the_detail_page_sends_to_the_questionnaire(
    cast: Cast, client_as, role: str
) -> None:
    response = client_as(role).get(detail_url(cast.other_territory))
    assert response.status_code == 302
    assert response["Location"] == edit_url(cast.other_territory)


@pytest.mark.parametrize("role", ["outsider", "participant", "facilitator", "admin"])
def test_anyone_signed_in_sees_the_questionnaire(cast: Cast, client_as, role: str) -> None:
    response = client_as(role).get(edit_url(cast.territory))
    assert response.status_code == 200
    assert "portraits/portrait_edit.html" in [t.name for t in response.templates]


def test_each_person_sees_only_their_own_portrait(cast: Cast, client_as) -> None:
    co_portrait = Portrait.objects.get(user=cast.co_member, territory=cast.territory)
    co_portrait.max_km = 173
    co_portrait.save(update_fields=["max_km"])
    response = client_as("participant").get(detail_url(cast.territory))
    assert response.status_code == 200
    assert response.context["portrait"].user == cast.participant
    assert "173" not in response.content.decode()


# --- Joining and the round trip ----------------------------------------------------------


def test_saving_the_questionnaire_the_first_time_joins_the_territory(cast: Cast, client_as) -> None:
    client = client_as("outsider")
    assert client.get(edit_url(cast.territory)).context["portrait"] is None
    response = client.post(edit_url(cast.territory), questionnaire(sector=cast.sector.pk))
    assert response.status_code == 302
    assert response["Location"] == detail_url(cast.territory)
    portrait = Portrait.objects.get(user=cast.outsider, territory=cast.territory)
    assert portrait.sector == cast.sector
    follow = client.get(response["Location"])
    assert "Val-de-Lien" in str(list(follow.context["messages"])[0])


def test_the_whole_questionnaire_round_trips(cast: Cast, client_as) -> None:
    client = client_as("participant")
    data = questionnaire(sector=cast.sector.pk)
    assert client.post(edit_url(cast.territory), data).status_code == 302
    portrait = Portrait.objects.get(user=cast.participant, territory=cast.territory)
    assert portrait.max_km == 12
    assert portrait.availability == ["tue-evening", "sat-morning"]
    assert portrait.meeting_mode == "either"
    assert portrait.accessibility_needs == ["step-free"]
    assert portrait.hopes == ["discovery", "theme"]
    stored = {a.criterion.key: a.value for a in portrait.answers.select_related("criterion")}
    assert stored == {
        "age_bracket": "35-49",
        "occupation": "4",
        "education": "bac3",
        "housing": "social-tenant",
        "languages": ["fr", "ar"],
        "worlds": ["association", "sport"],
    }
    # The questionnaire shows the answers back, ready to be changed.
    form = client.get(edit_url(cast.territory)).context["form"]
    assert form["answer_occupation"].value() == "4"
    assert form["availability"].value() == ["tue-evening", "sat-morning"]
    # The portrait page says it all in plain words.
    page = client.get(detail_url(cast.territory)).content.decode()
    assert "Intermediate occupation" in page
    assert "Tuesday evening" in page
    assert "Up to 12 km" in page or "12" in page
    assert "nobody else sees it" in page


def test_prefer_not_to_say_erases_an_answer_and_is_shown(cast: Cast, client_as) -> None:
    client = client_as("participant")
    client.post(edit_url(cast.territory), questionnaire())
    assert Answer.objects.filter(criterion__key="occupation").exists()
    client.post(
        edit_url(cast.territory), questionnaire(answer_occupation="", answer_languages=None)
    )
    assert not Answer.objects.filter(criterion__key="occupation").exists()
    assert not Answer.objects.filter(criterion__key="languages").exists()
    description = client.get(detail_url(cast.territory)).context["description"]
    lines = {line.key: line for line in description.answers}
    assert lines["occupation"].said is False
    assert lines["occupation"].text == "Prefer not to say"
    assert lines["gender"].said is False


def test_invalid_answers_are_shown_again_and_change_nothing(cast: Cast, client_as) -> None:
    client = client_as("participant")
    response = client.post(
        edit_url(cast.territory),
        questionnaire(max_km="300", answer_occupation="99", sector=cast.other_sector.pk),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"max_km", "answer_occupation", "sector"}
    portrait = Portrait.objects.get(user=cast.participant, territory=cast.territory)
    assert portrait.max_km == 5
    assert not portrait.answers.exists()


# --- Sensitive questions -----------------------------------------------------------------


def test_sensitive_answer_without_consent_is_rejected(cast: Cast, client_as) -> None:
    response = client_as("participant").post(
        edit_url(cast.territory), questionnaire(answer_engagement="activist")
    )
    assert response.status_code == 200
    assert "tick the consent box" in str(response.context["form"].errors["answer_engagement"])
    assert not Answer.objects.filter(criterion__key="engagement").exists()
    assert not Consent.objects.filter(user=cast.participant).exists()


def test_sensitive_answer_with_consent_is_stored_with_its_consent(cast: Cast, client_as) -> None:
    client = client_as("participant")
    response = client.post(
        edit_url(cast.territory),
        questionnaire(answer_engagement="activist", consent_engagement="on"),
    )
    assert response.status_code == 302
    answer = Answer.objects.get(criterion__key="engagement")
    assert answer.value == "activist"
    consent = Consent.objects.get(user=cast.participant, subject="question:engagement")
    assert consent.is_active
    # Once given, the consent box is not asked again; the answer can change.
    form = client.get(edit_url(cast.territory)).context["form"]
    assert "consent_engagement" not in form.fields
    client.post(edit_url(cast.territory), questionnaire(answer_engagement="curious"))
    assert Answer.objects.get(criterion__key="engagement").value == "curious"


def test_consent_without_an_answer_records_nothing(cast: Cast, client_as) -> None:
    client_as("participant").post(
        edit_url(cast.territory), questionnaire(consent_belief_worlds="on")
    )
    assert not Consent.objects.filter(user=cast.participant).exists()


def test_everything_works_with_sensitive_questions_blank(cast: Cast, client_as) -> None:
    client = client_as("participant")
    assert client.post(edit_url(cast.territory), questionnaire()).status_code == 302
    page = client.get(detail_url(cast.territory))
    lines = {line.key: line for line in page.context["description"].answers}
    assert lines["engagement"].said is False
    assert lines["engagement"].sensitive is True
    assert "Withdraw my consent" not in page.content.decode()


def test_withdrawing_consent_erases_the_answer_in_the_same_request(cast: Cast, client_as) -> None:
    client = client_as("participant")
    client.post(
        edit_url(cast.territory),
        questionnaire(answer_engagement="activist", consent_engagement="on"),
    )
    page = client.get(detail_url(cast.territory)).content.decode()
    assert withdraw_url(cast.territory, "engagement") in page
    response = client.post(withdraw_url(cast.territory, "engagement"))
    assert response.status_code == 302
    assert response["Location"] == detail_url(cast.territory)
    assert not Answer.objects.filter(criterion__key="engagement").exists()
    consent = Consent.objects.get(user=cast.participant, subject="question:engagement")
    assert consent.withdrawn_at is not None
    # The question asks for consent again.
    form = client.get(edit_url(cast.territory)).context["form"]
    assert "consent_engagement" in form.fields


def test_withdrawing_without_a_consent_says_so(cast: Cast, client_as) -> None:
    client = client_as("participant")
    response = client.post(withdraw_url(cast.territory, "engagement"), follow=True)
    assert "no consent to withdraw" in response.content.decode()


def test_sensitive_questions_sit_in_a_marked_fieldset_with_their_consent(
    cast: Cast, client_as
) -> None:
    page = client_as("participant").get(edit_url(cast.territory)).content.decode()
    assert 'class="sensitive" id="question-engagement"' in page
    assert 'name="consent_engagement"' in page
    assert 'name="consent_belief_worlds"' in page
    assert 'name="consent_occupation"' not in page


def test_no_sensitive_answer_is_rendered_anywhere_but_on_its_owners_portrait(
    cast: Cast, client_as
) -> None:
    from tierslien.portraits.services import create_criterion

    secret = create_criterion(
        cast.territory,
        label="Secret number",
        question="Which number?",
        kind="numeric",
        goal="diverse",
        weight=1,
        enabled=True,
        sensitive=True,
        options=[],
        numeric_min=0,
        numeric_max=100000,
    )
    client = client_as("participant")
    client.post(
        edit_url(cast.territory),
        questionnaire(
            **{f"answer_{secret.key}": "48151", f"consent_{secret.key}": "on"},
        ),
    )
    assert Answer.objects.filter(criterion=secret, value=48151).exists()
    assert "48" in client.get(detail_url(cast.territory)).content.decode()
    slug = cast.territory.slug
    pages = [
        reverse("home"),
        reverse("territory_list"),
        reverse("territory_detail", args=[slug]),
        reverse("manage_territory", args=[slug]),
        reverse("manage_criteria", args=[slug]),
        reverse("manage_criterion_edit", args=[slug, secret.pk]),
        reverse("portrait_edit", args=[slug]),
        reverse("portrait_detail", args=[slug]),
    ]
    for role in ["outsider", "facilitator", "other_facilitator", "admin", "participant"]:
        other = client_as(role)
        for url in pages:
            if role == "participant" and "/portrait/" in url:
                continue  # the owner's own portrait and questionnaire
            body = other.get(url, follow=True).content.decode()
            assert "48151" not in body and "48,151" not in body and "48 151" not in body, (
                role,
                url,
            )


def test_the_questionnaire_query_count_does_not_grow_with_criteria(
    cast: Cast, client_as, django_assert_max_num_queries
) -> None:
    from tierslien.portraits.services import create_criterion

    client = client_as("participant")
    client.post(
        edit_url(cast.territory),
        questionnaire(answer_engagement="activist", consent_engagement="on"),
    )
    with django_assert_max_num_queries(12) as small:
        client.get(edit_url(cast.territory))
    baseline = len(small)
    for number in range(15):
        create_criterion(
            cast.territory,
            label=f"Extra {number}",
            question="?",
            kind="categorical",
            goal="diverse",
            weight=1,
            enabled=True,
            sensitive=number % 2 == 0,
            options=[{"value": "a", "label": "A"}, {"value": "b", "label": "B"}],
            numeric_min=None,
            numeric_max=None,
        )
    extra = {f"answer_t{cast.territory.pk}-extra-{n}": "a" for n in range(1, 15, 2)}
    assert client.post(edit_url(cast.territory), questionnaire(**extra)).status_code == 302
    with django_assert_max_num_queries(baseline):
        client.get(edit_url(cast.territory))
    with django_assert_max_num_queries(baseline):
        client.get(detail_url(cast.territory))


def test_a_consent_withdrawn_meanwhile_saves_nothing(cast: Cast, client_as, monkeypatch) -> None:
    # The form believed a consent was active; it was withdrawn in another tab since.
    monkeypatch.setattr(
        "tierslien.portraits.views.active_subjects", lambda user: {"question:engagement"}
    )
    response = client_as("participant").post(
        edit_url(cast.territory), questionnaire(answer_engagement="activist", max_km="99")
    )
    assert response.status_code == 409
    assert "withdrawn meanwhile" in response.content.decode()
    assert not Answer.objects.exists()
    assert Portrait.objects.get(user=cast.participant, territory=cast.territory).max_km == 5


def test_the_questionnaire_page_loads_its_progressive_script(cast: Cast, client_as) -> None:
    from django.contrib.staticfiles import finders

    page = client_as("participant").get(edit_url(cast.territory)).content.decode()
    assert "portraits/questionnaire.js" in page
    assert finders.find("portraits/questionnaire.js")
    assert "<script>" not in page and "style=" not in page
