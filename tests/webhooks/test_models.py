"""Subscriptions: what a receiver may ask for, and whose contracts it may hear about."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tests.factories import ContractFactory, HospitalFactory
from tests.webhooks.factories import SubscriptionFactory
from webhooks.models import IntranetNetwork, Subscription

pytestmark = pytest.mark.django_db


def errors_of(subscription: Subscription) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        subscription.full_clean()
    return caught.value.message_dict


def test_each_subscription_gets_its_own_random_secret():
    first, second = SubscriptionFactory(), SubscriptionFactory()
    assert len(first.secret) == 64
    int(first.secret, 16)  # hex
    assert first.secret != second.secret


def test_rotating_the_secret_stores_and_returns_a_new_one():
    subscription = SubscriptionFactory()
    old = subscription.secret
    new = subscription.rotate_secret()
    assert new != old
    assert subscription.secret == new
    assert Subscription.objects.get(pk=subscription.pk).secret == new


def test_a_subscription_may_be_limited_to_a_contract_its_organisation_is_party_to():
    contract = ContractFactory()
    for party in (contract.hospital, contract.vendor):
        SubscriptionFactory.build(organization=party, contract=contract).full_clean()


def test_a_subscription_may_not_listen_to_another_organisations_contract():
    other = SubscriptionFactory.build(organization=HospitalFactory(), contract=ContractFactory())
    assert "contract" in errors_of(other)


def test_a_subscription_needs_at_least_one_known_event():
    assert "events" in errors_of(SubscriptionFactory.build(events=[]))
    unknown = errors_of(SubscriptionFactory.build(events=["ticket.created", "ticket_created"]))
    assert "ticket_created" in unknown["events"][0]


def test_the_receiver_address_must_be_http_or_https():
    for url in ("ftp://his.example.org/hooks", "his.example.org/hooks", ""):
        assert "url" in errors_of(SubscriptionFactory.build(url=url)), url
    IntranetNetwork.objects.create(network="10.20.0.0/16", reason="郁南县人民医院 intranet")
    intranet = SubscriptionFactory.build(
        organization=HospitalFactory(), url="http://10.20.1.15:8080/opsdesk"
    )
    intranet.full_clean()


def test_a_subscription_wants_only_its_events_and_only_while_active():
    subscription = SubscriptionFactory.build(events=["clock.breached"])
    assert subscription.wants("clock.breached")
    assert not subscription.wants("ticket.created")
    subscription.is_active = False
    assert not subscription.wants("clock.breached")
