"""The relay's short registration: one POST creates the account, the portrait, the record
of the agreement, the consent and the season registration, or nothing at all."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.cast import Cast
from tests.relays.helpers import open_season, registration_post
from tierslien.accounts.models import Consent, ReachBy, User
from tierslien.circles.models import Registration
from tierslien.portraits.models import Answer, Criterion, Portrait
from tierslien.relays import services
from tierslien.relays.models import AgreedHow, PaperForm, Registered

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]


def _url(cast: Cast) -> str:
    return reverse("relay_register", args=[cast.territory.slug])


def _sensitive(cast: Cast) -> Criterion:
    criterion = Criterion.objects.get(territory=cast.territory, key="belief_worlds")
    assert criterion.sensitive and criterion.enabled
    return criterion


def test_the_page_never_asks_a_sensitive_question(cast: Cast, client_as: ClientAs) -> None:
    page = client_as("relay").get(_url(cast)).content.decode()
    assert 'name="answer_age_bracket"' in page
    for criterion in Criterion.objects.filter(territory=cast.territory, sensitive=True):
        assert f"answer_{criterion.key}" not in page
        assert str(criterion.display_question) not in page
    assert 'inputmode="tel"' in page
    assert 'autocomplete="off"' in page


def test_the_short_path_in_one_post(cast: Cast, client_as: ClientAs) -> None:
    season = open_season(cast)
    before = timezone.now()
    response = client_as("relay").post(_url(cast), registration_post(cast))
    person = User.objects.get(display_name="Josiane")
    assert response.status_code == 302
    assert response["Location"] == reverse("relay_person", args=[cast.territory.slug, person.pk])
    assert person.email is None
    assert not person.has_usable_password()
    assert (person.reach_by, person.phone) == (ReachBy.SMS, "+33698765432")
    portrait = Portrait.objects.get(user=person, territory=cast.territory)
    assert portrait.sector == cast.sector
    assert portrait.availability == ["tue-evening", "sat-morning"]
    assert portrait.max_km == 2
    assert dict(
        Answer.objects.filter(portrait=portrait).values_list("criterion__key", "value")
    ) == {"age_bracket": "65-74"}
    registration = Registration.objects.get(season=season, user=person)
    assert (registration.availability, registration.max_km) == (["tue-evening", "sat-morning"], 2)
    registered = Registered.objects.get(person=person)
    assert registered.relay == cast.relay
    assert registered.territory == cast.territory
    assert registered.agreed_how == AgreedHow.IN_PERSON
    assert registered.agreed_at >= before


def test_consent_to_the_terms_is_recorded_as_given_through_the_relay(
    cast: Cast, client_as: ClientAs
) -> None:
    client_as("relay").post(_url(cast), registration_post(cast, agreed_how=AgreedHow.PHONE))
    person = User.objects.get(display_name="Josiane")
    consent = Consent.objects.get(user=person, subject=Consent.TERMS)
    registered = Registered.objects.get(person=person)
    assert consent.wording_version == services.relay_terms_version()
    assert consent.wording_version.endswith("/relay")
    assert consent.given_at == registered.agreed_at  # who (the relay), when, how: one record
    assert registered.agreed_how == AgreedHow.PHONE
    # The person reads and accepts the terms themselves once they take over their account.
    assert person.accepted_terms_version == ""


def test_a_posted_sensitive_answer_is_ignored_and_never_stored(
    cast: Cast, client_as: ClientAs
) -> None:
    sensitive = _sensitive(cast)
    data = registration_post(
        cast,
        **{
            f"answer_{sensitive.key}": ["religious"],
            f"consent_{sensitive.key}": "on",
            "answer_engagement": "activist",
        },
    )
    assert client_as("relay").post(_url(cast), data).status_code == 302
    person = User.objects.get(display_name="Josiane")
    assert not Answer.objects.filter(portrait__user=person, criterion__sensitive=True).exists()
    assert not Consent.objects.filter(user=person, subject__startswith="question:").exists()


def test_the_service_refuses_a_sensitive_answer_and_writes_nothing(cast: Cast) -> None:
    sensitive = _sensitive(cast)
    users_before = User.objects.count()
    with pytest.raises(services.SensitiveRefused):
        services.register_person(
            cast.relay,
            cast.territory,
            display_name="Josiane",
            contact=services.Contact(reach_by=ReachBy.SMS, phone="+33698765432"),
            sector=None,
            availability=["tue-evening"],
            max_km=2,
            answers={sensitive.pk: ["religious"]},
            agreed_how=AgreedHow.IN_PERSON,
        )
    assert User.objects.count() == users_before
    assert not Answer.objects.filter(criterion=sensitive).exists()


def test_without_the_agreement_nothing_is_written(cast: Cast, client_as: ClientAs) -> None:
    users_before = User.objects.count()
    response = client_as("relay").post(_url(cast), registration_post(cast, agreed=None))
    assert response.status_code == 400
    assert "Register someone only with their agreement." in response.content.decode()
    assert User.objects.count() == users_before


@pytest.mark.parametrize(
    ("overrides", "field_error"),
    [
        ({"phone": ""}, "Give a mobile number to reach them by text message."),
        ({"phone": "12"}, "This is not a phone number we can send text messages to"),
        ({"reach_by": ReachBy.POST}, "Give a postal address to reach them by post."),
        ({"reach_by": ReachBy.EMAIL}, "Give an email address to reach them by email."),
        ({"availability": []}, "Tick at least one time"),
        ({"display_name": "  "}, "This field is required."),
    ],
)
def test_bad_input_is_explained_and_nothing_is_written(
    cast: Cast, client_as: ClientAs, overrides: dict[str, object], field_error: str
) -> None:
    users_before = User.objects.count()
    response = client_as("relay").post(_url(cast), registration_post(cast, **overrides))
    assert response.status_code == 400
    assert field_error in response.content.decode()
    assert User.objects.count() == users_before
    assert not Registered.objects.exclude(person=cast.registered).exists()


def test_an_email_already_in_use_is_refused_clearly(cast: Cast, client_as: ClientAs) -> None:
    users_before = User.objects.count()
    response = client_as("relay").post(
        _url(cast),
        registration_post(cast, reach_by=ReachBy.EMAIL, email="ALICE@example.org"),
    )
    assert response.status_code == 400
    assert "An account already uses this email address" in response.content.decode()
    assert User.objects.count() == users_before


def test_a_given_email_is_kept_and_used(cast: Cast, client_as: ClientAs) -> None:
    client_as("relay").post(
        _url(cast), registration_post(cast, reach_by=ReachBy.EMAIL, email="Jo@Example.org")
    )
    person = User.objects.get(display_name="Josiane")
    assert (person.email, person.reach_by) == ("jo@example.org", ReachBy.EMAIL)


def test_post_only_and_through_me(cast: Cast, client_as: ClientAs) -> None:
    client = client_as("relay")
    client.post(
        _url(cast),
        registration_post(
            cast, reach_by=ReachBy.POST, phone="", postal_address="4 rue Basse\n  35000  Rennes "
        ),
    )
    client.post(
        _url(cast), registration_post(cast, display_name="Marcel", reach_by="relay", phone="")
    )
    josiane = User.objects.get(display_name="Josiane")
    assert (josiane.reach_by, josiane.postal_address) == (ReachBy.POST, "4 rue Basse\n35000 Rennes")
    assert User.objects.get(display_name="Marcel").reach_by == ReachBy.RELAY


def test_without_an_open_season_the_person_is_registered_to_none(
    cast: Cast, client_as: ClientAs
) -> None:
    client_as("relay").post(_url(cast), registration_post(cast))
    person = User.objects.get(display_name="Josiane")
    assert Portrait.objects.filter(user=person).exists()
    assert not Registration.objects.filter(user=person).exists()


def _paper(cast: Cast, code: str = "VDL-7K3P") -> PaperForm:
    return PaperForm.objects.create(territory=cast.territory, code=code, printed_at=timezone.now())


def test_a_paper_code_is_accepted_once(cast: Cast, client_as: ClientAs) -> None:
    paper = _paper(cast)
    client = client_as("relay")
    data = registration_post(cast, agreed_how=AgreedHow.PAPER, paper_code="vdl-7k3p")
    assert client.post(_url(cast), data).status_code == 302
    paper.refresh_from_db()
    registered = Registered.objects.get(person__display_name="Josiane")
    assert paper.used_for == registered
    assert registered.paper_code == "VDL-7K3P"
    again = client.post(_url(cast), registration_post(cast, display_name="Marcel", **{
        "agreed_how": AgreedHow.PAPER, "paper_code": "VDL-7K3P"
    }))  # fmt: skip
    assert again.status_code == 400
    assert "already used" in again.content.decode()
    assert not User.objects.filter(display_name="Marcel").exists()


def test_another_territorys_or_an_unknown_paper_code_is_refused(
    cast: Cast, client_as: ClientAs
) -> None:
    PaperForm.objects.create(
        territory=cast.other_territory, code="AUT-AAAA", printed_at=timezone.now()
    )
    client = client_as("relay")
    for code in ("AUT-AAAA", "VDL-NOPE"):
        data = registration_post(cast, agreed_how=AgreedHow.PAPER, paper_code=code)
        assert client.post(_url(cast), data).status_code == 400
    assert not User.objects.filter(display_name="Josiane").exists()


def test_a_paper_agreement_needs_its_code(cast: Cast, client_as: ClientAs) -> None:
    response = client_as("relay").post(
        _url(cast), registration_post(cast, agreed_how=AgreedHow.PAPER)
    )
    assert response.status_code == 400
    assert "Type the reference code printed on the paper form." in response.content.decode()
