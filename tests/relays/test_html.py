"""The relay's pages are valid HTML (the site-wide check renders them for no relay)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests.cast import Cast
from tests.html.test_valid_html import pytestmark as needs_the_checker
from tests.html.test_valid_html import validate
from tests.relays.helpers import open_season

pytestmark = [needs_the_checker, pytest.mark.django_db]


def test_the_relays_pages_are_valid_html(
    cast: Cast, client_as: Callable[[str], Client], tmp_path: Path
) -> None:
    open_season(cast)
    slug, person = cast.territory.slug, cast.registered.pk
    client = client_as("relay")
    pages = [
        reverse("relay_home", args=[slug]),
        reverse("relay_register", args=[slug]),
        reverse("relay_person", args=[slug, person]),
        reverse("relay_person_contact", args=[slug, person]),
    ]
    files: dict[Path, str] = {}
    for number, url in enumerate(pages):
        response = client.get(url)
        assert response.status_code == 200, url
        path = tmp_path / f"{number}.html"
        path.write_text(response.content.decode())
        files[path] = url
    # A refused registration shows its errors on the same page.
    invalid = client.post(pages[1], {"display_name": "", "reach_by": "sms"})
    path = tmp_path / "invalid.html"
    path.write_text(invalid.content.decode())
    files[path] = "register, with errors"
    errors = validate(files)
    assert not errors, "\n".join(errors)
