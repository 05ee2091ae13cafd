from django.urls import path

from tierslien.relays import views

urlpatterns = [
    path("manage/relays/", views.manage_relays, name="manage_relays"),
    path(
        "manage/relays/<int:relay_id>/withdraw/",
        views.manage_relay_withdraw,
        name="manage_relay_withdraw",
    ),
    path("relay/", views.relay_home, name="relay_home"),
    path("relay/register/", views.relay_register, name="relay_register"),
    path("relay/people/<int:person_id>/", views.relay_person, name="relay_person"),
    path(
        "relay/people/<int:person_id>/contact/",
        views.relay_person_contact,
        name="relay_person_contact",
    ),
]
