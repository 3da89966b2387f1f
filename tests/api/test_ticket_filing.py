"""The answer to POST /tickets/ is built from what filing wrote, not read back
(api/views/tickets.py filed_detail): it must equal what GET /tickets/{id}/ then shows, for
every row of every demo contract, a system or a part of one, and a replayed retry."""

from __future__ import annotations

import pytest

from contracts.models import Contract, CoveredSystem
from tests.api.conftest import token_client
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
    for all recipients)."""
    client = api("yn-reporter")
    contract = Contract.objects.get(code="yn-his")
    request = body(contract, contract.systems.first(), contract.service_classes.get(level=2))
    client.post("/api/v1/tickets/", request, format="json")  # the year's number row exists
    with django_assert_max_num_queries(27):
        assert client.post("/api/v1/tickets/", request, format="json").status_code == 201
