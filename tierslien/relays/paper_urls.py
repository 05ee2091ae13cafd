"""Printable documents, under /t/<territory>/paper/."""

from django.urls import path

from tierslien.relays import paper_views

urlpatterns = [
    path("forms/", paper_views.paper_forms, name="paper_forms"),
    path("seasons/<int:season_id>/letters/", paper_views.paper_letters, name="paper_letters"),
    path(
        "circles/<int:circle_id>/first-session/",
        paper_views.paper_first_session,
        name="paper_first_session",
    ),
    path("poster/", paper_views.paper_poster, name="paper_poster"),
]
