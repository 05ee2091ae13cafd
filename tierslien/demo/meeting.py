"""Two themed meetings of the demo town Lienville, with contributors who accepted
(fictional people; no address kept): one open for applications, one whose seats were
drawn by the real lottery from a published seed. Safe to run again; nothing slow."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from tierslien.accounts.models import User
from tierslien.gatherings.meetings.core.access import hash_token
from tierslien.gatherings.meetings.core.services import eligible_criteria
from tierslien.gatherings.meetings.seats.applications import apply
from tierslien.gatherings.meetings.seats.draw import run_draw, start_draw
from tierslien.gatherings.meetings.seats.seed import publish_seed
from tierslien.gatherings.models import (
    Application,
    Contributor,
    ContributorFormat,
    ContributorKind,
    ContributorStatus,
    Meeting,
    MeetingState,
)
from tierslien.outbox.models import Message, MessageState
from tierslien.territories.models import Territory

THEME = "L'eau, un bien commun à Lienville"
DESCRIPTION = (
    "D'où vient l'eau de nos robinets, qui la paie, qui décide ? Après deux étés de "
    "restrictions, habitants, agriculteurs et scientifiques en parlent ensemble, à des "
    "tables mélangées. Where does our water come from, who pays and who decides?"
)
VENUE = "Salle du Conseil de la mairie"
BALANCE = ("age_bracket", "gender", "occupation")
CONTRIBUTORS = (
    (
        "Nadia Benali",
        "Association Rivières Vivantes",
        ContributorKind.ASSOCIATION,
        "Vingt ans à suivre la Lienne",
        "Ce que les bénévoles ont mesuré dans la rivière depuis 2005, et ce qui a changé.",
        ContributorFormat.TABLE,
    ),
    (
        "Dr Paul Ménard",
        "Laboratoire d'hydrologie, université de Lienville",
        ContributorKind.SCIENTIST,
        "Les nappes sous nos pieds",
        "Comment se rechargent les nappes phréatiques, et pourquoi les sécheresses durent.",
        ContributorFormat.TALK,
    ),
    (
        "Sophie Garnier",
        "Régie des eaux de Lienville",
        ContributorKind.PROFESSIONAL,
        "Le prix de l'eau, ligne par ligne",
        "Une facture d'eau expliquée : ce que paie chaque foyer, et pour quoi.",
        ContributorFormat.WORKSHOP,
    ),
)


@transaction.atomic
def ensure_demo_meeting(territory: Territory, *, now: datetime.datetime | None = None) -> Meeting:
    moment = (now or timezone.now()).replace(minute=0, second=0, microsecond=0)
    day = moment + datetime.timedelta(days=24)
    dates = {
        "starts_at": day.replace(hour=17),  # 18:00 or 19:00 in Paris
        "registration_opens": moment - datetime.timedelta(days=2),
        "registration_closes": moment + datetime.timedelta(days=14),
    }
    existing = Meeting.objects.filter(territory=territory, theme=THEME).first()
    if existing is not None:
        if existing.registration_closes <= moment and not existing.applications.exists():
            # A demo loaded long ago: move the untouched meeting to the coming weeks.
            for name, value in dates.items():
                setattr(existing, name, value)
            existing.save(update_fields=[*dates, "updated_at"])
        return existing
    venue = territory.venues.filter(name=VENUE).first() or territory.venues.first()
    assert venue is not None, "load the demo venues first"
    meeting = Meeting.objects.create(
        territory=territory,
        venue=venue,
        theme=THEME,
        description=DESCRIPTION,
        duration_minutes=150,
        seats=40,
        **dates,
        rotations=3,
        rotation_minutes=35,
        state=MeetingState.OPEN,
        opened_at=moment - datetime.timedelta(days=2),
    )
    meeting.criteria.set([c for c in eligible_criteria(territory) if c.key in BALANCE])
    Contributor.objects.bulk_create(
        Contributor(
            meeting=meeting,
            name=name,
            organisation=organisation,
            kind=kind,
            email="",
            token_hash=hash_token(secrets.token_urlsafe(32)),
            status=ContributorStatus.ACCEPTED,
            invited_at=moment - datetime.timedelta(days=10),
            responded_at=moment - datetime.timedelta(days=8),
            title=title,
            summary=summary,
            format=format_,
        )
        for name, organisation, kind, title, summary, format_ in CONTRIBUTORS
    )
    return meeting


# --- A second meeting, its seats already drawn ------------------------------------------

DRAWN_THEME = "Se déplacer à Lienville en 2030"
DRAWN_DESCRIPTION = (
    "Tram, vélo, voiture, car pour Saint-Aubin : comment irons-nous au travail, à l'école "
    "et au marché dans cinq ans ? Getting around Lienville in 2030: tram, bike, car, the "
    "village bus."
)
DRAWN_VENUE = "Tiers-lieu La Fabrique"
DRAWN_SEATS = 24
# A seed announced in advance and fixed: anyone can replay the demo's draw.
DRAWN_SEED = 20_261_203
DRAWN_CONTRIBUTORS = (
    (
        "Julien Moreau",
        "Collectif Lienville à vélo",
        ContributorKind.ASSOCIATION,
        "Une piste cyclable de la gare au campus",
        "Le tracé proposé, ses carrefours difficiles, et ce qu'en pensent les riverains.",
        ContributorFormat.TABLE,
    ),
    (
        "Claire Fontaine",
        "Syndicat des transports de l'agglomération",
        ContributorKind.PROFESSIONAL,
        "Le car de Saint-Aubin",
        "Qui le prend, à quelle heure, et ce que coûterait un car de plus le soir.",
        ContributorFormat.TALK,
    ),
)


def _contributors(
    meeting: Meeting,
    rows: tuple[tuple[str, str, str, str, str, str], ...],
    moment: datetime.datetime,
) -> None:
    Contributor.objects.bulk_create(
        Contributor(
            meeting=meeting,
            name=name,
            organisation=organisation,
            kind=kind,
            email="",
            token_hash=hash_token(secrets.token_urlsafe(32)),
            status=ContributorStatus.ACCEPTED,
            invited_at=moment - datetime.timedelta(days=10),
            responded_at=moment - datetime.timedelta(days=8),
            title=title,
            summary=summary,
            format=format_,
        )
        for name, organisation, kind, title, summary, format_ in rows
    )


def apply_people(meeting: Meeting, users: Iterable[User], moment: datetime.datetime) -> int:
    """Apply these people with their portrait's answers (those who have not applied yet)."""
    done = set(Application.objects.filter(meeting=meeting).values_list("user_id", flat=True))
    count = 0
    for user in users:
        if user.pk not in done:
            apply(meeting, user, now=moment)
            count += 1
    return count


def ensure_drawn_meeting(
    territory: Territory, applicants: Iterable[User], *, now: datetime.datetime | None = None
) -> Meeting:
    """Applications closed three days ago; the seed was published and the seats drawn by
    the real lottery (the selected have a few days left to confirm their seat)."""
    existing = Meeting.objects.filter(territory=territory, theme=DRAWN_THEME).first()
    if existing is not None:
        return existing
    moment = (now or timezone.now()).replace(minute=0, second=0, microsecond=0)
    closes = moment - datetime.timedelta(days=3)
    with transaction.atomic():
        venue = territory.venues.filter(name=DRAWN_VENUE).first() or territory.venues.first()
        assert venue is not None, "load the demo venues first"
        meeting = Meeting.objects.create(
            territory=territory,
            venue=venue,
            theme=DRAWN_THEME,
            description=DRAWN_DESCRIPTION,
            duration_minutes=150,
            seats=DRAWN_SEATS,
            starts_at=(moment + datetime.timedelta(days=10)).replace(hour=17),
            registration_opens=closes - datetime.timedelta(days=21),
            registration_closes=closes,
            rotations=3,
            rotation_minutes=35,
            state=MeetingState.OPEN,
            opened_at=closes - datetime.timedelta(days=21),
        )
        meeting.criteria.set([c for c in eligible_criteria(territory) if c.key in BALANCE])
        _contributors(meeting, DRAWN_CONTRIBUTORS, closes)
        apply_people(meeting, applicants, closes - datetime.timedelta(days=1))
        publish_seed(
            meeting,
            seed=DRAWN_SEED,
            source="Démo : graine fixée à l'avance / demo: a seed fixed in advance",
            now=closes + datetime.timedelta(hours=1),
        )
        start_draw(meeting, now=closes + datetime.timedelta(hours=2))
    # Outside the transaction: the draw writes its progress in transactions of its own.
    # (With the immediate task backend the draw already ran: this finds nothing queued.)
    run_draw(meeting.pk)
    meeting.refresh_from_db()
    # In the story the outcomes were emailed three days ago: not sent again on first run.
    Message.objects.filter(
        state=MessageState.QUEUED,
        recipient__in=Application.objects.filter(meeting=meeting).values("user__email"),
    ).update(state=MessageState.SENT, sent_at=meeting.drawn_at)
    return meeting
