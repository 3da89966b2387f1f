"""Who may do what to a ticket.

A person acts through a role in one of the two parties to the ticket's contract: hospital
roles count at the contract's hospital, vendor roles at its vendor. Reporters act only on
the tickets they filed; hospital IT acts on all of their hospital's tickets.
"""

from __future__ import annotations

from collections.abc import Callable

from django_fsm import can_proceed

from contracts.models import Membership, Role
from contracts.selectors import memberships_of
from tickets.models import State, Ticket

VENDOR_STAFF = frozenset({Role.ENGINEER, Role.DISPATCHER, Role.VENDOR_MANAGER})
HOSPITAL_STAFF = frozenset({Role.REPORTER, Role.HOSPITAL_IT})

# action -> roles that may take it (reporters only on their own tickets)
ACTION_ROLES: dict[str, frozenset[str]] = {
    "acknowledge": VENDOR_STAFF,
    "assign": frozenset({Role.DISPATCHER, Role.VENDOR_MANAGER}),
    "take": frozenset({Role.ENGINEER}),
    "arrive": frozenset({Role.ENGINEER}),
    "hold": VENDOR_STAFF | {Role.HOSPITAL_IT},
    "resume": VENDOR_STAFF | {Role.HOSPITAL_IT},
    "resolve": frozenset({Role.ENGINEER, Role.DISPATCHER, Role.VENDOR_MANAGER}),
    "confirm": frozenset({Role.REPORTER, Role.HOSPITAL_IT}),
    "reopen": frozenset({Role.REPORTER, Role.HOSPITAL_IT}),
    "cancel": frozenset({Role.REPORTER, Role.HOSPITAL_IT}),
    "change_level": VENDOR_STAFF | {Role.HOSPITAL_IT},
    "extend": VENDOR_STAFF | {Role.HOSPITAL_IT},
    # Why the vendor missed a deadline is the vendor's to say (the reports print it).
    "breach_reason": VENDOR_STAFF,
    # The same problem again (C4's recurrence rule): both sides know it when they see it.
    "link_recurrence": VENDOR_STAFF | {Role.HOSPITAL_IT},
    "unlink_recurrence": VENDOR_STAFF | {Role.HOSPITAL_IT},
    "submit_plan": frozenset({Role.ENGINEER, Role.VENDOR_MANAGER}),
    "approve_plan": frozenset({Role.HOSPITAL_IT}),
    "reject_plan": frozenset({Role.HOSPITAL_IT}),
    # C4: hospital IT (信息中心) and the vendor agree when a change runs; either proposes.
    "propose_window": frozenset({Role.ENGINEER, Role.VENDOR_MANAGER, Role.HOSPITAL_IT}),
    "agree_window": frozenset({Role.ENGINEER, Role.VENDOR_MANAGER, Role.HOSPITAL_IT}),
    # C3 levels 3–4: the engineer proposes when to be on site; the hospital confirms, or the
    # vendor records a confirmation the hospital gave by phone.
    "propose_appointment": frozenset({Role.ENGINEER, Role.DISPATCHER, Role.VENDOR_MANAGER}),
    "confirm_appointment": frozenset({Role.REPORTER, Role.HOSPITAL_IT}),
    "record_appointment": frozenset({Role.ENGINEER, Role.DISPATCHER, Role.VENDOR_MANAGER}),
    "complete_change": frozenset({Role.ENGINEER}),
    "roll_back": frozenset({Role.ENGINEER}),
    "comment": VENDOR_STAFF | HOSPITAL_STAFF,
    # Internal notes (内部备注) and files: the vendor's staff talk among themselves.
    "internal_note": VENDOR_STAFF,
    "log_work": frozenset({Role.ENGINEER}),
    "record_outage": VENDOR_STAFF | {Role.HOSPITAL_IT},
    "report": HOSPITAL_STAFF,
    # A report the hospital made by phone, WeCom or e-mail, typed in by the vendor's desk.
    "file_for": VENDOR_STAFF,
    "edit": HOSPITAL_STAFF,
    # The hospital's consent (tickets.services.consent): the vendor asks, or records what the
    # hospital said by phone; the ticket's reporter or hospital IT decides, and may dispute a
    # consent the vendor recorded in their name.
    "request_consent": VENDOR_STAFF,
    # C4: restart or redeploy only with the hospital's consent, asked before.
    "restart": VENDOR_STAFF,
    "record_consent": VENDOR_STAFF,
    "withdraw_consent": VENDOR_STAFF,
    "decide_consent": HOSPITAL_STAFF,
    "dispute_consent": HOSPITAL_STAFF,
}

OWN_TICKETS_ONLY = frozenset({Role.REPORTER})

# Resolving vouches for a fix the hospital is asked to confirm, and stops the clocks the
# vendor is judged by: it belongs to the engineer who did the work. So an engineer resolves a
# ticket assigned to them, or one nobody was dispatched to (fixed remotely right after
# acknowledging it); a ticket assigned to a colleague is the colleague's, or their
# dispatcher's or vendor manager's, who may resolve any ticket of the vendor on the
# assignee's behalf.
ASSIGNEE_ONLY: dict[str, frozenset[str]] = {"resolve": frozenset({Role.ENGINEER})}


def is_colleagues_ticket(user, action: str, ticket: Ticket, held: set[str]) -> bool:
    """The user may take the action only as an engineer, and the ticket is assigned to
    another engineer."""
    only_as = ASSIGNEE_ONLY.get(action)
    if only_as is None or not (ACTION_ROLES[action] & held) <= only_as:
        return False
    return ticket.assignee_id is not None and ticket.assignee_id != user.pk


def read_memberships_once(user) -> None:
    """For the rest of one request: read all the user's memberships now (a person holds a
    few), and let roles_on_contract() and is_vendor_staff() answer from them rather than
    each asking the database. Only for a request's own user object, which lives as long as
    the request: memberships do not change under a filing."""
    if user.is_authenticated:
        # The one read of contracts.selectors, which party_to() then answers from too.
        user._memberships = list(memberships_of(user))


def _memberships_at(user, organizations: tuple[int, ...]):
    known = getattr(user, "_memberships", None)
    if known is not None:
        return [(org, role) for org, role in known if org in organizations]
    return Membership.objects.filter(user=user, organization_id__in=organizations).values_list(
        "organization_id", "role"
    )


def roles_on_contract(user, contract) -> set[str]:
    """The roles the user holds at the contract's hospital (hospital roles) or vendor."""
    if not user.is_authenticated:
        return set()
    roles = set()
    for organization_id, role in _memberships_at(user, (contract.hospital_id, contract.vendor_id)):
        at_hospital = organization_id == contract.hospital_id
        if (at_hospital and role in HOSPITAL_STAFF) or (not at_hospital and role in VENDOR_STAFF):
            roles.add(role)
    return roles


def may(user, action: str, ticket: Ticket, roles: set[str] | None = None) -> bool:
    if user.is_superuser:
        return True
    held = roles if roles is not None else roles_on_contract(user, ticket.contract)
    allowed = ACTION_ROLES[action] & held
    if not allowed:
        return False
    if allowed <= OWN_TICKETS_ONLY:
        return ticket.reporter_id == user.pk
    return not is_colleagues_ticket(user, action, ticket, held)


def may_decide_consent(user, ticket: Ticket, roles: set[str] | None = None) -> bool:
    """The hospital's consent is given by the hospital: its IT, or the reporter of their own
    ticket. No administrator or vendor account may give it in the hospital's name."""
    held = roles if roles is not None else roles_on_contract(user, ticket.contract)
    if Role.HOSPITAL_IT in held:
        return True
    return Role.REPORTER in held and ticket.reporter_id == user.pk


def sees_internal(user, ticket: Ticket, roles: set[str] | None = None) -> bool:
    """Whether the person reads the vendor's internal notes of this ticket (the page's
    question; lists ask tickets.models.VisibilityQuerySet.visible_to, the same rule)."""
    if user.is_superuser:
        return True
    held = roles if roles is not None else roles_on_contract(user, ticket.contract)
    return bool(held & VENDOR_STAFF)


def readers(ticket: Ticket, *, internal: bool = False):
    """The active people who may read the ticket: the staff of its hospital and vendor, or
    (internal) only the vendor's. Whom a watcher or an @mention may name."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    contract = ticket.contract
    vendor = Q(memberships__organization_id=contract.vendor_id, memberships__role__in=VENDOR_STAFF)
    hospital = Q(
        memberships__organization_id=contract.hospital_id, memberships__role__in=HOSPITAL_STAFF
    )
    return (
        get_user_model()
        .objects.filter(vendor if internal else vendor | hospital, is_active=True)
        .distinct()
    )


def may_add_watchers(user, ticket: Ticket, roles: set[str] | None = None) -> bool:
    """Vendor staff and hospital IT put others on a ticket's copy list; anyone who reads
    the ticket may watch it themselves."""
    if user.is_superuser:
        return True
    held = roles if roles is not None else roles_on_contract(user, ticket.contract)
    return bool(held & (VENDOR_STAFF | {Role.HOSPITAL_IT}))


def engineers_of(contract):
    """The active engineers of the contract's vendor: whom a ticket may be assigned to."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(
            memberships__organization_id=contract.vendor_id,
            memberships__role=Role.ENGINEER,
            is_active=True,
        )
        .distinct()
    )


def hospital_people(contract):
    """The active reporters and IT of the contract's hospital: who may be named as having
    agreed for the hospital."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(
            memberships__organization_id=contract.hospital_id,
            memberships__role__in=HOSPITAL_STAFF,
            is_active=True,
        )
        .distinct()
        .order_by("full_name", "pk")
    )


def is_vendor_staff(user) -> bool:
    if user.is_superuser:
        return True
    known = getattr(user, "_memberships", None)
    if known is not None:
        return any(role in VENDOR_STAFF for _organization, role in known)
    return Membership.objects.filter(user=user, role__in=VENDOR_STAFF).exists()


def sees_all_hospital_tickets(user) -> bool:
    """Hospital IT and administrators follow every ticket of their hospital; a reporter
    follows the tickets they filed."""
    return (
        user.is_superuser
        or Membership.objects.filter(
            user=user, role__in=(Role.HOSPITAL_IT, Role.ADMINISTRATOR)
        ).exists()
    )


def may_report(user, contract) -> bool:
    return user.is_superuser or bool(ACTION_ROLES["report"] & roles_on_contract(user, contract))


def may_open_change(user, contract) -> bool:
    """A change is asked for by the hospital, or opened by the vendor with its plans (C4)."""
    roles = ACTION_ROLES["report"] | ACTION_ROLES["submit_plan"]
    return user.is_superuser or bool(roles & roles_on_contract(user, contract))


def may_propose_change(user, contract) -> bool:
    """The vendor's side of a change: it opens one with its plans (the page and the API)."""
    return user.is_superuser or bool(
        ACTION_ROLES["submit_plan"] & roles_on_contract(user, contract)
    )


def may_file_for(user, contract) -> bool:
    """The vendor's desk files a report the hospital made by phone, e-mail or WeCom."""
    return user.is_superuser or bool(ACTION_ROLES["file_for"] & roles_on_contract(user, contract))


def is_hospital_person(user, contract) -> bool:
    """One of the contract hospital's people, for whom a report can be filed."""
    return bool(HOSPITAL_STAFF & roles_on_contract(user, contract))


def is_hospital_it(user, contract) -> bool:
    """Hospital IT of the contract's hospital: follows every ticket of the hospital, and so
    may be the account that follows a report made by a caller who has none."""
    return Role.HOSPITAL_IT in roles_on_contract(user, contract)


def may_report_finding(user, contract) -> bool:
    """An abnormal inspection item may be filed by hospital staff or by the vendor's
    engineers who found it."""
    return user.is_superuser or bool(
        (ACTION_ROLES["report"] | {Role.ENGINEER}) & roles_on_contract(user, contract)
    )


# action -> the state-machine transition it takes (None: no state change, only "while open").
TRANSITIONS: dict[str, str | None] = {
    "acknowledge": "acknowledge",
    "assign": "dispatch",
    "take": "dispatch",
    "arrive": "arrive",
    "hold": "hold",
    "resume": "resume",
    "resolve": "resolve",
    "confirm": "confirm",
    "reopen": "reopen",
    "cancel": "cancel",
    "submit_plan": "submit_plan",
    "approve_plan": "approve_plan",
    "reject_plan": "reject_plan",
    "complete_change": "complete_change",
    "roll_back": "roll_back",
    "propose_window": None,
    "agree_window": None,
    "propose_appointment": None,
    "confirm_appointment": None,
    "record_appointment": None,
    "change_level": None,
    "extend": None,
    "restart": None,
    "log_work": None,
    "comment": None,
}


def _window_may_change(ticket: Ticket) -> bool:
    return ticket.state in (State.AWAITING_APPROVAL, State.APPROVED)


def _awaits_arrival(ticket: Ticket) -> bool:
    return (
        ticket.service_class.arrival_by_appointment
        and ticket.arrived_at is None
        and ticket.state in (State.NEW, State.ACKNOWLEDGED, State.DISPATCHED)
    )


# Actions without a transition that apply only in some states (others: while open).
# The buttons; the services check the finer rules (which side agrees, a pending proposal).
APPLIES: dict[str, Callable[[Ticket], bool]] = {
    "propose_window": _window_may_change,
    "agree_window": _window_may_change,
    "propose_appointment": _awaits_arrival,
    "confirm_appointment": _awaits_arrival,
    "record_appointment": _awaits_arrival,
}


def available_actions(user, ticket: Ticket, roles: set[str] | None = None) -> set[str]:
    """The actions the user may take on the ticket now: their role allows it and the state
    machine has the transition from the ticket's state. What the portal offers as buttons."""
    held = roles if roles is not None else roles_on_contract(user, ticket.contract)
    available = set()
    for action, transition in TRANSITIONS.items():
        if not may(user, action, ticket, roles=held):
            continue
        if transition is None:
            applies = APPLIES.get(action)
            if applies is not None:
                if applies(ticket):
                    available.add(action)
            elif ticket.is_open or action == "comment":
                available.add(action)
        elif can_proceed(getattr(ticket, transition)):
            available.add(action)
    return available
