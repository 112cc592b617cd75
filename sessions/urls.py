from django.urls import path

from sessions import views

app_name = "sessions"

urlpatterns = [
    path("young-people/<int:pk>/sessions/new/", views.log_session, name="log"),
    path("sessions/<int:pk>/", views.session_detail, name="detail"),
    path("sessions/<int:pk>/correct/", views.session_correct, name="correct"),
]
