"""The smallest Django site that serves django-helpdesk, for the side-by-side benchmark.

Used only inside the throwaway venv (DJANGO_SETTINGS_MODULE=site_settings, with this folder
on sys.path). Configured like OpsDesk where it matters to the timings: PostgreSQL with
persistent, health-checked connections, DEBUG off, cached templates, database sessions, the
standard middleware. Everything else is django-helpdesk's default, except teams mode, which
needs pinax-teams (not installed, so it is off).
"""

import os
from urllib.parse import unquote, urlsplit

_server = urlsplit(os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432"))

DEBUG = False
SECRET_KEY = "bench-only-not-secret"  # a local benchmark site, never deployed
ALLOWED_HOSTS = ["testserver"]
ROOT_URLCONF = "site_urls"
SITE_ID = 1

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "rest_framework",
    "helpdesk",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("BENCH_HELPDESK_DB", "bench_helpdesk"),
        "USER": unquote(_server.username or "postgres"),
        "PASSWORD": unquote(_server.password or ""),
        "HOST": _server.hostname or "127.0.0.1",
        "PORT": str(_server.port or 5432),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
LANGUAGE_CODE = "en-us"
STATIC_URL = "/static/"
LOGIN_URL = "helpdesk:login"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # filling, not measured

HELPDESK_TEAMS_MODE_ENABLED = False
