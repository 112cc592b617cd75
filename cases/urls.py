from django.urls import path

from cases import views
from cases.audit_trail import views as audit_views
from cases.profile import views as profile_views
from cases.retention import views as retention_views
from cases.subject_access import views as subject_access_views

app_name = "cases"

urlpatterns = [
    path("young-people/<int:pk>/", views.young_person, name="young-person"),
    path("referrals/new/", views.referral_new, name="referral-new"),
    path("young-people/<int:pk>/reassess/", views.referral_reassess, name="referral-reassess"),
    path("young-people/<int:pk>/allocate/", views.allocate, name="allocate"),
    path("young-people/<int:pk>/transfer/", views.transfer, name="transfer"),
    path("young-people/<int:pk>/closure/", views.closure_request, name="closure-request"),
    path("closure-requests/<int:pk>/decision/", views.closure_decide, name="closure-decide"),
    path("young-people/<int:pk>/flags/new/", views.flag_new, name="flag-new"),
    path("flags/<int:pk>/resolve/", views.flag_resolve, name="flag-resolve"),
    path("flags/<int:pk>/review/", views.flag_review, name="flag-review"),
    path("young-people/<int:pk>/budget/", views.budget, name="budget"),
    path("young-people/<int:pk>/details/", profile_views.profile_edit, name="profile-edit"),
    path("young-people/<int:pk>/contacts/new/", profile_views.contact_new, name="contact-new"),
    path(
        "young-people/<int:pk>/contacts/<int:contact_pk>/",
        profile_views.contact_edit,
        name="contact-edit",
    ),
    path(
        "young-people/<int:pk>/contacts/<int:contact_pk>/remove/",
        profile_views.contact_remove,
        name="contact-remove",
    ),
    path("young-people/<int:pk>/audit/", audit_views.young_person_audit, name="audit"),
    path("retention/", retention_views.queue, name="retention-queue"),
    path("young-people/<int:pk>/anonymise/", retention_views.anonymise, name="anonymise"),
    path(
        "young-people/<int:pk>/retention/extend/",
        retention_views.extend,
        name="retention-extend",
    ),
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
