from __future__ import annotations

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create(email, password, **extra)


class Language(models.TextChoices):
    FRENCH = "fr", _("French")
    ENGLISH = "en", _("English")


class ReachBy(models.TextChoices):
    """How the platform reaches a person: their one channel for every message."""

    EMAIL = "email", pgettext_lazy("reach by", "Email")
    SMS = "sms", pgettext_lazy("reach by", "Text message")
    POST = "post", pgettext_lazy("reach by", "Post")
    RELAY = "relay", pgettext_lazy("reach by", "Through the person who registered me")


class User(AbstractUser):
    """A person with an account. Other members only ever see `display_name`."""

    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    # Blank (NULL, so that uniqueness holds) for someone a relay registered without one.
    email = models.EmailField(_("email address"), unique=True, null=True, blank=True)
    display_name = models.CharField(
        _("display name"),
        max_length=40,
        help_text=_("A first name or a pseudonym: the only thing other members will see."),
    )
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.FRENCH
    )
    # The version of the terms accepted last (the proof is the `Consent` record); kept on the
    # user, already loaded on every request, so checking it costs no query.
    accepted_terms_version = models.CharField(
        _("accepted terms version"), max_length=20, blank=True, default=""
    )

    # The channel every message to this person takes, and what it needs: an E.164 phone
    # number for text messages, a postal address for letters (see docs/reach.md).
    reach_by = models.CharField(
        _("how to reach me"), max_length=10, choices=ReachBy.choices, default=ReachBy.EMAIL
    )
    phone = models.CharField(_("mobile phone number"), max_length=20, blank=True, default="")
    postal_address = models.TextField(_("postal address"), blank=True, default="")

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = ["display_name"]

    objects = UserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.email or f"#{self.pk}"

    @property
    def is_site_admin(self) -> bool:
        return self.is_superuser


class Consent(models.Model):
    """A record of what a person agreed to, with which wording, and when.

    `subject` is "terms" for the terms of use, or "question:<key>" for each
    sensitive question of the self-portrait. Withdrawal keeps the record
    (proof of what happened) and stamps `withdrawn_at`.
    """

    TERMS = "terms"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="consents")
    subject = models.CharField(max_length=100)
    wording_version = models.CharField(max_length=20)
    given_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["given_at", "id"]
        indexes = [models.Index(fields=["user", "subject"])]

    def __str__(self) -> str:
        return f"{self.subject} v{self.wording_version}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None

    @staticmethod
    def question_subject(key: str) -> str:
        return f"question:{key}"
