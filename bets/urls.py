from django.urls import path

from bets import account_views, import_views, slip_views, views

urlpatterns = [
    path("", views.bet_list, name="bet-list"),
    path("new/", slip_views.bet_new, name="bet-new"),
    path("new/preview/", slip_views.bet_preview, name="bet-preview"),
    path("new/events/", slip_views.bet_event_search, name="bet-event-search"),
    path("export.csv", views.bet_export, name="bet-export"),
    path("import/", import_views.bet_import, name="bet-import"),
    path("ledger/", views.ledger_add, name="ledger-add"),
    path("accounts/", account_views.accounts, name="bet-accounts"),
    path("<int:bet_id>/", views.bet_detail, name="bet-detail"),
    path("<int:bet_id>/settle/", views.bet_settle, name="bet-settle"),
]
