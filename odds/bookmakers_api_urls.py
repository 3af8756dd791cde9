from django.urls import path

from odds import bookmakers_api

urlpatterns = [
    path("", bookmakers_api.bookmakers, name="bookmakers"),
    path("<str:key>/", bookmakers_api.bookmaker_detail, name="bookmaker-detail"),
]
