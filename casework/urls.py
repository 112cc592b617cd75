"""Routes of the pages that combine a young person's casework, in the `cases:` namespace (joined
with cases/urls.py in yourchoice/urls.py)."""

from django.urls import path

from casework import views
from casework.imports import views as import_views
from casework.retention import views as retention_views
from casework.subject_access import views as subject_access_views

urlpatterns = [
    path("young-people/<int:pk>/", views.young_person, name="young-person"),
    path("young-people/<int:pk>/closure/", views.closure_request, name="closure-request"),
    path("closure-requests/<int:pk>/decision/", views.closure_decide, name="closure-decide"),
    path("retention/", retention_views.queue, name="retention-queue"),
    path("young-people/<int:pk>/anonymise/", retention_views.anonymise, name="anonymise"),
    path(
        "young-people/<int:pk>/retention/extend/",
        retention_views.extend,
        name="retention-extend",
    ),
    path("imports/", import_views.imports, name="imports"),
    path("imports/template/<slug:part>/", import_views.import_template, name="import-template"),
    path("imports/<int:pk>/", import_views.import_batch, name="import"),
    path("imports/<int:pk>/progress/", import_views.import_progress, name="import-progress"),
    path("imports/<int:pk>/old-ids/", import_views.import_mapping, name="import-mapping"),
    path(
        "young-people/<int:pk>/subject-access/",
        subject_access_views.subject_access,
        name="subject-access",
    ),
    path(
        "young-people/<int:pk>/subject-access/<slug:fmt>/",
        subject_access_views.subject_access_download,
        name="subject-access-download",
    ),
]
