"""The dispatcher's triage list of mails the poller could not file, and its three actions.
Thin: intake.triage decides who may and what happens; these views fetch the entry through
the user's scope, validate the form and call one service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from intake import selectors, triage
from intake.forms import CommentForm, DismissForm, FileForm
from intake.models import TriageEntry, TriageState
from opsdesk.page_policy import page_for, refuse_unless
from tickets.errors import TicketError

LIST_LIMIT = 200


def _entry(request, pk: int) -> TriageEntry:
    refuse_unless(request.user, "triage")
    entry = selectors.triage_entry_for(request.user, pk)
    if entry is None:
        raise Http404
    return entry


@page_for("triage")
def triage_list(request):
    state = request.GET.get("state", TriageState.OPEN)
    if state not in TriageState.values:
        state = TriageState.OPEN
    entries = selectors.triage_for(request.user, state=state)[:LIST_LIMIT]
    return render(
        request,
        "intake/triage/list.html",
        {"entries": entries, "state": state, "states": TriageState.choices},
    )


def _chosen_contract(request, entry: TriageEntry, source):
    contracts = selectors.contracts_for(entry)
    chosen = source.get("contract")
    if chosen and str(chosen).isdigit():
        return contracts, contracts.filter(pk=chosen).first()
    if entry.contract_id and contracts.filter(pk=entry.contract_id).exists():
        return contracts, entry.contract
    return contracts, (contracts.first() if contracts.count() == 1 else None)


def _detail(request, entry, *, file_form=None, comment_form=None, dismiss_form=None, status=200):
    contracts, contract = _chosen_contract(request, entry, request.POST or request.GET)
    if file_form is None and contract is not None:
        file_form = FileForm(
            contract=contract, initial={"title": entry.subject, "description": entry.body}
        )
    return render(
        request,
        "intake/triage/detail.html",
        {
            "entry": entry,
            "contracts": contracts,
            "contract": contract,
            "file_form": file_form,
            "comment_form": comment_form or CommentForm(),
            "dismiss_form": dismiss_form or DismissForm(),
        },
        status=status,
    )


@login_required
def triage_detail(request, pk: int):
    return _detail(request, _entry(request, pk))


@login_required
@require_POST
def triage_file(request, pk: int):
    entry = _entry(request, pk)
    _contracts, contract = _chosen_contract(request, entry, request.POST)
    if contract is None:
        messages.error(request, _("Choose a contract first."))
        return redirect("triage-detail", pk=entry.pk)
    form = FileForm(request.POST, contract=contract)
    if not form.is_valid():
        return _detail(request, entry, file_form=form, status=400)
    try:
        ticket = triage.file_from_triage(
            entry=entry, by=request.user, contract=contract, **form.cleaned_data
        )
    except TicketError as exc:
        messages.error(request, str(exc))
        return _detail(request, entry, file_form=form, status=400)
    messages.success(request, _("Filed as %(number)s.") % {"number": ticket.number})
    return redirect(ticket.get_absolute_url())


@login_required
@require_POST
def triage_comment(request, pk: int):
    entry = _entry(request, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _detail(request, entry, comment_form=form, status=400)
    number = form.cleaned_data["ticket"].strip().upper()
    ticket = selectors.ticket_for_comment(entry, number)
    if ticket is None:
        form.add_error("ticket", _("No ticket %(number)s of this vendor.") % {"number": number})
        return _detail(request, entry, comment_form=form, status=400)
    try:
        triage.comment_from_triage(entry=entry, by=request.user, ticket=ticket)
    except TicketError as exc:
        messages.error(request, str(exc))
        return _detail(request, entry, comment_form=form, status=400)
    messages.success(request, _("Added to %(number)s.") % {"number": ticket.number})
    return redirect(ticket.get_absolute_url() + "#timeline")


@login_required
@require_POST
def triage_dismiss(request, pk: int):
    entry = _entry(request, pk)
    form = DismissForm(request.POST)
    if not form.is_valid():
        return _detail(request, entry, dismiss_form=form, status=400)
    try:
        triage.dismiss(entry=entry, by=request.user, reason=form.cleaned_data["reason"])
    except TicketError as exc:
        messages.error(request, str(exc))
        return _detail(request, entry, dismiss_form=form, status=400)
    messages.success(request, _("Dismissed; the mail is kept."))
    return redirect("triage-list")
