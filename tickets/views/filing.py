"""Filing a ticket (报修) in the browser."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.selectors import contract_for
from tickets import services
from tickets.errors import TicketError
from tickets.forms import ReportForm
from tickets.policy import may_report
from tickets.selectors import reportable_contracts


@login_required
def choose_contract(request):
    reportable = reportable_contracts(request.user, timezone.localdate())
    if len(reportable) == 1:
        return redirect("ticket-report", code=reportable[0].code)
    return render(request, "tickets/choose_contract.html", {"contracts": reportable})


@login_required
def report(request, code: str):
    contract = contract_for(request.user, code)
    if not may_report(request.user, contract):
        messages.error(request, _("Only hospital staff of this contract can report faults."))
        return redirect("contract-detail", code=code)
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES, contract=contract)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    ticket = services.report_ticket(
                        contract=contract,
                        system=contract.hospital.systems.get(pk=data["system"]),
                        service_class=data["service_class"],
                        title=data["title"],
                        description=data["description"],
                        reporter=request.user,
                        contact_phone=data["contact_phone"],
                    )
                    for upload in data["attachments"]:
                        services.attach_file(ticket=ticket, by=request.user, upload=upload)
            except TicketError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request, _("Ticket %(number)s is filed.") % {"number": ticket.number}
                )
                return redirect("ticket-detail", number=ticket.number)
        if form.errors and request.FILES:
            form.add_error(
                "attachments", _("Browsers cannot keep chosen files: choose them again, please.")
            )
    else:
        form = ReportForm(contract=contract, initial={"contact_phone": request.user.phone})
    return render(request, "tickets/report.html", {"contract": contract, "form": form})
