"""The short address shown in the room for checking in on one's phone: /e/<code>/."""

from django.urls import URLPattern, path

from tierslien.gatherings.evenings import views

urlpatterns: list[URLPattern] = [
    path("<str:code>/", views.evening_short, name="evening_short"),
]
