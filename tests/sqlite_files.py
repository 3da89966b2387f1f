"""SQLite files of OpsDesk made once per test run and shared by the pytest-xdist workers.

Tests that start OpsDesk processes of their own (a real Celery worker, the fault scenarios)
cannot see the test database, so each works on a SQLite file of its own: a copy of one made
here once, not a database migrated again for each (all the migrations take 5 s on a quiet
machine, 20-30 s on a busy one).
"""

from __future__ import annotations

import fcntl
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.faults.servers import django_env, manage


def made_once(
    tmp_path_factory: pytest.TempPathFactory,
    worker_id: str,
    name: str,
    make: Callable[[Path, dict[str, str]], None],
) -> Path:
    """The file `name`, made by `make(path, env)` (env: an OpsDesk process's environment on
    that file) by the first worker that asks, in the run's shared temporary directory; the
    other workers wait for it and find it made."""
    if worker_id == "master":
        root = tmp_path_factory.mktemp(name)
    else:
        root = tmp_path_factory.getbasetemp().parent / name
        root.mkdir(exist_ok=True)
    database = root / f"{name}.sqlite3"
    with (root / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not database.exists():
            partial = root / "partial.sqlite3"
            make(partial, django_env(root / "var", DATABASE_URL=f"sqlite:///{partial}"))
            partial.rename(database)  # whole or not at all, for a worker that finds it
    return database


def migrated(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """OpsDesk's schema, every migration applied, and no rows but the migrations' own."""
    return made_once(
        tmp_path_factory,
        worker_id,
        "migrated",
        lambda path, env: manage(env, "migrate", "--noinput", "-v0"),
    )


def copy_of(database: Path, to: Path) -> Path:
    shutil.copyfile(database, to)
    return to
