"""What the inspection page posts: each action goes through inspections.services; a refused
one comes back as a page message with everything typed still in the form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contracts.models import Role
from inspections import services
from inspections.forms import (
    AssignForm,
    ChecklistForm,
    CompleteForm,
    OpenTicketForm,
    ReasonForm,
    SignOffForm,
    StartForm,
    fault_levels,
    ticket_prefix,
)
from inspections.models import (
    Inspection,
)
from inspections.views.pages import _inspection, _page, _results
from tickets.errors import TicketError
from tickets.policy import engineers_of, roles_on_contract


def _done(request, inspection: Inspection, message: str, anchor: str = ""):
    messages.success(request, message)
    return redirect(inspection.get_absolute_url() + anchor)


def _refused(request, pk: int, exc: TicketError, *, bound=None, checklist_data=None):
    """A rule said no: say why on the page, with the forms as they were posted."""
    messages.error(request, str(exc))
    return _page(
        request,
        _inspection(request, pk),  # re-read: someone else may have changed it
        bound=bound,
        checklist_data=checklist_data,
        status=exc.status,
    )


def _save_checklist(request, inspection: Inspection) -> tuple[ChecklistForm, int]:
    """Save the posted items that are valid (in one services.record_results); the others
    keep their stored answer and come back with a message. Raises TicketError."""
    form = ChecklistForm(request.POST, results=_results(inspection))
    form.is_valid()
    answers = form.answers() if form.posted_any else []
    if answers:
        services.record_results(inspection=inspection, by=request.user, answers=answers)
    return form, len(answers)


@login_required
@require_POST
def record(request, pk: int):
    inspection = _inspection(request, pk)
    try:
        form, saved = _save_checklist(request, inspection)
    except TicketError as exc:
        return _refused(request, pk, exc, checklist_data=request.POST)
    if form.errors:
        if saved:
            messages.info(request, _("Saved (%(count)s changed).") % {"count": saved})
        messages.error(
            request,
            _("Some values could not be saved; correct the marked items and save again."),
        )
        return _page(
            request,
            _inspection(request, pk),
            checklist_data=request.POST,
            bound={"complete": CompleteForm(request.POST)},
            status=400,
        )
    if saved:
        messages.success(request, _("Saved (%(count)s changed).") % {"count": saved})
    else:
        messages.info(request, _("Nothing has changed."))
    complete_form = CompleteForm(request.POST)
    if complete_form.is_valid() and any(complete_form.cleaned_data.values()):
        # Findings typed but not completed yet: show them again rather than drop them.
        return _page(request, _inspection(request, pk), bound={"complete": complete_form})
    return redirect(inspection.get_absolute_url() + "#checklist")


@login_required
@require_POST
def complete(request, pk: int):
    """Save the checklist as posted, then complete: the button sits in the checklist's
    form, so nothing typed on the phone is lost on the way."""
    inspection = _inspection(request, pk)
    form = CompleteForm(request.POST)
    form.is_valid()
    try:
        checklist, _saved = _save_checklist(request, inspection)
        if checklist.errors:
            messages.error(
                request,
                _("Correct the marked items first; the inspection is not completed yet."),
            )
            return _page(
                request,
                _inspection(request, pk),
                bound={"complete": form},
                checklist_data=request.POST,
                status=400,
            )
        services.complete(
            inspection=inspection,
            by=request.user,
            findings=form.cleaned_data.get("findings", ""),
            suggestions=form.cleaned_data.get("suggestions", ""),
        )
    except TicketError as exc:
        return _refused(request, pk, exc, bound={"complete": form}, checklist_data=request.POST)
    return _done(request, inspection, _("The inspection is complete."), "#report")


@login_required
@require_POST
def open_ticket(request, pk: int):
    """A ticket from one abnormal item in one step (the checklist as posted is saved first)."""
    inspection = _inspection(request, pk)
    result_id = request.POST.get("result", "")
    if not result_id.isdigit():
        raise Http404
    get_object_or_404(inspection.results.all(), pk=int(result_id))
    levels = fault_levels(inspection.contract)
    form = OpenTicketForm(
        request.POST,
        prefix=ticket_prefix(int(result_id)),
        levels=levels,
        systems=services.finding_systems(inspection),
    )
    bound = {"ticket": (int(result_id), form)}
    try:
        checklist, _saved = _save_checklist(request, inspection)
        if checklist.errors:
            messages.error(request, _("Correct the marked items first."))
            return _page(
                request,
                _inspection(request, pk),
                bound=bound,
                checklist_data=request.POST,
                status=400,
            )
        if not form.is_valid():
            return _page(
                request,
                _inspection(request, pk),
                bound=bound,
                checklist_data=request.POST,
                status=400,
            )
        result = inspection.results.select_related("ticket").get(pk=int(result_id))
        ticket = services.open_ticket(
            result=result,
            by=request.user,
            service_class=form.cleaned_data["service_class"],
            system=form.chosen_system(),
            title=form.cleaned_data["title"],
        )
    except TicketError as exc:
        if exc.field in form.fields:
            # Beside the field, with what was typed kept (the page re-renders this form).
            form.add_error(exc.field, str(exc))
        return _refused(request, pk, exc, bound=bound, checklist_data=request.POST)
    return _done(
        request,
        inspection,
        _("Ticket %(number)s is open for “%(item)s”.")
        % {"number": ticket.number, "item": result.name},
        f"#item-{result.pk}",
    )


@login_required
@require_POST
def start(request, pk: int):
    inspection = _inspection(request, pk)
    form = StartForm(request.POST)
    if not form.is_valid():
        return _page(request, inspection, bound={"start": form}, status=400)
    try:
        services.start(inspection=inspection, by=request.user, mode=form.cleaned_data["mode"])
    except TicketError as exc:
        return _refused(request, pk, exc, bound={"start": form})
    return _done(request, inspection, _("The inspection has started."), "#checklist")


@login_required
@require_POST
def assign(request, pk: int):
    inspection = _inspection(request, pk)
    form = AssignForm(request.POST, engineers=engineers_of(inspection.contract))
    if not form.is_valid():
        return _page(request, inspection, bound={"assign": form}, status=400)
    try:
        services.assign(
            inspection=inspection, by=request.user, engineer=form.cleaned_data["engineer"]
        )
    except TicketError as exc:
        return _refused(request, pk, exc, bound={"assign": form})
    return _done(
        request,
        inspection,
        _("Assigned to %(name)s.") % {"name": form.cleaned_data["engineer"]},
    )


def _with_reason(request, pk: int, action: str, perform, done_message: str):
    inspection = _inspection(request, pk)
    form = ReasonForm(request.POST, prefix=action)
    if not form.is_valid():
        return _page(request, inspection, bound={action: form}, status=400)
    try:
        perform(inspection=inspection, by=request.user, reason=form.cleaned_data["reason"])
    except TicketError as exc:
        return _refused(request, pk, exc, bound={action: form})
    return _done(request, inspection, done_message)


@login_required
@require_POST
def cancel(request, pk: int):
    return _with_reason(request, pk, "cancel", services.cancel, _("The inspection is cancelled."))


@login_required
@require_POST
def reopen(request, pk: int):
    return _with_reason(
        request, pk, "reopen", services.reopen, _("The inspection is open for changes again.")
    )


@login_required
@require_POST
def sign_off(request, pk: int):
    inspection = _inspection(request, pk)
    own_name = Role.HOSPITAL_IT in roles_on_contract(request.user, inspection.contract)
    form = SignOffForm(request.POST, name_required=not own_name)
    if not form.is_valid():
        return _page(request, inspection, bound={"sign_off": form}, status=400)
    try:
        signed = services.sign_off(
            inspection=inspection,
            by=request.user,
            signer_name="" if own_name else form.cleaned_data["signer_name"],
        )
    except TicketError as exc:
        return _refused(request, pk, exc, bound={"sign_off": form})
    return _done(
        request,
        inspection,
        _("Signed off by %(name)s.") % {"name": signed.signer_name},
        "#report",
    )
