"""Seats of a themed meeting: applicants' and public pages under /t/<territory>/meetings/<id>/,
facilitators' under /t/<territory>/meetings/manage/<id>/seats/."""

from django.urls import URLPattern, URLResolver, path

from tierslien.gatherings.meetings.seats import views

urlpatterns: list[URLPattern | URLResolver] = [
    # Applicants (signed in).
    path("<int:meeting_id>/apply/", views.meeting_apply, name="meeting_apply"),
    path("<int:meeting_id>/my-seat/", views.meeting_my_seat, name="meeting_my_seat"),
    path("<int:meeting_id>/my-seat/answer/", views.meeting_seat_answer, name="meeting_seat_answer"),
    path("<int:meeting_id>/my-seat/withdraw/", views.meeting_withdraw, name="meeting_withdraw"),
    # The public, verifiable draw (no sign-in).
    path("<int:meeting_id>/draw/", views.meeting_draw, name="meeting_draw"),
    path("<int:meeting_id>/draw/pool.csv", views.meeting_draw_pool, name="meeting_draw_pool"),
    path("<int:meeting_id>/draw/quotas.csv", views.meeting_draw_quotas, name="meeting_draw_quotas"),
    path("<int:meeting_id>/draw/seed.txt", views.meeting_draw_seed, name="meeting_draw_seed"),
    path("<int:meeting_id>/draw/panel.json", views.meeting_draw_panel, name="meeting_draw_panel"),
    path("<int:meeting_id>/draw/counts.csv", views.meeting_draw_counts, name="meeting_draw_counts"),
    # Facilitators.
    path("manage/<int:meeting_id>/seats/", views.meeting_seats_manage, name="meeting_seats_manage"),
    path("manage/<int:meeting_id>/seats/quotas/", views.meeting_quotas, name="meeting_quotas"),
    path(
        "manage/<int:meeting_id>/seats/method/",
        views.meeting_draw_method,
        name="meeting_draw_method",
    ),
    path(
        "manage/<int:meeting_id>/seats/quotas/adopt/",
        views.meeting_quotas_adopt,
        name="meeting_quotas_adopt",
    ),
    path(
        "manage/<int:meeting_id>/seats/seed/",
        views.meeting_seed_publish,
        name="meeting_seed_publish",
    ),
    path(
        "manage/<int:meeting_id>/seats/messages/resend/",
        views.meeting_messages_resend,
        name="meeting_messages_resend",
    ),
    path(
        "manage/<int:meeting_id>/seats/draw/", views.meeting_draw_start, name="meeting_draw_start"
    ),
    path(
        "manage/<int:meeting_id>/seats/audit.zip",
        views.meeting_draw_audit,
        name="meeting_draw_audit",
    ),
    path(
        "manage/<int:meeting_id>/seats/draw/progress/",
        views.meeting_draw_progress,
        name="meeting_draw_progress",
    ),
]
