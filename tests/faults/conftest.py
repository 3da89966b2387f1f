"""Fixtures of the fault scenarios: private servers and a seeded scenario database."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults.servers import REDIS_SERVER, RedisServer, manage
from tests.sqlite_files import copy_of, made_once, migrated


@pytest.fixture(scope="session")
def seeded_database(tmp_path_factory, worker_id) -> Path:
    """A SQLite file with OpsDesk migrated and the demo loaded, made once per run; each
    scenario that runs its own processes (workers, scripts) works on a copy of it."""
    schema = migrated(tmp_path_factory, worker_id)

    def seed(path: Path, env: dict[str, str]) -> None:
        copy_of(schema, path)
        manage(env, "load_demo", "--no-history")

    return made_once(tmp_path_factory, worker_id, "faults-seed", seed)


@pytest.fixture
def scenario_database(seeded_database, tmp_path) -> Path:
    return copy_of(seeded_database, tmp_path / "scenario.sqlite3")


@pytest.fixture
def private_redis(tmp_path):
    if not Path(REDIS_SERVER).exists():
        pytest.skip(f"{REDIS_SERVER} not found: install redis-server to run the Redis scenarios")
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()
