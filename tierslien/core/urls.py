from django.urls import path

from tierslien.core import views
from tierslien.territories import views as territory_views

urlpatterns = [
    path("", views.home, name="home"),
    path("how-it-works/", views.how_it_works, name="how_it_works"),
    path("legal/terms/", views.terms, name="legal_terms"),
    path("legal/privacy/", views.privacy_notice, name="legal_privacy"),
    path("legal/notice/", views.legal_notice, name="legal_notice"),
    path("contact/", views.contact, name="contact"),
    path("territories/", territory_views.territory_list, name="territory_list"),
]
