"""The inspection pages (巡检): the list, and one page to perform, finish and sign off an
inspection on a phone on site. Every change goes through inspections.services; a refused
change comes back as a page message with everything typed still in the form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from api.errors import TICKET_ERROR_STATUS
from contracts.models import Role
from inspections import policy, selectors, services
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
    DONE_STATES,
    OPEN_STATES,
    Inspection,
    InspectionMode,
    InspectionResult,
)
from inspections.report import latest_report
from inspections.thresholds import Verdict
from tickets.errors import TicketConflict, TicketError
from tickets.policy import engineers_of, roles_on_contract

PAGE_SIZE = 50

# ?status=… of the list: the label, the filter, the order. "To do" puts overdue first
# simply by ordering open inspections by due date.
STATUSES: dict[str, tuple] = {
    "todo": (gettext_lazy("To do"), Q(state__in=OPEN_STATES), ("due_on", "id")),
    "overdue": (gettext_lazy("Overdue"), Q(state__in=OPEN_STATES), ("due_on", "id")),
    "planned": (gettext_lazy("Not yet due"), Q(state__in=OPEN_STATES), ("due_on", "id")),
    "done": (gettext_lazy("Done"), Q(state__in=DONE_STATES), ("-due_on", "-id")),
    "all": (gettext_lazy("All"), Q(), ("-due_on", "-id")),
}
DEFAULT_STATUS = "todo"

# The history's lines; own msgids, so that "Started" as a field label and as an event can
# read differently in Chinese.
EVENT_LABELS = {
    "planned": gettext_lazy("Planned"),
    "assigned": gettext_lazy("Engineer assigned"),
    "started": gettext_lazy("Inspection started"),
    "results_recorded": gettext_lazy("Results recorded"),
    "completed": gettext_lazy("Inspection completed"),
    "reopened": gettext_lazy("Reopened for changes"),
    "signed_off": gettext_lazy("Signed off"),
    "cancelled": gettext_lazy("Inspection cancelled"),
    "ticket_opened": gettext_lazy("Ticket opened from an item"),
}


# --- who reads what --------------------------------------------------------------------------


def _inspection(request, pk: int) -> Inspection:
    """The inspection if the user's organisation is party to its contract (404 otherwise,
    so another hospital learns nothing); 403 for a party who may not read inspections."""
    inspection = get_object_or_404(selectors.visible_inspections(request.user), pk=pk)
    if not policy.may_read(request.user, inspection.contract):
        raise PermissionDenied
    return inspection


# --- the list --------------------------------------------------------------------------------


@login_required
def inspection_list(request):
    if not policy.may_read_any(request.user):
        return render(request, "403.html", status=403)
    today = timezone.localdate()
    contracts = list(selectors.readable_contracts(request.user).order_by("code"))
    inspections = selectors.visible_inspections(request.user).filter(
        contract__in=[contract.pk for contract in contracts]
    )
    contract = next((c for c in contracts if c.code == request.GET.get("contract")), None)
    if contract is not None:
        inspections = inspections.filter(contract=contract)
    status = request.GET.get("status", DEFAULT_STATUS)
    if status not in STATUSES:
        status = DEFAULT_STATUS
    _label, condition, ordering = STATUSES[status]
    inspections = inspections.filter(condition)
    if status == "overdue":
        inspections = inspections.filter(due_on__lt=today)
    elif status == "planned":
        inspections = inspections.filter(due_on__gte=today)
    page = Paginator(inspections.order_by(*ordering), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "inspections/list.html",
        {
            "rows": [(inspection, inspection.is_overdue(today)) for inspection in page],
            "page": page,
            "contracts": contracts,
            "contract": contract,
            "status": status,
            "statuses": [(key, label) for key, (label, _q, _o) in STATUSES.items()],
            "today": today,
        },
    )


# --- the inspection's page -------------------------------------------------------------------


def _results(inspection: Inspection) -> list[InspectionResult]:
    return list(inspection.results.select_related("ticket").order_by("position"))


def _history(inspection: Inspection) -> list[tuple]:
    events = list(inspection.events.select_related("actor").order_by("at", "id"))
    engineer_ids = {
        event.data.get("engineer") for event in events if event.action.endswith(".assigned")
    }
    names = (
        {user.pk: str(user) for user in get_user_model().objects.filter(pk__in=engineer_ids)}
        if engineer_ids
        else {}
    )
    rows = []
    for event in events:
        kind = event.action.rsplit(".", 1)[-1]
        data = event.data or {}
        detail = ""
        if kind == "started" and data.get("mode") in InspectionMode.values:
            detail = InspectionMode(data["mode"]).label
        elif kind == "assigned":
            detail = names.get(data.get("engineer"), "")
        elif kind == "results_recorded":
            detail = _("items: %(items)s") % {"items": data.get("items", 0)}
            if data.get("failed"):
                detail += " · " + _("abnormal: %(items)s") % {"items": "、".join(data["failed"])}
        elif kind == "completed" and data.get("failed"):
            detail = _("abnormal: %(count)s") % {"count": data["failed"]}
        elif kind == "signed_off":
            detail = data.get("signer", "")
        elif kind == "ticket_opened":
            detail = f"{data.get('ticket', '')} · {data.get('item', '')}"
        rows.append((event, EVENT_LABELS.get(kind, event.action), detail))
    return rows


def _page(
    request,
    inspection: Inspection,
    *,
    bound: dict | None = None,
    checklist_data: QueryDict | None = None,
    status: int = 200,
):
    """The page, with the forms of a refused post (`bound`) keeping what was typed."""
    bound = bound or {}
    user = request.user
    contract = inspection.contract
    roles = roles_on_contract(user, contract)
    actions = policy.available_actions(user, inspection)
    results = _results(inspection)
    checklist = ChecklistForm(checklist_data, results=results)
    if checklist.is_bound:
        checklist.is_valid()
    sections = checklist.sections()

    may_open_ticket = policy.may(user, "open_ticket", contract, roles)
    needing_ticket = [
        row for row in checklist.rows() if row.result.failed and not row.result.ticket_id
    ]
    level_rows = fault_levels(contract)
    levels = list(level_rows) if may_open_ticket and needing_ticket else []
    posted_ticket = bound.get("ticket")
    for _section, rows in sections:
        for row in rows:
            if not (levels and row.result.failed and not row.result.ticket_id):
                continue
            if posted_ticket is not None and posted_ticket[0] == row.result.pk:
                row.ticket_form = posted_ticket[1]
            else:
                row.ticket_form = OpenTicketForm(
                    prefix=ticket_prefix(row.result.pk),
                    levels=level_rows,  # rendered from `levels`: no query per item
                    initial={
                        "service_class": str(levels[0].pk),
                        "title": services.finding_title(row.result),
                    },
                )

    signs_in_own_name = Role.HOSPITAL_IT in roles
    report = latest_report(inspection) if inspection.state in DONE_STATES else None
    checked = sum(1 for result in results if result.verdict != Verdict.PENDING)
    context = {
        "inspection": inspection,
        "contract": contract,
        "systems": inspection.system.path()
        if inspection.system
        else "、".join(
            str(row.system.name) for row in contract.contract_systems.select_related("system")
        ),
        "actions": actions,
        "is_overdue": inspection.is_overdue(timezone.localdate()),
        "sections": sections,
        "invalid_rows": [row for row in checklist.rows() if row.has_errors],
        "editable": "record" in actions,
        "levels": levels,
        "counts": {
            "total": len(results),
            "checked": checked,
            "failed": sum(1 for result in results if result.failed),
        },
        "engineers": list(engineers_of(contract)) if "assign" in actions else [],
        "start_form": bound.get("start") or StartForm(),
        "assign_form": bound.get("assign")
        or AssignForm(
            engineers=engineers_of(contract), initial={"engineer": inspection.engineer_id}
        ),
        "cancel_form": bound.get("cancel") or ReasonForm(prefix="cancel"),
        "reopen_form": bound.get("reopen") or ReasonForm(prefix="reopen"),
        "complete_form": bound.get("complete")
        or CompleteForm(
            initial={"findings": inspection.findings, "suggestions": inspection.suggestions}
        ),
        "sign_off_form": bound.get("sign_off") or SignOffForm(name_required=not signs_in_own_name),
        "signs_in_own_name": signs_in_own_name,
        "report": report,
        "report_is_current": report is not None and report.revision == inspection.revision,
        "history": _history(inspection),
    }
    return render(request, "inspections/detail.html", context, status=status)


@login_required
def inspection_detail(request, pk: int):
    return _page(request, _inspection(request, pk))


# --- actions: one view each, the rules in the services ---------------------------------------


def _done(request, inspection: Inspection, message: str, anchor: str = ""):
    messages.success(request, message)
    return redirect(inspection.get_absolute_url() + anchor)


def _refused(request, pk: int, exc: TicketError, *, bound=None, checklist_data=None):
    """A rule said no: say why on the page, with the forms as they were posted."""
    messages.error(request, str(exc))
    code = "conflict" if isinstance(exc, TicketConflict) else exc.code
    return _page(
        request,
        _inspection(request, pk),  # re-read: someone else may have changed it
        bound=bound,
        checklist_data=checklist_data,
        status=TICKET_ERROR_STATUS.get(code, 400),
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
    form = OpenTicketForm(request.POST, prefix=ticket_prefix(int(result_id)), levels=levels)
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
            title=form.cleaned_data["title"],
        )
    except TicketError as exc:
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


@login_required
def report_download(request, pk: int):
    """The latest PDF as a download, to whoever may read the inspection."""
    inspection = _inspection(request, pk)
    if inspection.state not in DONE_STATES:
        raise Http404
    report = latest_report(inspection)
    if report is None:
        raise Http404
    try:
        content = report.file.open("rb")
    except FileNotFoundError:
        messages.error(request, _("The report file is missing from storage."))
        return redirect(inspection.get_absolute_url() + "#report")
    response = FileResponse(
        content, as_attachment=True, filename=report.filename, content_type="application/pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
