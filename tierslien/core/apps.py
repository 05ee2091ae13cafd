from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "tierslien.core"
    label = "core"
    verbose_name = _("Site")

    def ready(self) -> None:
        from tierslien.core.admin_site import harden_admin_site
        from tierslien.core.warmup import warm_engine_if_worker

        harden_admin_site()
        warm_engine_if_worker()
