from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        # Sign-ins, sign-outs, failed sign-ins, admin changes and membership changes are
        # recorded from Django's own signals; everything else calls audit.record.record.
        from audit import signals

        signals.connect()
