"""The service's routes plus the baselines that benchmark figures are divided by."""

from django.urls import include, path

from bench import views

urlpatterns = [
    path("bench/baseline/", views.baseline, name="bench-baseline"),
    path("bench/baseline-insert/", views.baseline_insert, name="bench-baseline-insert"),
    path("", include("yourchoice.urls")),
]
