"""Addresses of a themed meeting itself: public pages, contributors' link, facilitators'."""

from django.urls import URLPattern, URLResolver, path

from tierslien.gatherings.meetings.core import views

M = "manage/<int:meeting_id>/"

urlpatterns: list[URLPattern | URLResolver] = [
    # Public (no sign-in).
    path("", views.meeting_public_list, name="meeting_public_list"),
    path("calendar.ics", views.meeting_calendar, name="meeting_calendar"),
    path("<int:meeting_id>/", views.meeting_public, name="meeting_public"),
    # Contributors, through the secret link of their invitation.
    path("contribute/<str:token>/", views.meeting_contribute, name="meeting_contribute"),
    # Facilitators.
    path("manage/", views.meeting_manage_list, name="meeting_manage_list"),
    path("manage/new/", views.meeting_create, name="meeting_create"),
    path(M, views.meeting_manage, name="meeting_manage"),
    path(f"{M}edit/", views.meeting_edit, name="meeting_edit"),
    path(f"{M}open/", views.meeting_open, name="meeting_open"),
    path(f"{M}draft/", views.meeting_draft, name="meeting_draft"),
    path(f"{M}archive/", views.meeting_archive, name="meeting_archive"),
    path(f"{M}contributors/new/", views.contributor_invite, name="contributor_invite"),
    path(
        f"{M}contributors/<int:contributor_id>/reinvite/",
        views.contributor_reinvite,
        name="contributor_reinvite",
    ),
    path(
        f"{M}contributors/<int:contributor_id>/withdraw/",
        views.contributor_withdraw,
        name="contributor_withdraw",
    ),
]
