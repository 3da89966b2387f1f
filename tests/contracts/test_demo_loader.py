"""`manage.py load_demo` builds the demo and a second run changes nothing."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.forms.models import model_to_dict
from django.test import Client

from accounts.models import User
from contracts.demo.loader import load_demo
from contracts.demo.people import DEMO_PASSWORD

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


def test_running_load_demo_twice_changes_nothing(db, capsys, settings):
    settings.DEBUG = True  # a development machine (`make run`)
    # With its history, tests/contracts/test_demo_history.py.
    call_command("load_demo", no_history=True)
    first = snapshot()
    call_command("load_demo", no_history=True)
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


def test_load_demo_refuses_a_production_server_without_being_told(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--on-production"):
        call_command("load_demo")
    assert not User.objects.exists()


def test_a_demo_on_a_production_server_makes_every_account_choose_its_own_password(
    db, settings, capsys
):
    settings.DEBUG = False
    call_command("load_demo", on_production=True, no_history=True)
    assert "choose its own" in capsys.readouterr().out
    demo_accounts = User.objects.all()
    assert demo_accounts.count() > 20
    assert all(user.must_change_password for user in demo_accounts)

    client = Client()
    assert client.login(username="admin", password=DEMO_PASSWORD)
    response = client.get("/tickets/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/password/")


def test_a_second_production_load_does_not_force_those_who_changed_already(db, settings):
    settings.DEBUG = False
    call_command("load_demo", on_production=True, no_history=True)
    admin = User.objects.get(username="admin")
    admin.set_password("Ward7-Printer-Own")
    admin.must_change_password = False
    admin.save()
    call_command("load_demo", on_production=True, no_history=True)
    admin.refresh_from_db()
    assert not admin.must_change_password


def test_the_demo_password_meets_the_portals_password_rule(demo):
    for user in User.objects.all():
        validate_password(DEMO_PASSWORD, user=user)
