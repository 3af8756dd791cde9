from django.urls import path

from ops.health import health
from ops.metrics import metrics

urlpatterns = [
    path("health/", health, name="health"),
    path("metrics", metrics, name="metrics"),
]
