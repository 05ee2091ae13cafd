from __future__ import annotations

import pytest

from tests.cast import Cast, make_user


@pytest.mark.django_db
def test_admin_sends_anonymous_to_the_allauth_login(client) -> None:
    response = client.get("/admin/")
    assert response.status_code == 302
    login = client.get(response["Location"], follow=False)
    assert login.status_code == 302
    assert "/accounts/login/" in login["Location"]


@pytest.mark.django_db
def test_admin_refuses_staff_without_totp(client, cast: Cast) -> None:
    staff = make_user("staff@example.org", "Staff", is_staff=True, is_superuser=True)
    client.force_login(staff)
    assert client.get("/admin/").status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["participant", "facilitator"])
def test_admin_refuses_non_staff(client_as, role: str) -> None:
    assert client_as(role).get("/admin/").status_code == 302


@pytest.mark.django_db
def test_admin_opens_for_a_site_admin_with_totp(client_as) -> None:
    assert client_as("admin").get("/admin/").status_code == 200
