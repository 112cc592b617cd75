from django.contrib import admin
from django.urls import include, path

from cases import views as case_views
from yourchoice import views

urlpatterns = [
    path("", case_views.home, name="home"),
    path("health/", views.health, name="health"),
    path("", include("accounts.urls")),
    path("", include("cases.urls")),
    path("", include("sessions.urls")),
    path("", include("outcomes.urls")),
    path("", include("supervision.urls")),
    path("api/v1/", include("yourchoice.api_urls")),
    path("admin/", admin.site.urls),
]

handler404 = "yourchoice.views.not_found"
handler403 = "yourchoice.views.forbidden"
handler500 = "yourchoice.views.server_error"
