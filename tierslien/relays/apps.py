from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RelaysConfig(AppConfig):
    name = "tierslien.relays"
    label = "relays"
    verbose_name = _("Local contacts")
