from django.urls import path

from supervision import views

app_name = "supervision"

urlpatterns = [
    path("supervision/review/", views.review, name="review"),
    path("supervision/teams/<int:team_id>/new/", views.supervision_new, name="new"),
    path("supervision/<int:pk>/", views.supervision_detail, name="detail"),
    path("supervision/<int:pk>/edit/", views.supervision_edit, name="edit"),
    path("actions/<int:pk>/done/", views.action_done, name="action-done"),
]
