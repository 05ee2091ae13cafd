from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortraitsConfig(AppConfig):
    name = "tierslien.portraits"
    label = "portraits"
    verbose_name = _("Self-portraits")
