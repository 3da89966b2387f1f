"""Reading intake rows: the mailbox a reply goes to, and the triage list a desk works."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from contracts.models import Contract, CoveredSystem, ServiceClass
from intake.models import Mailbox, TriageEntry, TriageState
from tickets.models import Ticket
from tickets.policy import HOSPITAL_STAFF


def reply_address(contract) -> str:
    """Where replies to a notification about the contract's tickets go: the contract's own
    inbound mailbox, else its vendor's; "" when neither is set up."""
    mailbox = (
        Mailbox.objects.filter(is_active=True)
        .filter(Q(contract=contract) | Q(vendor_id=contract.vendor_id))
        # The contract's own mailbox first (NULLs, the vendor's, sort last).
        .order_by("contract_id", "pk")
        .first()
    )
    return mailbox.address if mailbox else ""


def triage_for(user, *, state: str = TriageState.OPEN):
    """The triage entries the user's desk works, newest first."""
    entries = TriageEntry.objects.visible_to(user).select_related(
        "mailbox", "contract", "resolved_by", "ticket"
    )
    if state:
        entries = entries.filter(state=state)
    return entries.order_by("-received_at", "-id")


def triage_entry_for(user, pk: int) -> TriageEntry | None:
    """One entry of the user's triage list (None: not there, or not theirs)."""
    return (
        TriageEntry.objects.visible_to(user)
        .select_related("mailbox", "contract")
        .filter(pk=pk)
        .first()
    )


def contracts_for(entry: TriageEntry):
    """The contracts a triaged mail may be filed under: those of the mailbox's vendor in force
    today (just the mailbox's own where it is bound to one)."""
    mailbox = entry.mailbox
    if mailbox.contract_id:
        return Contract.objects.filter(pk=mailbox.contract_id)
    return (
        Contract.objects.filter(vendor_id=mailbox.vendor_id)
        .in_force_on(timezone.localdate())
        .select_related("hospital")
        .order_by("code")
    )


def filing_choices(contract: Contract) -> dict:
    """What a triaged mail may be filed as under the contract: its systems, its SLA rows,
    and the hospital's people who may be the caller."""
    return {
        "systems": CoveredSystem.objects.filter(pk__in=contract.covered_system_ids()).order_by(
            "code"
        ),
        "levels": ServiceClass.objects.filter(contract=contract).order_by("position", "level"),
        "callers": get_user_model()
        .objects.filter(
            is_active=True,
            memberships__organization_id=contract.hospital_id,
            memberships__role__in=HOSPITAL_STAFF,
        )
        .distinct()
        .order_by("full_name", "username"),
    }


def tickets_for_comment(entry: TriageEntry):
    """The tickets a triaged mail may be added to: those of the mailbox's contract or vendor."""
    mailbox = entry.mailbox
    tickets = Ticket.objects.select_related("contract")
    if mailbox.contract_id:
        return tickets.filter(contract_id=mailbox.contract_id)
    return tickets.filter(contract__vendor_id=mailbox.vendor_id)


def ticket_for_comment(entry: TriageEntry, number: str) -> Ticket | None:
    """The ticket the dispatcher names, in any case, to add a triaged mail to; None when it
    is not one the mail may go to."""
    return tickets_for_comment(entry).filter(number=number.strip().upper()).first()
