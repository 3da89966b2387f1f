from django.core.management.base import BaseCommand

from contracts.demo.loader import load_demo
from contracts.demo.people import DEMO_PASSWORD


class Command(BaseCommand):
    help = "Load the five demo contracts of DOMAIN.md with their people. Safe to run again."

    def handle(self, *args, **options) -> None:
        contracts = load_demo()
        for contract in contracts:
            self.stdout.write(
                f"  {contract.code:<14} {contract.hospital.name} ← {contract.vendor.name}"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(contracts)} contracts. "
                f"Every demo login uses the password {DEMO_PASSWORD!r}."
            )
        )
