"""What a notification channel must say, and what the outbox table guarantees."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from notifications.admin import ChannelForm
from notifications.models import Channel, Notification
from tests.factories import ContractFactory, UserFactory
from tests.notifications.factories import ChannelFactory, NotificationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # Messages are compared in their English source; translations are checked elsewhere.
    with translation.override("en"):
        yield


def errors_of(channel: Channel) -> dict[str, list[str]]:
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        channel.full_clean()
    return caught.value.message_dict


def channel(**fields) -> Channel:
    defaults = {"name": "信息科值班群", "kind": "wecom", "events": ["ticket_created"]}
    return Channel(contract=ContractFactory(), **{**defaults, **fields})


def test_a_group_robot_needs_its_webhook_address():
    for kind in ("wecom", "dingtalk"):
        assert errors_of(channel(kind=kind))["webhook_url"] == [
            "A group robot needs its webhook address."
        ]


def test_a_webhook_address_is_an_http_or_https_url():
    for url in ("ftp://robot.example.cn/send", "qyapi.weixin.qq.com/cgi-bin/webhook/send"):
        assert errors_of(channel(webhook_url=url))["webhook_url"] == [
            "Enter the robot's http:// or https:// webhook address."
        ]
    ok = channel(webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc")
    ok.full_clean()


def test_an_email_channel_needs_at_least_one_address():
    assert errors_of(channel(kind="email"))["email_to"] == [
        "An e-mail channel needs at least one address."
    ]


def test_every_address_of_an_email_channel_must_be_an_address():
    assert errors_of(channel(kind="email", email_to="it@a.cn, nobody, x@"))["email_to"] == [
        "Not an e-mail address: nobody, x@."
    ]


def test_addresses_may_be_separated_by_commas_semicolons_or_chinese_commas():
    mailing = channel(kind="email", email_to="it@a.cn，duty@a.cn; boss@a.cn,")
    mailing.full_clean()
    assert mailing.email_addresses == ["it@a.cn", "duty@a.cn", "boss@a.cn"]


def test_unknown_event_codes_are_rejected():
    wrong = channel(webhook_url="https://robot.example.cn/", events=["ticket_created", "exploded"])
    [message] = errors_of(wrong)["events"]
    assert message.startswith("Unknown event: exploded. Known events: ticket_created,")


def test_a_channel_hears_about_at_least_one_event():
    assert errors_of(channel(webhook_url="https://robot.example.cn/", events=[]))["events"] == [
        "Choose at least one event."
    ]


def test_only_dingtalk_robots_take_a_signing_secret():
    wecom = channel(webhook_url="https://robot.example.cn/", secret="SECabc")
    assert errors_of(wecom)["secret"] == [
        "Only DingTalk robots sign their messages; leave the secret empty."
    ]
    channel(kind="dingtalk", webhook_url="https://robot.example.cn/", secret="SECabc").full_clean()


def test_the_admin_form_offers_events_as_check_boxes_and_stores_their_codes():
    contract = ContractFactory()
    form = ChannelForm(
        data={
            "name": "钉钉群",
            "kind": "dingtalk",
            "webhook_url": "https://oapi.dingtalk.com/robot/send?access_token=t",
            "secret": "",
            "email_to": "",
            "events": ["clock_warned", "clock_breached"],
            "is_active": "on",
        },
        instance=Channel(contract=contract),
    )
    assert form.is_valid(), form.errors
    assert form.save().events == ["clock_warned", "clock_breached"]


def test_a_notification_goes_to_a_person_or_a_channel_never_both_nor_neither():
    row = NotificationFactory()
    for recipient, target in ((row.recipient, ChannelFactory()), (None, None)):
        with pytest.raises(IntegrityError), transaction.atomic():
            NotificationFactory(ticket=row.ticket, recipient=recipient, channel=target)


def test_a_dedupe_key_is_unique_but_an_empty_one_is_not():
    person = UserFactory()
    NotificationFactory(recipient=person, dedupe_key="clock:1:breach:user:1")
    with pytest.raises(IntegrityError), transaction.atomic():
        NotificationFactory(recipient=person, dedupe_key="clock:1:breach:user:1")
    NotificationFactory(recipient=person)
    NotificationFactory(recipient=person)
    assert Notification.objects.filter(dedupe_key="").count() == 2
