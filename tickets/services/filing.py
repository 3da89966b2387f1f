"""Filing a ticket (报修) and starting its clocks."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.models import Contract, CoveredSystem, ServiceClass
from tickets import clocks, notices
from tickets.errors import TicketError
from tickets.models import (
    Ticket,
)
from tickets.numbering import next_number
from tickets.policy import may_report, may_report_finding
from tickets.services._common import _log, _now


def report_ticket(
    *,
    contract: Contract,
    system: CoveredSystem,
    service_class: ServiceClass,
    title: str,
    description: str,
    reporter,
    contact_phone: str,
    now: dt.datetime | None = None,
    from_inspection: bool = False,
) -> Ticket:
    """File a ticket (报修) and start its clocks.

    `from_inspection`: an abnormal inspection item, filed by whoever found it, so the
    vendor's engineers may file too (inspections.services.open_ticket)."""
    at = _now(now)
    allowed = may_report_finding if from_inspection else may_report
    if not allowed(reporter, contract):
        raise TicketError("forbidden", _("You may not report tickets under this contract."))
    if service_class.contract_id != contract.pk:
        raise TicketError("invalid", _("Choose a level or category of this contract."))
    if not contract.covers(system):
        raise TicketError(
            "invalid", _("%(system)s is not covered by this contract."), system=system.path()
        )
    if not contract.is_in_force(timezone.localtime(at).date()):
        raise TicketError("invalid", _("This contract is not in force today."))
    ticket = Ticket(
        contract=contract,
        system=system,
        kind=service_class.kind,
        service_class=service_class,
        title=title.strip(),
        description=description.strip(),
        reporter=reporter,
        contact_phone=contact_phone.strip(),
        created_at=at,
    )
    try:
        ticket.full_clean(exclude=["number", "state"])
    except ValidationError as exc:
        raise TicketError(
            "invalid", _("Please correct the ticket: %(errors)s"), errors="; ".join(exc.messages)
        ) from exc
    with transaction.atomic():
        ticket.number = next_number(contract.hospital, at)
        ticket.save()
        clocks.apply_service_class(ticket, service_class, at)
        _log(
            ticket,
            "ticket.reported",
            reporter,
            at,
            from_state="",
            data={
                "level": service_class.level,
                **({"from_inspection": True} if from_inspection else {}),
            },
        )
        notices.ticket_created(ticket)
    return ticket
