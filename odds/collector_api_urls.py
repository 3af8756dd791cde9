from django.urls import path

from odds import api

urlpatterns = [
    path("status/", api.collector_status, name="collector-status"),
    path("refresh/", api.collector_refresh, name="collector-refresh"),
]
