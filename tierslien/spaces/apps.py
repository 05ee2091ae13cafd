from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpacesConfig(AppConfig):
    name = "tierslien.spaces"
    verbose_name = _("Circle spaces")
