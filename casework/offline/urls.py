"""Routes of what a phone keeps for working without signal, in the `offline:` namespace."""

from django.urls import path

from casework.offline import views

app_name = "offline"
urlpatterns = [
    path("offline/", views.unavailable, name="unavailable"),
    path("offline/state/", views.state, name="state"),
    path("offline/waiting/", views.outbox, name="outbox"),
    path("offline/ask-supervisor/", views.ask_supervisor, name="ask-supervisor"),
    path("young-people/<int:pk>/on-this-phone/", views.young_person, name="young-person"),
]
