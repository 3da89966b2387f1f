from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("REST API")

    def ready(self) -> None:
        # Registers the token scheme with drf-spectacular's schema generator.
        from api import schema  # noqa: F401
