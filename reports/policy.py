"""Who may see a contract's figures."""

from __future__ import annotations

from contracts.models import Contract, Role
from contracts.selectors import memberships_of
from tickets.policy import VENDOR_STAFF, roles_on_contract

DASHBOARD_ROLES = VENDOR_STAFF | {Role.HOSPITAL_IT}


def may_see_dashboard(user, contract: Contract) -> bool:
    """Vendor staff of the contract's vendor and hospital IT of its hospital; not reporters."""
    return user.is_superuser or bool(DASHBOARD_ROLES & roles_on_contract(user, contract))


def managed_vendors(user) -> list[int]:
    """The vendors whose contracts the user oversees as their manager (the portfolio)."""
    return sorted(
        {organization for organization, role in memberships_of(user) if role == Role.VENDOR_MANAGER}
    )


def may_see_portfolio(user, organization_id: int | None = None) -> bool:
    """The overview of a vendor's contracts (reports/portfolio.py): the vendor's managers
    (of `organization_id`, an API token's organisation, when given) and platform
    administrators."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    managed = managed_vendors(user)
    return bool(managed) if organization_id is None else organization_id in managed


# Either side may ask for a report (the vendor for its meeting, the hospital for its files);
# the improvement measures are the vendor manager's to write and to make final.
REQUEST_ROLES = frozenset({Role.VENDOR_MANAGER, Role.DISPATCHER, Role.HOSPITAL_IT})
EDIT_ROLES = frozenset({Role.VENDOR_MANAGER})
# The hospital's information centre receives (签收) the final report for the hospital.
ACCEPT_ROLES = frozenset({Role.HOSPITAL_IT})


def may_download_report(user, contract: Contract) -> bool:
    """The two parties' vendor staff and hospital IT: those who see the dashboard."""
    return may_see_dashboard(user, contract)


def may_request_report(user, contract: Contract) -> bool:
    return user.is_superuser or bool(REQUEST_ROLES & roles_on_contract(user, contract))


def may_edit_report(user, contract: Contract) -> bool:
    return user.is_superuser or bool(EDIT_ROLES & roles_on_contract(user, contract))


def may_accept_report(user, contract: Contract) -> bool:
    """Hospital IT of the contract's hospital; not the vendor, not a platform administrator
    (acceptance speaks for the hospital)."""
    return bool(ACCEPT_ROLES & roles_on_contract(user, contract))
