from django.urls import path

from cases.notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/<int:pk>/", views.notification_open, name="open"),
    path("notifications/read/", views.notifications_read, name="read"),
    path("notifications/email/", views.notification_email, name="email"),
]
