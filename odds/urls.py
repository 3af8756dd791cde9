from django.urls import path

from odds import views

urlpatterns = [
    path("events/<int:event_id>/", views.event_detail, name="event-detail"),
]
