from django.apps import AppConfig


class WebConfig(AppConfig):
    """What every page and API answer shares: forms, filters, strict input, charts, template tags, accounts."""

    name = "web"
    verbose_name = "web"
