"""OpsDesk settings, read from the environment.

With nothing set, OpsDesk runs embedded: SQLite under var/, a file-system Celery
broker, and DEBUG on. Production sets DEBUG=0, SECRET_KEY, DATABASE_URL and REDIS_URL.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from opsdesk.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("OPSDESK_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", default=True)

_DEV_SECRET_KEY = "opsdesk-development-key-never-use-in-production"
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY in ("", _DEV_SECRET_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a long random value when DEBUG is off "
        "(for example: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "sla",
    "contracts",
    "tickets",
    "notifications",
    "webhooks",
    "api",
    "reports",
    "knowledge",
    "inspections",
    "intake",
    "audit",
    # Its management commands only: `manage.py backup` and `manage.py restore`.
    "opsdesk",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Early, so redirects and error pages from any later layer carry the policy too.
    "opsdesk.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Right after authentication: keeps the client address and user for the audit trail.
    "audit.context.AuditContextMiddleware",
    # After authentication: a signed-in person's preferred language counts.
    "opsdesk.middleware.PortalLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the language is known, so the refusal is in the person's language.
    "opsdesk.middleware.ControlCharacterGuardMiddleware",
    # After messages: both tell the person why they were sent elsewhere.
    "accounts.middleware.IdleSessionMiddleware",
    "accounts.middleware.PasswordPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "opsdesk.urls"
WSGI_APPLICATION = "opsdesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "tickets.context_processors.portal_navigation",
            ],
        },
    },
]

# PostgreSQL connections are kept for DATABASE_CONN_MAX_AGE seconds between requests (0 closes
# them after each). A kept connection dies when PostgreSQL restarts (upgrade, failover): with
# the health check, the first query of a request first pings a reused connection and opens a
# new one if it is dead, so no request fails after a restart (tests/faults). Without it, the
# first request on each dead connection fails and Django then drops the connection, so a
# process never stays stuck. Celery workers open a fresh connection for every task anyway.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'opsdesk.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=env_bool("DATABASE_CONN_HEALTH_CHECKS", default=True),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default shares the file between the web server and the worker.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# The period figures' covering indexes carry extra columns on PostgreSQL; SQLite (the
# embedded default) builds them as plain indexes, which is all it needs at its size.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# Sign-in and sessions (等保 2.0 level 3): accounts/lockout.py, accounts/passwords.py,
# accounts/middleware.py. A value of 0 turns lockout, expiry or the idle timeout off.
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5)
# Per client address, higher than per username: a hospital's staff often share one NAT address.
LOGIN_MAX_FAILURES_PER_ADDRESS = env_int("LOGIN_MAX_FAILURES_PER_ADDRESS", 20)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
PASSWORD_MIN_LENGTH = env_int("PASSWORD_MIN_LENGTH", 10)
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 0)
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30)
# Behind a proxy the client's address is the last X-Forwarded-For entry (lockout per address).
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", default=False)

AUTHENTICATION_BACKENDS = ["accounts.backends.LockoutModelBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.passwords.ComplexityValidator"},
]

# Messages can carry a one-time secret (a new API token): keep them server-side, not in a cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Simplified Chinese first, English by a switch.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["opsdesk.formats"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Celery: Redis in production; with no REDIS_URL, a file-system broker that needs no server,
# so `make run` still runs a real worker and beat.
REDIS_URL = env_str("REDIS_URL", "")
# A Redis that hangs (a frozen host, a half-open connection) would hang every request that hands
# work to Celery or counts a rate limit, for ever: give up after this many seconds instead (the
# outbox sends later). Down and refusing, Redis answers at once anyway.
REDIS_TIMEOUT_SECONDS = env_int("REDIS_TIMEOUT_SECONDS", 2)
_REDIS_TIMEOUTS = {
    "socket_timeout": REDIS_TIMEOUT_SECONDS,
    "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
}
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {"visibility_timeout": 3600, **_REDIS_TIMEOUTS}
    CELERY_REDIS_SOCKET_TIMEOUT = REDIS_TIMEOUT_SECONDS
    CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_TIMEOUT_SECONDS
else:
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        "control_folder": str(_broker_dir / "control"),
    }
    CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# E-mail: console in development, SMTP when EMAIL_HOST is set.
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "OpsDesk <opsdesk@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The domain of the Message-IDs of notification mails: a reply names one in In-Reply-To, and
# the mail poller reads from it which ticket the reply is about (notifications/threading.py).
MAIL_MESSAGE_ID_DOMAIN = env_str(
    "MAIL_MESSAGE_ID_DOMAIN", DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "localhost"
)


def _samesite(name: str) -> str:
    value = env_str(name, "Lax")
    if value not in ("Lax", "Strict"):
        raise ImproperlyConfigured(f"{name}={value!r} must be Lax or Strict.")
    return value


# Lax, not Strict: a link in a notification e-mail must open the ticket already signed in.
SESSION_COOKIE_SAMESITE = _samesite("SESSION_COOKIE_SAMESITE")
CSRF_COOKIE_SAMESITE = _samesite("CSRF_COOKIE_SAMESITE")
SESSION_COOKIE_HTTPONLY = True
# Django's defaults, stated so that a reader (or an auditor) finds them here.
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # The directive alone changes nothing: a domain joins browsers' preload lists only once it
    # is submitted (hstspreload.org). SECURE_HSTS_PRELOAD=0 for a domain that must never be.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    if BEHIND_TLS_PROXY:
        # Trust X-Forwarded-Proto only when a proxy in front sets it; clients could forge it.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Shared by all processes when Redis is there (API rate limits must count across workers).
CACHES = {
    "default": (
        {
            "BACKEND": "opsdesk.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": _REDIS_TIMEOUTS,
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

API_RATE_LIMIT_PER_MINUTE = env_int("API_RATE_LIMIT_PER_MINUTE", 600)
# A report render still unfinished this long is taken as lost with its worker and retried.
REPORT_RENDER_TIMEOUT_MINUTES = env_int("REPORT_RENDER_TIMEOUT_MINUTES", 30)
# Quarterly summaries are made automatically this many days after the quarter ends.
QUARTERLY_REPORT_DELAY_DAYS = env_int("QUARTERLY_REPORT_DELAY_DAYS", 3)
# The address people open OpsDesk at, for links in messages that leave it (WeCom app
# messages link straight to the ticket page).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# A WeCom callback whose timestamp is further than this from now is refused (replays).
WECOM_CALLBACK_WINDOW_SECONDS = env_int("WECOM_CALLBACK_WINDOW_SECONDS", 300)
# Where `manage.py backup` writes when no --output is given.
BACKUP_DIR = Path(env_str("BACKUP_DIR", str(VAR_DIR / "backups")))
# The audit trail (audit/) is kept this many days, then purged daily; 等保 2.0 level 3 asks
# for at least 180 (audit.services.MINIMUM_RETENTION_DAYS).
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 365)
if AUDIT_RETENTION_DAYS < 180:
    raise ImproperlyConfigured(
        f"AUDIT_RETENTION_DAYS={AUDIT_RETENTION_DAYS} is too short: audit entries must be kept "
        "at least 180 days (等保 2.0 level 3). Set 180 or more, or leave it unset for 365."
    )

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerTokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.BoundedJSONParser"],
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "api.schema.OpsDeskAutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

# The API's schema and documentation need a signed-in person or a token; an intranet may
# open them to anyone on it (api/views/docs.py).
API_DOCS_PUBLIC = env_bool("API_DOCS_PUBLIC", default=False)

SPECTACULAR_SETTINGS = {
    "TITLE": "OpsDesk API",
    "DESCRIPTION": (
        "File and follow maintenance tickets from hospital systems. Authenticate with "
        "`Authorization: Token …`; errors are `{code, message, fields}` in the language of "
        "Accept-Language (zh-Hans or en)."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ClockName": "contracts.models.Clock",
        "TicketState": "tickets.models.State",
        "WebhookEvent": "webhooks.models.WebhookEvent",
        "ConsentKind": "tickets.models.ConsentKind",
        "TicketKind": "contracts.models.TicketKind",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint logs every rendering step at INFO; its warnings still show.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

ADMIN_SITE_HEADER = _("OpsDesk administration")
