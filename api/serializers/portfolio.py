"""A vendor manager's overview of their contracts (reports/portfolio.py) as JSON."""

from __future__ import annotations

from rest_framework import serializers


class PortfolioPeriodSerializer(serializers.Serializer):
    param = serializers.CharField(
        help_text="How the dashboard names the period: 2026-Q4, or SY2026-Q1 for a service "
        "quarter where the contract's service year does not start on 1 January."
    )
    label = serializers.CharField()
    first_day = serializers.DateField(source="period.start")
    last_day = serializers.DateField(source="period.last_day")


class OrganizationNameSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    short_name = serializers.CharField()


class PortfolioContractSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    hospital = OrganizationNameSerializer()
    sla_target_percent = serializers.DecimalField(max_digits=5, decimal_places=2)


class OnsiteDaysSerializer(serializers.Serializer):
    days = serializers.IntegerField(help_text="Distinct on-site working days so far this year.")
    expected = serializers.DecimalField(
        max_digits=6,
        decimal_places=1,
        allow_null=True,
        help_text="The yearly minimum, pro-rated to the service year.",
    )
    yearly_minimum = serializers.IntegerField(allow_null=True)
    meets_minimum = serializers.BooleanField(allow_null=True)


class PersonDaysSerializer(serializers.Serializer):
    person_days = serializers.DecimalField(
        max_digits=8, decimal_places=2, help_text="Adaptive work logged this service year."
    )
    quota = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    yearly_quota = serializers.IntegerField(allow_null=True)
    within_quota = serializers.BooleanField(allow_null=True)


class PortfolioRowSerializer(serializers.Serializer):
    contract = PortfolioContractSerializer()
    quarter = PortfolioPeriodSerializer(help_text="The quarter the contract's dashboard opens on.")
    year = PortfolioPeriodSerializer(help_text="Its service year: what the quotas count in.")
    compliance_percent = serializers.DecimalField(
        source="compliance",
        max_digits=5,
        decimal_places=1,
        allow_null=True,
        help_text="On time, % of the clocks that fell due this quarter; null: none fell due.",
    )
    meets_target = serializers.BooleanField(allow_null=True)
    open_tickets = serializers.IntegerField()
    open_breaches = serializers.IntegerField(help_text="Clocks running past their deadline now.")
    onsite_days = OnsiteDaysSerializer(
        source="onsite", allow_null=True, help_text="Null: the contract sets no minimum."
    )
    person_days = PersonDaysSerializer(
        allow_null=True, help_text="Null: the contract sets no person-day quota."
    )


class PortfolioSerializer(serializers.Serializer):
    today = serializers.DateField(help_text="The day (Beijing time) the figures are for.")
    contracts = PortfolioRowSerializer(source="rows", many=True)
