from django.urls import path

from cases import views

app_name = "cases"

urlpatterns = [
    path("young-people/<int:pk>/", views.young_person, name="young-person"),
]
