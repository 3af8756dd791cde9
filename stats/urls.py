from django.urls import path

from stats import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("stats/", views.stats_page, name="stats"),
    path("stats/calibration/", views.calibration_page, name="stats-calibration"),
    path("stats/bookmakers/", views.bookmakers_page, name="stats-bookmakers"),
]
