from django.urls import path

from tierslien.outreach import turnout_views as views

urlpatterns = [
    path("circles/<int:circle_id>/presence/", views.circle_presence, name="circle_presence"),
    path(
        "t/<slug:territory_slug>/manage/seasons/<int:season_id>/circles/<int:circle_id>/presence/",
        views.manage_circle_presence,
        name="manage_circle_presence",
    ),
    path(
        "t/<slug:territory_slug>/relay/people/<int:person_id>/presence/",
        views.relay_person_presence,
        name="relay_person_presence",
    ),
    path(
        "t/<slug:territory_slug>/evenings/<int:evening_id>/presence/",
        views.manage_evening_presence,
        name="manage_evening_presence",
    ),
]
