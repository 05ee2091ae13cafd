from __future__ import annotations

import json

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from tests.cast import Cast, build_cast, totp_secret
from tests.ritual import assert_sent_to_login
from tierslien.accounts.models import User

PAGES = ["my_data", "export_my_data", "delete_account"]
ROLES = ["outsider", "participant", "facilitator", "admin"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
def test_anonymous_is_sent_to_login(client_as, name: str) -> None:
    response = client_as("anonymous").get(reverse(name))
    assert_sent_to_login(response)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["my_data", "export_my_data"])
def test_reading_pages_refuse_post(client_as, name: str) -> None:
    assert client_as("participant").post(reverse(name)).status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_my_data_shows_my_rows_and_nobody_elses(cast: Cast, client_as, role: str) -> None:
    me = cast.roles()[role]
    response = client_as(role).get(reverse("my_data"))
    assert response.status_code == 200
    page = response.content.decode()
    assert me.email in page
    for other in (cast.co_member, cast.other_facilitator):
        if other != me:
            assert other.email not in page


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_export_is_a_json_download_of_my_data_only(cast: Cast, client_as, role: str) -> None:
    me = cast.roles()[role]
    response = client_as(role).get(reverse("export_my_data"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    payload = json.loads(response.content)
    assert payload["format"] == "tierslien-personal-data"
    assert payload["data"]["account"] == [payload["data"]["account"][0]]
    assert payload["data"]["account"][0]["email"] == me.email
    text = response.content.decode()
    for other in (cast.co_member, cast.outsider, cast.other_facilitator):
        if other != me:
            assert other.email not in text


@pytest.mark.django_db
def test_export_holds_the_portrait_and_consents(cast: Cast, client_as) -> None:
    from tierslien.accounts.services import give_consent

    give_consent(cast.participant, "question:engagement", wording_version="2026-11")
    portrait = cast.participant.portraits.get()
    portrait.availability = ["tue-evening"]
    portrait.save(update_fields=["availability"])
    data = json.loads(client_as("participant").get(reverse("export_my_data")).content)["data"]
    assert data["portraits"][0]["availability"] == ["tue-evening"]
    assert data["portraits"][0]["territory__name"] == cast.territory.name
    assert [c["subject"] for c in data["consents"]] == ["question:engagement"]


@pytest.mark.django_db
def test_totp_secret_is_never_exported(cast: Cast, client_as) -> None:
    text = client_as("facilitator").get(reverse("export_my_data")).content.decode()
    secret = totp_secret(cast.facilitator)
    assert secret not in text


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_delete_page_asks_for_confirmation(client_as, role: str) -> None:
    response = client_as(role).get(reverse("delete_account"))
    assert response.status_code == 200
    assert b'name="confirm"' in response.content


@pytest.mark.django_db
def test_delete_without_confirmation_changes_nothing(cast: Cast, client_as) -> None:
    response = client_as("participant").post(reverse("delete_account"), {})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert User.objects.filter(pk=cast.participant.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_delete_with_confirmation_removes_me_and_signs_me_out(
    cast: Cast, client_as, role: str
) -> None:
    me = cast.roles()[role]
    client = client_as(role)
    response = client.post(reverse("delete_account"), {"confirm": "on"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=me.pk).exists()
    assert User.objects.filter(pk=cast.co_member.pk).exists()
    assert client.get(reverse("my_data")).status_code == 302  # signed out


class DeleteFormFuzz(HypothesisTestCase):
    @settings(max_examples=25, deadline=None)
    @given(st.dictionaries(st.text(max_size=10), st.text(max_size=20), max_size=4))
    def test_arbitrary_posts_never_fail_and_delete_only_when_confirmed(self, data) -> None:
        cast = build_cast()
        self.client.force_login(cast.participant)
        response = self.client.post(reverse("delete_account"), data)
        assert response.status_code in (200, 302)
        confirmed = data.get("confirm", "").lower() not in ("", "false", "0")
        assert User.objects.filter(pk=cast.participant.pk).exists() is not confirmed


def test_my_data_names_every_field_in_translatable_words() -> None:
    from django.utils.functional import Promise

    from tierslien.privacy.display import field_words
    from tierslien.privacy.registry import PERSONAL_MODELS

    untranslated = [
        f"{spec.label}.{lookup}"
        for spec in PERSONAL_MODELS
        for lookup in spec.exported
        if not isinstance(field_words(spec, lookup), Promise)
    ]
    assert untranslated == [], "give these a verbose_name or a word in FIELD_WORDS"


@pytest.mark.django_db
def test_my_data_reads_codes_in_words_and_names_empty_sections_once(cast: Cast, client_as) -> None:
    from tierslien.accounts.services import give_consent

    cast.participant.language = "en"
    cast.participant.save(update_fields=["language"])
    give_consent(cast.participant, "question:engagement", wording_version="2026-11")
    portrait = cast.participant.portraits.get()
    portrait.availability = ["tue-evening"]
    portrait.save(update_fields=["availability"])
    page = client_as("participant").get(reverse("my_data")).content.decode()
    for code in ("tue-evening", "question:engagement", "Staff status", "staff status"):
        assert code not in page
    assert "Tuesday evening" in page
    assert "The sensitive question “" in page
    assert "Can open the administration site: no" in page
    # Only sections holding something get a box; the others are named in one sentence.
    assert page.count('<section class="card" id="section-') <= 6
    assert "Nothing stored about you in:" in page
    assert "Nothing stored." not in page
