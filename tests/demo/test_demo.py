"""The demo territory: counts, idempotence, determinism, realism, consent."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests.cast import sign_in
from tierslien.accounts.models import Consent, User
from tierslien.demo import territory as demo
from tierslien.demo.relays import REGISTRANT_COUNT
from tierslien.gatherings.models import Evening, Meeting
from tierslien.lib.geo import haversine_km
from tierslien.lib.slots import DAYS
from tierslien.portraits.models import Answer, Criterion, Portrait
from tierslien.territories.models import Facilitator, Territory, Venue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _development(settings: object) -> None:
    # The demo is for development: Django's test runner turns DEBUG off, we turn it back on.
    settings.DEBUG = True  # type: ignore[attr-defined]


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("load_demo", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def lienville() -> Territory:
    return Territory.objects.get(slug=demo.TERRITORY_SLUG)


def synthetic_users() -> list[User]:
    return list(User.objects.filter(email__regex=r"^participant\d{3}@demo\.tierslien\.localhost$"))


def table_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Territory,
            User,
            EmailAddress,
            Consent,
            Portrait,
            Answer,
            Criterion,
            Venue,
            Facilitator,
            Authenticator,
        )
    } | {"Sector": lienville().sectors.count()}


def answers_digest() -> str:
    rows = sorted(
        (email or "", key, json.dumps(value, sort_keys=True))
        for email, key, value in Answer.objects.filter(
            portrait__territory__slug=demo.TERRITORY_SLUG
        ).values_list("portrait__user__email", "criterion__key", "value")
    )
    portraits = sorted(
        (
            email or "",
            sector,
            max_km,
            json.dumps([availability, needs, hopes, mode]),
        )
        for email, sector, max_km, availability, needs, hopes, mode in Portrait.objects.filter(
            territory__slug=demo.TERRITORY_SLUG
        ).values_list(
            "user__email",
            "sector__name",
            "max_km",
            "availability",
            "accessibility_needs",
            "hopes",
            "meeting_mode",
        )
    )
    names = sorted(
        (email or "", name, language)
        for email, name, language in User.objects.values_list("email", "display_name", "language")
    )
    return hashlib.sha256(repr((rows, portraits, names)).encode()).hexdigest()


def wipe_demo() -> None:
    User.objects.filter(registered_by_relay__relay__email__endswith=f"@{demo.DEMO_DOMAIN}").delete()
    User.objects.filter(email__endswith=f"@{demo.DEMO_DOMAIN}").delete()
    Meeting.objects.filter(territory__slug=demo.TERRITORY_SLUG).delete()
    Evening.objects.filter(territory__slug=demo.TERRITORY_SLUG).delete()
    Venue.objects.filter(territory__slug=demo.TERRITORY_SLUG).delete()
    Territory.objects.filter(slug=demo.TERRITORY_SLUG).delete()


def test_load_demo_creates_the_town() -> None:
    out, _ = run()
    territory = lienville()
    assert territory.sectors.count() == 7
    assert territory.venues.count() == 12
    assert len(synthetic_users()) == 300
    # the 300 synthetic participants, the demo participant and the relays' people
    assert territory.portraits.count() == 301 + REGISTRANT_COUNT
    assert territory.criteria.count() > 0
    assert "300 participants created" in out


def test_load_demo_twice_changes_nothing() -> None:
    run("--seed", "7")
    counts, digest = table_counts(), answers_digest()
    out, _ = run("--seed", "7")
    assert table_counts() == counts
    assert answers_digest() == digest
    assert "0 sectors, 0 venues and 0 participants created" in out


def test_same_seed_gives_the_same_people() -> None:
    run("--seed", "3")
    first = answers_digest()
    wipe_demo()
    assert not Portrait.objects.exists()
    run("--seed", "3")
    assert answers_digest() == first
    wipe_demo()
    run("--seed", "4")
    assert answers_digest() != first


def test_a_missing_participant_comes_back_identical() -> None:
    run()
    digest = answers_digest()
    User.objects.filter(email=f"participant042@{demo.DEMO_DOMAIN}").delete()
    out, _ = run()
    assert "1 participants created" in out
    assert answers_digest() == digest


def test_synthetic_participants_cannot_log_in_but_are_verified() -> None:
    run()
    users = synthetic_users()
    assert not any(user.has_usable_password() for user in users)
    assert all(user.display_name for user in users)
    verified = set(
        EmailAddress.objects.filter(verified=True, primary=True).values_list("email", flat=True)
    )
    assert {user.email for user in users} <= verified
    with_terms = set(
        Consent.objects.filter(subject=Consent.TERMS, withdrawn_at=None).values_list(
            "user__email", flat=True
        )
    )
    assert {user.email for user in users} <= with_terms


def test_demo_logins_work_with_the_documented_password_and_totp() -> None:
    out, _ = run()
    participant = User.objects.get(email=demo.PARTICIPANT_EMAIL)
    facilitator = User.objects.get(email=demo.FACILITATOR_EMAIL)
    admin = User.objects.get(email=demo.ADMIN_EMAIL)
    for user in (participant, facilitator, admin):
        assert user.check_password(demo.DEMO_PASSWORD)
        assert user.email in out
    assert demo.DEMO_PASSWORD in out
    assert admin.is_superuser and admin.is_staff
    assert not facilitator.is_superuser
    assert Facilitator.objects.filter(territory=lienville(), user=facilitator).exists()
    for user, secret in (
        (facilitator, demo.FACILITATOR_TOTP_SECRET),
        (admin, demo.ADMIN_TOTP_SECRET),
    ):
        authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
        assert decrypt(authenticator.data["secret"]) == secret
        assert secret in out
        assert f"otpauth://totp/{user.email.replace('@', '%40')}?secret={secret}" in out
    assert not Authenticator.objects.filter(user=participant).exists()
    assert Portrait.objects.filter(user=participant, territory=lienville()).exists()


def test_demo_facilitator_can_manage_lienville() -> None:
    run()
    client = Client()
    sign_in(client, User.objects.get(email=demo.FACILITATOR_EMAIL))
    response = client.get(reverse("manage_territory", args=[demo.TERRITORY_SLUG]))
    assert response.status_code == 200
    assert response.context["summary"].participant_count == 301 + REGISTRANT_COUNT


def test_load_demo_refuses_when_debug_is_off_unless_told(settings: object) -> None:
    from django.core.management.base import CommandError

    settings.DEBUG = False  # type: ignore[attr-defined]
    with pytest.raises(CommandError, match="DEBUG is off"):
        run()
    assert not Territory.objects.filter(slug=demo.TERRITORY_SLUG).exists()
    _, err = run("--even-without-debug")
    assert "WARNING" in err
    settings.DEBUG = True  # type: ignore[attr-defined]
    _, err = run()
    assert err == ""


def test_sectors_are_where_they_should_be() -> None:
    run()
    sectors = {sector.name: sector for sector in lienville().sectors.all()}
    centre = sectors["Centre-ville"]
    village = sectors["Saint-Aubin-des-Prés"]
    assert (
        13
        <= haversine_km(centre.latitude, centre.longitude, village.latitude, village.longitude)
        <= 17
    )
    for name, sector in sectors.items():
        if name != village.name:
            distance = haversine_km(
                centre.latitude, centre.longitude, sector.latitude, sector.longitude
            )
            assert distance < 5


def test_venues_are_usable() -> None:
    run()
    territory = lienville()
    for venue in territory.venues.select_related("sector"):
        assert venue.sector.territory_id == territory.pk
        assert 1 <= venue.capacity <= 50
        assert venue.opening_slots == venue.opening_slot_list() != []
        assert (
            haversine_km(
                venue.latitude, venue.longitude, venue.sector.latitude, venue.sector.longitude
            )
            < 2
        )
    assert every_sector_has_a_venue(territory)


def every_sector_has_a_venue(territory: Territory) -> bool:
    return set(territory.sectors.values_list("pk", flat=True)) == set(
        territory.venues.values_list("sector_id", flat=True)
    )


def answers_by_sector(key: str) -> dict[str, Counter[str]]:
    result: dict[str, Counter[str]] = {}
    for sector, value in Answer.objects.filter(
        criterion__key=key, portrait__territory__slug=demo.TERRITORY_SLUG
    ).values_list("portrait__sector__name", "value"):
        result.setdefault(sector, Counter())[value] += 1
    return result


def share(counter: Counter[str], value: str) -> float:
    return counter[value] / sum(counter.values())


def test_portraits_follow_their_sector() -> None:
    run()
    occupation = answers_by_sector("occupation")
    housing = answers_by_sector("housing")
    assert share(occupation["Campus des Sablons"], "8") > 0.5
    assert share(housing["Campus des Sablons"], "student") > 0.3
    assert share(housing["Les Tilleuls"], "social-tenant") > 0.6
    assert share(housing["Les Coteaux"], "owner") > 0.6
    assert share(occupation["Le Parc"], "3") > share(occupation["Les Tilleuls"], "3")
    assert share(occupation["Les Tilleuls"], "6") > share(occupation["Le Parc"], "6")
    assert "1" in occupation["Saint-Aubin-des-Prés"] or "2" in occupation["Saint-Aubin-des-Prés"]
    max_km = {
        sector: sorted(
            Portrait.objects.filter(sector__name=sector).values_list("max_km", flat=True)
        )
        for sector in ("Saint-Aubin-des-Prés", "Centre-ville")
    }
    median = {sector: values[len(values) // 2] for sector, values in max_km.items()}
    assert median["Saint-Aubin-des-Prés"] > 2 * median["Centre-ville"]


def test_availability_follows_life() -> None:
    run()
    weekday_mornings = {f"{day}-morning" for day in DAYS[:5]}
    evenings = {f"{day}-evening" for day in DAYS}
    for portrait, occupation in Answer.objects.filter(
        criterion__key="occupation", portrait__territory__slug=demo.TERRITORY_SLUG
    ).values_list("portrait__availability", "value"):
        assert len(portrait) >= 3
        if occupation == "7":  # retirees: daytime
            assert not evenings & set(portrait)
        elif occupation in {"1", "2", "3", "4", "5", "6"}:  # in work: no weekday mornings
            assert not weekday_mornings & set(portrait)


def test_sensitive_answers_only_with_consent() -> None:
    run()
    territory = lienville()
    sensitive = list(territory.criteria.filter(sensitive=True, enabled=True))
    assert sensitive
    consents = set(
        Consent.objects.filter(withdrawn_at=None, subject__startswith="question:").values_list(
            "user_id", "subject"
        )
    )
    answered = 0
    for answer in Answer.objects.filter(criterion__in=sensitive).select_related(
        "portrait", "criterion"
    ):
        answered += 1
        assert (answer.portrait.user_id, Consent.question_subject(answer.criterion.key)) in consents
    # Some people consent, some don't.
    assert 0 < answered < 2 * territory.portraits.count()
    non_sensitive = territory.criteria.filter(sensitive=False, enabled=True).count()
    assert Answer.objects.filter(criterion__sensitive=False).count() == (
        non_sensitive * territory.portraits.count()
    )


def test_disabled_criteria_get_no_answers() -> None:
    demo.ensure_territory()
    territory = lienville()
    territory.criteria.filter(key="gender").update(enabled=False)
    run()
    assert not Answer.objects.filter(criterion__key="gender").exists()
    assert Answer.objects.filter(criterion__key="age_bracket").count() == 301 + REGISTRANT_COUNT
