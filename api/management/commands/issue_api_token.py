"""Issue an API token from the command line (for scripts and first set-up)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from api.tokens import create_integration_account, issue_token
from contracts.models import Organization


class Command(BaseCommand):
    help = (
        "Issue an API token for a user, or with --integration for a new integration account "
        "of the organisation. Prints the token once."
    )

    def add_arguments(self, parser):
        parser.add_argument("organization", help="Organisation code, e.g. YN")
        parser.add_argument("name", help="What will use the token, e.g. 'HIS monitoring'")
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--user", help="Username the token acts as")
        who.add_argument(
            "--integration",
            metavar="ROLE",
            help="Create an integration account with this role (reporter, hospital_it, …)",
        )
        parser.add_argument("--rate-limit", type=int, default=None, help="Requests per minute")

    def handle(self, *args, **options):
        organization = Organization.objects.filter(code=options["organization"]).first()
        if organization is None:
            raise CommandError(f"No organisation has the code {options['organization']!r}.")
        try:
            if options["integration"]:
                user = create_integration_account(
                    organization=organization, name=options["name"], role=options["integration"]
                )
            else:
                user = get_user_model().objects.filter(username=options["user"]).first()
                if user is None:
                    raise CommandError(f"No user is called {options['user']!r}.")
            token, raw = issue_token(
                user=user,
                organization=organization,
                name=options["name"],
                rate_limit_per_minute=options["rate_limit"],
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"Token {token.prefix}… for {user.username} at {organization.code}:")
        self.stdout.write(raw)
