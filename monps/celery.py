"""The Celery application. Tasks live in each app's tasks.py; the beat schedule in monps/schedule.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monps.settings")

app = Celery("monps")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
