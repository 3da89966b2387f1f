"""Who may do what to an inspection.

Vendor engineers perform inspections (any engineer of the contract's vendor: teams share
sites); dispatchers and managers assign and cancel; the hospital's IT staff sign off, or
the engineer records the name of the hospital's representative who signed on site.
"""

from __future__ import annotations

from contracts.models import Contract, Membership, Role
from tickets.policy import VENDOR_STAFF, roles_on_contract

ACTION_ROLES: dict[str, frozenset[str]] = {
    "plan": frozenset({Role.DISPATCHER, Role.VENDOR_MANAGER}),
    "assign": frozenset({Role.DISPATCHER, Role.VENDOR_MANAGER}),
    "start": frozenset({Role.ENGINEER}),
    "record": frozenset({Role.ENGINEER}),
    "complete": frozenset({Role.ENGINEER}),
    "reopen": frozenset({Role.ENGINEER, Role.VENDOR_MANAGER}),
    "sign_off": frozenset({Role.HOSPITAL_IT, Role.ENGINEER}),
    "cancel": frozenset({Role.DISPATCHER, Role.VENDOR_MANAGER}),
    "open_ticket": frozenset({Role.ENGINEER, Role.HOSPITAL_IT}),
}

# Everyone of the two parties may read an inspection and download its report, except the
# hospital's reporters, who file faults and see their own tickets only.
READER_ROLES = VENDOR_STAFF | {Role.HOSPITAL_IT, Role.ADMINISTRATOR}


def may(user, action: str, contract: Contract, roles: set[str] | None = None) -> bool:
    if user.is_superuser:
        return True
    held = roles if roles is not None else roles_on_contract(user, contract)
    return bool(ACTION_ROLES[action] & held)


def reader_organizations(user):
    """The organisations in which the user holds a role that reads inspections (a subquery)."""
    return Membership.objects.filter(user=user, role__in=READER_ROLES).values("organization_id")


def may_read(user, contract: Contract) -> bool:
    """Vendor staff and hospital IT (and organisation administrators) of the two parties."""
    if user.is_superuser:
        return True
    return Membership.objects.filter(
        user=user,
        organization_id__in=(contract.hospital_id, contract.vendor_id),
        role__in=READER_ROLES,
    ).exists()


def may_read_any(user) -> bool:
    """Whether the portal offers the inspections at all (the navigation link, the list)."""
    return user.is_authenticated and (user.is_superuser or reader_organizations(user).exists())


def available_actions(user, inspection) -> list[str]:
    """The actions the person may take on the inspection now (role and state)."""
    from django_fsm import can_proceed

    roles = roles_on_contract(user, inspection.contract)
    transitions = {
        "start": inspection.start,
        "complete": inspection.complete,
        "reopen": inspection.reopen,
        "sign_off": inspection.sign_off,
        "cancel": inspection.cancel,
    }
    actions = [
        action
        for action, method in transitions.items()
        if may(user, action, inspection.contract, roles) and can_proceed(method)
    ]
    if inspection.state == "in_progress" and may(user, "record", inspection.contract, roles):
        actions.append("record")
    if inspection.state in ("planned", "in_progress") and may(
        user, "assign", inspection.contract, roles
    ):
        actions.append("assign")
    return actions
