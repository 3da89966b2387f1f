"""The answer to POST /tickets/ is built from what filing wrote, not read back
(api/views/tickets.py filed_detail): it must equal what GET /tickets/{id}/ then shows, for
every row of every demo contract, a system or a part of one, and a replayed retry."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.models import Contract, CoveredSystem
from notifications.models import Medium, Notification, NotificationEvent
from notifications.preferences import set_preferences
from tests.api.conftest import token_client
from tests.factories import demo_user
from tests.notifications.factories import ChannelFactory
from tests.tickets.conftest import REPORTERS

pytestmark = pytest.mark.django_db


def body(contract: Contract, system: CoveredSystem, row) -> dict:
    fields = {"service_class": row.code} if row.level is None else {"level": row.level}
    return {
        "contract": contract.code,
        "system": system.pk,
        "title": "门诊收费系统无法登录",
        "description": "门诊收费窗口全部无法登录 HIS。",
        "contact_phone": "13726380001",
        **fields,
    }


def test_the_create_answer_is_the_ticket_as_get_then_shows_it(api):
    compared = 0
    for code, reporter in REPORTERS.items():
        client = api(reporter)
        contract = Contract.objects.get(code=code)
        systems = [contract.systems.first()]
        part = CoveredSystem.objects.filter(parent__in=contract.systems.all()).first()
        if part is not None:
            systems.append(part)
        for system in systems:
            for row in contract.service_classes.all():
                created = client.post(
                    "/api/v1/tickets/", body(contract, system, row), format="json"
                )
                assert created.status_code == 201, created.json()
                shown = client.get(f"/api/v1/tickets/{created.json()['id']}/")
                assert created.json() == shown.json(), f"{code} {row.code} {system.code}"
                compared += 1
    assert compared >= 20


def test_a_replayed_create_answers_what_get_shows(demo, frozen):
    client = token_client("yn-reporter")
    client.credentials(
        HTTP_AUTHORIZATION=client._credentials["HTTP_AUTHORIZATION"],
        HTTP_IDEMPOTENCY_KEY="f1f0a3c2-replay",
    )
    contract = Contract.objects.get(code="yn-his")
    request = body(contract, contract.systems.first(), contract.service_classes.get(level=2))
    first = client.post("/api/v1/tickets/", request, format="json")
    again = client.post("/api/v1/tickets/", request, format="json")
    assert again["Idempotent-Replayed"] == "true"
    shown = client.get(f"/api/v1/tickets/{first.json()['id']}/").json()
    assert first.json() == again.json() == shown


def test_filing_through_the_api_takes_a_bounded_number_of_queries(
    api, django_assert_max_num_queries
):
    """46 before the create path was trimmed (bench/api_load.py measures it under load);
    one more since people choose what they hear (their notification preferences, read once
    for all recipients); 27 until issue 19 read the recipients with their roles in one
    query and inserted a new ticket's messages without looking for earlier ones; 21 until
    the SLA row came with its contract and the system with its coverage; 19 until the
    recipients' choices came with their roles; 18 until the caller's memberships came with
    the token; 17 until the clock targets came with the SLA row; 16 until whether the
    contract has group channels and subscribed systems came with the people."""
    client = api("yn-reporter")
    contract = Contract.objects.get(code="yn-his")
    request = body(contract, contract.systems.first(), contract.service_classes.get(level=2))
    client.post("/api/v1/tickets/", request, format="json")  # the year's number row exists
    with django_assert_max_num_queries(14):
        assert client.post("/api/v1/tickets/", request, format="json").status_code == 201


def test_filing_a_ticket_through_the_api_costs_at_most_14_queries_with_its_after_commit_work(
    api, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    """As in production, where the request's filing commits and then hands its messages to
    the workers (one hand-off a transaction): the token with the caller's memberships, the
    SLA row with its contract and clock targets, the system with its coverage, the people
    told with their choices and whether any group or system listens; the transaction, the
    number, the ticket, its clocks, its timeline line, its audit entry (in a savepoint of
    its own), its messages. bench.measure's api_create counts the same."""
    client = api("yn-reporter")
    contract = Contract.objects.get(code="yn-his")
    request = body(contract, contract.systems.first(), contract.service_classes.get(level=2))
    client.post("/api/v1/tickets/", request, format="json")  # the year's number row exists
    with (
        django_assert_max_num_queries(14),
        django_capture_on_commit_callbacks(execute=True) as handed_over,
    ):
        assert client.post("/api/v1/tickets/", request, format="json").status_code == 201
    assert len(handed_over) == 1  # the new ticket's messages, in one hand-off


def a_desk_that_chose(contract: Contract) -> None:
    """What a desk in use has set up: the dispatcher hears of new tickets by e-mail only,
    hospital IT turned them off, and the hospital's WeCom group hears of each one."""
    set_preferences(
        person=demo_user("ny-dispatcher"),
        choices={NotificationEvent.TICKET_CREATED: {"email": True, "wecom_app": False}},
    )
    set_preferences(
        person=demo_user("yn-it"),
        choices={NotificationEvent.TICKET_CREATED: {"email": False, "wecom_app": False}},
    )
    ChannelFactory(contract=contract, events=[NotificationEvent.TICKET_CREATED])


def test_filing_through_the_api_reads_and_writes_in_a_bounded_number_of_queries(
    api, django_assert_max_num_queries
):
    """Three reads to check the request (the token with the caller's memberships, the SLA
    row with its contract and clock targets, the system with its coverage), two to know
    who hears of it (the people with their roles and their choices, and whether the
    contract has group channels or subscribed systems; then the group channel this one
    has), then the writes: the number, the ticket, its clocks, its timeline line and audit
    entry (in a savepoint of its own), and one INSERT of every message. 27 before issue
    19, 21 before the contract came with its SLA row and the system with whether the
    contract covers it, 19 before the choices came with the people, 18 before the caller's
    memberships came with the token, 17 before the clock targets came with the SLA row, 16
    before the subscriptions were read only where there are some."""
    client = api("yn-reporter")
    contract = Contract.objects.get(code="yn-his")
    a_desk_that_chose(contract)
    request = body(contract, contract.systems.first(), contract.service_classes.get(level=2))
    client.post("/api/v1/tickets/", request, format="json")  # the year's number row exists
    with django_assert_max_num_queries(15):
        assert client.post("/api/v1/tickets/", request, format="json").status_code == 201


def test_from_taking_the_number_to_the_commit_filing_only_writes(api):
    """The hospital's number sequence stays locked from the number to the commit: whoever
    files next for the hospital waits that long, so nothing is read in between."""
    client = api("yn-reporter")
    contract = Contract.objects.get(code="yn-his")
    a_desk_that_chose(contract)
    request = body(contract, contract.systems.first(), contract.service_classes.get(level=1))
    client.post("/api/v1/tickets/", request, format="json")  # the year's number row exists
    with CaptureQueriesContext(connection) as captured:
        assert client.post("/api/v1/tickets/", request, format="json").status_code == 201
    statements = [query["sql"].split()[0] for query in captured.captured_queries]
    numbered = next(
        index
        for index, query in enumerate(captured.captured_queries)
        # The number: one upsert of the hospital's year row (tickets.numbering).
        if query["sql"].startswith('INSERT INTO "tickets_ticketsequence"')
    )
    after = statements[numbered + 1 :]
    assert after.count("INSERT") >= 5  # the ticket, its clocks, timeline, audit, messages
    assert set(after) <= {"INSERT", "SAVEPOINT", "RELEASE"}


def test_a_new_ticket_is_told_to_whom_their_choices_say(api):
    contract = Contract.objects.get(code="yn-his")
    a_desk_that_chose(contract)
    created = api("yn-reporter").post(
        "/api/v1/tickets/",
        body(contract, contract.systems.first(), contract.service_classes.get(level=2)),
        format="json",
    )
    told = Notification.objects.filter(ticket_id=created.json()["id"])
    people = told.filter(recipient__isnull=False)
    assert [(n.recipient.username, n.medium) for n in people] == [("ny-dispatcher", Medium.EMAIL)]
    assert told.filter(channel__contract=contract).count() == 1


def test_a_ticket_filed_for_a_caller_is_told_to_the_reporter_and_hospital_it(api):
    contract = Contract.objects.get(code="yn-his")
    reporter = demo_user("yn-reporter")
    created = api("ny-dispatcher").post(
        "/api/v1/tickets/",
        {
            **body(contract, contract.systems.first(), contract.service_classes.get(level=2)),
            "caller": reporter.pk,
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    told = Notification.objects.filter(ticket_id=created.json()["id"]).exclude(
        channel__isnull=False
    )
    assert {(n.recipient.username, n.dedupe_key.split(":")[2]) for n in told} == {
        ("yn-reporter", "filed-for"),
        ("yn-it", "filed-for"),
        ("ny-dispatcher", "created"),
    }
