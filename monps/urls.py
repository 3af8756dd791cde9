from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from monps import views
from monps.health import health
from monps.metrics import metrics
from odds import api as odds_api

api_patterns = [
    path("odds/", include("odds.api_urls")),
    path("bets/", include("bets.api_urls")),
    path("opportunities/", include("opportunities.api_urls")),
    path("stats/", include("stats.api_urls")),
    path("collector/status/", odds_api.collector_status, name="collector-status"),
    path("collector/refresh/", odds_api.collector_refresh, name="collector-refresh"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file (?script): the CSP allows none inline.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="monps/swagger_ui.html"),
        name="docs",
    ),
]

urlpatterns = [
    path("", include("stats.urls")),
    path("", include("odds.urls")),
    path("bets/", include("bets.urls")),
    path("opportunities/", include("opportunities.urls")),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/", include((api_patterns, "api"))),
    path("settings/", views.account, name="account"),
    path("settings/token/", views.token_create, name="token-create"),
    path("settings/token/revoke/", views.token_revoke, name="token-revoke"),
    path("health/", health, name="health"),
    path("metrics", metrics, name="metrics"),
    path("favicon.ico", views.favicon, name="favicon"),
]
