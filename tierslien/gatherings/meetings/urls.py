"""Addresses of themed meetings, under /t/<territory>/meetings/."""

from django.urls import include, path

urlpatterns: list = [
    path("", include("tierslien.gatherings.meetings.seat_urls")),
    path("", include("tierslien.gatherings.meetings.day_urls")),
]
