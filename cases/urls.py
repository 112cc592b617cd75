from django.urls import path

from cases import views

app_name = "cases"

urlpatterns = [
    path("young-people/<int:pk>/", views.young_person, name="young-person"),
    path("referrals/new/", views.referral_new, name="referral-new"),
    path("young-people/<int:pk>/allocate/", views.allocate, name="allocate"),
    path("young-people/<int:pk>/transfer/", views.transfer, name="transfer"),
    path("young-people/<int:pk>/closure/", views.closure_request, name="closure-request"),
    path("closure-requests/<int:pk>/decision/", views.closure_decide, name="closure-decide"),
    path("young-people/<int:pk>/flags/new/", views.flag_new, name="flag-new"),
    path("flags/<int:pk>/resolve/", views.flag_resolve, name="flag-resolve"),
    path("young-people/<int:pk>/budget/", views.budget, name="budget"),
]
