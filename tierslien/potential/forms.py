"""The point a facilitator chooses for a new venue: a sector's centre, or coordinates."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tierslien.territories.models import Sector, Territory


class PointForm(forms.Form):
    sector = forms.ModelChoiceField(
        label=_("The centre of a sector"),
        queryset=Sector.objects.none(),
        required=False,
        empty_label=_("(or type coordinates below)"),
    )
    latitude = forms.FloatField(
        label=_("Latitude"), required=False, min_value=-90.0, max_value=90.0
    )
    longitude = forms.FloatField(
        label=_("Longitude"), required=False, min_value=-180.0, max_value=180.0
    )

    def __init__(self, *args: Any, territory: Territory, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sectors = Sector.objects.filter(territory=territory).order_by("name")
        self.fields["sector"].queryset = sectors

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        sector = data.get("sector")
        lat, lon = data.get("latitude"), data.get("longitude")
        if sector is not None and (lat is not None or lon is not None):
            raise forms.ValidationError(
                _("Choose a sector or type coordinates, not both."), code="both"
            )
        if sector is None and (lat is None or lon is None) and not self.errors:
            raise forms.ValidationError(
                _("Choose a sector, or type both a latitude and a longitude."),
                code="missing",
            )
        return data

    def point(self) -> dict[str, str | float]:
        """The lever's parameters: lat, lon and a label to name the place."""
        sector = self.cleaned_data.get("sector")
        if sector is not None:
            return {"lat": sector.latitude, "lon": sector.longitude, "label": sector.name}
        lat, lon = self.cleaned_data["latitude"], self.cleaned_data["longitude"]
        return {"lat": lat, "lon": lon, "label": f"{lat:.5f}, {lon:.5f}"}
