"""Pages answer 405 to a method they do not take, before anything else (sign-in, lookups),
as every app's views do: core, accounts and portraits too."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

T = ("val-de-lien",)

REFUSED = [
    ("home", (), "post"),
    ("how_it_works", (), "post"),
    ("legal_terms", (), "post"),
    ("legal_privacy", (), "post"),
    ("legal_notice", (), "post"),
    ("contact", (), "post"),
    ("profile", (), "put"),
    ("terms_accept", (), "delete"),
    ("portrait_detail", T, "post"),
    ("portrait_edit", T, "put"),
    ("portrait_withdraw_consent", (*T, "any-key"), "get"),
    ("manage_criteria", T, "put"),
    ("manage_criterion_new", T, "delete"),
    ("manage_criterion_edit", (*T, 1), "put"),
]


@pytest.mark.parametrize(("name", "args", "method"), REFUSED)
def test_a_method_the_page_does_not_take_is_405(
    name: str, args: tuple[object, ...], method: str
) -> None:
    response = getattr(Client(), method)(reverse(name, args=args))
    assert response.status_code == 405
