from django.urls import path

from opportunities import api

urlpatterns = [
    path("", api.opportunities, name="opportunities"),
    path("top/", api.top, name="opportunities-top"),
]
