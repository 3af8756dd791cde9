from django.apps import AppConfig


class BenchConfig(AppConfig):
    """``manage.py bench``: installed where the benchmark is (``make run``/``make test``), not in the image."""

    name = "bench"
    verbose_name = "benchmark"
