"""A vendor manager's overview of their contracts (the portfolio): one row per contract.

Each figure is the dashboard's own (reports/figures.py) for the period the dashboard opens
on (contracts/periods.py), so the overview and a contract's dashboard always agree:
compliance this quarter (the contract's service quarter where its year does not start on
1 January), open breaches now, and the service year's on-site days and person-days against
the contract's quotas where it sets them. Open tickets are
counted for every contract in one query; the rest costs a fixed number of queries per
contract, however many tickets it has.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet

from contracts import periods
from contracts.models import Contract, Membership, Role
from contracts.selectors import contracts_for
from reports.figures import OnsiteDays, PersonDays, onsite_days, open_breaches, person_days
from reports.figures import sla_compliance as compliance_of
from reports.periods import SHANGHAI
from tickets.models import Ticket


@dataclass(frozen=True)
class PortfolioRow:
    contract: Contract
    quarter: periods.ContractPeriod  # the quarter the dashboard opens on
    year: periods.ContractPeriod  # its service year: what the quotas count in
    compliance: Decimal | None  # on time, % of the clocks that fell due this quarter
    open_tickets: int
    open_breaches: int
    onsite: OnsiteDays | None  # for a contract with a minimum of on-site days
    person_days: PersonDays | None  # for a contract with a person-day quota

    @property
    def meets_target(self) -> bool | None:
        if self.compliance is None:
            return None
        return self.compliance >= self.contract.sla_target_percent


@dataclass(frozen=True)
class Portfolio:
    today: dt.date
    rows: list[PortfolioRow]


def managed_contracts(user, today: dt.date) -> QuerySet[Contract]:
    """Contracts in force today whose vendor the user manages (a platform administrator:
    every contract)."""
    contracts = contracts_for(user).in_force_on(today)
    if user.is_superuser:
        return contracts
    managed = Membership.objects.filter(user=user, role=Role.VENDOR_MANAGER).values(
        "organization_id"
    )
    return contracts.filter(vendor_id__in=managed)


def portfolio(user, now: dt.datetime) -> Portfolio:
    today = now.astimezone(SHANGHAI).date()
    contracts = list(managed_contracts(user, today))
    open_counts = dict(
        Ticket.objects.filter(contract__in=contracts)
        .open()
        .order_by()
        .values_list("contract_id")
        .annotate(n=Count("id"))
    )
    rows = []
    for contract in contracts:
        quarter = periods.period_at(contract, periods.default_kind(contract), today)
        year = periods.service_year(contract, today)
        rows.append(
            PortfolioRow(
                contract=contract,
                quarter=quarter,
                year=year,
                compliance=compliance_of(contract, quarter.period, now).overall.percent,
                open_tickets=open_counts.get(contract.pk, 0),
                open_breaches=len(open_breaches(contract, now)),
                onsite=onsite_days(contract, year.period) if contract.min_onsite_days else None,
                person_days=person_days(contract, year.period)
                if contract.person_day_quota
                else None,
            )
        )
    return Portfolio(today=today, rows=rows)
