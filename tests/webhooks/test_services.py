"""Publishing events: who gets a delivery, with which body, once, and only after commit."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import logging
import threading
import time

import kombu.exceptions
import pytest
from django.db import connection, transaction

from tests.factories import ContractFactory, VendorFactory
from tests.webhooks.factories import SubscriptionFactory
from webhooks.models import Delivery, DeliveryStatus
from webhooks.services import publish
from webhooks.tasks import deliver

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def test_publish_only_reaches_parties_to_the_contract():
    vendor = VendorFactory()
    contract = ContractFactory(vendor=vendor)
    other_hospitals_contract = ContractFactory(vendor=vendor)
    hospital_all = SubscriptionFactory(organization=contract.hospital)
    vendor_all = SubscriptionFactory(organization=vendor)
    vendor_this_contract = SubscriptionFactory(organization=vendor, contract=contract)
    SubscriptionFactory(organization=vendor, contract=other_hospitals_contract)
    SubscriptionFactory(organization=other_hospitals_contract.hospital)  # same vendor, not party
    SubscriptionFactory(organization=contract.hospital, is_active=False)
    SubscriptionFactory(organization=contract.hospital, events=["clock.breached"])

    created = publish("ticket.created", contract=contract, data={"number": "H001-1"})

    assert {row.subscription for row in created} == {
        hospital_all,
        vendor_all,
        vendor_this_contract,
    }
    assert Delivery.objects.count() == 3


def test_each_subscription_gets_its_own_delivery_and_event_id():
    contract = ContractFactory()
    SubscriptionFactory(organization=contract.hospital)
    SubscriptionFactory(organization=contract.vendor)
    created = publish("clock.breached", contract=contract, data={"clock": "resolve"})
    assert len({row.event_id for row in created}) == 2
    for row in created:
        assert row.payload["event_id"] == str(row.event_id)
        assert row.status == DeliveryStatus.PENDING
        assert row.attempts == 0


def test_the_body_is_serialised_once_as_compact_sorted_utf8_json():
    contract = ContractFactory()
    SubscriptionFactory(organization=contract.hospital)
    occurred = dt.datetime(2026, 3, 2, 9, 30, tzinfo=SHANGHAI)
    [row] = publish(
        "ticket.created",
        contract=contract,
        data={
            "title": "门诊收费窗口无法打开系统",
            "reported_at": occurred,
            "amount": decimal.Decimal("1.50"),
            "ticket_id": 42,
        },
        occurred_at=occurred,
    )
    row = Delivery.objects.get(pk=row.pk)
    assert row.body == (
        '{"data":{"amount":"1.50","reported_at":"2026-03-02T09:30:00+08:00","ticket_id":42,'
        '"title":"门诊收费窗口无法打开系统"},"event":"ticket.created",'
        f'"event_id":"{row.event_id}","occurred_at":"2026-03-02T01:30:00Z"}}'
    )
    assert row.payload == json.loads(row.body)  # what is stored is what is sent


def test_publish_with_nobody_subscribed_costs_one_query(django_assert_num_queries):
    contract = ContractFactory()
    SubscriptionFactory()  # someone else's
    with django_assert_num_queries(1):
        assert publish("clock.warned", contract=contract, data={}) == []


def test_an_unknown_event_is_a_programming_error():
    with pytest.raises(ValueError, match="ticket_created"):
        publish("ticket_created", contract=ContractFactory(), data={})


def test_deliveries_go_to_the_workers_only_after_commit(
    django_capture_on_commit_callbacks, webhook_deliveries
):
    contract = ContractFactory()
    SubscriptionFactory(organization=contract.hospital)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        [row] = publish("ticket.created", contract=contract, data={})
        assert webhook_deliveries == []
    for callback in callbacks:
        callback()
    assert webhook_deliveries == [row.pk]


def test_publish_is_rolled_back_with_its_transaction(
    django_capture_on_commit_callbacks, webhook_deliveries
):
    contract = ContractFactory()
    SubscriptionFactory(organization=contract.hospital)
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                publish("ticket.created", contract=contract, data={})
                raise RuntimeError("the ticket could not be saved")
        except RuntimeError:
            pass
    assert not Delivery.objects.exists()
    assert webhook_deliveries == []


def test_the_same_dedupe_key_queues_an_event_once_per_subscription(
    django_capture_on_commit_callbacks, webhook_deliveries
):
    contract = ContractFactory()
    first = SubscriptionFactory(organization=contract.hospital)
    with django_capture_on_commit_callbacks(execute=True):
        created = publish("clock.breached", contract=contract, data={}, dedupe="clock:12:breach")
        second = SubscriptionFactory(organization=contract.vendor)
        again = publish("clock.breached", contract=contract, data={}, dedupe="clock:12:breach")
    assert [row.subscription for row in again] == [second]
    assert sorted(Delivery.objects.values_list("dedupe_key", flat=True)) == sorted(
        [f"clock:12:breach:sub:{first.pk}", f"clock:12:breach:sub:{second.pk}"]
    )
    assert webhook_deliveries == [created[0].pk, again[0].pk]


def test_events_without_a_dedupe_key_are_never_merged():
    contract = ContractFactory()
    SubscriptionFactory(organization=contract.hospital)
    publish("ticket.state_changed", contract=contract, data={})
    publish("ticket.state_changed", contract=contract, data={})
    assert Delivery.objects.filter(dedupe_key="").count() == 2


def test_a_very_long_dedupe_key_is_hashed_not_cut():
    contract = ContractFactory()
    SubscriptionFactory(organization=contract.hospital)
    [row] = publish("report.ready", contract=contract, data={}, dedupe="report:" + "x" * 300)
    assert row.dedupe_key.startswith("sha256:")
    assert publish("report.ready", contract=contract, data={}, dedupe="report:" + "x" * 300) == []


def test_a_broken_broker_does_not_break_the_caller(
    monkeypatch, django_capture_on_commit_callbacks, caplog
):
    def broker_down(*args, **kwargs):
        raise kombu.exceptions.OperationalError("Error 111 connecting to redis:6379.")

    monkeypatch.setattr(deliver, "delay", broker_down)
    contract = ContractFactory()
    SubscriptionFactory(organization=contract.hospital)
    SubscriptionFactory(organization=contract.vendor)
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        created = publish("ticket.created", contract=contract, data={})
    assert len(created) == 2
    assert set(Delivery.objects.values_list("status", flat=True)) == {"pending"}
    assert "deliver_pending will send them" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_two_workers_publishing_the_same_breach_at_once_create_one_delivery():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent inserts against a unique index need PostgreSQL")
    contract = ContractFactory()
    subscription = SubscriptionFactory(organization=contract.hospital)
    first_inserted = threading.Event()
    results: dict[str, list] = {}
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            if name == "second":
                first_inserted.wait(5)
            with transaction.atomic():
                # The second insert waits on the first's uncommitted row, then fails on the
                # unique index: its savepoint is rolled back and the row skipped.
                results[name] = publish(
                    "clock.breached", contract=contract, data={}, dedupe="clock:7:breach"
                )
                if name == "first":
                    first_inserted.set()
                    time.sleep(0.5)
        except BaseException as exc:  # pragma: no cover - surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(results["first"]) == 1
    assert results["second"] == []
    key = f"clock:7:breach:sub:{subscription.pk}"
    assert Delivery.objects.filter(dedupe_key=key).count() == 1
