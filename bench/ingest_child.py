"""One ingestion in a process of its own: ``python -m bench.ingest_child RESPONSE_FILE``.

It sets Django up, says ``ready``, ingests the saved /odds response when a line arrives on its
standard input, and prints the history rows it wrote, so the parent times the ingestion alone.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main(path: str) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monps.settings")
    django.setup()
    from django.db import connection

    from odds.providers.odds_api import decode_json, ingest_odds

    text = Path(path).read_bytes()
    connection.ensure_connection()
    print("ready", flush=True)
    sys.stdin.readline()
    _, result = ingest_odds(decode_json(text))
    print(result.history_written, flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
