from django.urls import path

from tierslien.potential import views

urlpatterns = [
    path(
        "manage/seasons/<int:season_id>/potential/",
        views.manage_season_potential,
        name="manage_season_potential",
    ),
    path(
        "manage/seasons/<int:season_id>/potential/start/",
        views.manage_season_potential_start,
        name="manage_season_potential_start",
    ),
    path(
        "manage/seasons/<int:season_id>/potential/point/",
        views.manage_season_potential_point,
        name="manage_season_potential_point",
    ),
    path(
        "manage/seasons/<int:season_id>/potential/apply/",
        views.manage_season_potential_apply,
        name="manage_season_potential_apply",
    ),
]
