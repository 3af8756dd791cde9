import contextlib
import contextvars
import logging
import os
import re
from collections.abc import Iterator

_run_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("monps_run_id", default=None)


@contextlib.contextmanager
def run_context(run_id: int | None) -> Iterator[None]:
    """Every log line inside carries ``run_id``: one collector run can be followed end to end."""
    token = _run_id.set(run_id)
    try:
        yield
    finally:
        _run_id.reset(token)


class RunIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        run_id = _run_id.get()
        if run_id is not None and not hasattr(record, "run_id"):
            record.run_id = run_id
        return True


class PlainFormatter(logging.Formatter):
    """Readable lines for development, with the run id when there is one."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        run_id = getattr(record, "run_id", None)
        return f"{line} [run {run_id}]" if run_id is not None else line


class RedactSecrets(logging.Filter):
    """No secret reaches a log line, whoever logs it (urllib3 logs request URLs at DEBUG, with the
    Odds API key in their query): the configured secrets and any ``apiKey=`` value become ``***``."""

    QUERY_KEY = re.compile(r"(apiKey=)[^&\s'\"]+", re.IGNORECASE)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True

    @classmethod
    def redact(cls, text: str) -> str:
        for secret in _secrets():
            text = text.replace(secret, "***")
        return cls.QUERY_KEY.sub(r"\1***", text)


def _secrets() -> list[str]:
    from urllib.parse import urlsplit

    from django.conf import settings

    values = [
        getattr(settings, name, "")
        for name in ("ODDS_API_KEY", "SECRET_KEY", "METRICS_TOKEN", "EMAIL_HOST_PASSWORD", "TELEGRAM_BOT_TOKEN")
    ]
    for url in (getattr(settings, "REDIS_URL", ""), getattr(settings, "CELERY_BROKER_URL", "")):
        values.append(urlsplit(url).password or "")
    values.append(settings.DATABASES["default"].get("PASSWORD") or "")
    flower = os.environ.get("FLOWER_BASIC_AUTH", "")
    values.append(flower.partition(":")[2])
    return [value for value in values if isinstance(value, str) and len(value) >= 4]
