"""Taking over one's account with a code; answering a seat through a relay."""

from django.urls import path

from tierslien.relays import takeover_views as views

urlpatterns = [
    path("takeover/", views.takeover_start, name="takeover"),
    path("takeover/account/", views.takeover_finish, name="takeover_finish"),
    path("takeover/send/", views.takeover_request, name="takeover_request"),
    path(
        "t/<slug:territory_slug>/relay/people/<int:person_id>/takeover/",
        views.relay_takeover,
        name="relay_takeover",
    ),
    path(
        "t/<slug:territory_slug>/relay/people/<int:person_id>/answers/",
        views.relay_behalf,
        name="relay_behalf",
    ),
    path(
        "t/<slug:territory_slug>/manage/registered/<int:person_id>/takeover/",
        views.manage_takeover,
        name="manage_takeover",
    ),
]
