from django.contrib import admin
from django.urls import include, path

from cases import urls as case_urls
from casework import urls as casework_urls
from casework import views as casework_views
from yourchoice.web import views

# One `cases:` namespace for every page about a case, whichever layer builds it (cases/ for the
# case's own pages, casework/ for the pages that combine sessions, goals and supervision).
case_pages = (case_urls.urlpatterns + casework_urls.urlpatterns, "cases")

urlpatterns = [
    path("", casework_views.home, name="home"),
    path("health/", views.health, name="health"),
    # At the root, so the service worker may look after every page (docs/offline.md).
    path("sw.js", views.service_worker, name="service-worker"),
    path("manifest.webmanifest", views.web_manifest, name="web-manifest"),
    path("", include("casework.offline.urls")),
    path("", include("accounts.urls")),
    path("people/", include("accounts.people.urls")),
    path("", include(case_pages)),
    path("", include("cases.notifications.urls")),
    path("", include("sessions.urls")),
    path("", include("outcomes.urls")),
    path("", include("supervision.urls")),
    path("api/v1/", include("yourchoice.api_urls")),
    path("admin/", admin.site.urls),
]

handler404 = "yourchoice.web.views.not_found"
handler403 = "yourchoice.web.views.forbidden"
handler500 = "yourchoice.web.views.server_error"
