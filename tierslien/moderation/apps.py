from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "tierslien.moderation"
    verbose_name = _("Moderation")

    def ready(self) -> None:
        # A block by either person keeps the pair apart in every composition. Circles
        # asks the apps above it for such pairs (`circles.apart.keep_apart`) and never
        # imports moderation: the arrow points down. Imported here, once the apps are
        # loaded (models cannot be imported while the registry is being filled).
        from tierslien.circles.apart import keep_apart
        from tierslien.moderation.services import blocked_pairs

        keep_apart(blocked_pairs)
