from django.urls import path

from opportunities import views

urlpatterns = [
    path("", views.opportunity_list, name="opportunity-list"),
    path("strategies/", views.strategy_list, name="strategy-list"),
    path("strategies/new/", views.strategy_edit, name="strategy-new"),
    path("strategies/<int:strategy_id>/", views.strategy_edit, name="strategy-edit"),
]
