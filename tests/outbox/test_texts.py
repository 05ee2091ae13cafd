"""Every message the platform sends to a person, as a text message: at most two segments,
stop line included, in French and in English, with long real-life names and addresses."""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from tests.cast import Cast
from tests.security.world import World, build_world
from tierslien.accounts.emails import absolute, render_email
from tierslien.circles.actions.invitations import invite
from tierslien.circles.actions.season import queue_joined_receipt
from tierslien.circles.models import Membership
from tierslien.gatherings.meetings.seats import notifications
from tierslien.gatherings.meetings.seats.applications import queue_applied_receipt
from tierslien.gatherings.models import Application, ApplicationStatus
from tierslien.moderation.services import remove_member
from tierslien.outbox import services as outbox
from tierslien.outbox import sms
from tierslien.outbox.models import Channel, Message

pytestmark = pytest.mark.django_db

VENUE = "Maison des associations et de la vie citoyenne du quartier Saint-Exupéry-les-Châtaigniers"
ADDRESS = (
    "Bâtiment C, 2e étage, 128 bis avenue du Maréchal de Lattre de Tassigny, "
    "69100 Villeurbanne-Croix-Luizet"
)
THEME = "Que faire de l'eau de pluie quand les étés deviennent brûlants et les hivers trop doux ?"
SEASON = "Saison d'hiver des cercles de la Croix-Rousse, des pentes et du plateau"
TERRITORY = "Communauté de communes du Val-de-Lien et des Coteaux du Lyonnais"
CONTRIBUTOR = "Association intercommunale pour la préservation des rivières et zones humides"


@pytest.fixture
def world(cast: Cast, settings: Any) -> World:
    settings.SITE_URL = "https://tiers-lien.agglomeration-exemple.fr"
    settings.SMS_STOP_NUMBER = "07 57 00 00 00"
    built = build_world(cast)
    cast.venue.name, cast.venue.address = VENUE, ADDRESS
    cast.venue.save()
    cast.territory.name = TERRITORY
    cast.territory.save()
    built.season.name = SEASON
    built.season.save()
    built.meeting.theme = THEME
    built.meeting.save()
    built.contributor.name = CONTRIBUTOR
    built.contributor.save()
    return built


def _everyone_by_text(cast: Cast, language: str) -> None:
    for number, user in enumerate(
        (cast.participant, cast.co_member, cast.facilitator, cast.other_facilitator), start=10
    ):
        user.reach_by, user.phone, user.language = "sms", f"+336123456{number}", language
        user.save()


def _season_opened(world: World) -> None:
    season, user = world.season, world.cast.participant
    context = {
        "season": season,
        "territory": season.territory,
        "closes_at": season.registration_closes,
        "first_meetings_at": season.first_week,
        "url": absolute(f"/t/{season.territory.slug}/seasons/{season.pk}/"),
        "stop_url": absolute(f"/t/{season.territory.slug}/"),
    }
    outbox.queue_emails([render_email(user, "season_opened", context)], topic="t")


def _invitation(world: World) -> None:
    memberships = list(Membership.objects.filter(circle=world.circle, user=world.cast.participant))
    invite(memberships, world.season, timezone.now())


def _application(world: World, status: str = ApplicationStatus.SELECTED) -> Application:
    application = Application.objects.get(meeting=world.meeting, user=world.cast.participant)
    application.confirm_by = timezone.now() + datetime.timedelta(days=3)
    application.status = status
    application.waitlist_rank = 137
    application.save()
    return application


KINDS: dict[str, Callable[[World], Any]] = {
    "circle invitation": _invitation,
    "season opened": _season_opened,
    "season joined": lambda w: queue_joined_receipt(w.cast.participant, w.season),
    "meeting applied": lambda w: queue_applied_receipt(w.cast.participant, w.meeting),
    "seat: selected": lambda w: notifications.queue_selected(w.meeting, [_application(w)]),
    "seat: waitlisted": lambda w: notifications.queue_draw_outcomes(
        w.meeting, [_application(w, ApplicationStatus.WAITLISTED)]
    ),
    "meeting cancelled": lambda w: notifications.queue_cancelled(w.meeting),
    "meeting changed": lambda w: notifications.queue_rescheduled(
        w.meeting,
        before_starts_at=w.meeting.starts_at - datetime.timedelta(days=2),
        before_venue=w.meeting.venue,
    ),
    "quota warning": lambda w: notifications.queue_quota_warning(w.meeting, []),
    "contributor accepted": lambda w: notifications.queue_contributor_answer(
        w.meeting, w.contributor, accepted=True
    ),
    "contributor declined": lambda w: notifications.queue_contributor_answer(
        w.meeting, w.contributor, accepted=False
    ),
    "removed from a circle": lambda w: remove_member(w.report, acting_user=w.cast.facilitator),
}


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_text_fits_in_two_segments(world: World, kind: str, language: str) -> None:
    _everyone_by_text(world.cast, language)
    with transaction.atomic():
        KINDS[kind](world)
    texts = list(Message.objects.filter(channel=Channel.SMS).values_list("body", flat=True))
    assert texts, f"no text message for {kind}"
    stop = "STOP au 07 57 00 00 00" if language == "fr" else "Reply STOP to 07 57 00 00 00 to stop"
    for text in texts:
        assert sms.segments(text) <= 2, (sms.segments(text), len(text), text)
        assert text.startswith("Tiers Lien")
        assert text.endswith(f"\n{stop}")
        assert "https://" in text or kind in {"meeting cancelled", "removed from a circle"}
        assert sms.is_gsm(text), text  # French accents kept where GSM has them, no UCS-2
    if os.environ.get("TEXTS_DUMP"):
        print(f"\n--- {kind} ({language}) ---\n" + "\n--\n".join(texts))
