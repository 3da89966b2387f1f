"""The person-day quota of adaptive maintenance (C5: "适应性维护工作量原则上不超过15人/天"):
how much of the year's quota the worklogs have used, month by month (the burn-down), and
the one warning when the use crosses 80 %.

A quota year is the contract's service year (contracts.periods), from its start date a year
at a time (C5's term is the calendar year 2026); a worklog counts in the quota year of its
work date. The reports' person-day figures read the same minutes (person_day_minutes) and
count them the same way (person_days_of).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts import periods
from contracts.models import Contract, Role
from tickets.models import QuotaWarning, Worklog

PERSON_DAY_MINUTES = 8 * 60  # one person-day is eight hours of work
WARN_AT_PERCENT = 80


def quota_year(contract: Contract, day: dt.date) -> tuple[dt.date, dt.date]:
    """[start, end) of the contract's service year that holds `day`."""
    year = periods.service_year(contract, day).period
    return year.start, year.end


def person_days_of(minutes: int) -> Decimal:
    """Minutes of work as person-days, to 0.01 (half up)."""
    return (Decimal(minutes) / PERSON_DAY_MINUTES).quantize(Decimal("0.01"), ROUND_HALF_UP)


@dataclass(frozen=True)
class Month:
    starts_on: dt.date
    used: Decimal  # person-days used by the end of this month
    remaining: Decimal | None  # None: the contract sets no quota


@dataclass(frozen=True)
class BurnDown:
    starts_on: dt.date
    ends_on: dt.date  # exclusive
    quota: int | None
    used: Decimal
    months: tuple[Month, ...]
    warned_at: dt.datetime | None

    @property
    def remaining(self) -> Decimal | None:
        return None if self.quota is None else Decimal(self.quota) - self.used

    @property
    def percent(self) -> int | None:
        return int(self.used * 100 / self.quota) if self.quota else None

    @property
    def running_low(self) -> bool:
        return self.percent is not None and self.percent >= WARN_AT_PERCENT

    @property
    def bar_percent(self) -> int:
        return min(self.percent or 0, 100)


def person_day_minutes(contract: Contract, start: dt.date, end: dt.date) -> int:
    """Minutes of the contract's worklogs counting against the quota, dated in [start, end)."""
    return person_day_minutes_of({contract.pk: (start, end)})[contract.pk]


def person_day_minutes_of(spans: dict[int, tuple[dt.date, dt.date]]) -> dict[int, int]:
    """person_day_minutes() of many contracts, each in its own [start, end) (contract id →
    span): one query however many contracts."""
    if not spans:
        return {}
    by_span: dict[tuple[dt.date, dt.date], list[int]] = {}
    for contract_id, span in spans.items():
        by_span.setdefault(span, []).append(contract_id)
    dated = Q()
    for (start, end), contract_ids in by_span.items():
        dated |= Q(contract_id__in=contract_ids, work_date__gte=start, work_date__lt=end)
    totals = dict(
        Worklog.objects.filter(dated, counts_against_quota=True)
        .order_by()
        .values_list("contract_id")
        .annotate(total=Sum("minutes"))
    )
    return {contract_id: totals.get(contract_id) or 0 for contract_id in spans}


def burn_down(contract: Contract, today: dt.date) -> BurnDown:
    """The quota year holding `today`, month by month up to today's month (for a contract
    without a quota: the adaptive work logged, with nothing to burn down)."""
    quota = contract.person_day_quota
    start, end = quota_year(contract, today)
    by_month: dict[dt.date, int] = {}
    for work_date, minutes in (
        Worklog.objects.filter(
            contract=contract, counts_against_quota=True, work_date__gte=start, work_date__lt=end
        )
        .order_by()
        .values_list("work_date", "minutes")
    ):
        month = work_date.replace(day=1)
        by_month[month] = by_month.get(month, 0) + minutes
    months, total, month = [], 0, start.replace(day=1)
    last = min(today, end - dt.timedelta(days=1)).replace(day=1)
    while month <= last:
        total += by_month.get(month, 0)
        used = person_days_of(total)
        months.append(
            Month(
                starts_on=month,
                used=used,
                remaining=None if quota is None else Decimal(quota) - used,
            )
        )
        month = (month + dt.timedelta(days=32)).replace(day=1)
    warning = (
        QuotaWarning.objects.filter(
            contract=contract, year_starts_on=start, percent=WARN_AT_PERCENT
        )
        .values_list("crossed_at", flat=True)
        .first()
    )
    return BurnDown(
        starts_on=start,
        ends_on=end,
        quota=quota,
        used=person_days_of(sum(by_month.values())),
        months=tuple(months),
        warned_at=warning,
    )


def _people_to_warn(contract: Contract) -> list:
    """The vendor's manager and the hospital's IT department."""
    return list(
        get_user_model()
        .objects.filter(is_active=True, memberships__organization_id=contract.vendor_id)
        .filter(memberships__role=Role.VENDOR_MANAGER)
        .distinct()
    ) + list(
        get_user_model()
        .objects.filter(is_active=True, memberships__organization_id=contract.hospital_id)
        .filter(memberships__role=Role.HOSPITAL_IT)
        .distinct()
    )


def warn_if_crossed(contract: Contract, work_date: dt.date, now: dt.datetime | None = None):
    """After adaptive work was logged: the first time the quota year's use reaches 80 %,
    record it and tell the vendor's manager and hospital IT. The unique row is the claim,
    so two worklogs saved together warn once."""
    from notifications.models import NotificationEvent
    from notifications.services import notify_people

    if not contract.person_day_quota:
        return None
    start, end = quota_year(contract, work_date)
    used = person_days_of(person_day_minutes(contract, start, end))
    if used * 100 < contract.person_day_quota * WARN_AT_PERCENT:
        return None
    try:
        with transaction.atomic():
            warning = QuotaWarning.objects.create(
                contract=contract,
                year_starts_on=start,
                percent=WARN_AT_PERCENT,
                person_days=used,
                crossed_at=now or timezone.now(),
            )
    except IntegrityError:
        return None  # already warned this quota year

    def subject() -> str:
        return _("%(contract)s: %(percent)s%% of the adaptive-work quota used") % {
            "contract": contract.name,
            "percent": WARN_AT_PERCENT,
        }

    def body() -> str:
        return _(
            "Adaptive maintenance has used %(used)s of %(quota)s person-days in the year from "
            "%(start)s. Agree with the hospital what the remaining %(remaining)s person-days "
            "are for."
        ) % {
            "used": used,
            "quota": contract.person_day_quota,
            "start": f"{start:%Y-%m-%d}",
            "remaining": Decimal(contract.person_day_quota) - used,
        }

    notify_people(
        event=NotificationEvent.QUOTA_WARNED,
        ticket=None,
        recipients=_people_to_warn(contract),
        subject=subject,
        body=body,
        dedupe=f"contract:{contract.pk}:quota:{start:%Y%m%d}:{WARN_AT_PERCENT}",
    )
    return warning
