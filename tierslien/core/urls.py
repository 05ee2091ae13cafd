from django.urls import path

from tierslien.core import views
from tierslien.territories import views as territory_views

urlpatterns = [
    path("", views.home, name="home"),
    path("how-it-works/", views.how_it_works, name="how_it_works"),
    path("territories/", territory_views.territory_list, name="territory_list"),
]
