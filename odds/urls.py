from django.urls import path

from odds import views

urlpatterns = [
    path("odds/", views.odds_screen, name="odds-screen"),
    path("events/<int:event_id>/", views.event_detail, name="event-detail"),
    path("events/<int:event_id>/movement/<str:market>/", views.event_market, name="event-market"),
]
