"""One themed meeting of the demo town Lienville, open for applications, with contributors
who accepted (fictional people; no address kept). Safe to run again; nothing slow."""

from __future__ import annotations

import datetime
import secrets

from django.db import transaction
from django.utils import timezone

from tierslien.gatherings.meetings.core.access import hash_token
from tierslien.gatherings.meetings.core.services import eligible_criteria
from tierslien.gatherings.models import (
    Contributor,
    ContributorFormat,
    ContributorKind,
    ContributorStatus,
    Meeting,
    MeetingState,
)
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
