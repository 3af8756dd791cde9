from __future__ import annotations

import hashlib

from django.conf import settings

from odds.models import ODDS_API, CollectorRun

# 401 codes of The Odds API: collecting again with the same key cannot succeed.
KEY_ERRORS = {"MISSING_KEY", "INVALID_KEY", "DEACTIVATED_KEY", "OUT_OF_USAGE_CREDITS"}


def key_fingerprint(key: str | None = None) -> str:
    """A short hash that tells keys apart without storing or logging the key itself."""
    key = settings.ODDS_API_KEY if key is None else key
    return hashlib.sha256(key.encode()).hexdigest()[:12] if key else ""


def collection_blocked() -> str:
    """The reason collection is stopped: the last API call rejected the key now configured."""
    if not settings.ODDS_API_KEY:
        return ""
    last = (
        CollectorRun.objects.filter(source=ODDS_API)
        .exclude(status__in=[CollectorRun.RUNNING, CollectorRun.SKIPPED])
        .only("status", "error", "error_code", "key_fingerprint")
        .first()
    )
    if last and last.error_code in KEY_ERRORS and last.key_fingerprint == key_fingerprint():
        return f"The Odds API rejected the key ({last.error_code}): {last.error}"
    return ""
