from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CirclesConfig(AppConfig):
    name = "tierslien.circles"
    verbose_name = _("Circles")

    def ready(self) -> None:
        from tierslien.circles.actions.season import questionnaire_in_use
        from tierslien.portraits import freeze

        # A season being composed or reviewed freezes its territory's questionnaire.
        freeze.register(questionnaire_in_use)
