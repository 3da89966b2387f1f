from django.core.management.base import BaseCommand
from django.utils import timezone

from sla.holidays import coverage_warnings, seed_from_package


class Command(BaseCommand):
    help = (
        "Copy the public holidays and make-up working days of the installed chinesecalendar "
        "package into OpsDesk. Dates an administrator entered are kept. Safe to run again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("years", nargs="*", type=int, help="only these years (default: all)")

    def handle(self, *args, years: list[int], **options) -> None:
        seeded = seed_from_package(years or None)
        self.stdout.write(
            self.style.SUCCESS(f"Holiday schedule known for {seeded[0]}–{seeded[-1]}.")
        )
        for warning in coverage_warnings(timezone.localdate()):
            self.stdout.write(self.style.WARNING(warning.message))
