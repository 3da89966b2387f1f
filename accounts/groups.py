"""Admin permissions for the roles that set things up in the admin.

Vendor managers enter contracts, SLA tables, covered systems and contacts; organisation
administrators manage their organisation's people and systems. What rows they see is
scoped separately (by membership), so these permissions never widen visibility.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.translation import gettext_lazy as _

VENDOR_MANAGERS = "vendor managers"
ORGANISATION_ADMINISTRATORS = "organisation administrators"

GROUP_LABELS = {
    VENDOR_MANAGERS: _("vendor managers"),
    ORGANISATION_ADMINISTRATORS: _("organisation administrators"),
}

_EDIT = ("view", "add", "change", "delete")
GROUP_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    VENDOR_MANAGERS: {
        "contracts.contract": ("view", "add", "change"),
        "contracts.serviceclass": _EDIT,
        "contracts.clocktarget": _EDIT,
        "contracts.contractsystem": _EDIT,
        "contracts.contractcontact": _EDIT,
        "contracts.coveredsystem": _EDIT,
        "contracts.organization": ("view", "add"),
        "sla.servicecalendar": ("view",),
        "sla.holidaydate": ("view",),
        "api.apitoken": ("view", "add", "change"),
        "webhooks.subscription": _EDIT,
        "webhooks.delivery": ("view", "change"),
        "knowledge.article": ("view", "add", "change"),
        "inspections.checklisttemplate": ("view", "add", "change"),
        "inspections.checklistsection": _EDIT,
        "inspections.checklistitem": _EDIT,
        "inspections.inspectionrule": _EDIT,
        "inspections.inspection": ("view",),
        "reports.servicereport": ("view",),
        "intake.mailbox": _EDIT,
    },
    ORGANISATION_ADMINISTRATORS: {
        "accounts.user": ("view", "add", "change"),
        "contracts.membership": _EDIT,
        "contracts.organization": ("view",),
        "contracts.contract": ("view",),
        "contracts.coveredsystem": _EDIT,
        # Calendars and the holiday table are shared by every contract that counts in them:
        # one hospital's administrator must not move another hospital's deadlines. Platform
        # administrators edit them.
        "sla.servicecalendar": ("view",),
        "sla.calendarperiod": ("view",),
        "sla.calendardateoverride": ("view",),
        "sla.holidaydate": ("view",),
        "sla.holidayyear": ("view",),
        "api.apitoken": ("view", "add", "change"),
        "webhooks.subscription": _EDIT,
        "webhooks.delivery": ("view", "change"),
        # Their own organisation's WeCom app only (notifications.admin.WeComAppAdmin).
        "notifications.wecomapp": _EDIT,
    },
}


@transaction.atomic
def ensure_role_groups() -> dict[str, Group]:
    groups = {}
    for name, grants in GROUP_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        wanted = set()
        for label, actions in grants.items():
            app_label, model = label.split(".")
            for action in actions:
                wanted.add(
                    Permission.objects.get(
                        content_type__app_label=app_label, codename=f"{action}_{model}"
                    ).pk
                )
        current = set(group.permissions.values_list("pk", flat=True))
        if current != wanted:
            group.permissions.set(wanted)
        groups[name] = group
    return groups
