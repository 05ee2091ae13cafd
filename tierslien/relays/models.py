"""Local contacts ("relais"): people a facilitator trusts to register others who are not online.

A relay registers someone in the street, by phone or from a paper form; the person's
agreement to be registered this way is recorded (`Registered`: who, when, how). The person
can later take over their own account with a one-time code sent to them (`TakeoverCode`).
A paper registration form carries a reference code (`PaperForm`) the relay types in later.
See docs/reach.md.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tierslien.territories.models import Territory


class Relay(models.Model):
    """The relay role in one territory, given by a facilitator (MFA like facilitators)."""

    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="relays")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="relay_roles"
    )
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    since = models.DateTimeField(_("relay since"))

    class Meta:
        verbose_name = _("local contact")
        verbose_name_plural = _("local contacts")
        constraints = [models.UniqueConstraint(fields=["territory", "user"], name="unique_relay")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.territory}"


class AgreedHow(models.TextChoices):
    """How the person agreed to be registered by a relay."""

    IN_PERSON = "in-person", _("In person, out loud")
    PHONE = "phone", _("On the phone")
    PAPER = "paper", _("Signed paper form")


class Registered(models.Model):
    """A person registered by a relay, and the record of their agreement (who, when, how).

    The relay sees only the people of their own `Registered` rows. `relay` becomes NULL
    when the relay's account is deleted: the person keeps their account.
    """

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="registered_by_relay"
    )
    relay = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registered_people",
    )
    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="+")
    agreed_how = models.CharField(_("agreed how"), max_length=20, choices=AgreedHow.choices)
    agreed_at = models.DateTimeField(_("agreed on"))
    paper_code = models.CharField(_("paper form code"), max_length=20, blank=True, default="")
    # When the person took over their own account (then they act for themselves).
    taken_over_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("person registered by a local contact")
        verbose_name_plural = _("people registered by a local contact")

    def __str__(self) -> str:
        return f"{self.person} by {self.relay}"


class TakeoverCode(models.Model):
    """A one-time code, sent to the person (text or letter), to take over their account.

    Only a hash is kept; the code itself exists in the message sent and nowhere else.
    """

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="takeover_codes"
    )
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)


class PaperForm(models.Model):
    """A printed registration form; its reference code links the paper to the person."""

    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(_("reference code"), max_length=20, unique=True)
    printed_at = models.DateTimeField()
    # Deleting the person deletes the form's record too: nothing of them stays.
    used_for = models.OneToOneField(
        Registered, null=True, blank=True, on_delete=models.CASCADE, related_name="paper_form"
    )
