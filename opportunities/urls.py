from django.urls import path

from opportunities import views

urlpatterns = [
    path("", views.opportunity_list, name="opportunity-list"),
    path("<int:opportunity_id>/hide/", views.opportunity_hide, name="opportunity-hide"),
    path("hidden/", views.hidden_list, name="opportunity-hidden"),
    path("hidden/<int:hidden_id>/unhide/", views.opportunity_unhide, name="opportunity-unhide"),
    path("strategies/", views.strategy_list, name="strategy-list"),
    path("strategies/new/", views.strategy_edit, name="strategy-new"),
    path("strategies/<int:strategy_id>/", views.strategy_edit, name="strategy-edit"),
]
