"""`manage.py load_demo` builds the demo and a second run changes nothing."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.management import call_command
from django.forms.models import model_to_dict

from contracts.demo.loader import load_demo

pytestmark = pytest.mark.django_db

SNAPSHOT_APPS = ("accounts", "contracts", "sla", "auth")


def snapshot() -> dict[str, list[dict]]:
    rows = {}
    for app_label in SNAPSHOT_APPS:
        for model in apps.get_app_config(app_label).get_models():
            rows[model._meta.label] = sorted(
                (
                    {
                        **model_to_dict(obj, fields=[f.name for f in model._meta.concrete_fields]),
                        "pk": obj.pk,
                        **{
                            f.name: getattr(obj, f.attname)
                            for f in model._meta.concrete_fields
                            if not f.editable
                        },
                    }
                    for obj in model.objects.all()
                ),
                key=lambda row: row["pk"],
            )
    return rows


def test_running_load_demo_twice_changes_nothing(db, capsys):
    call_command("load_demo")
    first = snapshot()
    call_command("load_demo")
    second = snapshot()
    assert first == second
    assert len(first["contracts.Contract"]) == 5
    assert "Demo data ready" in capsys.readouterr().out


def test_load_demo_repairs_a_target_someone_edited():
    from contracts.models import ClockTarget

    load_demo()
    target = ClockTarget.objects.get(
        service_class__contract__code="yn-his", service_class__level=1, clock="respond"
    )
    target.amount = 99
    target.save()
    load_demo()
    target.refresh_from_db()
    assert target.amount == 30


def test_demo_has_a_login_for_every_role(demo):
    from contracts.models import Membership, Role

    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == set(Role.values)
