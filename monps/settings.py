"""monps settings: everything comes from the environment, and nothing is needed to start.

``make run`` / ``make test`` export DATABASE_URL and REDIS_URL for the embedded servers; set them
yourself to use other servers. ``MONPS_ENV=production`` turns on the deployment hardening that
``manage.py check --deploy`` asks for. Every variable is listed in docs/configuration.md and .env.example.
"""

from __future__ import annotations

import importlib.util
import os
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from psycopg.conninfo import conninfo_to_dict

# Lets the classes django-stubs types as generic (ModelAdmin[Bet], ModelForm[Bet]) be subscripted at run time.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use true or false)")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number") from None


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a number") from None


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def redis_database(url: str, number: int) -> str:
    """The same Redis server's database ``number``: ``redis://host:6379/0`` -> ``redis://host:6379/1``.
    Other URL forms (a unix socket, a cluster) are returned as given."""
    parts = urlsplit(url)
    if parts.scheme not in {"redis", "rediss"}:
        return url
    return urlunsplit(parts._replace(path=f"/{number}"))


def database_from_url(url: str) -> dict[str, Any]:
    """A Django DATABASES entry from a libpq URL (``postgresql://user:pw@host:port/db?host=/socket``)."""
    params = conninfo_to_dict(url)
    options = {k: v for k, v in params.items() if k not in {"dbname", "user", "password", "host", "port"}}
    # monps's reads are short: JIT compilation costs more than it saves, seconds on a read that plans
    # many compressed chunks. Options of the URL itself come after, so they can turn it back on.
    options["options"] = " ".join(filter(None, ["-c jit=off", str(options.get("options") or "")]))

    return {
        # django-prometheus's wrapper of the standard PostgreSQL backend: query metrics for free.
        "ENGINE": "django_prometheus.db.backends.postgresql",
        "NAME": params.get("dbname", "monps"),
        "USER": params.get("user", ""),
        "PASSWORD": params.get("password", ""),
        "HOST": params.get("host", ""),
        "PORT": params.get("port", ""),
        "OPTIONS": options,
        "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 60),
        "CONN_HEALTH_CHECKS": True,
        "TEST": {"NAME": env_str("DATABASE_TEST_NAME", "test_monps")},
    }


MONPS_ENV = env_str("MONPS_ENV", "development")
PRODUCTION = MONPS_ENV == "production"
DEBUG = env_bool("MONPS_DEBUG", False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when MONPS_ENV=production")
    # Only for a bare `manage.py` outside the launcher; `make run` exports a random key kept in var/.
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django_prometheus",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "template_partials.apps.SimpleAppConfig",
    "django_htmx",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our static files, not a CDN
    "django_celery_beat",
    "axes",  # login throttling: see "Login throttling" below
    "csp",  # the Content-Security-Policy: see below
    "pgtrigger",
    "pghistory",  # the bets audit trail, written by triggers (bets/trail.py)
    "ops",
    "web",
    "odds",
    "opportunities",
    "bets",
    "stats",
]
# The benchmark is a development tool: installed by `make run`/`make test`, not by the production image.
if importlib.util.find_spec("bench") is not None:
    INSTALLED_APPS.append("bench")

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # above WhiteNoise, so static files carry the policy too
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "ops.middleware.RefuseNulInQueryMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ops.middleware.LoginRequiredMiddleware",
    "web.preferences.PreferencesMiddleware",  # the bettor's odds format, time zone, currency
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # turns a locked-out login into the lockout page
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "monps.urls"
WSGI_APPLICATION = "monps.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.context_processors.site",
            ],
            # Parsed templates are cached (Django does so only when it builds the loaders itself).
            "loaders": [
                (
                    "template_partials.loader.Loader",
                    [
                        (
                            "django.template.loaders.cached.Loader",
                            [
                                "django.template.loaders.filesystem.Loader",
                                "django.template.loaders.app_directories.Loader",
                            ],
                        )
                    ]
                    if not DEBUG
                    else [
                        "django.template.loaders.filesystem.Loader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                )
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    }
]

DATABASE_URL = env_str("DATABASE_URL")
if not DATABASE_URL:
    # The embedded server's socket lives in its data folder; `make run` exports the exact URL.
    DATABASE_URL = f"postgresql://postgres@/monps?host={BASE_DIR / 'var' / 'pgdata'}"
DATABASES = {"default": database_from_url(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", f"redis://127.0.0.1:{env_int('MONPS_REDIS_PORT', 6389)}/0")
# API throttling counts requests here. Not the broker's database: clearing the cache (FLUSHDB) must
# never drop queued tasks.
CACHE_URL = env_str("CACHE_URL", redis_database(REDIS_URL, 1))
# When Redis is down or hangs, the counts are kept in each process's memory (ops/cache.py): the API
# answers, throttled per process, after half a second at most.
CACHES = {
    "default": {
        "BACKEND": "ops.cache.FallbackRedisCache",
        "LOCATION": CACHE_URL,
        "KEY_PREFIX": "monps",
        "TIMEOUT": 300,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5, "RETRY_SECONDS": 5},
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("MONPS_TIME_ZONE", "UTC")  # pages show times in this zone; storage is UTC
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

# Security: secure by default, and production passes `manage.py check --deploy`.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Prometheus and container health checks speak plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^metrics$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env_bool("SECURE_PROXY_SSL_HEADER", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Login throttling (django-axes, failures kept in the database). Failures count per username and
# address together: a guesser gets 10 tries at an account per 15 minutes from each address, and
# cannot lock the owner out of their own account from elsewhere (a per-username lock would let
# anyone do that). The address is REMOTE_ADDR: behind a reverse proxy every client shares the proxy's,
# and the lock is then per account. Clear a lockout in the admin (Axes > Access attempts) or with
# `manage.py axes_reset`.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out pair before any password is checked
    "django.contrib.auth.backends.ModelBackend",
]
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = 10  # more than a run of typos, far too few to guess a password
AXES_COOLOFF_TIME = timedelta(minutes=15)  # long enough to make guessing hopeless, short for the owner
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True  # a guesser who keeps trying stays locked out
AXES_RESET_ON_SUCCESS = True  # a good login forgets the typos before it
AXES_COOLOFF_MESSAGE = (
    "Too many failed logins: this account is locked from your address for 15 minutes after the last"
    " attempt. An admin can unlock it sooner."
)
AXES_LOCKOUT_CALLABLE = "web.lockout.lockout_response"  # the login page it came from, with that message
AXES_HTTP_RESPONSE_CODE = 429  # Too Many Requests: axes's default, declared for web.lockout to read


# Content-Security-Policy (django-csp): one strict policy for every response, the admin's and the
# API docs' included. Scripts and styles come only from our static files, never inline (htmx's own
# indicator style is switched off in base.html); charts are inline SVG, icons may be data: URIs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous client gets 401 with a WWW-Authenticate header, not 403.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "web.api.Pagination",
    "DEFAULT_PARSER_CLASSES": [
        "web.api_input.JSONParser",  # DRF's, with a depth limit
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "web.api.exception_handler",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "60/min"),
        "user": env_str("API_THROTTLE_USER", "2000/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "monps API",
    "DESCRIPTION": "Odds, opportunities, bets and statistics of a monps workstation.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    # The five devig methods are one choice set wherever a field offers them (a method, the best one).
    "ENUM_NAME_OVERRIDES": {
        "DevigMethodEnum": "opportunities.pricing.METHODS",
        "BacktestStatusEnum": "opportunities.backtest_models.RUN_STATUSES",
    },
    # Swagger UI and Redoc from drf-spectacular-sidecar's static files: /api/docs/ works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No badge from the public validator: the page asks nothing of any other server.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

# Celery: Redis as broker. Results are not kept; tasks record their outcome in the database.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = __import__("monps.schedule", fromlist=["BEAT_SCHEDULE"]).BEAT_SCHEDULE
CELERY_WORKER_SEND_TASK_EVENTS = True  # Flower's task list
CELERY_TASK_SEND_SENT_EVENT = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # workers log through LOGGING below: its filters redact secrets
# Every task by kind on its own queue, so that each can have workers of its own (docker-compose.yml):
# a storm of alerts never delays a collection. `make run` starts one worker for all of them.
CELERY_TASK_ROUTES = {
    "opportunities.tasks.send_alert": {"queue": "alerts"},
    "opportunities.tasks.send_alert_digest": {"queue": "alerts"},
    "opportunities.tasks.send_pending_alerts": {"queue": "alerts"},
    "opportunities.tasks.run_backtest": {"queue": "backtests"},
    "opportunities.tasks.resume_backtests": {"queue": "backtests"},
    "opportunities.tasks.*": {"queue": "detection"},
    "bets.tasks.*": {"queue": "settlement"},
    "odds.tasks.*": {"queue": "collection"},
}
# No task runs longer than this; a task whose worker died is delivered again after the visibility
# timeout, which is longer than any task may run (else a slow task would be delivered twice).
# CELERY_VISIBILITY_TIMEOUT shortens it where every task is known to be quick (the fault tests).
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 540)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30
_visibility_timeout = env_int("CELERY_VISIBILITY_TIMEOUT", CELERY_TASK_TIME_LIMIT + 60)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": _visibility_timeout,
    # Workers look for tasks past it every sweep (kombu's default looks every 10th sweep of 10 s), and
    # sweep more often when it is short: a lost task waits at most a sweep longer than the timeout.
    "unacked_restore_interval": max(1, min(10, _visibility_timeout // 2)),
    "unacked_restore_throttle": 1,
}
# A collection's lease on its sport (odds.collector.sport_lock): as long as a task may run.
COLLECTION_LEASE_SECONDS = CELERY_TASK_TIME_LIMIT + 60
# How long a collection that already spent its credits waits for a database that went away.
DATABASE_RETRY_DELAYS = (1, 2, 5, 10, 20, 30)

# The bets audit trail stamps each event with the moment of its write, not its transaction's start.
PGHISTORY_CREATED_AT_FUNCTION = "clock_timestamp()"

# TimescaleDB: auto (use it when the extension is there and preloaded), on (require it), off.
TIMESCALE_MODE = env_str("TIMESCALE_MODE", "auto")
if TIMESCALE_MODE not in {"auto", "on", "off"}:
    raise ImproperlyConfigured(f"TIMESCALE_MODE={TIMESCALE_MODE!r}: use auto, on or off")

# The Odds API
ODDS_API_KEY = env_str("ODDS_API_KEY")
ODDS_API_BASE_URL = env_str("ODDS_API_BASE_URL", "https://api.the-odds-api.com").rstrip("/")
ODDS_API_REGIONS = env_list("ODDS_API_REGIONS", "eu,uk")
ODDS_API_MARKETS = env_list("ODDS_API_MARKETS", "h2h,spreads,totals")
ODDS_API_SPORTS = env_list("ODDS_API_SPORTS", "soccer_epl")
# Ask for each exchange price's available amount (includeBetLimits): suggested stakes are capped by it.
ODDS_API_BET_LIMITS = env_bool("ODDS_API_BET_LIMITS", True)
ODDS_API_CREDIT_RESERVE = env_int("ODDS_API_CREDIT_RESERVE", 25)
ODDS_API_MONTHLY_CREDITS = env_int("ODDS_API_MONTHLY_CREDITS", 500)
ODDS_API_TIMEOUT = env_float("ODDS_API_TIMEOUT", 15.0)
# Retries of a call refused for a moment (429, 5xx) or cut off: urllib3's Retry (odds.providers.odds_api).
ODDS_API_RETRIES = env_int("ODDS_API_RETRIES", 3)
ODDS_API_BACKOFF = env_float("ODDS_API_BACKOFF", 1.0)
ODDS_API_BACKOFF_MAX = env_float("ODDS_API_BACKOFF_MAX", 30.0)
for _name in ("ODDS_API_TIMEOUT", "ODDS_API_RETRIES", "ODDS_API_BACKOFF", "ODDS_API_BACKOFF_MAX"):
    if globals()[_name] < 0:
        raise ImproperlyConfigured(f"{_name}={globals()[_name]!r} is negative")

# An event's odds history is read from this many days before kick-off (charts, closing lines,
# backtests): every read names a time range, so TimescaleDB plans only the chunks in it. The Odds
# API lists events months ahead (its documentation shows an NFL opener with a bookmaker update 92
# days before kick-off); football-data.co.uk's opening prices are 2 days before, the demo's 3.
ODDS_HISTORY_LEAD_DAYS = env_int("ODDS_HISTORY_LEAD_DAYS", 120)
if ODDS_HISTORY_LEAD_DAYS < 1:
    raise ImproperlyConfigured(f"ODDS_HISTORY_LEAD_DAYS={ODDS_HISTORY_LEAD_DAYS}: at least 1 day")

# A bet's closing line counts only when the reference (or, for a consensus, each book used) quoted
# the bet's own line at most this many minutes before kick-off (bets.closing, the backtest).
CLOSING_MAX_AGE = env_int("CLOSING_MAX_AGE", 30)
if CLOSING_MAX_AGE < 0:
    raise ImproperlyConfigured(f"CLOSING_MAX_AGE={CLOSING_MAX_AGE}: minutes, 0 or more")

MONPS_MAX_STAKE = Decimal(env_str("MONPS_MAX_STAKE", "10000.00"))
METRICS_TOKEN = env_str("METRICS_TOKEN")

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "monps@localhost")
ALERT_EMAIL_TO = env_list("ALERT_EMAIL_TO", "")
ALERT_RETRY_SECONDS = env_int("ALERT_RETRY_SECONDS", 30)
# More new alerts than this for one strategy and channel in one detection pass become one digest.
ALERT_DIGEST_THRESHOLD = env_int("ALERT_DIGEST_THRESHOLD", 10)
# An alert's delivery claimed longer ago than this by a worker that never finished it is looked at
# again: sent if nothing was handed over yet, else marked unconfirmed (opportunities/alerts.py).
ALERT_CLAIM_SECONDS = env_int("ALERT_CLAIM_SECONDS", 60)
# Telegram alerts (opportunities/alerts.py): the bot's token only from here, never stored or shown;
# the chat from here or each strategy's own.
TELEGRAM_BOT_TOKEN = env_str("TELEGRAM_BOT_TOKEN")
TELEGRAM_CHAT_ID = env_str("TELEGRAM_CHAT_ID")
TELEGRAM_API_BASE_URL = env_str("TELEGRAM_API_BASE_URL", "https://api.telegram.org").rstrip("/")
if TELEGRAM_BOT_TOKEN and not re.fullmatch(r"[0-9]+:[A-Za-z0-9_-]+", TELEGRAM_BOT_TOKEN):
    raise ImproperlyConfigured("TELEGRAM_BOT_TOKEN is not a bot token: digits, a colon, then letters, digits, - or _")

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        # One JSON object per line; extra fields such as ``run_id`` are kept.
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "timestamp": False,
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
        },
        "plain": {"()": "ops.logging.PlainFormatter"},
    },
    "filters": {"run_id": {"()": "ops.logging.RunIdFilter"}, "redact": {"()": "ops.logging.RedactSecrets"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["run_id", "redact"],
            "formatter": env_str("LOG_FORMAT", "json" if PRODUCTION else "plain"),
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
