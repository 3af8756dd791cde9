from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:

    from odds.demo import demo_active

    return {"demo_mode": demo_active(), "monps_env": settings.MONPS_ENV}
