"""Shared fixtures: the cast, clients signed in as each role, and the URL check."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from django.test import Client

from tests.cast import Cast, build_cast
from tests.url_coverage import UrlCoverage

_url_coverage = UrlCoverage()


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
def _fast_and_quiet(settings: object) -> None:
    # Tests need no strong hashing; the production hasher stays Argon2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    # allauth's rate limits live in the cache: start every test afresh.
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def cast(db: None) -> Cast:
    return build_cast()


@pytest.fixture
def client_as(cast: Cast) -> Callable[[str], Client]:
    """`client_as("facilitator")`: a test client signed in as that role."""

    def make(role: str) -> Client:
        client = Client()
        user = cast.roles()[role]
        if user is not None:
            client.force_login(user)
        return client

    return make


def pytest_configure(config: pytest.Config) -> None:
    _url_coverage.install()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _url_coverage.finish(session, enforce=os.environ.get("CHECK_URL_COVERAGE") == "1")


def pytest_testnodedown(node: object, error: object) -> None:
    _url_coverage.merge_from_worker(node)
