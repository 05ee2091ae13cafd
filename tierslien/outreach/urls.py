from django.urls import path

from tierslien.outreach import views

urlpatterns = [
    path("manage/missing/", views.missing_overview, name="outreach_missing"),
    path(
        "manage/missing/population/<slug:dimension>/",
        views.missing_reference,
        name="outreach_missing_reference",
    ),
]
