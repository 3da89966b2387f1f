"""Who may open which family of the portal's pages: one function per family.

A page that is not for a role refuses it the same way everywhere: 403 with
templates/403.html saying whom the page is for (never an empty list, which reads as "nothing
to do" to a reporter who opened the queue). The menu (tickets/context_processors.py) and the
home page (opsdesk/home.py) ask the same functions, so a link is offered exactly where the
page will open. Each function leans on the app's own policy where it has one; the per-record
rules (which ticket, which contract) stay in those policies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from contracts.models import Role
from contracts.selectors import memberships_of
from inspections import policy as inspection_policy
from intake.policy import TRIAGE_ROLES
from reports import policy as report_policy
from reports.policy import may_see_dashboard
from tickets.policy import ACTION_ROLES, VENDOR_STAFF

DISPATCH_ROLES = frozenset({Role.DISPATCHER, Role.VENDOR_MANAGER})


def roles_of(user) -> set[str]:
    """Every role the user holds, in any organisation (read once per request)."""
    if not user.is_authenticated:
        return set()
    return {role for _organization, role in memberships_of(user)}


def _holds(user, roles: frozenset[str]) -> bool:
    return user.is_authenticated and (user.is_superuser or bool(roles_of(user) & roles))


def may_use_queue(user) -> bool:
    """The engineers' queue (/queue/): the vendor's engineers, dispatchers and managers."""
    return _holds(user, VENDOR_STAFF)


def may_use_dispatch_board(user) -> bool:
    """The dispatch board (/dispatch/): dispatchers and vendor managers."""
    return _holds(user, DISPATCH_ROLES)


def may_report_faults(user) -> bool:
    """Reporting a fault (/tickets/new/): the hospital's reporters and IT."""
    return _holds(user, ACTION_ROLES["report"])


def may_file_for_callers(user) -> bool:
    """代客报修 (/tickets/file-for-caller/): the vendor's desk."""
    return _holds(user, ACTION_ROLES["file_for"])


def may_follow_tickets(user) -> bool:
    """The ticket list (/tickets/): anyone of a party; each sees their own scope of it (a
    reporter their own tickets, hospital IT the hospital's, the vendor its contracts')."""
    return user.is_authenticated and (user.is_superuser or bool(roles_of(user)))


def may_see_hospital_desk(user) -> bool:
    """The hospital IT home page (/hospital/): what waits for the hospital's IT."""
    return _holds(user, frozenset({Role.HOSPITAL_IT}))


def may_see_portfolio(user) -> bool:
    """The overview of a vendor's contracts (/portfolio/): vendor managers."""
    return report_policy.may_see_portfolio(user)


def may_read_inspections(user) -> bool:
    """The inspections (/inspections/): vendor staff, hospital IT and administrators
    (inspections.policy.may_read_any, from the roles the request has read already)."""
    return _holds(user, inspection_policy.READER_ROLES)


def may_work_triage(user) -> bool:
    """The e-mail triage list (/intake/triage/): the vendor's dispatchers and managers
    (intake.policy.sees_triage, from the roles the request has read already)."""
    return _holds(user, TRIAGE_ROLES)


def may_see_contract_figures(user, contract) -> bool:
    """A contract's dashboard and service reports: its vendor's staff and the hospital's IT
    (reports/policy.py); a contract not the user's is 404 before this is asked."""
    return may_see_dashboard(user, contract)


CONTRACT_FIGURES_REFUSAL = _(
    "The dashboard is for the vendor's staff and the hospital's IT department"
)


@dataclass(frozen=True)
class PageFamily:
    allows: Callable[[object], bool]
    refusal: Promise  # shown on the 403 page: whom the page is for


FAMILIES: dict[str, PageFamily] = {
    "queue": PageFamily(
        may_use_queue,
        _("The queue is for the vendor's engineers, dispatchers and managers."),
    ),
    "dispatch": PageFamily(
        may_use_dispatch_board,
        _("The dispatch board is for the vendor's dispatchers and managers."),
    ),
    "report": PageFamily(
        may_report_faults,
        _("Faults are reported by the hospital's staff; the vendor files them for a caller."),
    ),
    "file_for": PageFamily(
        may_file_for_callers,
        _("Filing for a caller is for the vendor's staff; hospital staff report faults."),
    ),
    "tickets": PageFamily(
        may_follow_tickets,
        _("Your account belongs to no organisation yet."),
    ),
    "hospital_desk": PageFamily(
        may_see_hospital_desk,
        _("This overview is for the hospital's IT department."),
    ),
    "portfolio": PageFamily(
        may_see_portfolio,
        _("The overview of contracts is for the vendor's managers."),
    ),
    "inspections": PageFamily(
        may_read_inspections,
        _("Inspections are for the vendor's staff and the hospital's IT department."),
    ),
    "triage": PageFamily(
        may_work_triage,
        _("The e-mail triage is for the vendor's dispatchers and managers."),
    ),
}


def may_open(user, family: str) -> bool:
    return FAMILIES[family].allows(user)


def refuse_unless(user, family: str) -> None:
    """Raise the portal's 403 (templates/403.html with the family's reason) unless the user
    may open pages of `family`."""
    if not may_open(user, family):
        raise PermissionDenied(FAMILIES[family].refusal)


def page_for(family: str):
    """A view of `family`: signed in, then refused unless the family allows the user."""

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            refuse_unless(request.user, family)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def refusal_page(request, reason, *, back: tuple[str, str] | None = None):
    """The same 403 page, for a refusal that concerns one record (a contract's figures) and
    can offer the way back to it: `back` is (url, label)."""
    return render(request, "403.html", {"exception": reason, "back": back}, status=403)


def contract_figures_refusal(request, contract):
    """The 403 page for a contract's dashboard or reports, with the way back to the contract."""
    back = (reverse("contract-detail", args=[contract.code]), _("Back to the contract"))
    return refusal_page(request, CONTRACT_FIGURES_REFUSAL, back=back)
