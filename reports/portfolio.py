"""A vendor manager's overview of their contracts (the portfolio): one row per contract.

Each figure is the dashboard's own (reports/figures.py) for the period the dashboard opens
on (contracts/periods.py), so the overview and a contract's dashboard always agree:
compliance this quarter (the contract's service quarter where its year does not start on
1 January), open breaches now, and the service year's on-site days and person-days against
the contract's quotas where it sets them. Each figure is read for every contract at once
(the batch forms beside each figure in reports/figures.py: one grouped query per kind of
figure), so the page costs the same number of queries for three contracts as for two
hundred, and however many tickets they hold.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet

from contracts import periods
from contracts.models import Contract
from contracts.selectors import contracts_for
from reports.figures import (
    OnsiteDays,
    PersonDays,
    onsite_days_by_contract,
    open_breaches_by_contract,
    overall_compliance_by_contract,
    person_days_by_contract,
)
from reports.periods import SHANGHAI
from reports.policy import managed_vendors
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


def managed_contracts(user, today: dt.date, vendors: list[int] | None = None) -> QuerySet[Contract]:
    """Contracts in force today whose vendor the user manages (a platform administrator:
    every contract); `vendors` narrows them to these vendors (an API token's organisation)."""
    contracts = contracts_for(user).in_force_on(today)
    if vendors is not None:
        contracts = contracts.filter(vendor_id__in=vendors)
    if user.is_superuser:
        return contracts
    return contracts.filter(vendor_id__in=managed_vendors(user))


def portfolio(user, now: dt.datetime, vendors: list[int] | None = None) -> Portfolio:
    """The overview of the contracts managed_contracts() gives, as of `now`."""
    today = now.astimezone(SHANGHAI).date()
    # A row names the contract and its hospital; the vendor (the manager's own) and the
    # calendar (working days are read by its id) are not read with each of hundreds.
    contracts = list(
        managed_contracts(user, today, vendors).select_related(None).select_related("hospital")
    )
    quarters = {
        contract: periods.period_at(contract, periods.default_kind(contract), today)
        for contract in contracts
    }
    years = {contract: periods.service_year(contract, today) for contract in contracts}
    open_counts = dict(
        Ticket.objects.filter(contract__in=contracts)
        .open()
        .order_by()
        .values_list("contract_id")
        # COUNT(*): counted from the (contract, state) index alone, not from the rows.
        .annotate(n=Count("*"))
    )
    compliance = overall_compliance_by_contract(
        {contract: quarter.period for contract, quarter in quarters.items()}, now
    )
    breaches = open_breaches_by_contract([contract.pk for contract in contracts], now)
    onsite = onsite_days_by_contract(
        {contract: years[contract].period for contract in contracts if contract.min_onsite_days}
    )
    person_days = person_days_by_contract(
        {contract: years[contract].period for contract in contracts if contract.person_day_quota}
    )
    return Portfolio(
        today=today,
        rows=[
            PortfolioRow(
                contract=contract,
                quarter=quarters[contract],
                year=years[contract],
                compliance=compliance[contract.pk].percent,
                open_tickets=open_counts.get(contract.pk, 0),
                open_breaches=breaches[contract.pk],
                onsite=onsite.get(contract.pk),
                person_days=person_days.get(contract.pk),
            )
            for contract in contracts
        ],
    )
