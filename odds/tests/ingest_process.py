"""Run by tests as a process of its own: ingest a saved ``/odds`` response, optionally holding the
transaction open until a line arrives on stdin, so that another process can ingest meanwhile."""

import json
import sys
from pathlib import Path

import django

django.setup()

from django.db import transaction  # noqa: E402

from odds.providers.odds_api import ingest_odds  # noqa: E402

path, mode = sys.argv[1], sys.argv[2]
with transaction.atomic():
    _, result = ingest_odds(json.loads(Path(path).read_text(encoding="utf-8")))
    print(f"ingested {result.history_written}", flush=True)
    if mode == "hold":
        sys.stdin.readline()
print("committed", flush=True)
