"""Who may work the e-mail triage list: the vendor's desk (dispatchers and vendor managers)
of the vendor that reads the mailbox, and platform administrators."""

from __future__ import annotations

from contracts.models import Membership, Role

TRIAGE_ROLES = frozenset({Role.DISPATCHER, Role.VENDOR_MANAGER})


def triage_vendor_ids(user) -> set[int]:
    """The vendors whose triage list the user works."""
    if not user.is_authenticated:
        return set()
    return set(
        Membership.objects.filter(user=user, role__in=TRIAGE_ROLES).values_list(
            "organization_id", flat=True
        )
    )


def may_triage(user, mailbox) -> bool:
    return user.is_superuser or mailbox.vendor_id_served in triage_vendor_ids(user)


def sees_triage(user) -> bool:
    """Whether the triage list is in the user's menu at all."""
    return user.is_authenticated and (user.is_superuser or bool(triage_vendor_ids(user)))
