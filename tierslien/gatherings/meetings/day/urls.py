"""The day of a themed meeting (facilitators): table plan, projection, check-in, the end."""

from django.urls import URLPattern, URLResolver, path

from tierslien.gatherings.meetings.day import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("manage/<int:meeting_id>/day/", views.meeting_day, name="meeting_day"),
    path(
        "manage/<int:meeting_id>/day/compose/",
        views.meeting_day_compose,
        name="meeting_day_compose",
    ),
    path(
        "manage/<int:meeting_id>/day/rotations/<int:number>/",
        views.meeting_day_rotation,
        name="meeting_day_rotation",
    ),
    path(
        "manage/<int:meeting_id>/day/rotations/<int:number>/projection/",
        views.meeting_day_projection,
        name="meeting_day_projection",
    ),
    path(
        "manage/<int:meeting_id>/day/rotations/<int:number>/start/",
        views.meeting_day_rotation_start,
        name="meeting_day_rotation_start",
    ),
    path(
        "manage/<int:meeting_id>/day/rotations/<int:number>/move/",
        views.meeting_day_move,
        name="meeting_day_move",
    ),
    path(
        "manage/<int:meeting_id>/day/check-in/",
        views.meeting_day_checkin,
        name="meeting_day_checkin",
    ),
    path(
        "manage/<int:meeting_id>/day/check-in/mark/",
        views.meeting_day_checkin_mark,
        name="meeting_day_checkin_mark",
    ),
    path("manage/<int:meeting_id>/day/over/", views.meeting_day_over, name="meeting_day_over"),
]
