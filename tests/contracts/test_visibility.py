"""A user sees only what their organisation is party to."""

from __future__ import annotations

import pytest
from django.test import Client

from contracts.models import Contract, CoveredSystem, Organization
from tests.conftest import login
from tests.factories import ContractFactory, MembershipFactory, SystemFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_hospital_user_sees_only_their_hospitals_contracts(world):
    visible = set(Contract.objects.visible_to(world.reporter_a))
    assert visible == {world.hospital_a_contract}


def test_a_vendor_user_sees_every_contract_of_their_vendor(world):
    visible = set(Contract.objects.visible_to(world.engineer))
    assert visible == {world.hospital_a_contract, world.hospital_b_contract}


def test_a_user_without_membership_sees_nothing(world):
    loner = UserFactory()
    assert not Contract.objects.visible_to(loner).exists()
    assert not CoveredSystem.objects.visible_to(loner).exists()
    assert not Organization.objects.visible_to(loner).exists()


def test_a_hospital_user_sees_only_their_hospitals_systems(world):
    own = SystemFactory(hospital=world.hospital_a_contract.hospital)
    SystemFactory(hospital=world.hospital_b_contract.hospital)
    assert set(CoveredSystem.objects.visible_to(world.reporter_a)) == {own}


def test_a_hospital_user_sees_its_vendor_but_not_the_vendors_other_hospitals(world):
    organizations = set(Organization.objects.visible_to(world.reporter_a))
    assert organizations == {world.hospital_a_contract.hospital, world.hospital_a_contract.vendor}


def test_another_vendors_engineer_sees_none_of_these_contracts(world):
    stranger = MembershipFactory(organization=ContractFactory().vendor, role="engineer").user
    assert world.hospital_a_contract not in Contract.objects.visible_to(stranger)
    assert world.hospital_b_contract not in Contract.objects.visible_to(stranger)


def test_contract_list_page_lists_only_visible_contracts(demo):
    page = login("yn-reporter").get("/contracts/")
    assert page.status_code == 200
    assert "yn-his" in page.content.decode()
    for foreign in ("zj-einvoice", "cd-nutrition", "fd-internet", "gz-logistics"):
        assert foreign not in page.content.decode()


def test_another_hospitals_contract_page_is_not_found_not_forbidden(demo):
    client = login("yn-reporter")
    assert client.get("/contracts/yn-his/").status_code == 200
    # 404 rather than 403: the contract's existence is not revealed.
    assert client.get("/contracts/zj-einvoice/").status_code == 404


def test_vendor_manager_sees_the_three_contracts_of_their_vendor(demo):
    page = login("ny-manager").get("/contracts/").content.decode()
    shown = {code for code in demo if f"/contracts/{code}/" in page}
    assert shown == {"zj-einvoice", "yn-his", "gz-logistics"}


def test_vendor_manager_in_the_admin_sees_only_their_vendors_contracts(demo):
    client = login("ny-manager")
    listing = client.get("/admin/contracts/contract/")
    assert listing.status_code == 200
    assert "yn-his" in listing.content.decode()
    assert "cd-nutrition" not in listing.content.decode()
    foreign = demo["cd-nutrition"]
    assert client.get(f"/admin/contracts/contract/{foreign.pk}/change/").status_code in (302, 404)


def test_anonymous_visitors_are_sent_to_the_login_page(demo):
    response = Client().get("/contracts/yn-his/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_platform_administrator_sees_all_contracts(demo):
    admin = UserFactory(username="root-admin", is_superuser=True, is_staff=True)
    assert Contract.objects.visible_to(admin).count() == 5


def test_admin_filters_do_not_name_other_vendors_customers(demo):
    page = login("ny-manager").get("/admin/contracts/contract/").content.decode()
    assert "郁南县医院" in page
    for stranger in ("成都公卫中心", "复旦肿瘤医院", "蓉康营养", "申康互联"):
        assert stranger not in page


def _queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_contract_pages_make_the_same_number_of_queries_however_large_the_contract(demo):
    # cd-nutrition has 7 SLA rows and a 15-node system tree; zj-einvoice 2 rows and 9 nodes.
    admin = login("admin")
    big = _queries(admin, "/contracts/cd-nutrition/")
    small = _queries(admin, "/contracts/zj-einvoice/")
    assert big == small
    assert big <= 15
    assert _queries(admin, "/contracts/") <= 8
