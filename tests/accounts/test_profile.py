from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from tests.cast import Cast, build_cast
from tests.ritual import assert_sent_to_login
from tierslien.accounts.models import User

ROLES = ["outsider", "participant", "facilitator", "admin"]


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client_as) -> None:
    response = client_as("anonymous").get(reverse("profile"))
    assert_sent_to_login(response)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_everyone_sees_their_own_profile(cast: Cast, client_as, role: str) -> None:
    response = client_as(role).get(reverse("profile"))
    assert response.status_code == 200
    assert cast.roles()[role].display_name in response.content.decode()


@pytest.mark.django_db
def test_saving_the_profile_changes_name_and_language(cast: Cast, client_as) -> None:
    response = client_as("participant").post(
        reverse("profile"), {"display_name": "  Alice   M. ", "language": "en"}
    )
    assert response.status_code == 302
    cast.participant.refresh_from_db()
    assert (cast.participant.display_name, cast.participant.language) == ("Alice M.", "en")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        {"display_name": "", "language": "fr"},
        {"display_name": "me@example.org", "language": "fr"},
        {"display_name": "Alice", "language": "de"},
        {"display_name": "x" * 41, "language": "fr"},
    ],
)
def test_invalid_profile_changes_nothing(cast: Cast, client_as, data) -> None:
    response = client_as("participant").post(reverse("profile"), data)
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    cast.participant.refresh_from_db()
    assert (cast.participant.display_name, cast.participant.language) == ("Alice", "fr")


@pytest.mark.django_db
def test_pages_speak_the_signed_in_persons_language(cast: Cast, client_as) -> None:
    cast.participant.language = "en"
    cast.participant.save()
    response = client_as("participant").get(reverse("profile"))
    assert response["Content-Language"] == "en"
    assert '<html lang="en">' in response.content.decode()


@pytest.mark.django_db
def test_anonymous_pages_are_french_by_default(client) -> None:
    response = client.get(reverse("home"))
    assert '<html lang="fr">' in response.content.decode()


class ProfileFormFuzz(HypothesisTestCase):
    @settings(max_examples=25, deadline=None)
    @given(
        st.fixed_dictionaries(
            {},
            optional={
                "display_name": st.text(max_size=50),
                "language": st.sampled_from(["fr", "en", "", "xx"]) | st.text(max_size=3),
            },
        )
    )
    def test_arbitrary_posts_never_fail_and_invalid_ones_change_nothing(self, data) -> None:
        cast = build_cast()
        self.client.force_login(cast.participant)
        response = self.client.post(reverse("profile"), data)
        assert response.status_code in (200, 302)
        user = User.objects.get(pk=cast.participant.pk)
        if response.status_code == 200:
            assert (user.display_name, user.language) == ("Alice", "fr")
