"""Shared fixtures: the cast, clients signed in as each role, and the URL check."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings as hypothesis_settings

from tests.url_coverage import UrlCoverage

if TYPE_CHECKING:  # Django-free at import: the engine's tests run with `-p no:django`.
    from django.test import Client

    from tests.cast import Cast
    from tests.smtp import SmtpServer
    from tierslien.accounts.models import User

_url_coverage = UrlCoverage()

# Hypothesis draws the same examples on every run (derived from each test's name), so the
# suite is deterministic; `HYPOTHESIS_PROFILE=explore` draws fresh ones to hunt for bugs.
hypothesis_settings.register_profile("deterministic", derandomize=True, database=None)
hypothesis_settings.register_profile("explore", derandomize=False)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """Give each test process its own PostgreSQL test database.

    Several runs against one server (two developers, CI and a developer) would otherwise
    create and drop the same `test_<name>_gwN` databases under each other.
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    if "postgresql" in database["ENGINE"]:
        database.setdefault("TEST", {})["NAME"] = f"test_{database['NAME']}_{os.getpid()}"


@pytest.fixture(autouse=True)
def _fast_and_quiet(request: pytest.FixtureRequest) -> None:
    """Test-only speed-ups, and a fresh cache (allauth's rate limits live there).

    The cache is the production one, in the database (its table is made with the test
    database), so it is emptied only for tests that use the database.
    Skipped when Django is not loaded (`-p no:django`, for the engine and the lottery).
    """
    if not request.config.pluginmanager.hasplugin("django"):
        return
    from django.core.cache import cache

    settings = request.getfixturevalue("settings")
    # Tests need no strong hashing; the production hasher stays Argon2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.SMS_BACKEND = "memory"  # texts kept in `outbox.sms.sent`, like `mail.outbox`
    from tierslien.outbox import sms

    sms.sent.clear()
    uses_db = request.node.get_closest_marker("django_db") is not None or not {
        "db",
        "transactional_db",
    }.isdisjoint(request.fixturenames)
    if uses_db:
        request.getfixturevalue("db")  # before the cache, whatever the fixtures' order
        cache.clear()


@pytest.fixture
def cast(db: None) -> Cast:
    from tests.cast import build_cast

    return build_cast()


@pytest.fixture
def client_as(cast: Cast) -> Callable[[str], Client]:
    """`client_as("facilitator")`: a test client signed in as that role."""

    from django.test import Client

    from tests.cast import MFA_ROLES, sign_in

    def make(role: str) -> Client:
        client = Client()
        user = cast.roles()[role]
        if user is not None:
            sign_in(client, user, mfa=role in MFA_ROLES)
        return client

    return make


@pytest.fixture
def facilitator_without_totp(cast: Cast) -> User:
    """The territory's facilitator Nina, who never set up an authenticator app."""
    from allauth.account.models import EmailAddress

    from tests.cast import PASSWORD
    from tierslien.accounts.models import User
    from tierslien.territories.models import Facilitator

    user = User.objects.create_user("nina@example.org", PASSWORD, display_name="Nina")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    Facilitator.objects.create(territory=cast.territory, user=user)
    return user


def pytest_configure(config: pytest.Config) -> None:
    _url_coverage.install()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _url_coverage.finish(session, enforce=os.environ.get("CHECK_URL_COVERAGE") == "1")


def pytest_testnodedown(node: object, error: object) -> None:
    _url_coverage.merge_from_worker(node)


@pytest.fixture
def smtp_server(settings: object) -> Iterator[SmtpServer]:
    """A real SMTP server on 127.0.0.1, and Django's default mailer pointed at it."""
    from tests.smtp import SmtpServer

    server = SmtpServer()
    server.start()
    settings.MAILERS = server.mailer()  # type: ignore[attr-defined]
    try:
        yield server
    finally:
        server.stop()
