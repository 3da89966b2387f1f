"""Reading intake rows: the mailbox a reply goes to, and the triage list a desk works."""

from __future__ import annotations

from django.db.models import Q

from intake.models import Mailbox, TriageEntry, TriageState


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
