from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running monps: health, metrics, checks, logging, the cache and the storage path."""

    name = "ops"
    verbose_name = "operations"

    def ready(self) -> None:
        from ops import checks  # noqa: F401  (registers the checks)
        from ops.prometheus import register

        register()
