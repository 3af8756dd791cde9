from django.urls import path

from odds import views

urlpatterns = [
    path("odds/", views.odds_screen, name="odds-screen"),
    path("events/<int:event_id>/", views.event_detail, name="event-detail"),
    path("events/<int:event_id>/movement/<str:market>/", views.event_market, name="event-market"),
    path("settings/bookmakers/", views.bookmaker_settings, name="bookmaker-settings"),
    path("settings/bookmakers/<str:key>/", views.bookmaker_save, name="bookmaker-save"),
    path("settings/bookmakers/<str:key>/edit/", views.bookmaker_edit, name="bookmaker-edit"),
]
