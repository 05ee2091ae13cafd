"""Forms facilitators use to describe their territory's sectors and venues."""

from __future__ import annotations

from typing import Any, Final

from django import forms
from django.utils.translation import gettext_lazy as _

from tierslien.lib.geo import haversine_km
from tierslien.lib.slots import ALL_SLOTS
from tierslien.territories.display import GridRow, part_headers, slot_grid, slot_label
from tierslien.territories.models import Accessibility, Sector, Territory, Venue

# A venue further than this from the centre of its sector is almost always a
# typing mistake (a swapped latitude and longitude, a missing minus sign).
MAX_VENUE_DISTANCE_FROM_SECTOR_KM: Final = 30.0


def _clean_name(value: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise forms.ValidationError(_("Please give a name."))
    return value


class CentreFields(forms.Form):
    """Latitude and longitude in decimal degrees, as shown by any map site."""

    latitude = forms.FloatField(
        label=_("Latitude"),
        min_value=-90,
        max_value=90,
        help_text=_("In decimal degrees, between -90 and 90 (for example 47.3941)."),
        error_messages={
            "min_value": _("A latitude lies between -90 and 90 degrees."),
            "max_value": _("A latitude lies between -90 and 90 degrees."),
        },
    )
    longitude = forms.FloatField(
        label=_("Longitude"),
        min_value=-180,
        max_value=180,
        help_text=_("In decimal degrees, between -180 and 180 (for example 0.6848)."),
        error_messages={
            "min_value": _("A longitude lies between -180 and 180 degrees."),
            "max_value": _("A longitude lies between -180 and 180 degrees."),
        },
    )


class SectorForm(CentreFields):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("Description"),
        max_length=300,
        required=False,
        help_text=_("What a resident would recognise: streets, landmarks, the kind of housing."),
    )

    field_order = ["name", "description", "latitude", "longitude"]

    def __init__(
        self, *args: Any, territory: Territory, instance: Sector | None = None, **kwargs: Any
    ) -> None:
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": instance.name,
                    "description": instance.description,
                    "latitude": instance.latitude,
                    "longitude": instance.longitude,
                },
            )
        super().__init__(*args, **kwargs)
        self.territory = territory
        self.instance = instance
        self.fields["latitude"].label = _("Latitude of the approximate centre")
        self.fields["longitude"].label = _("Longitude of the approximate centre")

    def clean_name(self) -> str:
        name = _clean_name(self.cleaned_data["name"])
        others = Sector.objects.filter(territory=self.territory, name__iexact=name)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(
                _("This territory already has a sector called “%(name)s”."),
                params={"name": name},
                code="duplicate",
            )
        return name

    def clean_description(self) -> str:
        return " ".join(self.cleaned_data["description"].split())


class SectorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class VenueForm(CentreFields):
    name = forms.CharField(label=_("Name"), max_length=120)
    address = forms.CharField(
        label=_("Address"),
        max_length=300,
        help_text=_("Shown on the territory's public page and to the circles meeting there."),
    )
    sector = SectorChoiceField(
        label=_("Sector"),
        queryset=Sector.objects.none(),
        empty_label=_("Choose a sector"),
        error_messages={"invalid_choice": _("Choose one of this territory's sectors.")},
    )
    capacity = forms.IntegerField(
        label=_("Circles at the same time"),
        min_value=1,
        max_value=50,
        initial=1,
        help_text=_("How many circles of five or six people can meet here at once (1 to 50)."),
        error_messages={
            "min_value": _("A venue hosts at least one circle at a time."),
            "max_value": _("Fifty circles at the same time is the most a venue can declare."),
        },
    )
    opening_slots = forms.MultipleChoiceField(
        label=_("Weekly opening times"),
        choices=[(slot, slot_label(slot)) for slot in ALL_SLOTS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": _("Choose opening times from the weekly grid.")},
    )
    accessibility = forms.MultipleChoiceField(
        label=_("Accessibility"),
        choices=Accessibility.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    nothing_to_buy = forms.BooleanField(
        label=_("Nothing to buy"),
        required=False,
        help_text=_("People can meet here without having to buy anything."),
    )

    field_order = [
        "name",
        "address",
        "sector",
        "latitude",
        "longitude",
        "capacity",
        "opening_slots",
        "accessibility",
        "nothing_to_buy",
    ]

    def __init__(
        self, *args: Any, territory: Territory, instance: Venue | None = None, **kwargs: Any
    ) -> None:
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": instance.name,
                    "address": instance.address,
                    "sector": instance.sector_id,
                    "latitude": instance.latitude,
                    "longitude": instance.longitude,
                    "capacity": instance.capacity,
                    "opening_slots": instance.opening_slot_list(),
                    "accessibility": list(instance.accessibility),
                    "nothing_to_buy": instance.nothing_to_buy,
                },
            )
        super().__init__(*args, **kwargs)
        self.territory = territory
        self.instance = instance
        sector_field = self.fields["sector"]
        assert isinstance(sector_field, forms.ModelChoiceField)
        sector_field.queryset = Sector.objects.filter(territory=territory)
        self.fields["latitude"].label = _("Latitude of the entrance")
        self.fields["longitude"].label = _("Longitude of the entrance")

    def clean_name(self) -> str:
        name = _clean_name(self.cleaned_data["name"])
        others = Venue.objects.filter(territory=self.territory, name__iexact=name)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(
                _("This territory already has a venue called “%(name)s”."),
                params={"name": name},
                code="duplicate",
            )
        return name

    def clean_address(self) -> str:
        address = " ".join(self.cleaned_data["address"].split())
        if not address:
            raise forms.ValidationError(_("Please give the address people will go to."))
        return address

    def clean_opening_slots(self) -> list[str]:
        chosen = set(self.cleaned_data["opening_slots"])
        if not chosen:
            raise forms.ValidationError(
                _(
                    "Tick at least one opening time: circles can only be given a venue "
                    "that is open when they meet."
                ),
                code="never_open",
            )
        return [slot for slot in ALL_SLOTS if slot in chosen]

    def clean_accessibility(self) -> list[str]:
        chosen = set(self.cleaned_data["accessibility"])
        return [value for value in Accessibility.values if value in chosen]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        sector = cleaned.get("sector")
        latitude = cleaned.get("latitude")
        longitude = cleaned.get("longitude")
        if sector is not None and latitude is not None and longitude is not None:
            distance = haversine_km(latitude, longitude, sector.latitude, sector.longitude)
            if distance > MAX_VENUE_DISTANCE_FROM_SECTOR_KM:
                self.add_error(
                    "latitude",
                    forms.ValidationError(
                        _(
                            "This point is %(distance)d km from the centre of the sector "
                            "“%(sector)s”: check the coordinates (latitude first, then "
                            "longitude) or choose another sector."
                        ),
                        params={"distance": round(distance), "sector": sector.name},
                        code="too_far",
                    ),
                )
        return cleaned

    def slot_grid(self) -> list[GridRow]:
        """The opening-times grid as the template draws it, ticked from the current data."""
        return slot_grid(self["opening_slots"].value(), id_prefix=self["opening_slots"].auto_id)

    def slot_parts(self) -> list[Any]:
        return part_headers()
