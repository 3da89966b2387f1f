"""Who may see a contract's figures."""

from __future__ import annotations

from contracts.models import Contract, Role
from tickets.policy import VENDOR_STAFF, roles_on_contract

DASHBOARD_ROLES = VENDOR_STAFF | {Role.HOSPITAL_IT}


def may_see_dashboard(user, contract: Contract) -> bool:
    """Vendor staff of the contract's vendor and hospital IT of its hospital; not reporters."""
    return user.is_superuser or bool(DASHBOARD_ROLES & roles_on_contract(user, contract))
