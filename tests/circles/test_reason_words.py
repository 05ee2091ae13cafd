"""The engine's reasons in words on the proposal: a shared criterion is named only when
it may be (never a sensitive question); the new codes read in French too."""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation

from tests.circles.conftest import Proposed
from tests.ritual import ClientAs
from tierslien.circles.models import Unplaced
from tierslien.circles.pages import REASONS, reason_text
from tierslien.portraits.models import Criterion


def _proposal(proposed: Proposed, client_as: ClientAs) -> str:
    client = client_as("facilitator")
    target = reverse(
        "manage_season_proposal", args=[proposed.season.territory.slug, proposed.season.pk]
    )
    return client.get(target).content.decode()


def test_the_shared_criterion_in_the_way_is_named(proposed: Proposed, client_as: ClientAs) -> None:
    criterion = Criterion.objects.get(territory=proposed.season.territory, key="education")
    Unplaced.objects.filter(season=proposed.season).update(
        code="shared_criterion", params={"criterion": "education", "count": 7}
    )
    page = _proposal(proposed, client_as)
    assert f"not with the same answer to “{criterion.display_label}”" in page


def test_a_sensitive_criterion_is_never_named_only_other_conditions(
    proposed: Proposed, client_as: ClientAs
) -> None:
    criterion = Criterion.objects.get(territory=proposed.season.territory, key="education")
    Criterion.objects.filter(pk=criterion.pk).update(sensitive=True)
    Unplaced.objects.filter(season=proposed.season).update(
        code="shared_criterion", params={"criterion": "education", "count": 7}
    )
    page = _proposal(proposed, client_as)
    assert "not under the other conditions every circle shares" in page
    assert f"“{criterion.display_label}”" not in page


def test_every_new_code_has_words_in_french() -> None:
    codes = [
        "no_common_time",
        "too_far",
        "shared_criterion",
        "kept_apart",
        "partner_constraints",
        "compatible_in_circles",
        "circles_cannot_spare",
        "several_obstacles",
    ]
    for code in codes:
        with translation.override("en"):
            english = str(REASONS[code])
        with translation.override("fr"):
            assert str(reason_text(code, {})) != english
    with translation.override("fr"):
        assert "3 km" in str(reason_text("too_far", {"max_km": 3.0}))
        words = str(reason_text("shared_criterion", {"criterion": "x"}, {"x": "Langue"}))
        assert "« Langue »" in words
