"""Templates are versioned in the admin: a used version is frozen; saving a rule plans."""

from __future__ import annotations

import pytest

from inspections import services
from inspections.models import ChecklistTemplate, Inspection
from tests.conftest import login
from tests.inspections.conftest import at, zj_quarter

pytestmark = pytest.mark.django_db


def test_a_template_version_that_an_inspection_used_cannot_be_edited(demo, engineer):
    services.start(
        inspection=zj_quarter(demo), by=engineer, mode="on_site", now=at("2026-11-20 09:30")
    )
    template = ChecklistTemplate.objects.get(code="einvoice-system", version=1)
    admin = login("admin")
    url = f"/admin/inspections/checklisttemplate/{template.pk}/change/"
    page = admin.get(url)
    assert page.status_code == 200
    assert (
        "make a new version".lower() in page.content.decode().lower()
        or "新版本" in page.content.decode()
    )
    response = admin.post(url, {"name": "改名", "code": "zj-einvoice", "version": 1})
    assert response.status_code == 403
    template.refresh_from_db()
    assert template.name == "电子票据管理系统季度巡检表"


def test_the_new_version_action_makes_an_editable_current_copy(demo):
    template = ChecklistTemplate.objects.get(code="general-hospital", version=1)
    response = login("admin").post(
        "/admin/inspections/checklisttemplate/",
        {"action": "make_new_version", "_selected_action": [template.pk]},
        follow=True,
    )
    assert response.status_code == 200
    copy = ChecklistTemplate.objects.get(code="general-hospital", is_current=True)
    assert copy.version == 2
    assert len(copy.items_in_order()) == len(template.items_in_order()) == 10


def test_saving_a_rule_in_the_admin_plans_the_contract(demo):
    contract = demo["yn-his"]
    rule = contract.inspection_rules.get()
    response = login("admin").post(
        f"/admin/inspections/inspectionrule/{rule.pk}/change/",
        {
            "contract": contract.pk,
            "purpose": "routine",
            "cadence": "half_yearly",
            "template": rule.template.pk,
            "on_site": "on",
            "holidays": "",
            "lead_days": 14,
            "bring_forward_days": 0,
            "remind_days": 7,
            "instructions": "",
            "is_active": "on",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert list(Inspection.objects.filter(contract=contract).values_list("due_on", flat=True)) == [
        at("2026-06-30 00:00").date(),
        at("2026-12-31 00:00").date(),
    ]


def test_bringing_a_quarterly_inspection_forward_before_national_day_in_the_admin(demo):
    # The plan option C1 uses ("重大节假日提前巡检"), set on another contract's rule: the
    # quarter's own inspection moves, none is added.
    contract = demo["yn-his"]
    rule = contract.inspection_rules.get()
    response = login("admin").post(
        f"/admin/inspections/inspectionrule/{rule.pk}/change/",
        {
            "contract": contract.pk,
            "purpose": "routine",
            "cadence": "quarterly",
            "template": rule.template.pk,
            "on_site": "on",
            "holidays": "National Day",
            "lead_days": 14,
            "bring_forward_days": 3,
            "remind_days": 7,
            "instructions": "",
            "is_active": "on",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert list(Inspection.objects.filter(contract=contract).values_list("due_on", flat=True)) == [
        at("2026-03-31 00:00").date(),
        at("2026-06-30 00:00").date(),
        at("2026-09-28 00:00").date(),  # National Day begins on 10-01, within 3 days
        at("2026-12-31 00:00").date(),
    ]


def test_inspections_are_read_only_in_the_admin(demo):
    inspection = zj_quarter(demo)
    admin = login("admin")
    assert admin.get(f"/admin/inspections/inspection/{inspection.pk}/change/").status_code == 200
    assert admin.get("/admin/inspections/inspection/").status_code == 200
