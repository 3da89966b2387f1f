"""Who is told about an inspection ahead of time and when it is overdue.

Each reminder is claimed with a conditional UPDATE before it is queued, so two workers (or
two runs of the daily task) send it once.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import Role
from inspections.models import OPEN_STATES, Inspection, overdue_q
from notifications.models import NotificationEvent
from notifications.services import notify_people

DEFAULT_REMIND_DAYS = 7
# No rule reminds earlier than this; it bounds the rows the daily task reads.
LONGEST_REMINDER = dt.timedelta(days=90)


def _people(inspection: Inspection, organization_id: int, roles: set[str]):
    return (
        get_user_model()
        .objects.filter(
            memberships__organization_id=organization_id,
            memberships__role__in=roles,
            is_active=True,
        )
        .distinct()
    )


def _vendor_side(inspection: Inspection, *roles: str):
    people = list(_people(inspection, inspection.contract.vendor_id, set(roles)))
    if inspection.engineer_id and inspection.engineer.is_active:
        people.append(inspection.engineer)
    return people


def _hospital_side(inspection: Inspection):
    return list(_people(inspection, inspection.contract.hospital_id, {Role.HOSPITAL_IT}))


def _claim(inspection: Inspection, field: str, now: dt.datetime) -> bool:
    return bool(
        Inspection.objects.filter(pk=inspection.pk, **{f"{field}__isnull": True}).update(
            **{field: now}
        )
    )


def remind_due(today: dt.date, now: dt.datetime | None = None) -> int:
    """Tell the engineer (or, unassigned, the dispatchers) and hospital IT that an
    inspection falls due within its rule's reminder days. Returns how many were reminded."""
    now = now or timezone.now()
    candidates = (
        Inspection.objects.filter(
            state__in=OPEN_STATES,
            reminded_at__isnull=True,
            due_on__gte=today,
            due_on__lte=today + LONGEST_REMINDER,
        )
        .select_related("contract__hospital", "contract__vendor", "rule", "engineer")
        .order_by("due_on")
    )
    sent = 0
    for inspection in candidates:
        days = inspection.rule.remind_days if inspection.rule else DEFAULT_REMIND_DAYS
        if inspection.due_on - dt.timedelta(days=days) > today:
            continue
        with transaction.atomic():
            if not _claim(inspection, "reminded_at", now):
                continue
            vendor = (
                [inspection.engineer]
                if inspection.engineer_id
                else _vendor_side(inspection, Role.DISPATCHER)
            )
            _notify(
                inspection, NotificationEvent.INSPECTION_DUE, [*vendor, *_hospital_side(inspection)]
            )
        sent += 1
    return sent


def warn_overdue(today: dt.date, now: dt.datetime | None = None) -> int:
    """Tell the vendor's dispatchers and manager, the engineer and hospital IT, once, that an
    inspection passed its due date undone."""
    now = now or timezone.now()
    overdue = Inspection.objects.filter(
        overdue_q(today), overdue_notified_at__isnull=True
    ).select_related("contract__hospital", "contract__vendor", "engineer")
    sent = 0
    for inspection in overdue:
        with transaction.atomic():
            if not _claim(inspection, "overdue_notified_at", now):
                continue
            recipients = [
                *_vendor_side(inspection, Role.DISPATCHER, Role.VENDOR_MANAGER),
                *_hospital_side(inspection),
            ]
            _notify(inspection, NotificationEvent.INSPECTION_OVERDUE, recipients)
        sent += 1
    return sent


def _notify(inspection: Inspection, event: str, recipients) -> None:
    overdue = event == NotificationEvent.INSPECTION_OVERDUE

    def subject() -> str:
        text = _("Inspection overdue: %(title)s") if overdue else _("Inspection due: %(title)s")
        return f"[{inspection.contract.code}] " + text % {"title": inspection.title}

    def body() -> str:
        return _(
            "%(hospital)s · %(contract)s\n%(title)s\nMay be done from %(start)s, due by %(due)s"
            " (%(where)s).\n%(instructions)s"
        ) % {
            "hospital": inspection.contract.hospital.name,
            "contract": inspection.contract.name,
            "title": inspection.title,
            "start": inspection.window_starts_on.isoformat(),
            "due": inspection.due_on.isoformat(),
            "where": _("on site") if inspection.planned_on_site else _("remote"),
            "instructions": inspection.instructions,
        }

    notify_people(
        event=event,
        ticket=None,
        recipients=recipients,
        subject=subject,
        body=body,
        dedupe=f"inspection:{inspection.pk}:{'overdue' if overdue else 'due'}",
    )
