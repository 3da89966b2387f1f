from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("REST API")

    def ready(self) -> None:
        # `schema` registers the token scheme with drf-spectacular's schema generator.
        from api import representations, schema  # noqa: F401
        from webhooks import payloads

        # Webhook payloads read like the API's answers.
        payloads.register("ticket", representations.ticket)
        payloads.register("clock", representations.clock)
