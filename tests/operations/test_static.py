"""With DEBUG off, the web process serves its own static files (WhiteNoise): hashed names,
gzip copies, a one-year immutable cache header. Nothing else would serve them."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.test import Client


@pytest.fixture
def production_static(settings, tmp_path) -> None:
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)


@pytest.mark.django_db
@pytest.mark.slow
def test_a_stylesheet_of_a_page_is_served_with_a_long_cache(production_static: None) -> None:
    client = Client()  # a new client loads the middleware, and WhiteNoise reads STATIC_ROOT
    page = client.get("/").content.decode()
    stylesheets = re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', page)
    stylesheets += re.findall(r'<link[^>]+href="([^"]+\.css)"', page)
    assert stylesheets, "the home page links no stylesheet"
    url = stylesheets[0]
    assert re.search(r"\.[0-9a-f]{12}\.css$", url), f"not a hashed name: {url}"

    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    assert "max-age=315360000" in response["Cache-Control"]
    assert "immutable" in response["Cache-Control"]
    assert b"{" in b"".join(response.streaming_content)

    compressed = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert compressed.status_code == 200 and compressed["Content-Encoding"] == "gzip"


@pytest.mark.django_db
@pytest.mark.slow
def test_an_unknown_static_file_is_a_404(production_static: None) -> None:
    assert Client().get("/static/css/nothing.0123456789ab.css").status_code == 404
