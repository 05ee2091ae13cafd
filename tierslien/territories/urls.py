from django.urls import path

from tierslien.territories import views

urlpatterns = [
    path("", views.territory_detail, name="territory_detail"),
    path("manage/", views.manage_territory, name="manage_territory"),
]
