"""`manage.py backup` and `manage.py restore`: everything comes back into an empty database and
an empty media folder, the same on SQLite and on PostgreSQL (where the suite runs in CI)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from opsdesk.backup import MANIFEST, BackupError, restore_backup, verify_backup
from tests.factories import demo_user

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT = b"\x89PNG\r\n\x1a\n" + os.urandom(4096)  # what the reporter attached


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def site(media, demo, monkeypatch) -> dict:
    """The demo, a ticket with an attachment, and an inspection completed with its PDF."""
    from inspections import services as inspection_services
    from inspections.tasks import render_report
    from tests.inspections.conftest import answer_all, at, zj_quarter
    from tickets import services

    monkeypatch.setattr(render_report, "delay", lambda inspection_id: None)
    with time_machine.travel("2026-11-20 13:00 +08:00", tick=True):
        contract = demo["yn-his"]
        ticket = services.report_ticket(
            contract=contract,
            system=contract.systems.first(),
            service_class=contract.service_classes.get(level=1),
            title="门诊收费系统无法登录（备份验证）",
            description="收费窗口全部报错。",
            reporter=demo_user("yn-reporter"),
            contact_phone="13726380001",
        )
        attachment = services.attach_file(
            ticket=ticket,
            by=demo_user("yn-reporter"),
            upload=SimpleUploadedFile("报错截图.png", SCREENSHOT, content_type="image/png"),
        )
        engineer = demo_user("ny-engineer")
        inspection = inspection_services.start(
            inspection=zj_quarter(demo), by=engineer, mode="on_site", now=at("2026-11-20 09:30")
        )
        answer_all(inspection, now=at("2026-11-20 11:00"))
        inspection_services.complete(inspection=inspection, by=engineer, now=at("2026-11-20 12:40"))
        render_report(inspection.pk)  # what the worker does after the commit
    report = inspection.reports.get()
    return {
        "ticket": ticket.number,
        "title": ticket.title,
        "attachment": attachment.pk,
        "inspection": inspection.pk,
        "pdf_sha256": report.sha256,
    }


@pytest.fixture
def empty_database(tmp_path):
    """A database URL for a database with nothing in it, on the server the suite runs on."""
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    if not shutil.which("pg_dump") or not shutil.which("pg_restore"):
        pytest.skip("pg_dump and pg_restore are needed to back up PostgreSQL")
    name = f"{settings_dict['NAME']}_restored"[:63]
    server = {
        "host": settings_dict.get("HOST") or None,
        "port": settings_dict.get("PORT") or None,
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
    }

    def admin(sql: str) -> None:
        link = psycopg2.connect(dbname="postgres", **server)
        link.autocommit = True
        with link.cursor() as cursor:
            cursor.execute(sql)
        link.close()

    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{name}"')
    user = settings_dict.get("USER") or ""
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    yield f"postgres://{user}{password}@{host}:{settings_dict.get('PORT') or 5432}/{name}"
    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def opsdesk(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


FIND_EVERYTHING = """
import hashlib, json, django
django.setup()
from inspections.models import Inspection
from tickets.models import Attachment, Ticket

ticket = Ticket.objects.get(number=NUMBER)
attachment = Attachment.objects.get(pk=ATTACHMENT)
report = Inspection.objects.get(pk=INSPECTION).reports.get()
with attachment.file.open("rb") as stream:
    attachment_sha256 = hashlib.sha256(stream.read()).hexdigest()
with report.file.open("rb") as stream:
    pdf = stream.read()
print(json.dumps({
    "title": ticket.title,
    "attachment": [attachment.ticket.number, attachment.original_name, attachment_sha256],
    "pdf": [report.sha256, hashlib.sha256(pdf).hexdigest(), pdf[:4].decode()],
}))
"""


def test_a_backup_restores_into_an_empty_database_with_every_row_and_file(
    site, media, tmp_path, empty_database
):
    out = io.StringIO()
    call_command("backup", "--output", str(tmp_path / "backups"), stdout=out)
    print(out.getvalue())
    folder = next((tmp_path / "backups").iterdir())
    manifest = json.loads((folder / MANIFEST).read_text())
    assert manifest["row_counts"]["tickets.Ticket"] == 1
    assert manifest["row_counts"]["tickets.Attachment"] == 1
    assert manifest["row_counts"]["inspections.InspectionReport"] == 1
    assert manifest["media"]["files"] == 2
    assert "tickets" in manifest["migrations"]
    assert oct(folder.stat().st_mode & 0o777) == "0o700"

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "opsdesk.settings",
        "DATABASE_URL": empty_database,
        "MEDIA_ROOT": str(tmp_path / "restored-media"),
        "OPSDESK_VAR_DIR": str(tmp_path / "var"),
    }
    env.pop("REDIS_URL", None)
    restored = opsdesk(env, "manage.py", "restore", str(folder), "--yes")
    print(restored.stdout, restored.stderr)
    assert restored.returncode == 0
    assert "every one of" in restored.stdout

    code = (
        f"NUMBER = {site['ticket']!r}\nATTACHMENT = {site['attachment']}\n"
        f"INSPECTION = {site['inspection']}\n" + FIND_EVERYTHING
    )
    found = opsdesk(env, "-c", code)
    assert found.returncode == 0, found.stderr
    seen = json.loads(found.stdout.strip().splitlines()[-1])
    print(f"Found after the restore: {seen}")
    assert seen["title"] == site["title"]
    assert seen["attachment"] == [
        site["ticket"],
        "报错截图.png",
        hashlib.sha256(SCREENSHOT).hexdigest(),
    ]
    assert seen["pdf"] == [site["pdf_sha256"], site["pdf_sha256"], "%PDF"]

    again = opsdesk(env, "manage.py", "restore", str(folder), "--yes")
    print(f"Restoring again into the now full database: {again.stderr.strip()}")
    assert again.returncode != 0 and "already holds data" in again.stderr


def test_a_damaged_backup_is_refused_before_anything_is_touched(site, media, tmp_path):
    call_command("backup", "--output", str(tmp_path / "backups"), stdout=io.StringIO())
    folder = next((tmp_path / "backups").iterdir())
    assert verify_backup(folder)["row_counts"]["tickets.Ticket"] == 1
    archive = folder / "media.tar.gz"
    damaged = bytearray(archive.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    archive.write_bytes(bytes(damaged))
    with pytest.raises(BackupError, match=r"media\.tar\.gz does not match its checksum"):
        restore_backup(folder, force=True)


def test_a_database_with_data_is_not_overwritten_without_force(site, media, tmp_path):
    call_command("backup", "--output", str(tmp_path / "backups"), stdout=io.StringIO())
    folder = next((tmp_path / "backups").iterdir())
    with pytest.raises(BackupError, match="already holds data"):
        restore_backup(folder)


def test_with_force_a_restore_takes_the_database_back_to_the_backup(site, media, tmp_path):
    from tickets.models import Ticket

    call_command("backup", "--output", str(tmp_path / "backups"), stdout=io.StringIO())
    folder = next((tmp_path / "backups").iterdir())
    Ticket.objects.update(title="改错的标题")
    (media / "stray.txt").write_text("uploaded after the backup")
    outcome = restore_backup(folder, force=True)
    print(f"Restored with force: {len(outcome.counts)} tables, mismatches {outcome.mismatches}")
    assert outcome.mismatches == {} and outcome.pending_migrations == []
    assert Ticket.objects.get().title == site["title"]
    # Files are put back, never deleted: one uploaded after the backup stays.
    assert (media / "stray.txt").exists()
