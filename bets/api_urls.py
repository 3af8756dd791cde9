from django.urls import path

from bets import api

urlpatterns = [
    path("", api.bets, name="bets"),
    path("<int:bet_id>/", api.bet_detail, name="bet-detail"),
]
