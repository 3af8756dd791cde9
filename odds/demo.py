from django.conf import settings


def demo_active() -> bool:
    """The demo market runs when there is no API key; every page says so."""
    return not settings.ODDS_API_KEY
