"""The Celery application. Tasks live in each app's tasks.py; the beat schedule in monps/schedule.py."""

import contextlib
import os

from celery import Celery
from celery.signals import heartbeat_sent

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monps.settings")

app = Celery("monps")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Each worker says it is alive (every heartbeat, ~2 s) where /health/ reads it at once, instead of
# /health/ pinging the workers and waiting for their answers.
WORKER_KEY = "monps:worker:"
WORKER_ALIVE_SECONDS = 30


@heartbeat_sent.connect
def _record_heartbeat(sender: object, **kwargs: object) -> None:
    from django.conf import settings
    from redis import Redis, RedisError

    hostname = getattr(getattr(sender, "eventer", None), "hostname", None)
    if not hostname:
        return
    with contextlib.suppress(RedisError):  # the broker is down too: nothing to do until it is back
        Redis.from_url(settings.REDIS_URL, socket_timeout=1).set(WORKER_KEY + hostname, "1", ex=WORKER_ALIVE_SECONDS)
