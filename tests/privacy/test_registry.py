"""Every personal field is either exported or withheld with a reason, and deleted with its owner."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models

from tests.cast import Cast
from tierslien.accounts.models import User
from tierslien.privacy.registry import PERSONAL_MODELS
from tierslien.privacy.services import delete_account
from tierslien.territories.models import SeasonAlert

SPECS = {spec.label: spec for spec in PERSONAL_MODELS}


def personal_models() -> dict[str, list[models.ForeignKey]]:
    """Models linked to the user model directly or through another personal model."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    personal: dict[type[models.Model], list[models.ForeignKey]] = {user_model: []}
    changed = True
    while changed:
        changed = False
        for model in apps.get_models():
            for field in model._meta.concrete_fields:
                if field.is_relation and field.related_model in personal:
                    links = personal.setdefault(model, [])
                    if field not in links:
                        links.append(field)
                        changed = True
    return {model._meta.label: links for model, links in personal.items()}


def test_every_personal_model_is_in_the_registry() -> None:
    missing = sorted(set(personal_models()) - set(SPECS))
    assert missing == [], f"add these models to tierslien/privacy/registry.py: {missing}"


@pytest.mark.parametrize("label", sorted(SPECS))
def test_every_field_is_exported_or_withheld(label: str) -> None:
    spec = SPECS[label]
    model = apps.get_model(label)
    exported_roots = {lookup.split("__", 1)[0] for lookup in spec.exported}
    unexplained = [
        field.name
        for field in model._meta.concrete_fields
        if field.name not in exported_roots and field.name not in spec.withheld
    ]
    assert unexplained == [], f"{label}: export or withhold (with a reason) {unexplained}"


def test_links_to_a_person_cascade_so_deletion_is_complete() -> None:
    for label, links in personal_models().items():
        detached = SPECS[label].detached if label in SPECS else {}
        for field in links:
            if field.name in detached:
                assert field.remote_field.on_delete is models.SET_NULL, (
                    f"{label}.{field.name} is declared detached: it must be SET_NULL"
                )
                continue
            assert field.remote_field.on_delete is models.CASCADE, (
                f"{label}.{field.name} must cascade from its owner, or account deletion "
                "would leave rows naming the person (or be declared detached, with a reason)"
            )


def test_detached_links_are_links_and_erase_real_fields() -> None:
    for spec in PERSONAL_MODELS:
        model = apps.get_model(spec.label)
        for link, detached in spec.detached.items():
            assert model._meta.get_field(link).is_relation, f"{spec.label}.{link}"
            assert detached.reason
            for name in detached.erase:
                model._meta.get_field(name)  # raises when misspelled


@pytest.mark.django_db
def test_deleting_an_account_removes_every_row_naming_the_person(cast: Cast) -> None:
    from allauth.account.models import EmailConfirmation
    from django.contrib.admin.models import ADDITION, LogEntry
    from django.contrib.contenttypes.models import ContentType

    from tierslien.accounts.services import give_consent
    from tierslien.portraits.models import Answer

    user = cast.facilitator  # has an email, a TOTP authenticator and a facilitator role
    portrait = user.portraits.create(territory=cast.territory, sector=cast.sector)
    Answer.objects.create(portrait=portrait, criterion=cast.territory.criteria.first(), value="x")
    give_consent(user, "terms", wording_version="1")
    EmailConfirmation.create(user.emailaddress_set.get())
    LogEntry.objects.create(
        user=user,
        content_type=ContentType.objects.get_for_model(User),
        object_id="1",
        object_repr="x",
        action_flag=ADDITION,
    )
    _give_circle_rows(user, cast)
    _give_evening_rows(user, cast)
    _give_meeting_rows(user, cast)
    _give_moderation_and_feedback_rows(user, cast)
    _give_space_rows(user, cast)
    _give_outbox_rows(user)
    SeasonAlert.objects.create(user=user, territory=cast.territory)
    _give_relay_rows(user, cast)
    _give_analysis_row(user, cast)
    others_before = {
        spec.label: apps.get_model(spec.label)
        ._default_manager.exclude(**{spec.owner: user.pk})
        .count()
        for spec in PERSONAL_MODELS
    }
    for spec in PERSONAL_MODELS:
        owned = apps.get_model(spec.label)._default_manager.filter(**{spec.owner: user.pk})
        assert owned.exists(), f"the test should give the person a {spec.label} row"

    delete_account(user)

    for spec in PERSONAL_MODELS:
        manager = apps.get_model(spec.label)._default_manager
        assert not manager.filter(**{spec.owner: user.pk}).exists(), spec.label
        assert manager.count() == others_before[spec.label], f"{spec.label}: others' rows kept"
        for link in spec.detached:
            assert not manager.filter(**{link: user.pk}).exists(), f"{spec.label}.{link}"


def _give_relay_rows(user: User, cast: Cast) -> None:
    """A relay role, a registration by another relay, a takeover code and a paper form."""
    from django.utils import timezone

    from tierslien.relays.models import PaperForm, Registered, Relay, TakeoverCode

    now = timezone.now()
    Relay.objects.create(territory=cast.other_territory, user=user, since=now)
    registered = Registered.objects.create(
        person=user, relay=cast.relay, territory=cast.territory, agreed_how="paper", agreed_at=now
    )
    TakeoverCode.objects.create(person=user, code_hash="x", created_at=now, expires_at=now)
    PaperForm.objects.create(
        territory=cast.territory, code="VDL-TEST", printed_at=now, used_for=registered
    )


def _give_circle_rows(user: User, cast: Cast) -> None:
    """A season registration, a circle membership and an unplaced row (circles app)."""
    import datetime

    from tierslien.circles.models import Circle, Membership, Registration, Season, Unplaced

    season = Season.objects.create(
        territory=cast.territory,
        name="Season",
        registration_opens=datetime.date(2026, 1, 5),
        registration_closes=datetime.date(2026, 1, 25),
        first_week=datetime.date(2026, 2, 2),
    )
    Registration.objects.create(season=season, user=user, availability=[], max_km=5)
    circle = Circle.objects.create(season=season, venue=cast.venue, slot="tue-evening", number=1)
    Membership.objects.create(circle=circle, user=user)
    Unplaced.objects.create(season=season, user=user, code="no_time")


def _give_evening_rows(user: User, cast: Cast) -> None:
    """An attendance at a discovery evening, a companion and a seat (gatherings app)."""
    import datetime

    from tierslien.gatherings.models import Attendee, Companion, DoorCodeMiss, Evening, Seat

    evening = Evening.objects.create(
        territory=cast.territory,
        venue=cast.venue,
        starts_at=datetime.datetime(2026, 1, 9, 19, 0, tzinfo=datetime.UTC),
    )
    moment = evening.starts_at
    friend = Attendee.objects.create(evening=evening, first_name="Ana", checked_in_at=moment)
    mine = Attendee.objects.create(
        evening=evening, user=user, first_name="Fiona", checked_in_at=moment
    )
    DoorCodeMiss.objects.create(evening=evening, user=user, misses=1)
    Companion.objects.create(attendee=mine, other=friend)
    Seat.objects.create(evening=evening, attendee=mine, round=1, table=1)


def _give_meeting_rows(user: User, cast: Cast) -> None:
    """An application to a themed meeting and a table seat (gatherings app)."""
    import datetime

    from tierslien.gatherings.models import Application, Meeting, TableSeat

    moment = datetime.datetime(2026, 3, 1, 18, 0, tzinfo=datetime.UTC)
    meeting = Meeting.objects.create(
        territory=cast.territory,
        venue=cast.venue,
        theme="Water",
        starts_at=moment,
        seats=20,
        registration_opens=moment - datetime.timedelta(days=20),
        registration_closes=moment - datetime.timedelta(days=5),
    )
    mine = Application.objects.create(meeting=meeting, user=user, pseudonym="p1", applied_at=moment)
    TableSeat.objects.create(meeting=meeting, rotation=1, table=1, application=mine)


def _give_outbox_rows(user: User) -> None:
    """A message queued for the person (the outbox)."""
    from django.core.mail import EmailMessage

    from tierslien.outbox.services import queue_email

    queue_email(EmailMessage("Hello", "Body", None, [user.email]), topic="test", user=user)


def _give_space_rows(user: User, cast: Cast) -> None:
    """What a member writes in a circle's space (spaces app), plus a co-member's post."""
    import datetime

    from tierslien.circles.models import Circle, Membership, Season
    from tierslien.spaces.models import (
        AidOffer,
        AidPost,
        Attendance,
        CalendarToken,
        Introduction,
        Message,
        PactAcceptance,
        Presence,
    )

    moment = datetime.datetime(2026, 2, 1, 12, 0, tzinfo=datetime.UTC)
    season = Season.objects.create(
        territory=cast.territory,
        name="Space season",
        registration_opens=datetime.date(2026, 1, 5),
        registration_closes=datetime.date(2026, 1, 25),
        first_week=datetime.date(2026, 2, 2),
        state="running",
    )
    circle = Circle.objects.create(season=season, venue=cast.venue, slot="tue-evening", number=1)
    Membership.objects.create(circle=circle, user=user)
    PactAcceptance.objects.create(circle=circle, user=user, accepted_at=moment)
    Introduction.objects.create(circle=circle, user=user, text="Hi", updated_at=moment)
    Attendance.objects.create(
        circle=circle, user=user, session=1, answer="coming", updated_at=moment
    )
    CalendarToken.objects.create(circle=circle, user=user, token="t" * 40, created_at=moment)
    Presence.objects.create(
        circle=circle, user=user, session=1, came=True, recorded_by="member", recorded_at=moment
    )
    Message.objects.create(circle=circle, author=user, text="Hello", created_at=moment)
    theirs = AidPost.objects.create(
        circle=circle, author=cast.co_member, kind="need", title="A", text="B", created_at=moment
    )
    AidPost.objects.create(
        circle=circle, author=user, kind="project", title="C", text="D", created_at=moment
    )
    AidOffer.objects.create(post=theirs, author=user, text="I can help", created_at=moment)


def _give_moderation_and_feedback_rows(user: User, cast: Cast) -> None:
    """A block, a report, a removal (moderation), a feedback record and a wish (feedback)."""
    import datetime

    from tierslien.circles.models import Circle, Season
    from tierslien.feedback.models import FeedbackGiven, KeepInTouch
    from tierslien.moderation.models import Block, Removal, Report

    season = Season.objects.create(
        territory=cast.territory,
        name="Ended season",
        registration_opens=datetime.date(2026, 1, 5),
        registration_closes=datetime.date(2026, 1, 25),
        first_week=datetime.date(2026, 2, 2),
        state="closed",
    )
    circle = Circle.objects.create(season=season, venue=cast.venue, slot="tue-evening", number=1)
    moment = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)
    Block.objects.create(blocker=user, blocked=cast.co_member)
    Block.objects.create(blocker=cast.co_member, blocked=cast.participant)  # stays
    Report.objects.create(reporter=user, circle=circle, reported=cast.co_member, reason="x")
    Report.objects.create(reporter=cast.co_member, circle=circle, reason="stays")
    # Rows about the person that outlive the account, without it (detached links).
    Report.objects.create(
        reporter=cast.co_member, circle=circle, reported=user, handled_by=user, reason="kept"
    )
    Removal.objects.create(
        circle=circle, user=cast.co_member, removed_by=user, removed_at=moment, note="kept"
    )
    Removal.objects.create(
        circle=circle, user=user, removed_by=cast.admin, removed_at=moment, note="n"
    )
    FeedbackGiven.objects.create(user=user, season=season)
    KeepInTouch.objects.create(from_user=user, to_user=cast.co_member, circle=circle)
    KeepInTouch.objects.create(from_user=cast.co_member, to_user=cast.participant, circle=circle)


def _give_analysis_row(user: User, cast: Cast) -> None:
    """An analysis of a season's mixing the person asked for (potential app)."""
    import datetime

    from tierslien.circles.models import Season
    from tierslien.potential.models import SeasonAnalysis

    day = datetime.date(2026, 9, 1)
    season = Season.objects.create(
        territory=cast.territory,
        name="Analysed",
        registration_opens=day,
        registration_closes=day,
        first_week=day,
    )
    SeasonAnalysis.objects.create(season=season, kind="season", requested_by=user)
