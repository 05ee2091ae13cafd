from django.urls import path

from tierslien.privacy import views

urlpatterns = [
    path("data/", views.my_data, name="my_data"),
    path("data/export.json", views.export_my_data, name="export_my_data"),
    path("delete/", views.delete_account_view, name="delete_account"),
]
