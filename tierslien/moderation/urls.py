from django.urls import path

from tierslien.moderation import views

urlpatterns = [
    path(
        "moderation/circles/<int:circle_id>/",
        views.circle_moderation,
        name="moderation_circle",
    ),
    path(
        "moderation/circles/<int:circle_id>/block/<int:member_id>/",
        views.block_member,
        name="moderation_block",
    ),
    path(
        "moderation/circles/<int:circle_id>/report/<int:member_id>/",
        views.report_member,
        name="moderation_report_member",
    ),
    path(
        "moderation/circles/<int:circle_id>/messages/<int:message_id>/report/",
        views.report_message,
        name="moderation_report_message",
    ),
    path(
        "t/<slug:territory_slug>/manage/reports/",
        views.manage_report_list,
        name="manage_report_list",
    ),
    path(
        "t/<slug:territory_slug>/manage/reports/<int:report_id>/handled/",
        views.manage_report_handled,
        name="manage_report_handled",
    ),
    path(
        "t/<slug:territory_slug>/manage/reports/<int:report_id>/remove/",
        views.manage_report_remove,
        name="manage_report_remove",
    ),
]
