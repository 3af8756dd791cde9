from django.urls import path

from opportunities import backtest_views

urlpatterns = [
    path("", backtest_views.backtest_page, name="backtest"),
    path("compare/", backtest_views.backtest_compare, name="backtest-compare"),
    path("<int:run_id>/", backtest_views.backtest_run, name="backtest-run"),
    path("<int:run_id>/again/", backtest_views.backtest_again, name="backtest-again"),
]
