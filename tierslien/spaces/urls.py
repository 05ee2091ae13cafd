from django.urls import path

from tierslien.spaces import views

urlpatterns = [
    path("", views.my_circles, name="my_circles"),
    path("<int:circle_id>/", views.circle_home, name="circle_home"),
    path("<int:circle_id>/pact/", views.circle_pact, name="circle_pact"),
    path("<int:circle_id>/intro/", views.circle_intro, name="circle_intro"),
    path("<int:circle_id>/sessions/", views.circle_sessions, name="circle_sessions"),
    path(
        "<int:circle_id>/calendar/token/",
        views.circle_calendar_token,
        name="circle_calendar_token",
    ),
    path(
        "<int:circle_id>/calendar/<str:token>.ics",
        views.circle_calendar_ics,
        name="circle_calendar_ics",
    ),
    path("<int:circle_id>/guide/", views.circle_guide, name="circle_guide"),
    path("<int:circle_id>/board/", views.circle_board, name="circle_board"),
    path(
        "<int:circle_id>/board/<int:message_id>/edit/",
        views.circle_message_edit,
        name="circle_message_edit",
    ),
    path(
        "<int:circle_id>/board/<int:message_id>/delete/",
        views.circle_message_delete,
        name="circle_message_delete",
    ),
    path("<int:circle_id>/aid/", views.circle_aid, name="circle_aid"),
    path(
        "<int:circle_id>/aid/<int:post_id>/offer/", views.circle_aid_offer, name="circle_aid_offer"
    ),
    path(
        "<int:circle_id>/aid/<int:post_id>/resolve/",
        views.circle_aid_resolve,
        name="circle_aid_resolve",
    ),
    path("<int:circle_id>/leave/", views.circle_leave, name="circle_leave"),
]
