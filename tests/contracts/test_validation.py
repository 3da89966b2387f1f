"""Contract set-up rules, each with the message an administrator sees."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from contracts.models import ClockTarget, ContractContact, ContractSystem, Membership, ServiceClass
from contracts.sla_table import validate_clock_set
from opsdesk.validators import validate_phone
from tests.factories import (
    CalendarFactory,
    ClockTargetFactory,
    ContractFactory,
    ContractSystemFactory,
    FaultLevelFactory,
    HospitalFactory,
    MembershipFactory,
    SystemFactory,
    VendorFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # Messages are compared in their English source; the Chinese ones are checked separately.
    with translation.override("en"):
        yield


def messages_of(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


def test_contract_term_must_end_after_it_starts():
    contract = ContractFactory.build(
        hospital=HospitalFactory(),
        vendor=VendorFactory(),
        calendar=CalendarFactory(),
        starts_on=dt.date(2026, 6, 1),
        ends_on=dt.date(2026, 6, 1),
    )
    with pytest.raises(ValidationError) as caught:
        contract.full_clean()
    assert "The term must end after it starts." in caught.value.message_dict["ends_on"]


def test_contract_term_order_is_enforced_by_the_database_too():
    contract = ContractFactory()
    contract.ends_on = contract.starts_on - dt.timedelta(days=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        contract.save()


def test_contract_term_message_is_in_chinese_for_chinese_users():
    contract = ContractFactory.build(
        hospital=HospitalFactory(),
        vendor=VendorFactory(),
        calendar=CalendarFactory(),
        starts_on=dt.date(2026, 6, 1),
        ends_on=dt.date(2026, 5, 1),
    )
    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as caught:
            contract.full_clean()
        assert "合同期" in " ".join(caught.value.message_dict["ends_on"])


def test_contract_hospital_must_be_a_hospital_and_vendor_a_vendor():
    vendor = VendorFactory()
    contract = ContractFactory.build(
        hospital=vendor, vendor=HospitalFactory(), calendar=CalendarFactory()
    )
    with pytest.raises(ValidationError) as caught:
        contract.full_clean()
    assert set(caught.value.message_dict) >= {"hospital", "vendor"}


@pytest.mark.parametrize("amount", [0, -5])
def test_clock_targets_must_be_positive(amount):
    target = ClockTargetFactory.build(
        service_class=FaultLevelFactory(), calendar=CalendarFactory(), amount=amount
    )
    with pytest.raises(ValidationError) as caught:
        target.full_clean()
    assert "amount" in caught.value.message_dict


def test_a_fault_level_is_defined_once_per_contract():
    level = FaultLevelFactory(level=2)
    again = ServiceClass(
        contract=level.contract, kind="fault", level=2, code="another", name="二级"
    )
    with pytest.raises(ValidationError) as caught:
        again.full_clean()
    assert "This fault level is already defined for the contract." in messages_of(caught.value)


def test_the_same_level_may_exist_in_another_contract():
    FaultLevelFactory(level=1)
    other = ServiceClass(
        contract=ContractFactory(), kind="fault", level=1, code="level-1", name="一级"
    )
    other.full_clean()


def test_faults_need_a_level_and_requests_have_none():
    contract = ContractFactory()
    with pytest.raises(ValidationError) as caught:
        ServiceClass(contract=contract, kind="fault", code="x", name="x").full_clean()
    assert "level" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        ServiceClass(
            contract=contract, kind="service_request", level=2, code="y", name="y"
        ).full_clean()
    assert "level" in caught.value.message_dict


def test_fault_levels_run_from_1_to_4():
    with pytest.raises(ValidationError) as caught:
        ServiceClass(
            contract=ContractFactory(), kind="fault", level=5, code="l5", name="五级"
        ).full_clean()
    assert "level" in caught.value.message_dict


def test_a_clock_is_set_once_per_row():
    target = ClockTargetFactory(clock="respond")
    again = ClockTarget(
        service_class=target.service_class,
        clock="respond",
        amount=10,
        unit="minutes",
        calendar=target.calendar,
    )
    with pytest.raises(ValidationError):
        again.full_clean()


def test_only_the_resolve_clock_counts_from_arrival():
    target = ClockTargetFactory.build(
        service_class=FaultLevelFactory(),
        calendar=CalendarFactory(),
        clock="respond",
        starts_from="arrival",
    )
    with pytest.raises(ValidationError) as caught:
        target.full_clean()
    assert "starts_from" in caught.value.message_dict


def test_resolve_from_arrival_needs_an_arrive_clock_in_the_same_row():
    with pytest.raises(ValidationError) as caught:
        validate_clock_set([("respond", "report"), ("resolve", "arrival")])
    assert caught.value.code == "arrival_without_arrive_clock"
    validate_clock_set([("respond", "report"), ("arrive", "report"), ("resolve", "arrival")])


def test_an_extension_limit_needs_the_clock_to_be_extendable():
    target = ClockTargetFactory.build(
        service_class=FaultLevelFactory(), calendar=CalendarFactory(), max_extension=60
    )
    with pytest.raises(ValidationError) as caught:
        target.full_clean()
    assert "max_extension" in caught.value.message_dict


def test_covered_systems_must_belong_to_the_contracts_hospital():
    contract = ContractFactory()
    foreign_system = SystemFactory()  # another hospital's
    link = ContractSystem(contract=contract, system=foreign_system)
    with pytest.raises(ValidationError) as caught:
        link.full_clean()
    assert "system" in caught.value.message_dict
    ContractSystem(contract=contract, system=SystemFactory(hospital=contract.hospital)).full_clean()


def test_changing_the_contracts_hospital_is_refused_while_it_covers_the_old_hospitals_systems():
    link = ContractSystemFactory()
    contract = link.contract
    contract.hospital = HospitalFactory()
    with pytest.raises(ValidationError) as caught:
        contract.full_clean()
    assert "hospital" in caught.value.message_dict


def test_a_contract_covering_a_system_covers_its_modules():
    link = ContractSystemFactory()
    subsystem = SystemFactory(hospital=link.system.hospital, parent=link.system)
    module = SystemFactory(hospital=link.system.hospital, parent=subsystem)
    unrelated = SystemFactory(hospital=link.system.hospital)
    assert link.contract.covers(module)
    assert not link.contract.covers(unrelated)
    assert (subsystem.tier, module.tier) == (2, 3)


def test_systems_nest_three_deep_at_most():
    system = SystemFactory()
    subsystem = SystemFactory(hospital=system.hospital, parent=system)
    module = SystemFactory(hospital=system.hospital, parent=subsystem)
    too_deep = SystemFactory.build(hospital=system.hospital, parent=module)
    with pytest.raises(ValidationError) as caught:
        too_deep.full_clean()
    assert "parent" in caught.value.message_dict


def test_a_system_cannot_be_part_of_another_hospitals_system():
    system = SystemFactory()
    child = SystemFactory.build(hospital=HospitalFactory(), parent=system)
    with pytest.raises(ValidationError) as caught:
        child.full_clean()
    assert "parent" in caught.value.message_dict


def test_a_system_cannot_be_part_of_itself():
    system = SystemFactory()
    child = SystemFactory(hospital=system.hospital, parent=system)
    system.parent = child
    with pytest.raises(ValidationError):
        system.full_clean()


def test_system_codes_are_unique_within_a_hospital_only():
    system = SystemFactory(code="HIS")
    with pytest.raises(ValidationError):
        SystemFactory.build(hospital=system.hospital, code="HIS").full_clean()
    SystemFactory.build(hospital=HospitalFactory(), code="HIS").full_clean()


@pytest.mark.parametrize(
    ("organization_factory", "role", "allowed"),
    [
        (HospitalFactory, "reporter", True),
        (HospitalFactory, "hospital_it", True),
        (HospitalFactory, "engineer", False),
        (HospitalFactory, "dispatcher", False),
        (VendorFactory, "engineer", True),
        (VendorFactory, "vendor_manager", True),
        (VendorFactory, "reporter", False),
        (VendorFactory, "hospital_it", False),
        (VendorFactory, "administrator", True),
        (HospitalFactory, "administrator", True),
    ],
)
def test_roles_fit_the_kind_of_organisation(organization_factory, role, allowed):
    membership = MembershipFactory.build(
        organization=organization_factory(), role=role, user=MembershipFactory().user
    )
    if allowed:
        membership.full_clean()
    else:
        with pytest.raises(ValidationError) as caught:
            membership.full_clean()
        assert "role" in caught.value.message_dict


def test_a_person_holds_a_role_in_an_organisation_once():
    membership = MembershipFactory()
    again = Membership(
        user=membership.user, organization=membership.organization, role=membership.role
    )
    with pytest.raises(ValidationError):
        again.full_clean()


@pytest.mark.parametrize(
    "number", ["13726380002", "19912345678", "0668-2345678", "020-87654321-8001"]
)
def test_mainland_mobile_and_landline_numbers_are_accepted(number):
    validate_phone(number)


@pytest.mark.parametrize(
    "number", ["12345678901", "1372638000", "137263800021", "phone", "+1 555 0100"]
)
def test_other_phone_numbers_are_refused_with_an_example(number):
    with pytest.raises(ValidationError) as caught:
        validate_phone(number)
    assert "0668-2345678" in messages_of(caught.value)[0]


def test_a_contact_needs_a_way_to_reach_them():
    contact = ContractContact(contract=ContractFactory(), side="hospital", name="李明")
    with pytest.raises(ValidationError):
        contact.full_clean()


def test_a_contacts_account_must_belong_to_that_sides_organisation():
    contract = ContractFactory()
    vendor_engineer = MembershipFactory(organization=contract.vendor, role="engineer").user
    contact = ContractContact(contract=contract, side="hospital", name="x", user=vendor_engineer)
    with pytest.raises(ValidationError) as caught:
        contact.full_clean()
    assert "user" in caught.value.message_dict
    ContractContact(contract=contract, side="vendor", name="x", user=vendor_engineer).full_clean()


def test_organisation_codes_are_short_capitals_because_they_start_ticket_numbers():
    with pytest.raises(ValidationError) as caught:
        HospitalFactory.build(code="yn-his").full_clean()
    assert "code" in caught.value.message_dict
    HospitalFactory.build(code="YN").full_clean()


def test_systems_are_checked_while_the_contract_is_being_created():
    # The admin validates inline rows before the new contract has an id.
    contract = ContractFactory.build(
        hospital=HospitalFactory(), vendor=VendorFactory(), calendar=CalendarFactory()
    )
    link = ContractSystem(contract=contract, system=SystemFactory())
    with pytest.raises(ValidationError) as caught:
        link.full_clean(exclude=["contract"])
    assert "system" in caught.value.message_dict


def test_roles_are_checked_while_the_organisation_is_being_created():
    hospital = HospitalFactory.build()
    membership = Membership(organization=hospital, role="engineer", user=MembershipFactory().user)
    with pytest.raises(ValidationError) as caught:
        membership.full_clean(exclude=["organization"])
    assert "role" in caught.value.message_dict


def test_contacts_are_checked_while_the_contract_is_being_created():
    vendor = VendorFactory()
    contract = ContractFactory.build(
        hospital=HospitalFactory(), vendor=vendor, calendar=CalendarFactory()
    )
    engineer = MembershipFactory(organization=vendor, role="engineer").user
    contact = ContractContact(contract=contract, side="hospital", name="x", user=engineer)
    with pytest.raises(ValidationError) as caught:
        contact.full_clean(exclude=["contract"])
    assert "user" in caught.value.message_dict


def test_the_admin_refuses_a_new_contract_covering_another_hospitals_system(demo):
    from contracts.models import Contract
    from tests.conftest import login

    foreign = demo["zj-einvoice"].systems.first()
    yn = demo["yn-his"]
    response = login("admin").post(
        "/admin/contracts/contract/add/",
        {
            "code": "yn-new",
            "name": "新合同",
            "hospital": yn.hospital_id,
            "vendor": yn.vendor_id,
            "starts_on": "2027-01-01",
            "ends_on": "2027-12-31",
            "remote_service": "on",
            "onsite_service": "on",
            "calendar": yn.calendar_id,
            "warning_threshold_percent": "80",
            "reopen_window_days": "7",
            "service_classes-TOTAL_FORMS": "0",
            "service_classes-INITIAL_FORMS": "0",
            "contract_systems-TOTAL_FORMS": "1",
            "contract_systems-INITIAL_FORMS": "0",
            "contract_systems-0-system": foreign.pk,
            "contacts-TOTAL_FORMS": "0",
            "contacts-INITIAL_FORMS": "0",
            "escalation_steps-TOTAL_FORMS": "0",
            "escalation_steps-INITIAL_FORMS": "0",
            "notification_channels-TOTAL_FORMS": "0",
            "notification_channels-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200  # the form again, with the error
    assert not Contract.objects.filter(code="yn-new").exists()


def test_a_working_day_target_needs_a_calendar_with_service_hours():
    from sla.models import ServiceCalendar

    empty = ServiceCalendar.objects.create(code="empty", name="无服务时间", day_rule="every_day")
    target = ClockTargetFactory.build(
        service_class=FaultLevelFactory(), calendar=empty, amount=1, unit="working_days"
    )
    with pytest.raises(ValidationError) as caught:
        target.full_clean()
    assert "calendar" in caught.value.message_dict
