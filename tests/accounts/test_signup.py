"""Sign-up, email verification and the ways to log in, through allauth's real views."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from tests.cast import PASSWORD, Cast
from tests.gatherings.meetings.conftest import make_meeting
from tierslien.accounts.models import Consent, User

SIGNUP = {
    "email": "nadia@example.org",
    "password1": PASSWORD,
    "password2": PASSWORD,
    "display_name": "Nadia",
    "language": "en",
    "accept_terms": "on",
}


def _link(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/\S+)", body)
    assert match, body
    return match.group(1)


@pytest.mark.django_db(transaction=True)  # emails leave the outbox on commit
def test_signup_creates_an_unverified_account_with_terms_consent_and_sends_a_link(client) -> None:
    response = client.post(reverse("account_signup"), SIGNUP)
    assert response.status_code == 302
    user = User.objects.get(email="nadia@example.org")
    assert (user.display_name, user.language) == ("Nadia", "en")
    assert not user.emailaddress_set.get().verified
    consent = Consent.objects.get(user=user)
    assert consent.subject == Consent.TERMS and consent.withdrawn_at is None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nadia@example.org"]
    assert "Tiers Lien" in mail.outbox[0].subject
    assert "confirm" in mail.outbox[0].subject.lower()  # English, as chosen


@pytest.mark.django_db(transaction=True)  # emails leave the outbox on commit
def test_signup_email_is_in_french_for_french_speakers(client) -> None:
    client.post(reverse("account_signup"), SIGNUP | {"language": "fr"})
    assert "adresse" in mail.outbox[0].subject.lower()


@pytest.mark.django_db
def test_signup_without_accepting_terms_creates_nothing(client) -> None:
    data = {key: value for key, value in SIGNUP.items() if key != "accept_terms"}
    response = client.post(reverse("account_signup"), data)
    assert response.status_code == 200
    assert not User.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db
def test_display_name_cannot_be_an_email(client) -> None:
    response = client.post(reverse("account_signup"), SIGNUP | {"display_name": "a@b.org"})
    assert response.status_code == 200
    assert not User.objects.exists()


@pytest.mark.django_db(transaction=True)  # emails leave the outbox on commit
def test_the_link_in_the_email_verifies_and_signs_in(client) -> None:
    client.post(reverse("account_signup"), SIGNUP)
    confirm_url = _link(mail.outbox[0].body)
    assert client.get(confirm_url).status_code == 200
    response = client.post(confirm_url)
    assert response.status_code == 302
    assert User.objects.get(email="nadia@example.org").emailaddress_set.get().verified
    assert client.get(reverse("my_data")).status_code == 200


@pytest.mark.django_db
def test_login_with_password(cast: Cast, client) -> None:
    response = client.post(
        reverse("account_login"), {"login": cast.participant.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("profile")).status_code == 200


@pytest.mark.django_db
def test_login_with_wrong_password_is_refused(cast: Cast, client) -> None:
    response = client.post(
        reverse("account_login"), {"login": cast.participant.email, "password": "nope"}
    )
    assert response.status_code == 200
    assert client.get(reverse("profile")).status_code == 302


@pytest.mark.django_db(transaction=True)  # emails leave the outbox on commit
def test_login_by_code_sent_by_email(cast: Cast, client) -> None:
    response = client.post(reverse("account_request_login_code"), {"email": cast.outsider.email})
    assert response.status_code == 302
    code = re.search(r"^\s*([A-Z0-9]{4}-?[A-Z0-9]{4})\s*$", mail.outbox[0].body, re.MULTILINE)
    assert code, mail.outbox[0].body
    response = client.post(reverse("account_confirm_login_code"), {"code": code.group(1)})
    assert response.status_code == 302
    assert client.get(reverse("profile")).status_code == 200


@pytest.mark.django_db
def test_after_five_failed_logins_even_the_right_password_is_refused(cast: Cast, client) -> None:
    for _ in range(5):
        client.post(reverse("account_login"), {"login": cast.participant.email, "password": "bad"})
    response = client.post(
        reverse("account_login"), {"login": cast.participant.email, "password": PASSWORD}
    )
    assert response.status_code == 200
    assert client.get(reverse("profile")).status_code == 302


@pytest.mark.django_db(transaction=True)  # emails leave the outbox on commit
def test_login_codes_are_rate_limited(cast: Cast, client) -> None:
    statuses = [
        client.post(
            reverse("account_request_login_code"), {"email": cast.outsider.email}
        ).status_code
        for _ in range(4)
    ]
    assert len(mail.outbox) <= 3
    assert statuses[0] == 302


class SignupFormFuzz(HypothesisTestCase):
    @settings(max_examples=25, deadline=None)
    @given(
        st.fixed_dictionaries(
            {},
            optional={
                "email": st.emails() | st.text(max_size=30),
                "password1": st.text(max_size=30),
                "password2": st.text(max_size=30),
                "display_name": st.text(max_size=50),
                "language": st.sampled_from(["fr", "en", "xx", ""]),
                "accept_terms": st.sampled_from(["on", "", "false"]),
            },
        )
    )
    def test_arbitrary_signups_never_fail_and_invalid_ones_create_nothing(self, data) -> None:
        from django.core.cache import cache

        cache.clear()
        response = self.client.post(reverse("account_signup"), data)
        assert response.status_code in (200, 302)
        if response.status_code == 200:
            assert not User.objects.exists()
            assert not Consent.objects.exists()


@pytest.mark.django_db
def test_the_verification_sent_page_says_how_to_get_a_new_link(client) -> None:
    response = client.post(reverse("account_signup"), SIGNUP, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("account_email_verification_sent")
    assert 'data-resend-verification="login"' in page
    assert f'href="{reverse("account_login")}"' in page


@pytest.mark.django_db(transaction=True)  # emails leave the outbox on commit
def test_a_signed_in_person_with_an_unverified_address_can_resend_the_link(
    cast: Cast, client_as
) -> None:
    cast.outsider.emailaddress_set.update(verified=False)
    client = client_as("outsider")
    meeting = make_meeting(cast)
    page = client.get(
        reverse("meeting_apply", args=[cast.territory.slug, meeting.pk])
    ).content.decode()
    assert 'data-resend-verification="send"' in page
    form = re.search(r'<form[^>]*data-resend-verification="send".*?</form>', page, re.S)
    assert form is not None
    assert f'action="{reverse("account_email")}"' in form.group(0)
    assert f'value="{cast.outsider.email}"' in form.group(0) and 'name="action_send"' in form.group(
        0
    )
    mail.outbox.clear()
    response = client.post(
        reverse("account_email"), {"email": cast.outsider.email, "action_send": "1"}
    )
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[cast.outsider.email]]


@pytest.mark.django_db
def test_the_verified_email_required_page_has_the_resend_button(cast: Cast) -> None:
    request = RequestFactory().get("/")
    request.user = cast.outsider
    page = render_to_string("account/verified_email_required.html", request=request)
    assert 'data-resend-verification="send"' in page
