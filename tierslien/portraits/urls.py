from django.urls import path

from tierslien.portraits import views

urlpatterns = [
    path("portrait/", views.portrait_detail, name="portrait_detail"),
    path("portrait/edit/", views.portrait_edit, name="portrait_edit"),
    path(
        "portrait/consent/<slug:criterion_key>/withdraw/",
        views.portrait_withdraw_consent,
        name="portrait_withdraw_consent",
    ),
    path("manage/criteria/", views.manage_criteria, name="manage_criteria"),
    path("manage/criteria/new/", views.manage_criterion_new, name="manage_criterion_new"),
    path(
        "manage/criteria/<int:criterion_id>/",
        views.manage_criterion_edit,
        name="manage_criterion_edit",
    ),
]
