from django.urls import path

from tierslien.circles import views

urlpatterns = [
    path("seasons/", views.season_list, name="season_list"),
    path("seasons/<int:season_id>/", views.season_detail, name="season_detail"),
    path("seasons/<int:season_id>/leave/", views.season_leave, name="season_leave"),
    path("manage/seasons/", views.manage_season_list, name="manage_season_list"),
    path("manage/seasons/new/", views.manage_season_create, name="manage_season_create"),
    path(
        "manage/seasons/<int:season_id>/edit/",
        views.manage_season_edit,
        name="manage_season_edit",
    ),
    path(
        "manage/seasons/<int:season_id>/compose/",
        views.manage_season_compose,
        name="manage_season_compose",
    ),
    path(
        "manage/seasons/<int:season_id>/cancel/",
        views.manage_season_cancel,
        name="manage_season_cancel",
    ),
    path(
        "manage/seasons/<int:season_id>/progress/",
        views.manage_season_progress,
        name="manage_season_progress",
    ),
    path(
        "manage/seasons/<int:season_id>/progress.json",
        views.manage_season_progress_json,
        name="manage_season_progress_json",
    ),
    path(
        "manage/seasons/<int:season_id>/proposal/",
        views.manage_season_proposal,
        name="manage_season_proposal",
    ),
    path(
        "manage/seasons/<int:season_id>/reopen/",
        views.manage_season_reopen,
        name="manage_season_reopen",
    ),
    path(
        "manage/seasons/<int:season_id>/circles/<int:circle_id>/move/",
        views.manage_circle_move,
        name="manage_circle_move",
    ),
    path(
        "manage/seasons/<int:season_id>/circles/<int:circle_id>/swap/",
        views.manage_circle_swap,
        name="manage_circle_swap",
    ),
    path(
        "manage/seasons/<int:season_id>/circles/<int:circle_id>/lock/",
        views.manage_circle_lock,
        name="manage_circle_lock",
    ),
    path(
        "manage/seasons/<int:season_id>/place/",
        views.manage_season_place,
        name="manage_season_place",
    ),
    path(
        "manage/seasons/<int:season_id>/recompose/",
        views.manage_season_recompose,
        name="manage_season_recompose",
    ),
    path(
        "manage/seasons/<int:season_id>/publish/",
        views.manage_season_publish,
        name="manage_season_publish",
    ),
    path(
        "manage/seasons/<int:season_id>/circles/",
        views.manage_season_circles,
        name="manage_season_circles",
    ),
    path(
        "manage/seasons/<int:season_id>/late/",
        views.manage_season_place_late,
        name="manage_season_place_late",
    ),
    path(
        "manage/seasons/<int:season_id>/circles/<int:circle_id>/link/",
        views.manage_circle_link,
        name="manage_circle_link",
    ),
    path(
        "manage/seasons/<int:season_id>/start/",
        views.manage_season_start,
        name="manage_season_start",
    ),
    path(
        "circles/<int:circle_id>/invitation/",
        views.circle_invitation,
        name="circle_invitation",
    ),
]
