"""The case pages' routes. They share the `cases:` namespace with the pages in casework/
(casework/urls.py), joined in yourchoice/urls.py, so every case URL keeps one name."""

from django.urls import path

from cases import views
from cases.audit_trail import views as audit_views
from cases.break_glass import views as break_glass_views
from cases.contexts import views as context_views
from cases.profile import views as profile_views
from cases.search import views as search_views

urlpatterns = [
    path("search/", search_views.search, name="search"),
    path("people/<int:pk>/cases/", views.person_cases, name="person-cases"),
    path("referrals/new/", views.referral_new, name="referral-new"),
    path("young-people/<int:pk>/reassess/", views.referral_reassess, name="referral-reassess"),
    path("young-people/<int:pk>/allocate/", views.allocate, name="allocate"),
    path("young-people/<int:pk>/transfer/", views.transfer, name="transfer"),
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
    path("contexts/<int:pk>/", context_views.context_detail, name="context"),
    path("young-people/<int:pk>/contexts/link/", context_views.context_link, name="context-link"),
    path("young-people/<int:pk>/contexts/new/", context_views.context_new, name="context-new"),
    path("context-links/<int:pk>/end/", context_views.context_link_end, name="context-link-end"),
    path("break-glass/", break_glass_views.break_glass, name="break-glass"),
    path("break-glass/uses/", break_glass_views.break_glass_uses, name="break-glass-uses"),
    path(
        "break-glass/<int:pk>/reviewed/",
        break_glass_views.break_glass_review,
        name="break-glass-review",
    ),
]
