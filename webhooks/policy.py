"""Who may register receivers for an organisation: the people (and integration accounts)
who run its systems."""

from __future__ import annotations

from contracts.models import Membership, Role

MANAGING_ROLES = frozenset({Role.HOSPITAL_IT, Role.VENDOR_MANAGER, Role.ADMINISTRATOR})


def may_manage_webhooks(user, organization_id: int) -> bool:
    if user.is_superuser:
        return True
    return Membership.objects.filter(
        user=user, organization_id=organization_id, role__in=MANAGING_ROLES
    ).exists()
