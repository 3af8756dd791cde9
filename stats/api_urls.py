from django.urls import path

from stats import api

urlpatterns = [
    path("global/", api.global_stats, name="stats-global"),
    path("bankroll/", api.bankroll, name="stats-bankroll"),
    path("performance/", api.performance, name="stats-performance"),
    path("calibration/", api.calibration, name="stats-calibration"),
    path("bookmakers/", api.bookmakers_stats, name="stats-bookmakers"),
]
