"""Fixtures of the fault scenarios: private servers and a seeded scenario database."""

from __future__ import annotations

import fcntl
import shutil
from pathlib import Path

import pytest

from tests.faults.servers import REDIS_SERVER, RedisServer, django_env, manage


@pytest.fixture(scope="session")
def seeded_database(tmp_path_factory, worker_id) -> Path:
    """A SQLite file with OpsDesk migrated and the demo loaded, made once per run (by the
    first pytest-xdist worker that needs it, in the run's shared temporary directory); each
    scenario that runs its own processes (workers, scripts) works on a copy of it."""
    if worker_id == "master":
        root = tmp_path_factory.mktemp("faults-seed")
    else:
        root = tmp_path_factory.getbasetemp().parent / "faults-seed"
        root.mkdir(exist_ok=True)
    database = root / "seed.sqlite3"
    with (root / "seed.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the other worker waits for the one seeding
        if not database.exists():
            partial = root / "seed.partial.sqlite3"
            env = django_env(root / "var", DATABASE_URL=f"sqlite:///{partial}")
            manage(env, "migrate", "--noinput", "-v0")
            manage(env, "load_demo", "--no-history")
            partial.rename(database)
    return database


@pytest.fixture
def scenario_database(seeded_database, tmp_path) -> Path:
    copy = tmp_path / "scenario.sqlite3"
    shutil.copyfile(seeded_database, copy)
    return copy


@pytest.fixture
def private_redis(tmp_path):
    if not Path(REDIS_SERVER).exists():
        pytest.skip(f"{REDIS_SERVER} not found: install redis-server to run the Redis scenarios")
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()
