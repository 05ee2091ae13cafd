"""The permission ritual, written once for every view module.

Every group of pages is tested the same way (docs/testing.md, STYLE.md): anonymous is sent
to sign in, an unknown or foreign object answers 404, a role without the right answers 403,
a facilitator whose session has not passed the second factor is sent to enrol one, a page
refuses the methods it does not take, and nothing changed after any refusal.

A view module describes its pages once with a `Ritual` and takes the standard tests from it:

    RITUAL = Ritual("evening", url, get=GET_PAGES, post=POST_ONLY, unchanged=state_of)

    test_anonymous_is_sent_to_login = RITUAL.anonymous_is_sent_to_login()
    test_insufficient_role_gets_403 = RITUAL.insufficient_role_gets_403()

- `subject` names the fixture giving what the URLs point to (an evening, a season...);
- `url(name, subject, slug=None)` builds the address (`slug` replaces the territory's);
- `get` pages are read with GET, `post` pages (POST only) are sent a POST;
- `unchanged(subject)` is called before and after each refused request, and the two
  answers must be equal: return a snapshot (a tuple of states and counts), or assert and
  return None.

Each method returns a test function (parametrized by page `name`, and `role` where it
loops over roles); pytest collects it under the module-level name it is assigned to. The
small helpers (`assert_sent_to_login`, `assert_sent_to_enrol`, `password_only`, `send`)
serve the tests a module still writes by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import pytest
from django.test import Client
from django.urls import reverse

ClientAs = Callable[[str], Client]
TestFunction = Callable[..., None]

# The roles that may not manage a territory's pages, and the two that may.
INSUFFICIENT = ("participant", "outsider", "other_facilitator")
MANAGERS = ("facilitator", "admin")
# A primary key no test object has.
MISSING_PK = 999999


class Url(Protocol):
    def __call__(self, name: str, subject: Any, *, slug: str | None = None) -> str: ...


def assert_sent_to_login(response: Any) -> None:
    """The answer sends the visitor to the sign-in page."""
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def assert_sent_to_enrol(response: Any) -> None:
    """The answer sends a facilitator without a second factor to set up their app."""
    assert response.status_code == 302
    assert response.url.startswith(reverse("mfa_activate_totp"))
    assert "next=" in response.url


def password_only(user: Any) -> Client:
    """A client signed in as `user` with a password only (no second factor passed)."""
    client = Client()
    client.force_login(user)
    return client


def send(client: Client, target: str, *, post: bool, data: Mapping[str, Any] | None = None) -> Any:
    """POST `data` to `target` when `post`, else GET it."""
    return client.post(target, dict(data or {})) if post else client.get(target)


def _nothing(subject: Any) -> None:
    return None


@dataclass(frozen=True)
class Ritual:
    """The pages of one area and how to reach them; its methods make the ritual's tests."""

    subject: str
    url: Url
    get: Sequence[str] = ()
    post: Sequence[str] = ()
    unchanged: Callable[[Any], object] = _nothing

    @property
    def pages(self) -> list[str]:
        return [*self.get, *self.post]

    def send(self, client: Client, name: str, target: str) -> Any:
        """GET a page, or POST (nothing) to a POST-only one."""
        return send(client, target, post=name in self.post)

    def _names(self, names: Sequence[str] | None) -> list[str]:
        return list(self.pages if names is None else names)

    # --- The tests --------------------------------------------------------------------------

    def anonymous_is_sent_to_login(self, names: Sequence[str] | None = None) -> TestFunction:
        """Anonymous is sent to sign in, on every page and with the page's method."""

        def test(request: pytest.FixtureRequest, client_as: ClientAs, name: str) -> None:
            subject = request.getfixturevalue(self.subject)
            before = self.unchanged(subject)
            assert_sent_to_login(self.send(client_as("anonymous"), name, self.url(name, subject)))
            assert self.unchanged(subject) == before

        return _by_name(test, self._names(names))

    def unknown_territory_gets_404(
        self, names: Sequence[str] | None = None, *, roles: Sequence[str] = ("admin",)
    ) -> TestFunction:
        """A territory that does not exist answers 404, even to an administrator."""

        def test(request: pytest.FixtureRequest, client_as: ClientAs, name: str) -> None:
            subject = request.getfixturevalue(self.subject)
            before = self.unchanged(subject)
            target = self.url(name, subject, slug="nowhere")
            for role in roles:
                assert self.send(client_as(role), name, target).status_code == 404
            assert self.unchanged(subject) == before

        return _by_name(test, self._names(names))

    def unknown_object_gets_404(
        self,
        names: Sequence[str] | None = None,
        *,
        pk: Callable[[Any], int] = lambda subject: int(subject.pk),
        prefix: str = "",
        role: str = "facilitator",
    ) -> TestFunction:
        """The address with the subject's id replaced by one that does not exist: 404."""

        def test(request: pytest.FixtureRequest, client_as: ClientAs, name: str) -> None:
            subject = request.getfixturevalue(self.subject)
            before = self.unchanged(subject)
            known = f"{prefix}/{pk(subject)}/"
            target = self.url(name, subject).replace(known, f"{prefix}/{MISSING_PK}/")
            assert target != self.url(name, subject)
            assert self.send(client_as(role), name, target).status_code == 404
            assert self.unchanged(subject) == before

        return _by_name(test, self._names(names))

    def of_another_territory_gets_404(
        self,
        other: str,
        names: Sequence[str] | None = None,
        *,
        roles: Sequence[str] = MANAGERS,
    ) -> TestFunction:
        """The `other` fixture's object, asked for under this territory's address: 404."""

        def test(request: pytest.FixtureRequest, client_as: ClientAs, cast: Any, name: str) -> None:
            subject = request.getfixturevalue(other)
            before = self.unchanged(subject)
            target = self.url(name, subject, slug=cast.territory.slug)
            for role in roles:
                assert self.send(client_as(role), name, target).status_code == 404
            assert self.unchanged(subject) == before

        return _by_name(test, self._names(names))

    def insufficient_role_gets_403(
        self,
        names: Sequence[str] | None = None,
        *,
        roles: Sequence[str] = INSUFFICIENT,
        both_methods: bool = True,
        data: Mapping[str, Any] | None = None,
    ) -> TestFunction:
        """A role without the right gets 403 and changes nothing.

        With `both_methods`, a GET page answers GET with 403 and every page answers POST
        with 403 (or 405 where the page takes no POST), sent `data`; else the page's own
        method only.
        """

        def test(request: pytest.FixtureRequest, client_as: ClientAs, name: str, role: str) -> None:
            subject = request.getfixturevalue(self.subject)
            before = self.unchanged(subject)
            client, target = client_as(role), self.url(name, subject)
            if not both_methods:
                assert self.send(client, name, target).status_code == 403
            else:
                if name not in self.post:
                    assert client.get(target).status_code == 403
                assert client.post(target, dict(data or {})).status_code in (403, 405)
            assert self.unchanged(subject) == before

        return _by_name(_by_role(test, roles), self._names(names))

    def managers_see_the_page(
        self,
        names: Sequence[str] | None = None,
        *,
        roles: Sequence[str] = MANAGERS,
        check: Callable[[Any], None] | None = None,
    ) -> TestFunction:
        """The territory's facilitator and an administrator read the page (200).

        `check(response)` asserts more of the answer.
        """

        def test(request: pytest.FixtureRequest, client_as: ClientAs, name: str, role: str) -> None:
            subject = request.getfixturevalue(self.subject)
            response = client_as(role).get(self.url(name, subject))
            assert response.status_code == 200
            if check is not None:
                check(response)

        return _by_name(_by_role(test, roles), self._names(names or self.get))

    def without_totp_is_sent_to_enrol(self, names: Sequence[str] | None = None) -> TestFunction:
        """A facilitator signed in with a password only is sent to enrol a second factor."""

        def test(request: pytest.FixtureRequest, name: str) -> None:
            subject = request.getfixturevalue(self.subject)
            before = self.unchanged(subject)
            client = password_only(request.getfixturevalue("facilitator_without_totp"))
            assert_sent_to_enrol(self.send(client, name, self.url(name, subject)))
            assert self.unchanged(subject) == before

        return _by_name(test, self._names(names))

    def refuses_methods(
        self,
        names: Sequence[str],
        *,
        methods: Sequence[str] = ("get",),
        role: str = "facilitator",
    ) -> TestFunction:
        """The pages answer 405 to `methods` (e.g. GET on a POST-only page), and change
        nothing. With several methods the test is parametrized by `method` too."""

        def test(
            request: pytest.FixtureRequest, client_as: ClientAs, name: str, method: str
        ) -> None:
            subject = request.getfixturevalue(self.subject)
            before = self.unchanged(subject)
            client = client_as(role)
            assert getattr(client, method)(self.url(name, subject)).status_code == 405
            assert self.unchanged(subject) == before

        if len(methods) == 1:
            (only,) = methods

            def one(request: pytest.FixtureRequest, client_as: ClientAs, name: str) -> None:
                test(request, client_as, name, only)

            return _by_name(one, list(names))
        parametrized = pytest.mark.parametrize("method", list(methods))(test)
        return _by_name(parametrized, list(names))


def _by_name(test: TestFunction, names: list[str]) -> TestFunction:
    marked: TestFunction = pytest.mark.parametrize("name", names)(test)
    return marked


def _by_role(test: TestFunction, roles: Sequence[str]) -> TestFunction:
    marked: TestFunction = pytest.mark.parametrize("role", list(roles))(test)
    return marked
