from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from monps.versions import data_versions


def site(request: HttpRequest) -> dict:
    from odds.demo import demo_active

    return {
        "demo_mode": demo_active(),
        "monps_env": settings.MONPS_ENV,
        # Read once, and only by a page that caches a part of itself ({% cache ... versions.bets %}).
        "versions": SimpleLazyObject(data_versions),
    }
