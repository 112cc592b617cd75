from django.urls import path

from cases import views

app_name = "cases"

urlpatterns = [
    path("young-people/<int:pk>/", views.young_person, name="young-person"),
    path("closure-requests/<int:pk>/decision/", views.closure_decide, name="closure-decide"),
]
