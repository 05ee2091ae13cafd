"""The legal pages: readable by anyone, in both languages, linked from every page."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

LEGAL_PAGES = ["legal_terms", "legal_privacy", "legal_notice", "contact"]
HEADINGS = {
    "fr": {
        "legal_terms": "Conditions d'utilisation",
        "legal_privacy": "Politique de confidentialité",
        "legal_notice": "Mentions légales",
        "contact": "Signaler une faille de sécurité",
    },
    "en": {
        "legal_terms": "Terms of use",
        "legal_privacy": "Privacy notice",
        "legal_notice": "Legal notice",
        "contact": "Reporting a vulnerability",
    },
}


def _get(name: str, language: str) -> str:
    response = Client(headers={"accept-language": language}).get(reverse(name))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("name", LEGAL_PAGES)
def test_legal_pages_render_for_anonymous_visitors_in_both_languages(
    name: str, language: str
) -> None:
    page = _get(name, language)
    assert f'<html lang="{language}">' in page
    assert HEADINGS[language][name] in page


@pytest.mark.django_db
def test_unknown_languages_read_the_french_texts() -> None:
    assert "Politique de confidentialité" in _get("legal_privacy", "de")


@pytest.mark.django_db
def test_the_privacy_notice_states_retention_rights_and_the_cnil(settings) -> None:
    settings.LEGAL_OPERATOR_NAME = "Association Voisins"
    settings.LEGAL_CONTACT_EMAIL = "dpo@voisins.example"
    page = _get("legal_privacy", "en")
    assert "Association Voisins" in page and "dpo@voisins.example" in page
    assert "art. 9(2)(a)" in page
    assert "30 days after the season" in page
    assert "30 days after the evening" in page and "30 days after the meeting" in page
    for name in ("my_data", "delete_account", "legal_notice"):
        assert reverse(name) in page
    assert "CNIL" in page


@pytest.mark.django_db
def test_the_legal_notice_names_the_publisher_and_the_host(settings) -> None:
    settings.LEGAL_HOST_NAME = "Hébergeur Coopératif"
    settings.LEGAL_PUBLICATION_DIRECTOR = "Camille Martin"
    page = _get("legal_notice", "fr")
    assert "Hébergeur Coopératif" in page and "Camille Martin" in page


@pytest.mark.django_db
def test_contact_gives_the_security_address(settings) -> None:
    settings.SECURITY_CONTACT_EMAIL = "security@voisins.example"
    assert "security@voisins.example" in _get("contact", "en")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["anonymous", "participant", "facilitator"])
def test_every_page_links_the_legal_pages_in_its_footer(client_as, role: str) -> None:
    page = client_as(role).get(reverse("how_it_works")).content.decode()
    footer = page[page.index('<footer class="site-footer">') :]
    for name in LEGAL_PAGES:
        assert f'href="{reverse(name)}"' in footer


@pytest.mark.django_db
def test_an_instance_overrides_a_text_from_its_own_directory(settings, tmp_path: Path) -> None:
    (tmp_path / "legal").mkdir()
    (tmp_path / "legal" / "terms.en.html").write_text(
        '{% extends "legal/_page.html" %}{% block legal %}<h1>Our own terms</h1>{% endblock %}'
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    assert "Our own terms" in _get("legal_terms", "en")
    assert "Conditions d'utilisation" in _get("legal_terms", "fr")


@pytest.mark.django_db
def test_my_data_links_the_privacy_notice(client_as) -> None:
    page = client_as("participant").get(reverse("my_data"), headers={"accept-language": "fr"})
    assert f'href="{reverse("legal_privacy")}"' in page.content.decode()
