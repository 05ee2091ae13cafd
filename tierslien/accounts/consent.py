"""The wording people agree to, versioned so a record says exactly what was shown."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _

# Bump when the terms of use or the privacy notice change (templates/legal/): signed-in
# people are then asked to accept the new version on their next visit.
TERMS_VERSION = "2026-12"
SENSITIVE_QUESTION_VERSION = "2026-11"

TERMS_SUMMARY = _(
    "Tiers Lien keeps only what it needs to compose groups, never shows your answers to "
    "other members, shows no advertising and lets you export or delete everything at any time."
)
SENSITIVE_QUESTION_WORDING = _(
    "I agree that Tiers Lien stores my answer to this question and uses it only to compose "
    "more diverse groups. Nobody else will see it. I can withdraw this consent at any time, "
    "which erases the answer."
)


def current_terms_version() -> str:
    """The version people accept now: the instance's own (LEGAL_TERMS_VERSION), else ours."""
    return settings.LEGAL_TERMS_VERSION or TERMS_VERSION
