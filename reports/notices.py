"""Who hears that a report is ready: subscribed systems always (webhook report.ready), and the
contract's contacts when OpsDesk made it on schedule or it was made final."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from notifications.models import NotificationEvent
from notifications.services import notify_people
from reports.models import ReportFile
from webhooks.models import WebhookEvent
from webhooks.services import publish


def report_ready(report_file: ReportFile) -> None:
    report = report_file.report
    contract = report.contract
    publish(
        WebhookEvent.REPORT_READY,
        contract=contract,
        data={
            "report": {
                "id": report.pk,
                "file_id": report_file.pk,
                "contract": contract.code,
                "kind": report.kind,
                "period_start": report.period_start.isoformat(),
                "period_end": report.period_end.isoformat(),
                "version": report_file.version,
                "final": report_file.is_final,
                "pages": report_file.pages,
                "sha256": report_file.sha256,
                "download": reverse("api:report-file-download", kwargs={"pk": report_file.pk}),
            }
        },
        dedupe=f"report-file:{report_file.pk}:ready",
    )
    if not report_file.notify_contacts:
        return
    recipients = [
        contact.user
        for contact in contract.contacts.select_related("user").filter(user__isnull=False)
    ]

    def subject() -> str:
        return f"[{contract.code}] " + _("%(kind)s %(period)s is ready") % {
            "kind": report.get_kind_display(),
            "period": report.period.label,
        }

    def body() -> str:
        return _(
            "%(contract)s\n%(kind)s %(period)s, version %(version)s (%(pages)s pages), is ready "
            "to download in OpsDesk under the contract's reports."
        ) % {
            "contract": contract.name,
            "kind": report.get_kind_display(),
            "period": report.period.label,
            "version": report_file.version,
            "pages": report_file.pages,
        }

    notify_people(
        event=NotificationEvent.REPORT_READY,
        ticket=None,
        recipients=recipients,
        subject=subject,
        body=body,
        dedupe=f"report-file:{report_file.pk}:ready",
    )
