"""Accepting the terms: at sign-up (with their version), and again when they change."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from tests.accounts.test_signup import SIGNUP
from tests.cast import Cast
from tests.ritual import assert_sent_to_login
from tierslien.accounts.consent import TERMS_VERSION, current_terms_version
from tierslien.accounts.models import Consent, User
from tierslien.accounts.services import accept_terms

BANNER = "terms-banner"


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["fr", "en"])
def test_signup_links_the_terms_with_their_version_and_the_privacy_notice(
    client, language: str
) -> None:
    client.cookies["django_language"] = language
    page = client.get(reverse("account_signup"), headers={"accept-language": language})
    html = page.content.decode()
    assert f'href="{reverse("legal_terms")}"' in html
    assert f'href="{reverse("legal_privacy")}"' in html
    assert f"(version {TERMS_VERSION})" in html
    assert ("J'accepte" if language == "fr" else "I accept the") in html


@pytest.mark.django_db
def test_signup_stores_the_version_accepted(client) -> None:
    assert client.post(reverse("account_signup"), SIGNUP).status_code == 302
    user = User.objects.get(email=SIGNUP["email"])
    consent = Consent.objects.get(user=user, subject=Consent.TERMS)
    assert consent.wording_version == TERMS_VERSION == user.accepted_terms_version


@pytest.mark.django_db
def test_signup_records_the_instances_own_version(client, settings) -> None:
    settings.LEGAL_TERMS_VERSION = "2027-01+ville"
    client.post(reverse("account_signup"), SIGNUP)
    assert Consent.objects.get().wording_version == "2027-01+ville"


@pytest.mark.django_db
@pytest.mark.parametrize("refusal", ["", "false"])
def test_signup_without_acceptance_is_refused_and_creates_nothing(client, refusal: str) -> None:
    data = dict(SIGNUP)
    if refusal:
        data["accept_terms"] = refusal
    else:
        del data["accept_terms"]
    response = client.post(reverse("account_signup"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["accept_terms"]
    assert not User.objects.exists() and not Consent.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_person_who_accepted_the_current_version_sees_no_banner(cast: Cast, client_as) -> None:
    accept_terms(cast.participant)
    assert BANNER not in client_as("participant").get(reverse("home")).content.decode()
    assert BANNER not in client_as("anonymous").get(reverse("home")).content.decode()


@pytest.mark.django_db
def test_new_terms_are_asked_on_the_next_visit_without_blocking_reading(
    cast: Cast, client_as, settings
) -> None:
    accept_terms(cast.participant)
    settings.LEGAL_TERMS_VERSION = "2027-01"
    client = client_as("participant")
    page = client.get(reverse("my_data"))
    assert page.status_code == 200  # reading still works
    assert BANNER in page.content.decode()
    assert reverse("terms_accept") in page.content.decode()


@pytest.mark.django_db
def test_accepting_new_terms_keeps_the_history_and_returns_to_the_page(
    cast: Cast, client_as, settings
) -> None:
    accept_terms(cast.participant)
    settings.LEGAL_TERMS_VERSION = "2027-01"
    client = client_as("participant")
    url = reverse("terms_accept")
    page = client.get(url)
    assert page.status_code == 200 and BANNER not in page.content.decode()
    refused = client.post(url, {"next": reverse("my_data")})
    assert refused.status_code == 200
    response = client.post(url, {"accept_terms": "on", "next": reverse("my_data")})
    assert response.status_code == 302 and response["Location"] == reverse("my_data")
    cast.participant.refresh_from_db()
    assert cast.participant.accepted_terms_version == "2027-01" == current_terms_version()
    versions = Consent.objects.filter(user=cast.participant, subject=Consent.TERMS)
    assert [(c.wording_version, c.withdrawn_at is None) for c in versions] == [
        (TERMS_VERSION, False),
        ("2027-01", True),
    ]
    assert BANNER not in client.get(reverse("home")).content.decode()


@pytest.mark.django_db
def test_accepting_never_redirects_to_another_site(cast: Cast, client_as) -> None:
    response = client_as("participant").post(
        reverse("terms_accept"), {"accept_terms": "on", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("home")


@pytest.mark.django_db
@pytest.mark.parametrize("next_url", ["0", "home", "profile"])
def test_a_next_that_is_no_address_is_an_address_not_a_view_name(
    cast: Cast, client_as, next_url: str
) -> None:
    """Found by the fuzz of the season alert: `redirect("0")` looked up a view named "0"."""
    response = client_as("participant").post(
        reverse("terms_accept"), {"accept_terms": "on", "next": next_url}
    )
    assert response.status_code == 302
    assert response["Location"] == next_url


@pytest.mark.django_db
def test_accepting_requires_signing_in(client) -> None:
    response = client.get(reverse("terms_accept"))
    assert_sent_to_login(response)


@pytest.mark.django_db
def test_signup_refuses_a_version_that_changed_while_reading(client, settings) -> None:
    page = client.get(reverse("account_signup")).content.decode()
    assert f'name="terms_version" value="{TERMS_VERSION}"' in page
    settings.LEGAL_TERMS_VERSION = "2027-01"
    response = client.post(reverse("account_signup"), SIGNUP | {"terms_version": TERMS_VERSION})
    assert response.status_code == 200
    assert not User.objects.exists() and not Consent.objects.exists()
    client.post(reverse("account_signup"), SIGNUP | {"terms_version": "2027-01"})
    assert Consent.objects.get().wording_version == "2027-01"
