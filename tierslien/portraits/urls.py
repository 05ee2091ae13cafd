from django.urls import path

from tierslien.portraits import views

urlpatterns = [
    path("portrait/", views.portrait_detail, name="portrait_detail"),
    path("portrait/edit/", views.portrait_edit, name="portrait_edit"),
]
