"""The inspection pages (巡检): the list, and the page to perform, finish and sign off an
inspection on a phone on site, and its PDF report."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.record import record
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
    InspectionResult,
    not_yet_due_q,
    overdue_q,
)
from inspections.report import latest_report
from inspections.thresholds import Verdict
from opsdesk.page_policy import FAMILIES, page_for
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

# --- who reads what --------------------------------------------------------------------------


def _inspection(request, pk: int) -> Inspection:
    """The inspection if the user's organisation is party to its contract (404 otherwise,
    so another hospital learns nothing); 403 for a party who may not read inspections."""
    inspection = get_object_or_404(selectors.visible_inspections(request.user), pk=pk)
    if not policy.may_read(request.user, inspection.contract):
        raise PermissionDenied(FAMILIES["inspections"].refusal)
    return inspection


# --- the list --------------------------------------------------------------------------------


@page_for("inspections")
def inspection_list(request):
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
        inspections = inspections.filter(overdue_q(today))
    elif status == "planned":
        inspections = inspections.filter(not_yet_due_q(today))
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
    systems = services.finding_systems(inspection) if levels else []
    proposed = services.proposed_system(inspection, systems) if levels else None
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
                    systems=systems,
                    initial={
                        "service_class": str(levels[0].pk),
                        "system": proposed.pk if proposed else "",
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
        "history": selectors.history_lines(inspection),
    }
    return render(request, "inspections/detail.html", context, status=status)


@login_required
def inspection_detail(request, pk: int):
    return _page(request, _inspection(request, pk))


# --- actions: one view each, the rules in the services ---------------------------------------


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
    record(
        "inspections.report.downloaded",
        actor=request.user,
        obj=report,
        contract=inspection.contract_id,
        data={"inspection": inspection.pk, "revision": report.revision},
    )
    return response
