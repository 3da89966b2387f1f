"""The container deployment: Dockerfile, docker-compose.yml and the entry point.

Docker need not be running: the files are read as text and YAML. When the `docker compose`
client is installed, the compose file is also checked by compose itself (no engine needed).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"

APP_SERVICES = ("web", "worker", "beat")
OFFICIAL_IMAGES = {"db": "postgres", "redis": "redis"}
REQUIRED_ENV = {"POSTGRES_PASSWORD": "compose-check-password", "SECRET_KEY": "compose-check-key"}


def _compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def _services() -> dict:
    return _compose()["services"]


def _environment(service: dict) -> dict[str, str]:
    """A service's environment as a mapping, whichever of the two compose forms it uses."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    return instructions


def _run_commands() -> list[str]:
    return [arguments for keyword, arguments in _dockerfile_instructions() if keyword == "RUN"]


def _docker_compose_available() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(
        ["docker", "compose", "version"], capture_output=True, text=True, timeout=30, check=False
    )
    return probe.returncode == 0


def _compose_config(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        # An empty env file, so a local .env cannot supply (or hide) the variables under test.
        ["docker", "compose", "--env-file", os.devnull, "-f", str(COMPOSE_FILE), "config", "-q"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _env_without_compose_variables() -> dict[str, str]:
    names = {*REQUIRED_ENV, "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT", "COMPOSE_FILE"}
    return {key: value for key, value in os.environ.items() if key not in names}


# docker-compose.yml


def test_compose_defines_database_redis_web_worker_and_beat():
    assert {"db", "redis", *APP_SERVICES} <= set(_services())


def test_compose_file_uses_the_compose_spec_without_a_version_key():
    assert "version" not in _compose()


def test_web_worker_and_beat_build_from_the_local_dockerfile():
    services = _services()
    for name in APP_SERVICES:
        build = services[name].get("build")
        assert build is not None, f"{name} does not build the OpsDesk image"
        if isinstance(build, str):
            build = {"context": build}
        assert build.get("context") in (".", "./"), f"{name} builds from {build!r}"
        assert build.get("dockerfile", "Dockerfile") == "Dockerfile", name


def test_web_worker_and_beat_wait_for_healthy_database_and_redis():
    services = _services()
    for name in APP_SERVICES:
        depends_on = services[name].get("depends_on")
        assert isinstance(depends_on, dict), f"{name} must state a condition for its dependencies"
        for dependency in ("db", "redis"):
            assert depends_on.get(dependency, {}).get("condition") == "service_healthy", (
                f"{name} starts before {dependency} is healthy"
            )


def test_worker_and_beat_start_only_after_web_has_applied_migrations():
    services = _services()
    for name in ("worker", "beat"):
        assert services[name]["depends_on"]["web"]["condition"] == "service_healthy", name


def test_database_redis_and_web_have_health_checks():
    services = _services()
    for name in ("db", "redis", "web"):
        healthcheck = services[name].get("healthcheck")
        assert healthcheck and healthcheck.get("test"), f"{name} has no health check"
        assert not healthcheck.get("disable"), name


def test_web_health_check_fetches_the_login_page():
    test = _services()["web"]["healthcheck"]["test"]
    command = " ".join(test) if isinstance(test, list) else test
    assert "curl" in command and "-f" in command
    assert "/accounts/login/" in command


def test_only_official_postgres_and_redis_images_are_pulled():
    for name, service in _services().items():
        image = service.get("image")
        if name in OFFICIAL_IMAGES:
            official = OFFICIAL_IMAGES[name]
            assert image is not None and re.fullmatch(rf"{official}:[\w][\w.-]*", image), (
                f"{name} pulls {image!r}, not the official {official} image"
            )
        else:
            assert image is None, f"{name} names an image ({image!r}) compose could try to pull"
            assert "build" in service, f"{name} neither builds locally nor uses an official image"


def test_web_runs_with_debug_off_and_a_required_secret_key():
    env = _environment(_services()["web"])
    assert env.get("DEBUG") == "0"
    assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]*\}", env.get("SECRET_KEY", "")), (
        "SECRET_KEY must come from a required variable (${SECRET_KEY:?...})"
    )


def test_worker_and_beat_share_the_web_environment():
    services = _services()
    web_env = _environment(services["web"])
    for name in ("worker", "beat"):
        assert _environment(services[name]) == web_env, name


def test_web_uses_postgres_and_redis_from_the_compose_services():
    env = _environment(_services()["web"])
    assert env["DATABASE_URL"].startswith("postgres://opsdesk:")
    assert env["DATABASE_URL"].endswith("@db:5432/opsdesk")
    assert env["REDIS_URL"] == "redis://redis:6379/0"


def test_database_password_is_required_and_data_is_kept_in_named_volumes():
    compose = _compose()
    db = compose["services"]["db"]
    assert re.fullmatch(r"\$\{POSTGRES_PASSWORD:\?[^}]*\}", _environment(db)["POSTGRES_PASSWORD"])
    assert {"pgdata", "media"} <= set(compose.get("volumes") or {})
    assert "pgdata:/var/lib/postgresql/data" in db["volumes"]
    assert "media:/app/var" in _services()["web"]["volumes"]


def test_every_service_restarts_unless_stopped():
    for name, service in _services().items():
        assert service.get("restart") == "unless-stopped", name


@pytest.mark.skipif(not _docker_compose_available(), reason="the docker compose client is absent")
def test_compose_accepts_the_file_when_the_required_variables_are_set():
    result = _compose_config({**_env_without_compose_variables(), **REQUIRED_ENV})
    unrelated = ("unknown command", "not a docker command", "permission denied")
    if result.returncode != 0 and any(text in result.stderr.lower() for text in unrelated):
        pytest.skip(f"docker compose could not run: {result.stderr.strip()}")
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(not _docker_compose_available(), reason="the docker compose client is absent")
def test_compose_refuses_to_start_without_a_secret_key():
    env = {**_env_without_compose_variables(), "POSTGRES_PASSWORD": "compose-check-password"}
    result = _compose_config(env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


# Dockerfile


def test_image_is_built_on_python_311_slim_bookworm():
    base = next(arguments for keyword, arguments in _dockerfile_instructions() if keyword == "FROM")
    assert base == "python:3.11-slim-bookworm"


def test_image_installs_pango_harfbuzz_and_a_cjk_font_for_pdfs():
    apt_installs = " ".join(command for command in _run_commands() if "apt-get install" in command)
    packages = set(apt_installs.split())
    assert {
        "fonts-noto-cjk",
        "libpango-1.0-0",
        "libpangoft2-1.0-0",
        "libharfbuzz-subset0",
    } <= packages
    assert "--no-install-recommends" in packages
    assert "gettext" in packages


def test_image_compiles_translations_and_collects_static_files():
    commands = " ".join(_run_commands())
    assert "manage.py compilemessages" in commands
    assert "manage.py collectstatic --noinput" in commands


def test_image_does_not_run_as_root():
    users = [arguments for keyword, arguments in _dockerfile_instructions() if keyword == "USER"]
    assert users, "the image has no USER line, so it runs as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")


def test_image_serves_gunicorn_on_port_8000_through_the_entrypoint():
    instructions = dict(_dockerfile_instructions())
    assert instructions["EXPOSE"] == "8000"
    assert "docker/entrypoint.sh" in instructions["ENTRYPOINT"]
    assert "opsdesk.wsgi:application" in instructions["CMD"]


# docker/entrypoint.sh


def test_entrypoint_is_executable():
    assert os.access(ENTRYPOINT, os.X_OK)


def test_entrypoint_is_valid_posix_shell():
    result = subprocess.run(
        ["sh", "-n", str(ENTRYPOINT)], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0, result.stderr


def test_entrypoint_runs_any_other_command_as_given():
    result = subprocess.run(
        [str(ENTRYPOINT), "echo", "passed", "through"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "passed through\n"


def test_entrypoint_knows_web_worker_and_beat():
    script = ENTRYPOINT.read_text(encoding="utf-8")
    assert script.startswith("#!/bin/sh\n")
    assert re.search(r"^set -e\b", script, re.MULTILINE)
    assert "manage.py migrate --noinput" in script
    assert "exec gunicorn opsdesk.wsgi:application" in script
    assert "exec celery -A opsdesk worker" in script
    assert "exec celery -A opsdesk beat" in script
    assert "/app/var/celerybeat-schedule" in script
