from django.urls import path

from tierslien.feedback import views

urlpatterns = [
    path("feedback/circles/<int:circle_id>/", views.circle_feedback, name="feedback_circle"),
    path(
        "feedback/circles/<int:circle_id>/keep-in-touch/",
        views.keep_in_touch,
        name="feedback_keep_in_touch",
    ),
    path(
        "t/<slug:territory_slug>/manage/seasons/<int:season_id>/report/",
        views.manage_season_report,
        name="manage_season_report",
    ),
    path(
        "t/<slug:territory_slug>/manage/seasons/<int:season_id>/report.csv",
        views.manage_season_report_csv,
        name="manage_season_report_csv",
    ),
]
