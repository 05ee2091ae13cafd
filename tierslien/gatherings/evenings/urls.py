from django.urls import path

from tierslien.gatherings.evenings import views

urlpatterns = [
    path("", views.evening_list, name="evening_list"),
    path("new/", views.evening_create, name="evening_create"),
    path("<int:evening_id>/", views.evening_detail, name="evening_detail"),
    path("<int:evening_id>/check-in/", views.evening_checkin, name="evening_checkin"),
    path("<int:evening_id>/compose/", views.evening_compose, name="evening_compose"),
    path("<int:evening_id>/rounds/<int:number>/", views.evening_round, name="evening_round"),
    path(
        "<int:evening_id>/rounds/<int:number>/start/",
        views.evening_round_start,
        name="evening_round_start",
    ),
    path("<int:evening_id>/over/", views.evening_held, name="evening_held"),
    path("<int:evening_id>/invite/", views.evening_invite, name="evening_invite"),
    path(
        "<int:evening_id>/attendees/<int:attendee_id>/undo/",
        views.evening_undo_check_in,
        name="evening_undo_check_in",
    ),
    path("<int:evening_id>/join/", views.evening_join, name="evening_join"),
]
