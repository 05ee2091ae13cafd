from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from tierslien.outbox import views as outbox_views

urlpatterns = [
    path("", include("tierslien.core.urls")),
    path("", include("tierslien.operations.urls")),
    path("outbox/sms/inbound/", outbox_views.sms_inbound, name="sms_inbound"),
    path("accounts/", include("tierslien.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("t/<slug:territory_slug>/", include("tierslien.territories.urls")),
    path("t/<slug:territory_slug>/", include("tierslien.portraits.urls")),
    path("t/<slug:territory_slug>/", include("tierslien.circles.urls")),
    path("t/<slug:territory_slug>/", include("tierslien.relays.urls")),
    path("t/<slug:territory_slug>/evenings/", include("tierslien.gatherings.evenings.urls")),
    path("e/", include("tierslien.gatherings.evenings.short_urls")),
    path("t/<slug:territory_slug>/meetings/", include("tierslien.gatherings.meetings.urls")),
    path("t/<slug:territory_slug>/", include("tierslien.outreach.urls")),
    path("t/<slug:territory_slug>/", include("tierslien.potential.urls")),
    path("circles/", include("tierslien.spaces.urls")),
    path("t/<slug:territory_slug>/paper/", include("tierslien.relays.paper_urls")),
    path("", include("tierslien.moderation.urls")),
    path("", include("tierslien.feedback.urls")),
    path("", include("tierslien.outreach.turnout_urls")),
    path("me/", include("tierslien.privacy.urls")),
    path("", include("tierslien.relays.takeover_urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:  # pragma: no cover - development convenience only
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
