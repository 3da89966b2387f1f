"""Reads of service reports: who may read them (reports.policy's rule, in SQL) and the
reports with their versions in a fixed number of queries."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from contracts.models import Contract, Membership, Role
from reports.models import ReportFile, ServiceReport
from tickets.policy import VENDOR_STAFF


def readers_q(user, contract_path: str) -> Q | None:
    """reports.policy.may_download_report in SQL: the vendor's staff and the hospital's IT
    department; a hospital's reporters see none. None: no restriction (administrators)."""
    if user.is_superuser:
        return None
    hospital_it = Membership.objects.filter(user=user, role=Role.HOSPITAL_IT).values(
        "organization_id"
    )
    vendor_staff = Membership.objects.filter(user=user, role__in=VENDOR_STAFF).values(
        "organization_id"
    )
    return Q(**{f"{contract_path}hospital_id__in": hospital_it}) | Q(
        **{f"{contract_path}vendor_id__in": vendor_staff}
    )


def with_files(reports: QuerySet[ServiceReport]) -> QuerySet[ServiceReport]:
    """Reports with their contract, who made them final and every version (newest first)
    with who asked: a fixed number of queries however many reports and versions."""
    files = ReportFile.objects.select_related("requested_by").order_by("-version")
    return reports.select_related("contract", "final_by").prefetch_related(
        Prefetch("files", queryset=files)
    )


def contract_reports(contract: Contract) -> QuerySet[ServiceReport]:
    """The contract's reports, newest period first, each with its versions."""
    return with_files(ServiceReport.objects.filter(contract=contract)).order_by(
        "-period_start", "kind"
    )
