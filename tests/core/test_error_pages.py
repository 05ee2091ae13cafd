"""403, 404 and 500 pages: the site's header, a way home, in French and English (DEBUG off)."""

from __future__ import annotations

from collections.abc import Callable
from html import unescape
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views.defaults import server_error

from tests.cast import Cast

ClientAs = Callable[[str], Client]


@pytest.fixture(autouse=True)
def debug_off(settings: Any) -> None:
    settings.DEBUG = False


def _looks_like_ours(page: str) -> None:
    assert 'class="site-header"' in page
    assert 'class="button" href="/"' in page  # the way back home


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "title"), [("fr", "Page introuvable"), ("en", "Page not found")]
)
def test_not_found_has_the_header_and_a_link_home(
    client_as: ClientAs, language: str, title: str
) -> None:
    client = client_as("anonymous")
    response = client.get("/no-such-page/", headers={"accept-language": language})
    assert response.status_code == 404
    page = unescape(response.content.decode())
    _looks_like_ours(page)
    assert 'data-error="404"' in page and title in page


@pytest.mark.django_db
def test_forbidden_has_the_header_and_a_link_home(cast: Cast, client_as: ClientAs) -> None:
    response = client_as("participant").get(reverse("manage_territory", args=[cast.territory.slug]))
    assert response.status_code == 403
    page = unescape(response.content.decode())
    _looks_like_ours(page)
    assert 'data-error="403"' in page


@pytest.mark.parametrize(
    ("language", "title"), [("fr", "Erreur du serveur"), ("en", "Server error")]
)
def test_server_error_renders_without_the_database_nor_a_request_context(
    language: str, title: str
) -> None:
    """No `django_db` mark: any query would fail this test."""
    with translation.override(language):
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    page = unescape(response.content.decode())
    _looks_like_ours(page)
    assert 'data-error="500"' in page and title in page and f'lang="{language}"' in page
