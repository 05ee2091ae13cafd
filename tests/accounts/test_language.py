"""One language at a time: sign-up in the page's language, the header switch stores a
signed-in person's choice and says so in it, and messages match the page they are on."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from tests.cast import PASSWORD, Cast, build_cast
from tests.fuzz import fuzz_settings, printable_text
from tierslien.accounts.models import User
from tierslien.territories.models import SeasonAlert

ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}


def _messages(page: str) -> list[str]:
    return re.findall(r'<li class="message[^"]*">(.*?)</li>', page, re.S)


@pytest.mark.django_db
def test_signup_page_offers_the_language_it_is_read_in(client) -> None:
    page = client.get(reverse("account_signup"), **ENGLISH_BROWSER).content.decode()
    assert '<html lang="en">' in page
    assert re.search(r'<option value="en" selected>', page)
    french = client.get(reverse("account_signup"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert re.search(r'<option value="fr" selected>', french)


@pytest.mark.django_db
def test_switch_stores_a_signed_in_persons_language_and_says_so_in_it(
    cast: Cast, client_as
) -> None:
    client = client_as("participant")
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("profile")})
    assert response.status_code == 302
    cast.participant.refresh_from_db()
    assert cast.participant.language == "en"
    page = client.get(reverse("profile")).content.decode()
    assert '<html lang="en">' in page
    assert _messages(page) == ["Language changed: pages and emails are now in English."]
    client.post(reverse("set_language"), {"language": "fr", "next": reverse("profile")})
    page = client.get(reverse("profile")).content.decode()
    assert '<html lang="fr">' in page
    assert _messages(page) == [
        "Langue changée : les pages et les courriels sont désormais en français."
    ]


@pytest.mark.django_db
def test_switch_refuses_unknown_languages_and_changes_nothing(cast: Cast, client_as) -> None:
    client = client_as("participant")
    for code in ("de", "", "x" * 300):
        client.post(reverse("set_language"), {"language": code, "next": "/"})
    cast.participant.refresh_from_db()
    assert cast.participant.language == "fr"


@pytest.mark.django_db
def test_switch_for_anonymous_sets_the_cookie_only(client) -> None:
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "en"
    assert not _messages(client.get("/").content.decode())


@pytest.mark.django_db
def test_logging_in_speaks_the_persons_language_at_once(cast: Cast, client) -> None:
    """An English browser, a French speaker: the page and its message are both French,
    and the pages after logging out stay French (the cookie follows the person)."""
    response = client.post(
        reverse("account_login"),
        {"login": cast.participant.email, "password": PASSWORD},
        **ENGLISH_BROWSER,
    )
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "fr"
    page = client.get(reverse("home"), **ENGLISH_BROWSER).content.decode()
    assert '<html lang="fr">' in page
    assert _messages(page) and all("Connexion" in m or "connecté" in m for m in _messages(page))
    client.post(reverse("account_logout"), **ENGLISH_BROWSER)
    page = client.get(reverse("home"), **ENGLISH_BROWSER).content.decode()
    assert '<html lang="fr">' in page
    assert all("Sign" not in m and "signed" not in m for m in _messages(page))


@pytest.mark.django_db
def test_profile_language_change_is_confirmed_in_the_new_language(cast: Cast, client_as) -> None:
    client = client_as("participant")
    client.post(reverse("profile"), {"display_name": "Alice", "language": "en"})
    page = client.get(reverse("profile")).content.decode()
    assert _messages(page) == ["Your profile has been saved."]
    assert User.objects.get(pk=cast.participant.pk).language == "en"


class LanguageSwitchFuzz(HypothesisTestCase):
    @fuzz_settings()
    @given(
        st.fixed_dictionaries(
            {},
            optional={
                "language": st.sampled_from(["fr", "en", "", "de", "EN"]) | printable_text(8),
                "next": st.sampled_from(["/", "https://evil.example/", ""]) | printable_text(30),
            },
        )
    )
    def test_arbitrary_posts_never_fail_and_only_known_languages_are_stored(self, data) -> None:
        cast = build_cast()
        self.client.force_login(cast.participant)
        response = self.client.post(reverse("set_language"), data)
        assert response.status_code in (200, 204, 302)
        if response.status_code == 302:
            assert not response["Location"].startswith("https://evil.example")
        stored = User.objects.get(pk=cast.participant.pk).language
        expected = data.get("language") if data.get("language") in ("fr", "en") else "fr"
        assert stored == expected


class SeasonAlertFuzz(HypothesisTestCase):
    @fuzz_settings()
    @given(
        st.fixed_dictionaries(
            {},
            optional={
                "want": st.sampled_from(["yes", "no", ""]) | printable_text(8),
                "next": st.sampled_from(["/", "//evil.example/"]) | printable_text(30),
            },
        )
    )
    def test_arbitrary_posts_never_fail(self, data) -> None:
        cast = build_cast()
        self.client.force_login(cast.participant)
        response = self.client.post(reverse("season_alert", args=[cast.territory.slug]), data)
        assert response.status_code == 302
        assert "evil.example" not in response["Location"]
        wants = SeasonAlert.objects.filter(user=cast.participant).exists()
        assert wants is (data.get("want") != "no")
