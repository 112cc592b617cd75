from django.urls import path

from accounts.people import views

app_name = "people"

urlpatterns = [
    path("", views.people, name="list"),
    path("invite/", views.invite, name="invite"),
    path("cover/", views.cover, name="cover"),
    path("teams/new/", views.team_new, name="team-new"),
    path("teams/<int:pk>/rename/", views.team_rename, name="team-rename"),
    path("<int:pk>/", views.person, name="person"),
    path("<int:pk>/roles/add/", views.role_give, name="role-give"),
    path("<int:pk>/roles/remove/", views.role_remove, name="role-remove"),
    path("<int:pk>/switch-off/", views.deactivate, name="deactivate"),
    path("<int:pk>/second-step/reset/", views.second_factor_reset, name="second-factor-reset"),
    path("<int:pk>/invitation/", views.invitation_resend, name="invitation-resend"),
]
