"""The admin shows a user only the channels and messages of their own contracts."""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from notifications.models import Channel, Notification
from tests.factories import ContractFactory, MembershipFactory, UserFactory
from tests.notifications.factories import ChannelFactory, NotificationFactory, TicketFactory

pytestmark = pytest.mark.django_db


def request_by(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_staff_see_only_the_channels_and_messages_of_their_contracts():
    ours, theirs = ContractFactory(), ContractFactory()
    staff = MembershipFactory(organization=ours.hospital, role="hospital_it").user
    staff.is_staff = True
    our_channel, _ = ChannelFactory(contract=ours), ChannelFactory(contract=theirs)
    our_message = NotificationFactory(ticket=TicketFactory(contract=ours))
    NotificationFactory(ticket=TicketFactory(contract=theirs))
    NotificationFactory(ticket=None, event="holiday_data_missing")

    request = request_by(staff)
    assert list(site._registry[Channel].get_queryset(request)) == [our_channel]
    assert list(site._registry[Notification].get_queryset(request)) == [our_message]


def test_a_superuser_also_sees_messages_about_no_ticket():
    NotificationFactory(ticket=None, event="holiday_data_missing")
    NotificationFactory()
    root = UserFactory(is_superuser=True, is_staff=True)
    assert site._registry[Notification].get_queryset(request_by(root)).count() == 2


def test_the_outbox_is_read_only():
    admin = site._registry[Notification]
    request = request_by(UserFactory(is_superuser=True, is_staff=True))
    assert not admin.has_add_permission(request)
    assert not admin.has_change_permission(request)
    assert not admin.has_delete_permission(request)


def test_the_admin_pages_open(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    row = NotificationFactory(last_error="smtp down")
    channel = ChannelFactory()
    for url in (
        "/admin/notifications/notification/",
        f"/admin/notifications/notification/{row.pk}/change/",
        "/admin/notifications/channel/",
        "/admin/notifications/channel/add/",
        f"/admin/notifications/channel/{channel.pk}/change/",
    ):
        assert client.get(url).status_code == 200, url


def test_the_channel_inline_fits_the_contract_admin():
    from contracts.models import Contract
    from notifications.admin import ChannelInline

    contract = ChannelFactory().contract
    request = request_by(UserFactory(is_superuser=True, is_staff=True))
    formset_class = ChannelInline(Contract, site).get_formset(request, contract)
    formset = formset_class(instance=contract)
    assert len(formset.forms) == 1
    assert "events" in formset.forms[0].fields
