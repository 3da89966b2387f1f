"""Backing up and restoring OpsDesk: the database and the uploaded files, with a manifest
that lets a restore prove it got everything back (等保 2.0 level 3: 数据备份与恢复).

A backup is one folder, ``opsdesk-backup-YYYYmmdd-HHMMSS/``, holding

- ``database.dump`` (PostgreSQL, ``pg_dump --format=custom``) or ``database.sqlite3`` (SQLite,
  an online copy made with SQLite's backup API, consistent while the site runs);
- ``media.tar.gz``, everything under MEDIA_ROOT: attachments, inspection and service reports;
- ``manifest.json``: when it was made, which migrations the database had, the row count of
  every OpsDesk table, and the size and SHA-256 of each part.

On PostgreSQL the row counts are read in the very snapshot pg_dump dumps (an exported
snapshot), so a restore can compare them exactly even when the backup ran during the day.
The database is saved before the files, so every file a saved row names is in the archive.

The management commands ``backup`` and ``restore`` are thin wrappers over these functions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA = "media.tar.gz"
DATABASE_PARTS = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """Why a backup could not be made, or a restore must not go on."""


@dataclass
class RestoreOutcome:
    manifest: dict
    counts: dict[str, int | None]
    # table label → (in the backup, now in the database), for each that differs
    mismatches: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)
    # migrations this code has and the backup's database had not: run `manage.py migrate`
    pending_migrations: list[str] = field(default_factory=list)
    # migrations the backup's database had that this code does not know (a newer OpsDesk)
    unknown_migrations: list[str] = field(default_factory=list)
    media_files: int = 0


# --- what is counted ------------------------------------------------------------------------


def counted_models() -> list:
    """The concrete models of OpsDesk's own apps (not Django's or third parties')."""
    base = str(settings.BASE_DIR)
    venv = os.path.join(base, ".venv")
    found = []
    for config in apps.get_app_configs():
        if not str(config.path).startswith(base) or str(config.path).startswith(venv):
            continue
        for model in config.get_models():
            if model._meta.managed and not model._meta.proxy:
                found.append(model)
    return sorted(found, key=lambda model: model._meta.label)


def _count_rows(count: Callable[[str], int], tables: set[str]) -> dict[str, int | None]:
    """Rows per model label; None for a table the database does not have."""
    return {
        model._meta.label: count(model._meta.db_table) if model._meta.db_table in tables else None
        for model in counted_models()
    }


def row_counts(using: str = "default") -> dict[str, int | None]:
    connection = connections[using]
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:

        def count(table: str) -> int:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            return cursor.fetchone()[0]

        return _count_rows(count, tables)


def applied_migrations(using: str = "default") -> dict[str, list[str]]:
    connection = connections[using]
    if MigrationRecorder.Migration._meta.db_table not in connection.introspection.table_names():
        return {}
    applied: dict[str, list[str]] = {}
    for app_label, name in MigrationRecorder(connection).applied_migrations():
        applied.setdefault(app_label, []).append(name)
    return {app_label: sorted(names) for app_label, names in sorted(applied.items())}


def holds_data(using: str = "default") -> bool:
    """Whether any OpsDesk table has a row (a freshly migrated database has none)."""
    return any(count for count in row_counts(using).values())


# --- parts ----------------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _vendor(using: str) -> str:
    vendor = connections[using].vendor
    if vendor not in DATABASE_PARTS:
        raise BackupError(f"Backing up a {vendor} database is not supported.")
    return vendor


def _pg_command(tool: str, settings_dict: dict) -> tuple[list[str], dict[str, str]]:
    """The client tool with the connection's parts as options; the password goes in the
    environment (PGPASSWORD), never on a command line others could read in `ps`."""
    binary = shutil.which(tool, path=os.environ.get("PG_BIN_DIR") or None) or shutil.which(tool)
    if binary is None:
        raise BackupError(f"{tool} was not found: install the PostgreSQL client tools.")
    argv = [binary, "--no-password"]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            argv += [option, str(settings_dict[key])]
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    sslmode = (settings_dict.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return argv, env


def _run(argv: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{what} failed ({done.returncode}): {done.stderr.strip()}")


def _dump_postgresql(using: str, target: Path) -> tuple[dict, dict]:
    """pg_dump in the snapshot the row counts and migrations are read in."""
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts = row_counts(using)
        migrations = applied_migrations(using)
        argv, env = _pg_command("pg_dump", connection.settings_dict)
        argv += [
            "--format=custom",
            f"--snapshot={snapshot}",
            "--file",
            str(target),
            "--dbname",
            connection.settings_dict["NAME"],
        ]
        _run(argv, env, "pg_dump")
    return counts, migrations


def _copy_sqlite(using: str, target: Path) -> tuple[dict, dict]:
    connection = connections[using]
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)
        tables = {row[0] for row in copy.execute("SELECT name FROM sqlite_master")}

        def count(table: str) -> int:
            return copy.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]

        counts = _count_rows(count, tables)
    finally:
        copy.close()
    return counts, applied_migrations(using)


def _archive_media(media_root: Path, target: Path) -> dict:
    files = size = 0
    with tarfile.open(target, "w:gz", compresslevel=6) as archive:
        if media_root.exists():
            archive.add(str(media_root), "media")
        else:  # nothing uploaded yet: an empty folder, so a restore finds the same shape
            folder = tarfile.TarInfo("media")
            folder.type, folder.mode = tarfile.DIRTYPE, 0o755
            archive.addfile(folder)
        for member in archive.getmembers():
            if member.isfile():
                files += 1
                size += member.size
    return {"files": files, "bytes": size}


# --- backing up -----------------------------------------------------------------------------


def create_backup(
    output: Path | None = None, *, using: str = "default", now: dt.datetime | None = None
) -> Path:
    """Write a new backup folder under `output` (BACKUP_DIR by default); returns its path.

    The folder and its files are readable by their owner only: they hold personal data and
    password hashes."""
    at = timezone.localtime(now or timezone.now())
    output = Path(output or settings.BACKUP_DIR)
    output.mkdir(parents=True, exist_ok=True)
    folder = output / f"opsdesk-backup-{at:%Y%m%d-%H%M%S}"
    if folder.exists():
        raise BackupError(f"{folder} exists already.")
    vendor = _vendor(using)
    partial = output / f".{folder.name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(mode=0o700)
    try:
        database_part = partial / DATABASE_PARTS[vendor]
        dump = _dump_postgresql if vendor == "postgresql" else _copy_sqlite
        counts, migrations = dump(using, database_part)
        media = _archive_media(Path(settings.MEDIA_ROOT), partial / MEDIA)
        parts = {}
        for part in (database_part, partial / MEDIA):
            part.chmod(0o600)
            parts[part.name] = {"bytes": part.stat().st_size, "sha256": sha256_of(part)}
        manifest = {
            "format": FORMAT,
            "created_at": at.isoformat(),
            "database": {"vendor": vendor, "part": database_part.name},
            "migrations": migrations,
            "row_counts": counts,
            "media": {"part": MEDIA, **media},
            "parts": parts,
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
        (partial / MANIFEST).chmod(0o600)
        # Only a complete backup ever carries the final name.
        partial.rename(folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return folder


# --- restoring ------------------------------------------------------------------------------


@contextmanager
def opened(path: Path) -> Iterator[Path]:
    """The backup folder; a .tar.gz of one (as copied off-site) is unpacked to a temp dir."""
    path = Path(path)
    if path.is_dir():
        yield path
        return
    if not path.is_file() or not tarfile.is_tarfile(path):
        raise BackupError(f"{path} is neither a backup folder nor a .tar.gz of one.")
    with tempfile.TemporaryDirectory(prefix="opsdesk-restore-") as unpacked:
        with tarfile.open(path) as archive:
            archive.extractall(unpacked, filter="data")
        manifests = list(Path(unpacked).glob(f"**/{MANIFEST}"))
        if len(manifests) != 1:
            raise BackupError(f"{path} holds {len(manifests)} backup manifests, not one.")
        yield manifests[0].parent


def verify_backup(folder: Path) -> dict:
    """Read the manifest and check every part against its size and SHA-256; returns it."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder / MANIFEST} cannot be read: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    for name, expected in manifest["parts"].items():
        part = folder / name
        if not part.is_file():
            raise BackupError(f"{name} is missing from the backup.")
        if part.stat().st_size != expected["bytes"] or sha256_of(part) != expected["sha256"]:
            raise BackupError(f"{name} does not match its checksum: the backup is damaged.")
    return manifest


def describe_target(using: str = "default") -> str:
    settings_dict = connections[using].settings_dict
    if connections[using].vendor == "sqlite":
        return f"SQLite {settings_dict['NAME']}"
    host = settings_dict.get("HOST") or "local socket"
    return f"PostgreSQL {settings_dict['NAME']} on {host}:{settings_dict.get('PORT') or 5432}"


def _restore_postgresql(using: str, part: Path) -> None:
    connection = connections[using]
    connection.close()  # our own session must hold no lock on what pg_restore drops
    argv, env = _pg_command("pg_restore", connection.settings_dict)
    argv += [
        "--clean",
        "--if-exists",
        # Ownership and grants name roles of the server the backup came from.
        "--no-owner",
        "--no-acl",
        # All or nothing: a failure leaves the database as it was.
        "--single-transaction",
        "--dbname",
        connection.settings_dict["NAME"],
        str(part),
    ]
    _run(argv, env, "pg_restore")


def _restore_sqlite(using: str, part: Path) -> None:
    """Copy the backup's pages into the configured database (SQLite's backup API: the same
    as copying the file, but safe with the file open and its journal in use)."""
    connection = connections[using]
    connection.ensure_connection()
    source = sqlite3.connect(f"file:{part}?mode=ro", uri=True)
    try:
        source.backup(connection.connection)
    finally:
        source.close()
    connection.close()


def _restore_media(part: Path, media_root: Path) -> int:
    """Unpack the files into MEDIA_ROOT (existing files of the same name are replaced)."""
    media_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=media_root.parent) as unpacked:
        with tarfile.open(part) as archive:
            archive.extractall(unpacked, filter="data")
        source = Path(unpacked) / "media"
        files = sum(1 for path in source.rglob("*") if path.is_file())
        shutil.copytree(source, media_root, dirs_exist_ok=True)
    return files


def _migration_differences(manifest: dict) -> tuple[list[str], list[str]]:
    in_backup = {
        (app_label, name) for app_label, names in manifest["migrations"].items() for name in names
    }
    in_code = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    pending = sorted(f"{app}.{name}" for app, name in in_code - in_backup)
    unknown = sorted(f"{app}.{name}" for app, name in in_backup - in_code)
    return pending, unknown


def restore_backup(
    path: Path, *, using: str = "default", force: bool = False, manifest: dict | None = None
) -> RestoreOutcome:
    """Restore the database, then the files, of the backup at `path`, after checking its
    checksums; refuses a database that holds data unless `force`. Returns what was found
    afterwards, compared with the manifest."""
    with opened(path) as folder:
        manifest = manifest or verify_backup(folder)
        vendor = _vendor(using)
        if manifest["database"]["vendor"] != vendor:
            raise BackupError(
                f"The backup holds a {manifest['database']['vendor']} database; the configured "
                f"one is {vendor}. Restore it into a {manifest['database']['vendor']} database."
            )
        if not force and holds_data(using):
            raise BackupError(
                f"{describe_target(using)} already holds data. Restore into an empty "
                "database, or give --force to replace what it holds."
            )
        part = folder / manifest["database"]["part"]
        if vendor == "postgresql":
            _restore_postgresql(using, part)
        else:
            _restore_sqlite(using, part)
        media_files = _restore_media(folder / manifest["media"]["part"], Path(settings.MEDIA_ROOT))
    counts = row_counts(using)
    expected = manifest["row_counts"]
    mismatches = {
        label: (expected.get(label), counts.get(label))
        for label in sorted(set(expected) | set(counts))
        if expected.get(label) != counts.get(label)
        # A table this code added since the backup is absent from it and empty here.
        and not (label not in expected and not counts.get(label))
    }
    pending, unknown = _migration_differences(manifest)
    return RestoreOutcome(
        manifest=manifest,
        counts=counts,
        mismatches=mismatches,
        pending_migrations=pending,
        unknown_migrations=unknown,
        media_files=media_files,
    )
