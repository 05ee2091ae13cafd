"""The wording people agree to, versioned so a record says exactly what was shown."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

TERMS_VERSION = "2026-11"
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
