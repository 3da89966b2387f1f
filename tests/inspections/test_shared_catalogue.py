"""Checklist templates are one catalogue every organisation reads: no text of theirs may
name a hospital, a vendor or a contract."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from inspections.models import ChecklistItem, ChecklistSection, ChecklistTemplate
from tests.factories import ContractFactory

pytestmark = pytest.mark.django_db


def test_a_template_naming_a_hospital_or_a_contract_is_refused():
    contract = ContractFactory()
    hospital = contract.hospital
    named = ChecklistTemplate(code=contract.code, name="巡检表", description=f"{hospital.name}专用")
    with pytest.raises(ValidationError) as refused:
        named.full_clean()
    assert set(refused.value.message_dict) == {"code", "description"}
    assert hospital.name in refused.value.message_dict["description"][0]


def test_sections_and_items_are_held_to_the_same_rule():
    contract = ContractFactory()
    template = ChecklistTemplate.objects.create(code="generic", name="通用巡检表")
    section = ChecklistSection(template=template, position=1, title=contract.vendor.name)
    with pytest.raises(ValidationError):
        section.full_clean()
    section.title = "服务器"
    section.save()
    item = ChecklistItem(
        section=section, position=1, name="备份正常", kind="pass_fail", guidance=contract.code
    )
    with pytest.raises(ValidationError):
        item.full_clean()


def test_neutral_texts_pass():
    ContractFactory()
    ChecklistTemplate(
        code="einvoice-system", name="电子票据管理系统季度巡检表", description="环境巡检。"
    ).full_clean()
