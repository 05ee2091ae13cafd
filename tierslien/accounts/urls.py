from django.urls import path

from tierslien.accounts import views

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("terms/", views.terms_accept, name="terms_accept"),
    path("language/", views.set_language, name="set_language"),
]
