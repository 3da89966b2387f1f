from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from contracts.demo.loader import load_demo
from contracts.demo.people import DEMO_PASSWORD


class Command(BaseCommand):
    help = "Load the five demo contracts of DOMAIN.md with their people. Safe to run again."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--no-history",
            action="store_true",
            help="Load the contracts, people and plans only: no tickets, inspections done, "
            "articles or reports (a clean slate).",
        )
        parser.add_argument(
            "--months",
            type=int,
            default=None,
            help="Write only each contract's last N months of history (quicker).",
        )
        parser.add_argument(
            "--on-production",
            action="store_true",
            help=(
                "Load the demo although DEBUG is off (a demonstration server). Every demo "
                "account must then change its public password at first sign-in."
            ),
        )

    def handle(
        self,
        *args,
        on_production: bool = False,
        no_history: bool = False,
        months: int | None = None,
        **options,
    ) -> None:
        if not settings.DEBUG and not on_production:
            # The demo's accounts, a superuser among them, share a password printed in the
            # README: on a real server that is an open door.
            raise CommandError(
                "DEBUG is off: this looks like a production server, and the demo accounts "
                "(a superuser among them) share a public password. Run with --on-production "
                "to load it anyway; every demo account must then choose its own password at "
                "first sign-in."
            )
        contracts = load_demo(
            require_password_change=not settings.DEBUG, history=not no_history, months=months
        )
        for contract in contracts:
            self.stdout.write(
                f"  {contract.code:<14} {contract.hospital.name} ← {contract.vendor.name}"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(contracts)} contracts. "
                f"Every demo login uses the password {DEMO_PASSWORD!r}"
                + ("; each must choose its own at first sign-in." if not settings.DEBUG else ".")
            )
        )
