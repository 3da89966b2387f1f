"""Filing a ticket (报修) in the browser."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.selectors import contract_for
from opsdesk.page_policy import FAMILIES, page_for
from tickets import services
from tickets.errors import TicketError
from tickets.forms import FileForCallerForm, OpenChangeForm, ReportForm
from tickets.policy import may, may_file_for, may_propose_change, may_report
from tickets.recurrence_candidates import recurrence_candidates
from tickets.selectors import file_for_contracts, reportable_contracts


@page_for("report")
def choose_contract(request):
    reportable = reportable_contracts(request.user, timezone.localdate())
    if len(reportable) == 1:
        return redirect("ticket-report", code=reportable[0].code)
    return render(request, "tickets/choose_contract.html", {"contracts": reportable})


@login_required
def report(request, code: str):
    contract = contract_for(request.user, code)
    if not may_report(request.user, contract):
        # Not for this role: the same 403 page as every other page that is not theirs.
        raise PermissionDenied(FAMILIES["report"].refusal)
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
                return _to_filed(request, ticket)
        if form.errors and request.FILES:
            form.add_error(
                "attachments", _("Browsers cannot keep chosen files: choose them again, please.")
            )
    else:
        form = ReportForm(contract=contract, initial={"contact_phone": request.user.phone})
    return render(request, "tickets/report.html", {"contract": contract, "form": form})


@page_for("file_for")
def choose_file_for_contract(request):
    contracts = file_for_contracts(request.user, timezone.localdate())
    if len(contracts) == 1:
        return redirect("ticket-file-for", code=contracts[0].code)
    return render(
        request, "tickets/choose_contract.html", {"contracts": contracts, "for_caller": True}
    )


@login_required
def file_for(request, code: str):
    """代客报修: the vendor's desk types in a report the hospital made by phone, WeCom,
    e-mail, fax or on site, through the same service as the API."""
    contract = contract_for(request.user, code)
    if not may_file_for(request.user, contract):
        # Not for this role: the same 403 page as every other page that is not theirs.
        raise PermissionDenied(FAMILIES["file_for"].refusal)

    if request.method == "POST":
        form = FileForCallerForm(request.POST, request.FILES, contract=contract)
        if form.is_valid():
            data = form.cleaned_data
            now = timezone.now()
            try:
                with transaction.atomic():
                    ticket = services.file_for_caller(
                        contract=contract,
                        system=contract.hospital.systems.get(pk=data["system"]),
                        service_class=data["service_class"],
                        title=data["title"],
                        description=data["description"],
                        caller=form.caller_given(),
                        follower=data["follower"],
                        contact_phone=data["contact_phone"],
                        channel=data["channel"],
                        reported_at=form.reported(now),
                        backdate_reason=data["backdate_reason"],
                        entered_by=request.user,
                        now=now,
                    ).ticket
                    for upload in data["attachments"]:
                        services.attach_file(ticket=ticket, by=request.user, upload=upload)
            except TicketError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc))
            else:
                messages.success(
                    request,
                    _("Ticket %(number)s is filed for %(caller)s.")
                    % {"number": ticket.number, "caller": ticket.caller},
                )
                return _to_filed(request, ticket)
        if form.errors and request.FILES:
            form.add_error(
                "attachments", _("Browsers cannot keep chosen files: choose them again, please.")
            )
    else:
        form = FileForCallerForm(
            contract=contract,
            initial={"reported_at": timezone.localtime().replace(second=0, microsecond=0)},
        )
    return render(request, "tickets/file_for_caller.html", {"contract": contract, "form": form})


@login_required
def open_change(request, code: str):
    """The vendor opens a change with both plans and a proposed window (C4), through the
    same service as the API; hospital IT then approves it on the ticket's page."""
    contract = contract_for(request.user, code)
    if not may_propose_change(request.user, contract) or not contract.change_rows().exists():
        raise PermissionDenied
    if request.method == "POST":
        form = OpenChangeForm(request.POST, contract=contract)
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = services.open_change(
                    contract=contract,
                    system=contract.hospital.systems.get(pk=data["system"]),
                    service_class=data["service_class"],
                    title=data["title"],
                    description=data["description"],
                    upgrade_plan=data["upgrade_plan"],
                    rollback_plan=data["rollback_plan"],
                    window_starts_at=data["window_starts_at"],
                    window_ends_at=data["window_ends_at"],
                    by=request.user,
                )
            except TicketError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc))
            else:
                messages.success(
                    request,
                    _("Change %(number)s is waiting for hospital IT's approval.")
                    % {"number": ticket.number},
                )
                return redirect("ticket-detail", number=ticket.number)
    else:
        form = OpenChangeForm(contract=contract)
    return render(request, "tickets/open_change.html", {"contract": contract, "form": form})


def _to_filed(request, ticket):
    """The new ticket's page; where earlier tickets look like the same problem and the
    person may link them (vendor staff, hospital IT), say so and go to the suggestions."""
    if may(request.user, "link_recurrence", ticket) and recurrence_candidates(ticket):
        messages.info(
            request,
            _(
                "Earlier tickets of this system look like the same problem: link them below "
                "if they are (the contract's recurrence rule then applies)."
            ),
        )
        return redirect(ticket.get_absolute_url() + "#recurrence")
    return redirect("ticket-detail", number=ticket.number)
