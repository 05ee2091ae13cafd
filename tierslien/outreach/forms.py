"""The population shares a facilitator enters for one dimension, from a published source."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tierslien.outreach.missing import SUM_TOLERANCE, Dimension, shares_from_counts
from tierslien.outreach.models import Reference

PERCENT: Final = "percent"
COUNTS: Final = "counts"


class ReferenceForm(forms.Form):
    """One number per value of the dimension: shares in %, or counts from a census table."""

    unit = forms.ChoiceField(
        label=_("The numbers below are"),
        choices=[
            (PERCENT, _("Shares of the population, in %")),
            (COUNTS, _("Numbers of people (a census table): they will be converted into %")),
        ],
        widget=forms.RadioSelect,
        initial=PERCENT,
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=300,
        help_text=_("Where the figures come from, e.g. “INSEE, recensement 2021, IRIS …”."),
    )
    year = forms.IntegerField(label=_("Year of the figures"))

    def __init__(
        self, data: Any, *, dimension: Dimension, reference: Reference | None = None
    ) -> None:
        super().__init__(data)
        self.dimension = dimension
        self.converted = False
        # Figures describe a past census, or at most next year's projection.
        self.fields["year"] = forms.IntegerField(
            label=_("Year of the figures"),
            min_value=1900,
            max_value=timezone.localdate().year + 1,
        )
        # Fields are named by position: option values ("75+") make poor HTML names.
        for index, (value, label) in enumerate(dimension.values):
            self.fields[self.share_name(index)] = forms.DecimalField(
                label=label,
                required=False,
                min_value=Decimal(0),
                max_digits=9,
                decimal_places=2,
            )
            if reference is not None and value in reference.shares:
                self.initial[self.share_name(index)] = reference.shares[value]
        if reference is not None:
            self.initial.update({"source": reference.source, "year": reference.year})

    @staticmethod
    def share_name(index: int) -> str:
        return f"share_{index}"

    def share_fields(self) -> list[forms.BoundField]:
        return [self[self.share_name(index)] for index in range(len(self.dimension.values))]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        numbers = {
            value: cleaned.get(self.share_name(index)) or Decimal(0)
            for index, (value, _label) in enumerate(self.dimension.values)
        }
        if self.errors:
            return cleaned
        if cleaned.get("unit") == COUNTS:
            if sum(numbers.values()) <= 0:
                raise forms.ValidationError(_("Give at least one number of people."))
            cleaned["shares"] = shares_from_counts(numbers)
            self.converted = True
            return cleaned
        if any(number > 100 for number in numbers.values()):
            raise forms.ValidationError(
                _("A share lies between 0 and 100 %. For numbers of people, say so above.")
            )
        total = sum(numbers.values(), Decimal(0))
        if abs(total - 100) > SUM_TOLERANCE:
            raise forms.ValidationError(
                _("The shares add up to %(total)s %%; they must add up to 100 %% (give or take 1)"),
                params={"total": total},
            )
        cleaned["shares"] = numbers
        return cleaned
