from django.urls import path

from tierslien.territories import letter_views, views

urlpatterns = [
    path("", views.territory_detail, name="territory_detail"),
    path("season-alert/", views.season_alert, name="season_alert"),
    path("manage/", views.manage_territory, name="manage_territory"),
    path("manage/sectors/", views.manage_sector_list, name="manage_sector_list"),
    path("manage/sectors/new/", views.manage_sector_create, name="manage_sector_create"),
    path(
        "manage/sectors/<int:sector_id>/edit/",
        views.manage_sector_edit,
        name="manage_sector_edit",
    ),
    path("manage/venues/", views.manage_venue_list, name="manage_venue_list"),
    path("manage/venues/new/", views.manage_venue_create, name="manage_venue_create"),
    path(
        "manage/venues/<int:venue_id>/edit/",
        views.manage_venue_edit,
        name="manage_venue_edit",
    ),
    path("manage/letters/", letter_views.manage_letters, name="manage_letters"),
    path(
        "manage/letters/printed/",
        letter_views.manage_letters_printed,
        name="manage_letters_printed",
    ),
]
