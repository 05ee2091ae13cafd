from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PotentialConfig(AppConfig):
    name = "tierslien.potential"
    label = "potential"
    verbose_name = _("Mixing potential")
