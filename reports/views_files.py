"""The contract's service reports page (季度运行总结 / 年度服务报告): every report with its
numbered PDF versions, asking for one, retrying a failed render, and the vendor manager's
improvement measures and "make final".

Requests return at once: the services only queue a version and a Celery worker renders it,
so a report's versions refresh themselves (htmx, every 5 s) while one is still being made.
Every change goes through reports.services; a refused one comes back as a page message with
what was typed still in the form.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.record import record
from contracts.models import Contract
from contracts.selectors import contract_for
from opsdesk.page_policy import contract_figures_refusal
from reports import policy, services
from reports.errors import ReportError
from reports.forms import AcceptanceForm, ImprovementsForm, RequestReportForm
from reports.models import RenderState, ReportFile, ServiceReport
from reports.periods import SHANGHAI
from reports.selectors import contract_reports

POLL_SECONDS = 5


# --- reads -------------------------------------------------------------------------------


def for_report_readers(view):
    """Resolve the URL's contract for the view: 404 for a contract not the user's (so a
    foreign one stays unseen), the portal's 403 page for a party who may not see its reports
    (a hospital's reporters)."""

    @login_required
    @wraps(view)
    def wrapped(request, code: str, **kwargs):
        contract = contract_for(request.user, code)
        if not policy.may_download_report(request.user, contract):
            return contract_figures_refusal(request, contract)
        return view(request, contract, **kwargs)

    return wrapped


def _today():
    return timezone.now().astimezone(SHANGHAI).date()


def _file_rows(report: ServiceReport) -> list[ReportFile]:
    rows = list(report.files.all())
    for row in rows:
        row.report = report  # the partial names the report's contract: no query per row
    return rows


def _report_context(report: ServiceReport) -> dict:
    files = _file_rows(report)
    return {
        "report": report,
        "files": files,
        "unfinished": any(row.is_unfinished for row in files),
        "poll_seconds": POLL_SECONDS,
    }


def _page(
    request,
    contract: Contract,
    *,
    request_form: RequestReportForm | None = None,
    improvements: tuple[int, ImprovementsForm] | None = None,
    status: int = 200,
):
    """The page; a refused post passes its bound form to show again with what was typed."""
    user = request.user
    today = _today()
    may_edit = policy.may_edit_report(user, contract)
    may_accept = policy.may_accept_report(user, contract)
    rows = []
    for report in contract_reports(contract):
        row = _report_context(report)
        if may_edit and not report.is_final:
            if improvements is not None and improvements[0] == report.pk:
                row["improvements_form"] = improvements[1]
            else:
                row["improvements_form"] = ImprovementsForm(
                    initial={"improvements": report.improvements}
                )
        if report.is_final and not report.is_accepted and may_accept:
            row["acceptance_form"] = AcceptanceForm()
        rows.append(row)
    may_request = policy.may_request_report(user, contract)
    if not may_request:
        request_form = None
    elif request_form is None:
        request_form = RequestReportForm(contract=contract, today=today)
    return render(
        request,
        "reports/list.html",
        {
            "contract": contract,
            "rows": rows,
            "may_request": may_request,
            "request_form": request_form,
            "poll_seconds": POLL_SECONDS,
        },
        status=status,
    )


def _page_url(contract: Contract, anchor: str = "") -> str:
    return reverse("contract-reports", args=[contract.code]) + anchor


def _refused(request, contract: Contract, exc: ReportError, **bound):
    """A rule said no: say why on the page (in the user's language), forms as posted."""
    messages.error(request, str(exc))
    return _page(request, contract, status=exc.status, **bound)


def _report(contract: Contract, pk: int) -> ServiceReport:
    return get_object_or_404(ServiceReport.objects.filter(contract=contract), pk=pk)


def _report_file(contract: Contract, pk: int) -> ReportFile:
    return get_object_or_404(
        ReportFile.objects.filter(report__contract=contract).select_related("report"), pk=pk
    )


# --- the page and its partial ------------------------------------------------------------


@for_report_readers
def report_list(request, contract: Contract):
    return _page(request, contract)


@for_report_readers
def report_files(request, contract: Contract, pk: int):
    """One report's versions: what the page's htmx polling fetches while one is unfinished."""
    files = ReportFile.objects.select_related("requested_by").order_by("-version")
    report = get_object_or_404(
        ServiceReport.objects.filter(contract=contract).prefetch_related(
            Prefetch("files", queryset=files)
        ),
        pk=pk,
    )
    context = {
        "contract": contract,
        "may_request": policy.may_request_report(request.user, contract),
        **_report_context(report),
    }
    return render(request, "reports/_files.html", context)


# --- asking, retrying, writing, making final: one view each ------------------------------


@for_report_readers
@require_POST
def report_request(request, contract: Contract):
    form = RequestReportForm(request.POST, contract=contract, today=_today())
    if not form.is_valid():
        messages.error(request, _("Please correct the fields marked below."))
        return _page(request, contract, request_form=form, status=400)
    try:
        report_file = services.request_report(
            contract=contract,
            kind=form.cleaned_data["kind"],
            period=form.period(),
            by=request.user,
            include_bound_book=form.cleaned_data["include_bound_book"],
        )
    except ReportError as exc:
        return _refused(request, contract, exc, request_form=form)
    report = report_file.report
    messages.success(
        request,
        _(
            "%(kind)s %(period)s: version %(version)s is queued; it appears below as soon as "
            "it is made."
        )
        % {
            "version": report_file.version,
            "kind": report.get_kind_display(),
            "period": report.period.label,
        },
    )
    return redirect(_page_url(contract, f"#report-{report.pk}"))


@for_report_readers
@require_POST
def report_retry(request, contract: Contract, pk: int):
    report_file = _report_file(contract, pk)
    try:
        services.retry(report_file=report_file, by=request.user)
    except ReportError as exc:
        return _refused(request, contract, exc)
    messages.success(
        request,
        _("Version %(version)s is queued again.") % {"version": report_file.version},
    )
    return redirect(_page_url(contract, f"#report-{report_file.report_id}"))


@for_report_readers
@require_POST
def report_improvements(request, contract: Contract, pk: int):
    report = _report(contract, pk)
    form = ImprovementsForm(request.POST)
    if not form.is_valid():
        return _page(request, contract, improvements=(report.pk, form), status=400)
    try:
        services.save_improvements(
            report=report, by=request.user, text=form.cleaned_data["improvements"]
        )
    except ReportError as exc:
        return _refused(request, contract, exc, improvements=(report.pk, form))
    messages.success(request, _("The improvement measures are saved."))
    return redirect(_page_url(contract, f"#report-{report.pk}"))


@for_report_readers
@require_POST
def report_make_final(request, contract: Contract, pk: int):
    """Save the text as posted (the button sits in the text's form, so nothing typed is
    lost), then make the report final: its final PDF is queued."""
    report = _report(contract, pk)
    form = ImprovementsForm(request.POST)
    if not form.is_valid():
        return _page(request, contract, improvements=(report.pk, form), status=400)
    try:
        text = form.cleaned_data["improvements"]
        if "improvements" in request.POST and text.strip() != report.improvements:
            services.save_improvements(report=report, by=request.user, text=text)
        report_file = services.make_final(report=report, by=request.user)
    except ReportError as exc:
        return _refused(request, contract, exc, improvements=(report.pk, form))
    messages.success(
        request,
        _(
            "The report is final; its final PDF (version %(version)s) is being made and the "
            "contract's contacts are told when it is ready."
        )
        % {"version": report_file.version},
    )
    return redirect(_page_url(contract, f"#report-{report.pk}"))


@for_report_readers
@require_POST
def report_accept(request, contract: Contract, pk: int):
    """Hospital IT accepts (签收) the final report, with the hospital's opinion."""
    report = _report(contract, pk)
    form = AcceptanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["opinion"]))
        return _page(request, contract, status=400)
    try:
        services.accept_report(report=report, by=request.user, opinion=form.cleaned_data["opinion"])
    except ReportError as exc:
        return _refused(request, contract, exc)
    messages.success(request, _("The report is accepted for the hospital."))
    return redirect(_page_url(contract, f"#report-{report.pk}"))


# --- the file ----------------------------------------------------------------------------


@for_report_readers
def report_file_download(request, contract: Contract, pk: int):
    """The PDF as a download, never inline; 404 until it is ready (or when storage lost it)."""
    report_file = _report_file(contract, pk)
    if report_file.state != RenderState.DONE or not report_file.file:
        raise Http404
    report_file.report.contract = contract
    try:
        content = report_file.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        content,
        as_attachment=True,
        filename=report_file.filename,
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    record(
        "reports.file.downloaded",
        actor=request.user,
        obj=report_file,
        contract=contract,
        data={"filename": report_file.filename, "sha256": report_file.sha256},
    )
    return response
