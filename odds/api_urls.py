from django.urls import path

from odds import api

urlpatterns = [
    path("matches/", api.matches, name="odds-matches"),
    path("history/<int:event_id>/", api.history, name="odds-history"),
]
