"""The trail in the admin: read only; searchable, filterable and exportable as CSV by the
platform's administrators; an organisation's administrator sees their organisation's part.
Admin changes, memberships among them, are themselves recorded."""

from __future__ import annotations

import csv
import io

import pytest
from django.conf import settings

from audit.models import AuditEntry
from audit.record import record
from contracts.models import Membership, Organization
from tests.audit.conftest import entries, latest_pk, only
from tests.conftest import login
from tests.factories import demo_user
from tests.tickets.conftest import at, file_ticket
from tickets import services

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/audit/auditentry/"
EXPORT = "/admin/audit/auditentry/export/"


def admin_form_data(response) -> dict:
    """What the admin's change form would post back unchanged: its fields and inlines."""
    data: dict = {}

    def add(form) -> None:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = "on" if value is True else value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data


def rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff"), "Excel reads UTF-8 only with a byte-order mark"
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


def shown(response) -> list[AuditEntry]:
    return list(response.context["cl"].result_list)


@pytest.fixture
def trail(demo):
    """Sign-ins on both sides of two hospitals, and a ticket acknowledged at each."""
    for username in ("yn-it", "zj-it", "ny-engineer"):
        login(username)
    yn = file_ticket(demo["yn-his"], "level-1", "2026-11-03 10:00")
    zj = file_ticket(demo["zj-einvoice"], "level-1", "2026-11-03 10:00")
    for ticket in (yn, zj):
        services.acknowledge(
            note="已联系院方，承诺处理方案。",
            ticket=ticket,
            by=demo_user("ny-dispatcher"),
            now=at("2026-11-03 10:05"),
        )
    return {"yn": yn, "zj": zj}


# --- admin changes are recorded ----------------------------------------------------------


def test_a_membership_changed_in_the_admin_is_recorded_as_admin_and_membership_change(demo):
    client = login("admin")
    yn = Organization.objects.get(code="YN")
    url = f"/admin/contracts/organization/{yn.pk}/change/"
    data = admin_form_data(client.get(url))
    membership = Membership.objects.get(user__username="yn-reporter", organization=yn)
    index = next(
        key.split("-")[1]
        for key, value in data.items()
        if key.endswith("-id") and str(value) == str(membership.pk)
    )
    data[f"memberships-{index}-title"] = "门诊部护士长"

    before = latest_pk()  # (loading the demo recorded every membership it made)
    response = client.post(url, data, REMOTE_ADDR="10.0.0.1")

    assert response.status_code == 302, response.context and response.context["errors"]
    changed = only("accounts.membership.changed", after=before)
    assert (changed.actor, changed.ip) == (demo_user("admin"), "10.0.0.1")
    assert changed.data == {
        "change": "changed",
        "user": membership.user_id,
        "organization": yn.pk,
        "role": "reporter",
    }
    admin_change = only("admin.change")
    assert (admin_change.object_type, admin_change.object_id) == (
        "contracts.organization",
        str(yn.pk),
    )
    assert admin_change.actor == demo_user("admin") and admin_change.ip == "10.0.0.1"
    # What the admin's history shows, as Django stored it: the inline row and its field.
    [change] = admin_change.data["change"]
    assert change["changed"]["name"] == "membership"
    assert change["changed"]["fields"] == ["Job title"]


def test_deleting_several_objects_at_once_in_the_admin_is_recorded_for_each(demo):
    from sla.models import HolidayDate

    holidays = list(HolidayDate.objects.order_by("pk")[:3])
    response = login("admin").post(
        "/admin/sla/holidaydate/",
        {"action": "delete_selected", "_selected_action": [h.pk for h in holidays], "post": "yes"},
    )
    assert response.status_code == 302
    deleted = entries("admin.delete")
    assert sorted(entry.object_id for entry in deleted) == sorted(str(h.pk) for h in holidays)


# --- read only, for whom ------------------------------------------------------------------


def test_nobody_adds_changes_or_deletes_an_entry_in_the_admin(trail):
    client = login("admin")
    entry = AuditEntry.objects.first()
    assert client.get(f"{CHANGELIST}add/").status_code == 403
    assert client.get(f"{CHANGELIST}{entry.pk}/delete/").status_code == 403
    page = client.get(f"{CHANGELIST}{entry.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert client.post(f"{CHANGELIST}{entry.pk}/change/", {"action": "x"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk, action=entry.action).exists()


def test_staff_who_administer_no_organisation_do_not_see_the_trail(trail):
    assert login("ny-manager").get(CHANGELIST).status_code == 403


# --- search, filters, export --------------------------------------------------------------


def test_a_superuser_finds_entries_by_person_action_object_and_address(trail):
    record("tickets.export", actor=demo_user("gz-it"), data={})
    client = login("admin")
    by_person = shown(client.get(CHANGELIST, {"q": "林海 (gz-it)"}))
    assert [entry.action for entry in by_person] == ["tickets.export"]
    by_object = shown(client.get(CHANGELIST, {"q": trail["zj"].number}))
    assert {entry.action for entry in by_object} == {
        "tickets.ticket.reported",
        "tickets.ticket.acknowledge",
    }
    by_action = shown(client.get(CHANGELIST, {"action_prefix": "auth", "q": "login"}))
    assert {entry.actor_name for entry in by_action} >= {"李明 (yn-it)", "梁志强 (zj-it)"}
    client.get("/", REMOTE_ADDR="192.168.77.5")
    record_from = AuditEntry.objects.create(action="auth.login", ip="192.168.77.5")
    assert shown(client.get(CHANGELIST, {"q": "192.168.77"})) == [record_from]


def test_the_filtered_list_exports_as_csv_and_the_export_is_recorded(trail):
    client = login("admin")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(EXPORT, {"action_prefix": "tickets", "q": "ZJ-"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    header, *lines = rows(response)
    assert header[:4] == ["Time (Beijing)", "Person", "Client address", "Action"]
    assert sorted(line[3] for line in lines) == [
        "tickets.ticket.acknowledge",
        "tickets.ticket.reported",
    ]
    assert {line[4] for line in lines} == {"zj-einvoice"}
    exported = only("audit.export")
    assert exported.data == {"filters": {"action_prefix": "tickets", "q": "ZJ-"}}


def test_the_changelist_links_to_the_export_of_what_it_shows(trail):
    page = login("admin").get(CHANGELIST, {"action_prefix": "auth"})
    assert f'href="{EXPORT}?action_prefix=auth"'.encode() in page.content


def test_selected_entries_export_as_csv_and_the_export_is_recorded(trail):
    chosen = list(AuditEntry.objects.filter(action="auth.login").order_by("pk"))
    response = login("admin").post(
        CHANGELIST,
        {"action": "export_selected_csv", "_selected_action": [entry.pk for entry in chosen]},
    )
    assert response.status_code == 200
    _header, *lines = rows(response)
    assert len(lines) == len(chosen) and {line[3] for line in lines} == {"auth.login"}
    exported = only("audit.export")
    assert sorted(exported.data["ids"]) == [entry.pk for entry in chosen]


def test_a_cell_that_would_run_as_a_formula_is_neutralised(demo):
    AuditEntry.objects.create(
        action="auth.login_failed", data={"username": "=HYPERLINK(1)"}, object_repr="=HYPERLINK(1)"
    )
    _header, line = rows(login("admin").get(EXPORT, {"action_prefix": "auth", "q": "HYPERLINK"}))
    assert line[7] == "'=HYPERLINK(1)"


# --- an organisation's administrator -------------------------------------------------------


def test_an_organisation_administrator_sees_only_their_organisations_entries(trail):
    zj_membership = Membership.objects.get(user__username="zj-reporter")
    zj_membership.title = "收费处"
    zj_membership.save()
    yn_membership = Membership.objects.get(user__username="yn-reporter")
    yn_membership.title = "门诊部"
    yn_membership.save()

    response = login("yn-admin").get(CHANGELIST)
    assert response.status_code == 200
    seen = shown(response)
    about = {(entry.action, entry.object_repr.split(" ")[0] or entry.actor_name) for entry in seen}

    assert ("tickets.ticket.acknowledge", trail["yn"].number) in about
    assert ("tickets.ticket.acknowledge", trail["zj"].number) not in about
    logins = {entry.actor.username for entry in seen if entry.action == "auth.login"}
    assert "yn-it" in logins and "zj-it" not in logins and "ny-engineer" not in logins
    memberships = [entry for entry in seen if entry.action == "accounts.membership.changed"]
    assert {entry.object_id for entry in memberships} >= {str(yn_membership.pk)}
    assert str(zj_membership.pk) not in {entry.object_id for entry in memberships}
    assert all(entry.contract in (None, trail["yn"].contract) for entry in seen)
    # Nor does another hospital's entry open by its address.
    foreign = AuditEntry.objects.get(
        action="tickets.ticket.acknowledge", object_id=str(trail["zj"].pk)
    )
    assert login("yn-admin").get(f"{CHANGELIST}{foreign.pk}/change/").status_code == 302


def test_an_organisation_administrator_sees_failed_sign_ins_against_their_people(trail):
    from django.test import Client

    Client().post("/accounts/login/", {"username": "yn-it", "password": "wrong"})
    Client().post("/accounts/login/", {"username": "zj-it", "password": "wrong"})
    seen = shown(login("yn-admin").get(CHANGELIST, {"action_prefix": "auth"}))
    failed = [entry.data["username"] for entry in seen if entry.action == "auth.login_failed"]
    assert failed == ["yn-it"]


def test_an_organisation_administrators_export_holds_only_their_entries(trail):
    _header, *lines = rows(login("yn-admin").get(EXPORT, {"action_prefix": "tickets"}))
    assert lines and {line[4] for line in lines} == {"yn-his"}
