from django.apps import AppConfig


class MonpsConfig(AppConfig):
    name = "monps"
    verbose_name = "monps"

    def ready(self) -> None:
        from monps import checks  # noqa: F401  (registers the checks)
        from monps.prometheus import register

        register()
