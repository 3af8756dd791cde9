from django.urls import path

from opportunities import backtest_api

urlpatterns = [
    path("", backtest_api.backtests, name="backtests"),
    path("<int:run_id>/", backtest_api.backtest_detail, name="backtest-detail"),
    path("<int:run_id>/bets.csv", backtest_api.backtest_bets, name="backtest-bets"),
]
