"""Every page is valid HTML, as the W3C Nu HTML checker reads it.

Each GET page of the URL matrix (tests/security/test_url_matrix.py) is rendered for an
anonymous visitor, a participant and a facilitator (the roles that see most pages); every
HTML answer served (200) is written to a folder, and the checker, from the `vnu-jar` npm
package (scripts/node-deps) run by Debian's Java, reads them all in one batch: one JVM, a
few seconds. Any error fails the test, listing page, line and message.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse

from tests.cast import Cast
from tests.security.test_url_matrix import PATTERNS, arguments
from tests.security.world import build_world

VNU = Path(__file__).resolve().parents[2] / "node_modules/vnu-jar/build/dist/vnu.jar"
ROLES = ("anonymous", "participant", "facilitator")

pytestmark = pytest.mark.skipif(
    not VNU.exists() or shutil.which("java") is None,
    reason="the Nu HTML checker needs node_modules (scripts/node-deps) and Java "
    "(scripts/system-deps --with-browser)",
)


def validate(files: dict[Path, str]) -> list[str]:
    """The checker's errors over `files` (path → what it is), one line each."""
    completed = subprocess.run(
        ["java", "-Xss2m", "-jar", str(VNU), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = json.loads(completed.stderr or '{"messages": []}')
    by_url = {path.resolve().as_uri(): what for path, what in files.items()}
    return [
        f"{by_url.get(message.get('url', ''), message.get('url'))} line {message.get('lastLine')}: "
        f"{message['message']} [{message.get('extract', '').strip()}]"
        for message in report["messages"]
    ]


def render(client: Client, url: str) -> str | None:
    """The page's HTML if it is served as a page (200, text/html); nothing is kept."""
    cache.clear()  # rate limits
    with transaction.atomic():
        response = client.get(url)
        transaction.set_rollback(True)
    if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
        return None
    return str(response.content.decode())


@pytest.mark.django_db
def test_every_page_is_valid_html(
    cast: Cast, client_as: Callable[[str], Client], tmp_path: Path
) -> None:
    world = build_world(cast)
    clients = {role: client_as(role) for role in ROLES}
    files: dict[Path, str] = {}
    seen: set[str] = set()
    for name in sorted(PATTERNS):
        url = reverse(name, kwargs=arguments(world, PATTERNS[name]))
        for role in ROLES:
            html = render(clients[role], url)
            if html is None:
                continue
            digest = hashlib.sha256(html.encode()).hexdigest()
            if digest in seen:
                continue
            seen.add(digest)
            path = tmp_path / f"{len(files):03d}.html"
            path.write_text(html)
            files[path] = f"{url} ({role})"
    assert len(files) > 100, f"only {len(files)} pages rendered"
    errors = validate(files)
    assert not errors, f"{len(errors)} HTML errors in {len(files)} pages:\n" + "\n".join(errors)
