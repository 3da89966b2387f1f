"""Factories for the notifications tests: a bare ticket and a contract's channels."""

from __future__ import annotations

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from notifications.models import Channel, Notification
from tests.factories import ContractFactory, FaultLevelFactory, SystemFactory, UserFactory
from tickets.models import Ticket

WECOM_TOKEN = "wecom-secret-key-5f1e"
DINGTALK_TOKEN = "dingtalk-access-token-9c2a"
DINGTALK_SECRET = "SECtest0123456789abcdef"


class TicketFactory(DjangoModelFactory):
    """A ticket row as it stands after reporting; no clocks, no timeline, no notifications."""

    class Meta:
        model = Ticket

    contract = factory.SubFactory(ContractFactory)
    system = factory.SubFactory(
        SystemFactory, hospital=factory.SelfAttribute("..contract.hospital")
    )
    service_class = factory.SubFactory(
        FaultLevelFactory, contract=factory.SelfAttribute("..contract")
    )
    kind = "fault"
    number = factory.Sequence(lambda n: f"H001-20261103-{n:04d}")
    title = "门诊收费窗口无法打开系统"
    description = "所有收费窗口登录后白屏。"
    reporter = factory.SubFactory(UserFactory)
    contact_phone = "13726380001"
    created_at = factory.LazyFunction(timezone.now)
    entered_at = factory.SelfAttribute("created_at")


class ChannelFactory(DjangoModelFactory):
    class Meta:
        model = Channel

    contract = factory.SubFactory(ContractFactory)
    kind = "wecom"
    name = factory.Sequence(lambda n: f"信息科值班群 {n}")
    webhook_url = f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_TOKEN}"
    events = factory.LazyFunction(lambda: ["ticket_created", "clock_breached"])


class NotificationFactory(DjangoModelFactory):
    """A queued e-mail to a person."""

    class Meta:
        model = Notification

    event = "ticket_created"
    ticket = factory.SubFactory(TicketFactory)
    recipient = factory.SubFactory(UserFactory)
    language = "zh-hans"
    subject = "[H001-20261103-0001] 新工单"
    body = "第一人民医院报告了一级故障。"
