"""`manage.py restore PATH [--yes] [--force]`: a backup back into the configured database."""

from __future__ import annotations

import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from opsdesk.backup import BackupError, describe_target, opened, restore_backup, verify_backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` (its folder, or a .tar.gz of it) into the "
        "configured database and MEDIA_ROOT. Checks the checksums first; refuses a database "
        "that already holds data unless --force. Stop the web server, workers and beat first."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The backup folder (or a .tar.gz of it).")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace the data of a database that is not empty.",
        )

    def handle(self, *args, path: Path, yes: bool, force: bool, **options) -> None:
        try:
            with opened(path) as folder:
                manifest = verify_backup(folder)
                self.stdout.write(
                    f"Backup of {manifest['created_at']} ({manifest['database']['vendor']}): "
                    f"checksums of {len(manifest['parts'])} parts verified."
                )
                target = describe_target()
                if not yes and not self._confirmed(target):
                    raise CommandError("Nothing restored.")
                self.stdout.write(f"Restoring into {target} and {settings.MEDIA_ROOT} …")
                outcome = restore_backup(folder, force=force, manifest=manifest)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc

        self.stdout.write(f"  {outcome.media_files:,} files restored into {settings.MEDIA_ROOT}")
        self.stdout.write(f"  {'table':<34} {'backup':>9} {'restored':>9}")
        for label, expected in outcome.manifest["row_counts"].items():
            found = outcome.counts.get(label)
            mark = "" if expected == found else "  ← differs"
            self.stdout.write(f"  {label:<34} {expected!s:>9} {found!s:>9}{mark}")
        if outcome.unknown_migrations:
            self.stdout.write(
                self.style.WARNING(
                    "The backup was made by a newer OpsDesk; this code does not know its "
                    f"migrations {', '.join(outcome.unknown_migrations)}."
                )
            )
        if outcome.pending_migrations:
            self.stdout.write(
                self.style.WARNING(
                    f"{len(outcome.pending_migrations)} migrations of this code are newer than "
                    "the backup: run `manage.py migrate` now."
                )
            )
        if outcome.mismatches:
            raise CommandError(
                f"Restored, but {len(outcome.mismatches)} tables do not hold the rows the "
                f"manifest lists: {', '.join(outcome.mismatches)}."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored: every one of {len(outcome.counts)} tables holds the rows the "
                "manifest lists."
            )
        )

    def _confirmed(self, target: str) -> bool:
        if not sys.stdin.isatty():
            raise CommandError("Not asked interactively: give --yes to restore.")
        answer = input(f"This replaces the data of {target}. Type 'yes' to go on: ")
        return answer.strip().lower() == "yes"
