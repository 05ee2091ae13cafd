"""Forms of the local contacts' pages: giving the role, the short registration, contact edits."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tierslien.accounts.forms import clean_display_name
from tierslien.accounts.models import Language, ReachBy
from tierslien.lib.phones import BadPhoneNumber, to_e164
from tierslien.lib.slots import ALL_SLOTS, normalise_slots
from tierslien.portraits.forms import answer_field_name, answers_of, criterion_field
from tierslien.portraits.models import Criterion, CriterionKind
from tierslien.relays.models import AgreedHow
from tierslien.relays.services import Contact
from tierslien.territories.display import GridRow, part_headers, slot_grid, slot_label
from tierslien.territories.models import Sector, Territory

# Other people's details: the relay's browser must neither remember nor offer them.
NO_AUTOFILL = {"autocomplete": "off"}


class GiveRelayForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address of the person's account"),
        help_text=_("They must already have an account; they will need an authenticator app."),
        widget=forms.EmailInput(attrs=NO_AUTOFILL),
    )


class ContactFields(forms.Form):
    """How to reach the person, and what that channel needs."""

    reach_by = forms.ChoiceField(
        label=_("How should we reach them?"),
        choices=[
            (ReachBy.SMS, pgettext_lazy("reach by", "Text message")),
            (ReachBy.POST, pgettext_lazy("reach by", "Post")),
            (ReachBy.EMAIL, pgettext_lazy("reach by", "Email")),
            (ReachBy.RELAY, _("Through me")),
        ],
        widget=forms.RadioSelect(attrs={"class": "choices"}),
        initial=ReachBy.SMS,
    )
    phone = forms.CharField(
        label=_("Mobile phone number"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "type": "tel", **NO_AUTOFILL}),
    )
    postal_address = forms.CharField(
        label=_("Postal address"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, **NO_AUTOFILL}),
    )

    def clean_phone(self) -> str:
        typed = self.cleaned_data["phone"].strip()
        if not typed:
            return ""
        try:
            return to_e164(typed)
        except BadPhoneNumber as refusal:
            raise forms.ValidationError(refusal.sentence()) from None

    def clean_postal_address(self) -> str:
        lines = [
            " ".join(line.split()) for line in self.cleaned_data["postal_address"].splitlines()
        ]
        return "\n".join(line for line in lines if line)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        reach_by = cleaned.get("reach_by")
        if reach_by == ReachBy.SMS and not cleaned.get("phone") and "phone" not in self.errors:
            self.add_error("phone", _("Give a mobile number to reach them by text message."))
        if reach_by == ReachBy.POST and not cleaned.get("postal_address"):
            self.add_error("postal_address", _("Give a postal address to reach them by post."))
        wants_email = reach_by == ReachBy.EMAIL and "email" in self.fields
        if wants_email and not cleaned.get("email") and "email" not in self.errors:
            self.add_error("email", _("Give an email address to reach them by email."))
        return cleaned

    def contact(self) -> Contact:
        return Contact(
            reach_by=self.cleaned_data["reach_by"],
            phone=self.cleaned_data.get("phone", ""),
            postal_address=self.cleaned_data.get("postal_address", ""),
            email=self.cleaned_data.get("email") or "",
        )


class ContactForm(ContactFields):
    """The relay's edit of an existing person's contact details (no email: the person's own)."""

    def __init__(self, *args: Any, allow_email: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not allow_email:
            field = self.fields["reach_by"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [choice for choice in field.choices if choice[0] != ReachBy.EMAIL]


class RegisterForm(ContactFields):
    """The one short page: who, how to reach them, where and when, the questions, consent."""

    display_name = forms.CharField(
        label=_("First name"),
        max_length=40,
        help_text=_("Or a name they choose: the only thing other members will see."),
        widget=forms.TextInput(attrs={"autocapitalize": "words", **NO_AUTOFILL}),
    )
    email = forms.EmailField(
        label=_("Email address (only if they have one and want it used)"),
        required=False,
        widget=forms.EmailInput(attrs=NO_AUTOFILL),
    )
    language = forms.ChoiceField(
        label=_("Language of their messages"),
        choices=Language.choices,
        initial=Language.FRENCH,
    )
    sector = forms.ModelChoiceField(
        label=_("Which sector do they live in?"),
        queryset=Sector.objects.none(),
        required=False,
        empty_label=_("Prefers not to say"),
    )
    availability = forms.MultipleChoiceField(
        label=_("When are they free, every week?"),
        choices=[(slot, slot_label(slot)) for slot in ALL_SLOTS],
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Tick at least one time: circles meet at a fixed weekly time."),
            "invalid_choice": _("Choose times from the weekly grid."),
        },
    )
    max_km = forms.FloatField(
        label=_("How far can they travel (km)?"),
        min_value=0,
        max_value=200,
        initial=3,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
        error_messages={
            "min_value": _("Give a distance between 0 and 200 km."),
            "max_value": _("Give a distance between 0 and 200 km."),
        },
    )
    agreed_how = forms.ChoiceField(
        label=_("How did they agree?"),
        choices=AgreedHow.choices,
        widget=forms.RadioSelect(attrs={"class": "choices"}),
        initial=AgreedHow.IN_PERSON,
    )
    paper_code = forms.CharField(
        label=_("Reference code of the paper form (if any)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", **NO_AUTOFILL}),
    )
    agreed = forms.BooleanField(
        label=_(
            "The person agreed to be registered this way, after I read them what Tiers Lien "
            "keeps and why."
        ),
        error_messages={"required": _("Register someone only with their agreement.")},
    )

    field_order = [
        "display_name",
        "reach_by",
        "phone",
        "postal_address",
        "email",
        "language",
        "sector",
        "availability",
        "max_km",
    ]

    def __init__(
        self, *args: Any, territory: Territory, criteria: list[Criterion], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # Sensitive questions are never asked by a relay: no field, so nothing posted for
        # them is even read (and the service refuses them too).
        self.criteria = [c for c in criteria if not c.sensitive and c.enabled]
        sector_field = self.fields["sector"]
        assert isinstance(sector_field, forms.ModelChoiceField)
        sector_field.queryset = territory.sectors.all()
        for criterion in self.criteria:
            field = criterion_field(criterion)
            if criterion.kind != CriterionKind.MULTI and isinstance(field, forms.ChoiceField):
                field.choices = [("", _("Prefers not to say")), *criterion.choices()]
            self.fields[answer_field_name(criterion)] = field
        # The agreement comes last, after the questions.
        for name in ("agreed_how", "paper_code", "agreed"):
            self.fields[name] = self.fields.pop(name)

    def clean_display_name(self) -> str:
        return clean_display_name(self.cleaned_data["display_name"])

    def clean_availability(self) -> list[str]:
        return normalise_slots(self.cleaned_data["availability"])

    def clean_paper_code(self) -> str:
        return "".join(self.cleaned_data["paper_code"].split()).upper()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("agreed_how") == AgreedHow.PAPER and not cleaned.get("paper_code"):
            self.add_error("paper_code", _("Type the reference code printed on the paper form."))
        return cleaned

    def answers(self) -> dict[int, Any]:
        """{criterion id: value, or None for "prefers not to say"}: non-sensitive only."""
        return answers_of(self.criteria, self.cleaned_data)

    def question_fields(self) -> list[forms.BoundField]:
        return [self[answer_field_name(criterion)] for criterion in self.criteria]

    def slot_grid(self) -> list[GridRow]:
        return slot_grid(self["availability"].value(), id_prefix=self["availability"].auto_id)

    def slot_parts(self) -> list[Any]:
        return part_headers()
