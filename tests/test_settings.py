"""Settings come from the environment and refuse unsafe production values."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import formats, translation

from opsdesk.env import env_bool, env_int, env_str

ROOT = Path(__file__).resolve().parent.parent


def _start_django(tmp_path, *arguments: str, **env) -> subprocess.CompletedProcess:
    """`python <arguments>` (by default: set Django up) in a fresh process with `env`."""
    # DJANGO_ALLOW_ASYNC_UNSAFE is set for the browser tests (tests/browser.py), never in
    # production; the deployment check rightly refuses it.
    ignored = ("SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    environment = {key: value for key, value in os.environ.items() if key not in ignored}
    environment.update(OPSDESK_VAR_DIR=str(tmp_path), **env)
    arguments = arguments or ("-c", "import django; django.setup(); print('started')")
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_with_the_default_secret_key(tmp_path):
    result = _start_django(tmp_path, DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_starts_with_a_secret_key(tmp_path):
    result = _start_django(
        tmp_path, DEBUG="0", SECRET_KEY="x" * 50, ALLOWED_HOSTS="opsdesk.example"
    )
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_production_settings_pass_django_s_deployment_checks(tmp_path):
    result = _start_django(
        tmp_path,
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64)[:50],
        ALLOWED_HOSTS="opsdesk.example",
    )
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr and "ERROR" not in result.stderr, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_a_misspelt_boolean_stops_start_up(monkeypatch):
    monkeypatch.setenv("DEBUG", "flase")
    with pytest.raises(ImproperlyConfigured, match="DEBUG='flase'"):
        env_bool("DEBUG")


def test_a_non_numeric_integer_stops_start_up(monkeypatch):
    monkeypatch.setenv("EMAIL_PORT", "smtp")
    with pytest.raises(ImproperlyConfigured):
        env_int("EMAIL_PORT", 25)


def test_secrets_can_come_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("SECRET_KEY_FILE", str(secret))
    assert env_str("SECRET_KEY") == "from-a-file"


def test_embedded_default_is_sqlite_and_a_serverless_broker(settings):
    if os.environ.get("DATABASE_URL") or os.environ.get("REDIS_URL"):
        pytest.skip("this run is configured with external services")
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert settings.CELERY_BROKER_URL == "filesystem://"


def test_redis_url_selects_redis_as_the_broker(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.CELERY_BROKER_URL)",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "REDIS_URL": "redis://127.0.0.1:6379/5",
            "OPSDESK_VAR_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "redis://127.0.0.1:6379/5"


def test_time_zone_and_languages(settings):
    assert settings.TIME_ZONE == "Asia/Shanghai" and settings.USE_TZ
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _name in settings.LANGUAGES] == ["zh-hans", "en"]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_dates_show_as_year_month_day_hour_minute_in_both_languages(language):
    moment = dt.datetime(2026, 9, 30, 17, 20)
    with translation.override(language):
        assert formats.date_format(moment, "DATETIME_FORMAT") == "2026-09-30 17:20"
        assert formats.date_format(moment.date(), "DATE_FORMAT") == "2026-09-30"
