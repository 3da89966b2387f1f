"""Who may call the API and what they see: tokens, scoping, rate limits, documentation."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from api.models import ApiToken
from api.tokens import create_integration_account, issue_token, revoke, token_for
from contracts.models import Membership, Organization, Role
from contracts.selectors import memberships_of
from tests.api.conftest import file_level1, file_via_api, token_client
from tests.factories import demo_user

pytestmark = pytest.mark.django_db


def test_without_a_token_the_api_answers_401(demo):
    response = APIClient().get("/api/v1/tickets/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "not_authenticated"


def test_an_unknown_token_is_refused(demo):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token odk_00000000_nothing", HTTP_ACCEPT_LANGUAGE="en")
    response = client.get("/api/v1/tickets/")
    assert response.status_code == 401
    assert "not valid" in response.json()["message"]


def test_a_revoked_token_stops_working_at_once(api):
    user = demo_user("yn-it")
    token, raw = issue_token(user=user, organization=user.memberships.get().organization, name="OA")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/contracts/").status_code == 200
    revoke(token, by=user)
    assert client.get("/api/v1/contracts/").status_code == 401


def test_a_token_comes_with_every_role_its_person_holds(api, django_assert_num_queries):
    """The roles nearly every request asks about are read with the token, in its query."""
    user = demo_user("yn-it")
    hospital = user.memberships.get().organization
    Membership.objects.create(user=user, organization=hospital, role=Role.REPORTER)
    _token, raw = issue_token(user=user, organization=hospital, name="OA")
    token_for(raw)  # the first use records when the token was last used
    with django_assert_num_queries(1):
        token = token_for(raw)
        held = memberships_of(token.user)
    assert sorted(held) == sorted(user.memberships.values_list("organization_id", "role"))
    assert {role for _organization, role in held} == {Role.HOSPITAL_IT, Role.REPORTER}


def test_only_a_digest_of_the_token_is_stored(api):
    user = demo_user("yn-it")
    token, raw = issue_token(user=user, organization=user.memberships.get().organization, name="OA")
    stored = ApiToken.objects.get(pk=token.pk)
    assert raw not in (stored.digest, stored.prefix) and stored.prefix in raw


def test_an_integration_account_acts_through_its_token_only(api):
    hospital = Organization.objects.get(code="YN")
    account = create_integration_account(organization=hospital, name="HIS 监控", role="reporter")
    assert not account.has_usable_password()
    _token, raw = issue_token(user=account, organization=hospital, name="HIS monitoring")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    ticket = file_level1(client)
    assert ticket["reporter"]["name"] == "HIS 监控"


def test_another_hospitals_ticket_is_404_everywhere(api):
    foreign = file_via_api(api("cd-reporter"), "cd-nutrition", level=2)
    intruder = api("yn-it")
    base = f"/api/v1/tickets/{foreign['id']}"
    for path in ["/", "/comments/", "/worklogs/", "/attachments/"]:
        assert intruder.get(base + path).status_code == 404, path
    assert intruder.post(f"{base}/cancel/", {}, format="json").status_code == 404
    assert intruder.patch(f"{base}/", {"title": "x"}, format="json").status_code == 404
    listed = intruder.get("/api/v1/tickets/").json()["results"]
    assert foreign["id"] not in [row["id"] for row in listed]


def test_a_vendor_sees_the_tickets_of_every_hospital_it_serves_and_no_other(api):
    yn = file_level1(api("yn-reporter"))
    cd = file_via_api(api("cd-reporter"), "cd-nutrition", level=2)
    seen = [row["id"] for row in api("ny-dispatcher").get("/api/v1/tickets/").json()["results"]]
    assert yn["id"] in seen and cd["id"] not in seen


def test_contracts_list_only_the_callers_and_carry_the_sla_table(api):
    contracts = api("yn-it").get("/api/v1/contracts/").json()
    assert [contract["code"] for contract in contracts] == ["yn-his"]
    sla = contracts[0]["sla"]
    level1 = next(row for row in sla if row["level"] == 1)
    respond = next(c for c in level1["clocks"] if c["clock"] == "respond")
    assert (respond["amount"], respond["unit"], respond["target_minutes"]) == (30, "minutes", 30)
    assert contracts[0]["systems"]
    assert api("yn-it").get("/api/v1/contracts/cd-nutrition/").status_code == 404
    vendor = api("ny-manager").get("/api/v1/contracts/", {"code": "yn-his"}).json()
    assert [contract["code"] for contract in vendor] == ["yn-his"]


def test_systems_of_a_contract_include_subsystems_and_modules(api):
    systems = api("yn-it").get("/api/v1/systems/", {"contract": "yn-his"}).json()
    assert systems
    assert {system["hospital"] for system in systems} == {"YN"}
    assert api("cd-it").get("/api/v1/systems/", {"contract": "yn-his"}).json() == []


def test_comments_and_worklogs_are_recorded_on_the_ticket(api):
    ticket = file_level1(api("yn-reporter"))
    base = f"/api/v1/tickets/{ticket['id']}"
    comment = api("yn-reporter").post(f"{base}/comments/", {"text": "3号窗口也不行"}, format="json")
    assert comment.status_code == 201
    engineer = api("ny-engineer")
    worklog = engineer.post(
        f"{base}/worklogs/",
        {"work_date": "2026-09-15", "minutes": 90, "mode": "on_site", "description": "排查数据库"},
        format="json",
    )
    assert worklog.status_code == 201, worklog.json()
    assert [c["note"] for c in engineer.get(f"{base}/comments/").json()] == ["3号窗口也不行"]
    assert engineer.get(f"{base}/worklogs/").json()[0]["minutes"] == 90
    refused = api("yn-reporter").post(
        f"{base}/worklogs/",
        {"work_date": "2026-09-15", "minutes": 90, "mode": "on_site", "description": "x"},
        format="json",
    )
    assert refused.status_code == 403
    too_long = engineer.post(
        f"{base}/worklogs/",
        {"work_date": "2026-09-15", "minutes": 2000, "mode": "on_site", "description": "x"},
        format="json",
    )
    assert too_long.status_code == 400 and "minutes" in too_long.json()["fields"]


def test_an_attachment_is_uploaded_and_downloaded_only_as_a_file(api, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ticket = file_level1(api("yn-reporter"))
    base = f"/api/v1/tickets/{ticket['id']}/attachments/"
    upload = SimpleUploadedFile("截图.png", b"\x89PNG fake", content_type="image/png")
    response = api("yn-reporter").post(base, {"file": upload}, format="multipart")
    assert response.status_code == 201, response.json()
    attachment = response.json()
    assert attachment["name"] == "截图.png"
    download = api("ny-engineer").get(attachment["download_url"])
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Content-Type"] == "application/octet-stream"
    assert b"".join(download.streaming_content) == b"\x89PNG fake"
    assert api("cd-it").get(attachment["download_url"]).status_code == 404
    page = SimpleUploadedFile("x.html", b"<script>", content_type="text/html")
    refused = api("yn-reporter").post(base, {"file": page}, format="multipart")
    assert refused.status_code == 400 and refused.json()["code"] == "file_type"


def test_a_token_over_its_rate_limit_is_told_when_to_retry(api):
    client = token_client("yn-it", rate_limit_per_minute=3)
    for _ in range(3):
        assert client.get("/api/v1/contracts/").status_code == 200
    response = client.get("/api/v1/contracts/")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    other = token_client("yn-it", rate_limit_per_minute=3)
    assert other.get("/api/v1/contracts/").status_code == 200


def test_the_schema_and_docs_are_served_without_any_cdn(api):
    client = api("yn-it")
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/tickets/{id}/acknowledge/" in paths
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    for cdn in ("cdn.jsdelivr", "unpkg.com", "cdnjs"):
        assert cdn not in html


def test_the_schema_and_docs_need_a_token_or_a_signed_in_person(api):
    anonymous = APIClient()
    schema = anonymous.get("/api/v1/schema/", HTTP_ACCEPT_LANGUAGE="en")
    assert schema.status_code == 401
    assert "paths" not in schema.content.decode()
    for page in ("/api/docs/", "/api/docs/redoc/"):
        response = anonymous.get(page)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")

    assert api("yn-reporter").get("/api/v1/schema/").status_code == 200
    person = APIClient()
    person.force_login(demo_user("yn-reporter"))
    assert person.get("/api/docs/redoc/").status_code == 200


def test_an_intranet_may_open_the_schema_and_docs_to_anyone(api, settings):
    settings.API_DOCS_PUBLIC = True
    anonymous = APIClient()
    for page in ("/api/v1/schema/", "/api/docs/", "/api/docs/redoc/"):
        assert anonymous.get(page).status_code == 200, page


def test_browser_sessions_use_the_api_too(api):
    client = APIClient()
    client.force_login(demo_user("yn-it"))
    assert client.get("/api/v1/contracts/").status_code == 200


def test_a_missing_file_is_a_404_with_a_reason_not_a_500(api, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ticket = file_level1(api("yn-reporter"))
    upload = SimpleUploadedFile("log.txt", b"trace", content_type="text/plain")
    attachment = (
        api("yn-reporter")
        .post(f"/api/v1/tickets/{ticket['id']}/attachments/", {"file": upload}, format="multipart")
        .json()
    )
    for path in tmp_path.rglob("log*.txt"):
        path.unlink()
    response = api("ny-engineer").get(attachment["download_url"])
    assert response.status_code == 404
    assert "missing" in response.json()["message"]


def test_an_organisation_administrator_issues_a_token_in_the_admin_and_sees_it_once(api):
    from django.contrib.messages import get_messages

    from tests.conftest import login

    admin_client = login("yn-admin")
    it = demo_user("yn-it")
    response = admin_client.post(
        "/admin/api/apitoken/add/",
        {"name": "OA", "user": it.pk, "organization": it.memberships.get().organization_id},
    )
    assert response.status_code == 302
    shown = [str(message) for message in get_messages(response.wsgi_request)]
    raw = re.search(r"odk_[0-9a-f]{8}_[-\w]+", " ".join(shown)).group()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert client.get("/api/v1/contracts/").status_code == 200
    assert "odk_" not in response.cookies.get("messages", "")


def test_a_tokens_scope_names_the_tickets_own_contracts(api):
    """A token's organisation narrows tickets by the tickets' own contract column (its
    contracts' ids, in a subquery), not only by the contract's hospital and vendor across
    the join: PostgreSQL then counts the rows by that column's statistics. Asked across the
    join, it guessed most open tickets would qualify, and a hospital with none open (a
    monitoring screen asking for its most urgent one) walked every open ticket of every
    hospital by deadline: 45 ms instead of 1 at the bench's million."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api("yn-it")
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/api/v1/tickets/?open=true&page_size=1").status_code == 200
    statements = [query["sql"] for query in captured.captured_queries]
    listing = next(sql for sql in statements if 'FROM "tickets_ticket"' in sql)
    assert re.search(r'"tickets_ticket"\."contract_id" IN \(SELECT', listing), listing
