"""`manage.py backup [--output DIR]`: the database and the uploaded files, with a manifest."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from opsdesk.backup import MANIFEST, BackupError, create_backup, describe_target


class Command(BaseCommand):
    help = (
        "Back up the database and the uploaded files (MEDIA_ROOT) into a new dated folder "
        "under --output (BACKUP_DIR by default), with a manifest of checksums and row counts."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            default=None,
            help=f"Folder to write the backup into (default: {settings.BACKUP_DIR}).",
        )

    def handle(self, *args, output: Path | None, **options) -> None:
        self.stdout.write(f"Backing up {describe_target()} and {settings.MEDIA_ROOT} …")
        try:
            folder = create_backup(output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = json.loads((folder / MANIFEST).read_text())
        for name, part in manifest["parts"].items():
            self.stdout.write(f"  {name:<18} {part['bytes']:>12,} bytes  sha256 {part['sha256']}")
        rows = sum(count or 0 for count in manifest["row_counts"].values())
        media = manifest["media"]
        self.stdout.write(
            f"  {rows:,} rows in {len(manifest['row_counts'])} tables; "
            f"{media['files']:,} uploaded files ({media['bytes']:,} bytes)"
        )
        self.stdout.write(self.style.SUCCESS(f"Backup written to {folder}"))
