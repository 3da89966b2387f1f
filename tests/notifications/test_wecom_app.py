"""WeCom app messages (企业微信自建应用 消息推送) to a person's bound UserID, against a
loopback stand-in for WeCom's API: gettoken once, message/send with a textcard that opens the
ticket's page, a fresh token when WeCom says the old one expired."""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache

from accounts.groups import ORGANISATION_ADMINISTRATORS, ensure_role_groups
from notifications import channels
from notifications.admin import WeComAppForm
from notifications.delivery import deliver_notification
from notifications.models import Medium, Notification, NotificationStatus, WeComApp
from notifications.services import notify_people
from tests.factories import HospitalFactory, MembershipFactory, UserFactory
from tests.http_receiver import Answer, receiver  # noqa: F401 (the fixture)
from tests.notifications.factories import TicketFactory

pytestmark = pytest.mark.django_db

SECRET = "app-secret-7Qm2xV9pLk"


def ok(**fields) -> Answer:
    return Answer(body=json.dumps({"errcode": 0, "errmsg": "ok", **fields}))


def error(code: int) -> Answer:
    return Answer(body=json.dumps({"errcode": code, "errmsg": "invalid"}))


@dataclass
class WeCom:
    app: WeComApp
    ticket: object
    person: object


@pytest.fixture
def wecom(receiver, settings):  # noqa: F811
    settings.SITE_URL = "https://opsdesk.hospital.local"
    ticket = TicketFactory()
    app = WeComApp.objects.create(
        organization=ticket.contract.hospital,
        name="OpsDesk",
        corp_id="ww5823bf96d3bd56c7",
        agent_id=1000002,
        token="QDG6eK",
        encoding_aes_key="jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
        secret=SECRET,
        api_base_url=f"http://127.0.0.1:{receiver.server.server_address[1]}",
    )
    person = MembershipFactory(organization=ticket.contract.hospital, role="hospital_it").user
    person.wecom_userid = "LiMing"
    person.save(update_fields=["wecom_userid"])
    cache.delete(channels._wecom_token_key(app))
    yield WeCom(app, ticket, person)
    cache.delete(channels._wecom_token_key(app))


def queue(ticket, person) -> Notification:
    rows = notify_people(
        event="ticket_created",
        ticket=ticket,
        recipients=[person],
        subject=f"[{ticket.number}] 新工单",
        body="门诊收费窗口无法打开系统",
    )
    return next(row for row in rows if row.medium == Medium.WECOM_APP)


def test_a_bound_person_gets_an_app_message_as_well_as_the_e_mail(wecom):
    rows = notify_people(
        event="ticket_created",
        ticket=wecom.ticket,
        recipients=[wecom.person],
        subject="s",
        body="b",
    )
    assert sorted(row.medium for row in rows) == [Medium.EMAIL, Medium.WECOM_APP]


def test_people_without_a_userid_or_whose_app_cannot_send_get_e_mail_only(wecom):
    unbound = MembershipFactory(organization=wecom.ticket.contract.hospital).user
    rows = notify_people(
        event="ticket_created", ticket=wecom.ticket, recipients=[unbound], subject="s", body="b"
    )
    assert [row.medium for row in rows] == [Medium.EMAIL]
    wecom.app.secret = ""
    wecom.app.save(update_fields=["secret"])
    rows = notify_people(
        event="ticket_created",
        ticket=wecom.ticket,
        recipients=[wecom.person],
        subject="t",
        body="b",
    )
    assert [row.medium for row in rows] == [Medium.EMAIL]


def test_the_app_message_is_a_textcard_opening_the_ticket_page(wecom, receiver):  # noqa: F811
    receiver.answer(ok(access_token="TOKEN-1", expires_in=7200), ok())
    row = queue(wecom.ticket, wecom.person)

    assert deliver_notification(row.pk) == "sent"

    gettoken, send = receiver.requests
    parts = urllib.parse.urlsplit(gettoken.path)
    assert parts.path == "/cgi-bin/gettoken"
    assert urllib.parse.parse_qs(parts.query) == {
        "corpid": ["ww5823bf96d3bd56c7"],
        "corpsecret": [SECRET],
    }
    parts = urllib.parse.urlsplit(send.path)
    assert parts.path == "/cgi-bin/message/send"
    assert urllib.parse.parse_qs(parts.query) == {"access_token": ["TOKEN-1"]}
    message = json.loads(send.body)
    assert message["touser"] == "LiMing"
    assert message["agentid"] == 1000002
    assert message["msgtype"] == "textcard"
    assert message["textcard"]["url"] == (
        f"https://opsdesk.hospital.local/tickets/{wecom.ticket.number}/"
    )
    assert message["textcard"]["title"] == f"[{wecom.ticket.number}] 新工单"
    assert Notification.objects.get(pk=row.pk).status == NotificationStatus.SENT


def test_the_token_is_fetched_once_and_reused(wecom, receiver):  # noqa: F811
    receiver.answer(ok(access_token="TOKEN-1", expires_in=7200), ok(), ok())
    first = queue(wecom.ticket, wecom.person)
    second = notify_people(
        event="ticket_created",
        ticket=wecom.ticket,
        recipients=[wecom.person],
        subject="派工",
        body="b",
    )
    second = next(row for row in second if row.medium == Medium.WECOM_APP)
    assert deliver_notification(first.pk) == deliver_notification(second.pk) == "sent"
    paths = [urllib.parse.urlsplit(r.path).path for r in receiver.requests]
    assert paths == ["/cgi-bin/gettoken", "/cgi-bin/message/send", "/cgi-bin/message/send"]


@pytest.mark.parametrize("expired", [40014, 42001])
def test_an_expired_token_is_replaced_and_the_message_sent(wecom, receiver, expired):  # noqa: F811
    receiver.answer(
        ok(access_token="OLD", expires_in=7200), error(expired), ok(access_token="NEW"), ok()
    )
    row = queue(wecom.ticket, wecom.person)
    assert deliver_notification(row.pk) == "sent"
    tokens = [
        urllib.parse.parse_qs(urllib.parse.urlsplit(r.path).query).get("access_token")
        for r in receiver.requests
    ]
    assert tokens == [None, ["OLD"], None, ["NEW"]]


def test_a_userid_wecom_does_not_know_fails_for_good(wecom, receiver):  # noqa: F811
    receiver.answer(ok(access_token="T", expires_in=7200), ok(invaliduser="LiMing"))
    row = queue(wecom.ticket, wecom.person)
    assert deliver_notification(row.pk) == "failed"
    assert Notification.objects.get(pk=row.pk).status == NotificationStatus.FAILED


def test_a_failing_api_is_retried_and_the_secret_never_recorded(wecom, receiver, caplog):  # noqa: F811
    receiver.answer(Answer(status=502, body="bad gateway"))
    row = queue(wecom.ticket, wecom.person)
    assert deliver_notification(row.pk) == "retry"
    stored = Notification.objects.get(pk=row.pk)
    assert stored.status == NotificationStatus.PENDING
    assert "127.0.0.1" in stored.last_error
    assert SECRET not in stored.last_error
    assert SECRET not in caplog.text


def test_the_admin_never_shows_the_secret_and_keeps_it_when_left_empty(wecom):
    form = WeComAppForm(instance=wecom.app)
    assert SECRET not in form.as_p()
    data = {
        field: getattr(wecom.app, field)
        for field in ["name", "corp_id", "agent_id", "token", "encoding_aes_key", "api_base_url"]
    }
    form = WeComAppForm(
        data={**data, "organization": wecom.app.organization_id, "is_active": "on", "secret": ""},
        instance=wecom.app,
    )
    assert form.is_valid(), form.errors
    assert form.save().secret == SECRET


@pytest.mark.parametrize("key", ["short", "x" * 42 + "!", "a" * 44])
def test_an_encoding_aes_key_must_be_43_letters_or_digits(wecom, key):
    wecom.app.encoding_aes_key = key
    with pytest.raises(Exception, match="43"):
        wecom.app.full_clean()


# --- the admin ---------------------------------------------------------------------------------


def _app_of(organization, **fields) -> WeComApp:
    return WeComApp.objects.create(
        organization=organization,
        name=f"{organization.name} 报修",
        corp_id="ww0011",
        agent_id=1000002,
        token="QDG6eK",
        encoding_aes_key="jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
        **fields,
    )


def test_an_organisation_administrator_manages_only_their_own_organisations_app(client):
    ensure_role_groups()
    ours, theirs = HospitalFactory(), HospitalFactory()
    our_app, their_app = _app_of(ours, secret=SECRET), _app_of(theirs)
    administrator = MembershipFactory(organization=ours, role="administrator").user
    administrator.is_staff = True
    administrator.save(update_fields=["is_staff"])
    administrator.groups.add(Group.objects.get(name=ORGANISATION_ADMINISTRATORS))
    client.force_login(administrator)

    listing = client.get("/admin/notifications/wecomapp/")
    assert listing.status_code == 200
    assert our_app.name in listing.content.decode()
    assert their_app.name not in listing.content.decode()
    page = client.get(f"/admin/notifications/wecomapp/{our_app.pk}/change/")
    assert page.status_code == 200
    assert SECRET not in page.content.decode()
    assert f"/intake/wecom/{our_app.pk}/callback/" in listing.content.decode()
    assert client.get(f"/admin/notifications/wecomapp/{their_app.pk}/change/").status_code == 302


def test_the_user_admin_binds_a_persons_wecom_userid(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    person = UserFactory()
    page = client.get(f"/admin/accounts/user/{person.pk}/change/")
    assert 'name="wecom_userid"' in page.content.decode()
