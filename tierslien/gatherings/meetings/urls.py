"""Addresses of themed meetings, under /t/<territory>/meetings/: the meeting itself (core),
its seats, its day."""

from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("tierslien.gatherings.meetings.core.urls")),
    path("", include("tierslien.gatherings.meetings.seats.urls")),
    path("", include("tierslien.gatherings.meetings.day.urls")),
]
