from django.urls import path

from outcomes import views

app_name = "outcomes"

urlpatterns = [
    path("young-people/<int:pk>/goals/new/", views.goal_new, name="goal-new"),
    path("young-people/<int:pk>/hand-over/", views.turn_start, name="turn-start"),
    path("your-turn/", views.turn, name="turn"),
    path("your-turn/finished/", views.turn_done, name="turn-done"),
    path("goals/<int:pk>/end/", views.goal_end, name="goal-end"),
    path("young-people/<int:pk>/measures/sdq/<slug:mode>/", views.sdq_record, name="sdq-record"),
    path("reports/", views.reports, name="reports"),
    path("reports/<int:pk>/<slug:fmt>/", views.report_download, name="report-download"),
    path("reports/london/", views.london, name="london"),
    path("extracts/", views.extracts, name="extracts"),
    path("extracts/<int:pk>/<slug:table>/", views.extract_download, name="extract-download"),
]
