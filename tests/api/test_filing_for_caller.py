"""POST /api/v1/tickets/ for a caller: the vendor's desk files what the hospital phoned in
(`caller`, `channel`, `reported_at`) through the service the portal's form uses; a hospital
system files for itself and may say when it saw the fault; errors name the field."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from contracts.models import Contract
from notifications.models import Notification
from tests.factories import demo_user
from tests.tickets.conftest import due, local
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def ago(minutes: int) -> str:
    """An ISO 8601 time with its offset, `minutes` before now (Beijing time)."""
    return timezone.localtime(timezone.now() - dt.timedelta(minutes=minutes)).isoformat()


def call(**fields) -> dict:
    """A level-1 fault yn-reporter (黄小梅) phoned in; `fields` override, None leaves one out."""
    contract = Contract.objects.get(code="yn-his")
    body = {
        "contract": "yn-his",
        "system": contract.systems.first().pk,
        "level": 1,
        "title": "门诊挂号无法打开",
        "description": "门诊挂号窗口全部白屏。",
        "channel": "phone",
        "caller": demo_user("yn-reporter").pk,
        **fields,
    }
    return {name: value for name, value in body.items() if value is not None}


def post(client, body: dict):
    return client.post("/api/v1/tickets/", body, format="json")


def test_a_dispatcher_files_a_call_from_20_minutes_ago_and_every_clock_counts_from_it(api):
    answer = post(api("ny-dispatcher"), call(reported_at=ago(20)))
    assert answer.status_code == 201, answer.json()
    ticket = Ticket.objects.get(pk=answer.json()["id"])
    assert local(ticket.created_at) == "2026-09-15 09:40"
    # yn-his level 1 (7×24): respond 30 min, on site 6 h, resolved 6 h, from the call.
    assert due(ticket) == {
        "respond": "2026-09-15 10:10",
        "arrive": "2026-09-15 15:40",
        "resolve": "2026-09-15 15:40",
    }
    shown = answer.json()
    assert shown["channel"] == "phone"
    assert shown["caller"] == {"id": demo_user("yn-reporter").pk, "name": "黄小梅"}
    assert shown["entered_by"]["name"] == "孙敏"
    assert shown["reported_at"] == shown["created_at"]
    assert shown["entered_at"] > shown["reported_at"]
    assert shown["backdate_reason"] == ""
    assert shown["contact_phone"] == "13726380001"  # the caller's phone

    # The hospital's reporter sees it in their list, was told, and the audit shows who typed it.
    listed = api("yn-reporter").get("/api/v1/tickets/").json()["results"]
    assert [row["number"] for row in listed] == [ticket.number]
    assert listed[0]["entered_by"]["name"] == "孙敏"
    assert Notification.objects.filter(ticket=ticket, recipient__username="yn-reporter").exists()
    audit = AuditEntry.objects.get(action="tickets.ticket.reported", object_id=str(ticket.pk))
    assert audit.actor.username == "ny-dispatcher"
    assert audit.data["details"]["late_minutes"] == 20


def test_a_caller_without_an_account_is_filed_with_hospital_it_following(api):
    answer = post(
        api("ny-dispatcher"),
        call(caller={"name": "门诊部 王护士长", "phone": "13726389999"}, channel="wecom"),
    )
    assert answer.status_code == 201, answer.json()
    shown = answer.json()
    assert shown["caller"] == {"id": None, "name": "门诊部 王护士长"}
    assert shown["reporter"]["name"] == "李明"  # yn-it follows it for the hospital
    assert shown["channel"] == "wecom"
    assert shown["contact_phone"] == "13726389999"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"caller": "cd-reporter"}, "caller", "must be one of 郁南县人民医院's people"),
        ({"reported_at": "past-limit"}, "reported_at", "more than 24 hours ago"),
        ({"reported_at": "future"}, "reported_at", "cannot be in the future"),
        ({"reported_at": "40-minutes"}, "backdate_reason", "say why it is entered only now"),
        ({"reported_at": "2026-09-15T09:40:00"}, "reported_at", "with its offset"),
        ({"caller": {"name": "王护士长"}}, "caller", "of the caller"),
        ({"channel": "api"}, "channel", "phone, WeCom, e-mail, fax or on site"),
        ({"caller": None}, "caller", "Say who at the hospital reported it"),
    ],
)
def test_bad_input_from_the_desk_is_refused_naming_the_field_and_files_nothing(
    api, fields, field, message
):
    times = {"past-limit": ago(25 * 60), "future": ago(-5), "40-minutes": ago(40)}
    if fields.get("reported_at") in times:
        fields = {**fields, "reported_at": times[fields["reported_at"]]}
    if fields.get("caller") == "cd-reporter":
        fields = {**fields, "caller": demo_user("cd-reporter").pk}
    answer = post(api("ny-dispatcher"), call(**fields))
    assert answer.status_code == 400, answer.json()
    error = answer.json()
    assert error["code"] == "invalid"
    assert message in " ".join(error["fields"][field])
    assert Ticket.objects.count() == 0


def test_errors_come_in_the_callers_language(api):
    answer = post(api("ny-dispatcher", language="zh-hans"), call(reported_at=ago(-5)))
    assert answer.json()["fields"]["reported_at"] == ["报修时间不能晚于现在。"]


def test_a_hospital_system_may_say_when_its_monitoring_saw_the_outage(api):
    answer = post(
        api("yn-reporter"),
        call(caller=None, channel="api", reported_at=ago(10), contact_phone="13726380001"),
    )
    assert answer.status_code == 201, answer.json()
    ticket = Ticket.objects.get(pk=answer.json()["id"])
    assert (ticket.channel, ticket.entered_by, ticket.reporter.username) == (
        "api",
        None,
        "yn-reporter",
    )
    assert local(ticket.created_at) == "2026-09-15 09:50"
    assert due(ticket)["respond"] == "2026-09-15 10:20"


def test_a_hospital_system_keeps_to_the_same_time_limits(api):
    answer = post(
        api("yn-reporter"),
        call(caller=None, channel="api", reported_at=ago(45), contact_phone="13726380001"),
    )
    assert answer.status_code == 400
    assert "backdate_reason" in answer.json()["fields"]


def test_a_hospital_system_files_only_as_itself(api):
    answer = post(api("yn-reporter"), call(contact_phone="13726380001"))
    assert answer.status_code == 400
    assert "caller" in answer.json()["fields"]
    assert Ticket.objects.count() == 0


def test_the_schema_documents_the_new_fields(api):
    schema = api("yn-reporter").get("/api/v1/schema/?format=json").json()
    create = schema["components"]["schemas"]["TicketCreateRequest"]["properties"]
    assert {"channel", "reported_at", "caller", "backdate_reason", "follower"} <= set(create)
    assert "offset" in create["reported_at"]["description"]
    shown = schema["components"]["schemas"]["Ticket"]["properties"]
    assert {"channel", "caller", "reported_at", "entered_at", "entered_by"} <= set(shown)
