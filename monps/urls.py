"""Every app's URLs, named by string: the configuration imports no app."""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

api_patterns: list[URLPattern | URLResolver] = [
    path("odds/", include("odds.api_urls")),
    path("bets/", include("bets.api_urls")),
    path("opportunities/", include("opportunities.api_urls")),
    path("backtests/", include("opportunities.backtest_api_urls")),
    path("stats/", include("stats.api_urls")),
    path("collector/", include("odds.collector_api_urls")),
    path("bookmakers/", include("odds.bookmakers_api_urls")),
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
    path("backtest/", include("opportunities.backtest_urls")),
    path("admin/", admin.site.urls),
    path("api/", include((api_patterns, "api"))),
    path("", include("web.urls")),
    path("", include("ops.urls")),
]
