from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RelaysConfig(AppConfig):
    name = "tierslien.relays"
    label = "relays"
    verbose_name = _("Local contacts")

    def ready(self) -> None:
        # The outbox sits below this app: it learns here how to find a person's relay.
        from tierslien.outbox.routing import register_relay_lookup
        from tierslien.relays.services import relay_lookup

        register_relay_lookup(relay_lookup)
