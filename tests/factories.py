"""factory_boy factories for the contract model."""

from __future__ import annotations

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from accounts.models import User
from contracts.models import (
    ClockTarget,
    Contract,
    ContractSystem,
    CoveredSystem,
    Membership,
    Organization,
    ServiceClass,
)
from sla.models import CalendarPeriod, ServiceCalendar


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Faker("name", locale="zh_CN")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("test-password-1")


class HospitalFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    kind = "hospital"
    code = factory.Sequence(lambda n: f"H{n:03d}")
    name = factory.Sequence(lambda n: f"第{n}人民医院")


class VendorFactory(HospitalFactory):
    kind = "vendor"
    code = factory.Sequence(lambda n: f"V{n:03d}")
    name = factory.Sequence(lambda n: f"第{n}信息技术有限公司")


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(HospitalFactory)
    role = "reporter"


class CalendarFactory(DjangoModelFactory):
    class Meta:
        model = ServiceCalendar
        django_get_or_create = ("code",)

    code = "24x7"
    name = "7×24"
    day_rule = "always"


class WorkdayCalendarFactory(CalendarFactory):
    class Meta:
        skip_postgeneration_save = True

    code = "cn-work-0830-1730"
    name = "工作日 08:30–17:30"
    day_rule = "cn_workdays"

    @factory.post_generation
    def periods(calendar, create, extracted, **kwargs):
        if create and not calendar.periods.exists():
            for start, end in extracted or [(dt.time(8, 30), dt.time(17, 30))]:
                CalendarPeriod.objects.create(calendar=calendar, starts_at=start, ends_at=end)


class ContractFactory(DjangoModelFactory):
    class Meta:
        model = Contract

    code = factory.Sequence(lambda n: f"contract-{n}")
    name = factory.Sequence(lambda n: f"维保合同 {n}")
    hospital = factory.SubFactory(HospitalFactory)
    vendor = factory.SubFactory(VendorFactory)
    starts_on = dt.date(2026, 1, 1)
    ends_on = dt.date(2026, 12, 31)
    calendar = factory.SubFactory(CalendarFactory)


class SystemFactory(DjangoModelFactory):
    class Meta:
        model = CoveredSystem

    hospital = factory.SubFactory(HospitalFactory)
    code = factory.Sequence(lambda n: f"SYS{n}")
    name = factory.Sequence(lambda n: f"系统{n}")


class ContractSystemFactory(DjangoModelFactory):
    class Meta:
        model = ContractSystem

    contract = factory.SubFactory(ContractFactory)
    system = factory.SubFactory(
        SystemFactory, hospital=factory.SelfAttribute("..contract.hospital")
    )


class FaultLevelFactory(DjangoModelFactory):
    class Meta:
        model = ServiceClass

    contract = factory.SubFactory(ContractFactory)
    kind = "fault"
    level = 1
    code = factory.LazyAttribute(lambda row: f"level-{row.level}")
    name = factory.LazyAttribute(lambda row: f"{row.level}级故障")


class ClockTargetFactory(DjangoModelFactory):
    class Meta:
        model = ClockTarget

    service_class = factory.SubFactory(FaultLevelFactory)
    clock = "respond"
    amount = 30
    unit = "minutes"
    calendar = factory.SubFactory(CalendarFactory)


def demo_user(username: str) -> User:
    return User.objects.get(username=username)
