"""The admin shows an organisation only its own receivers and their deliveries; secrets once."""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.contrib.auth.models import Permission
from django.test import RequestFactory

from tests.factories import ContractFactory, MembershipFactory, UserFactory
from tests.webhooks.factories import SubscriptionFactory
from webhooks.models import Delivery, DeliveryStatus, Subscription
from webhooks.services import publish

pytestmark = pytest.mark.django_db


def request_by(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def staff_of(organization, role="hospital_it"):
    user = MembershipFactory(organization=organization, role=role).user
    user.is_staff = True
    user.save()
    return user


def failed_delivery(subscription) -> Delivery:
    [row] = publish("ticket.created", contract=subscription.contract, data={})
    Delivery.objects.filter(pk=row.pk).update(status=DeliveryStatus.FAILED, attempts=8)
    return row


def test_staff_see_only_their_own_organisations_receivers_and_deliveries():
    contract = ContractFactory()
    ours = SubscriptionFactory(organization=contract.hospital, contract=contract)
    # The vendor is party to the same contract, yet its receiver is none of the hospital's
    # business (and the other way round).
    theirs = SubscriptionFactory(organization=contract.vendor, contract=contract)
    publish("ticket.created", contract=contract, data={})

    hospital_request = request_by(staff_of(contract.hospital))
    assert list(site._registry[Subscription].get_queryset(hospital_request)) == [ours]
    deliveries = site._registry[Delivery].get_queryset(hospital_request)
    assert [row.subscription for row in deliveries] == [ours]

    vendor_request = request_by(staff_of(contract.vendor, role="vendor_manager"))
    assert list(site._registry[Subscription].get_queryset(vendor_request)) == [theirs]


def test_a_superuser_sees_every_receiver():
    SubscriptionFactory(), SubscriptionFactory()
    root = UserFactory(is_superuser=True, is_staff=True)
    assert site._registry[Subscription].get_queryset(request_by(root)).count() == 2


def test_the_form_offers_only_the_users_organisations_and_contracts():
    contract = ContractFactory()
    ContractFactory()  # someone else's
    request = request_by(staff_of(contract.hospital))
    form = site._registry[Subscription].get_form(request)()
    assert list(form.fields["organization"].queryset) == [contract.hospital]
    assert list(form.fields["contract"].queryset) == [contract]


def test_the_secret_is_never_shown_in_the_list_or_the_form(client):
    subscription = SubscriptionFactory()
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    for url in (
        "/admin/webhooks/subscription/",
        f"/admin/webhooks/subscription/{subscription.pk}/change/",
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        assert subscription.secret not in page.content.decode(), url


def test_a_new_subscription_shows_its_secret_once_and_records_who_made_it(client):
    contract = ContractFactory()
    user = staff_of(contract.hospital, role="administrator")
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="webhooks"))
    client.force_login(user)
    answer = client.post(
        "/admin/webhooks/subscription/add/",
        {
            "organization": contract.hospital.pk,
            "contract": contract.pk,
            "name": "HIS 接口",
            "url": "https://his.example.org/opsdesk",
            "events": ["ticket.created", "clock.breached"],
            "is_active": "on",
        },
        follow=True,
    )
    subscription = Subscription.objects.get()
    assert subscription.created_by == user
    assert subscription.events == ["ticket.created", "clock.breached"]
    assert subscription.secret in answer.content.decode()
    assert subscription.secret not in client.get("/admin/webhooks/subscription/").content.decode()


def test_a_subscription_for_another_organisations_contract_is_refused(client):
    contract = ContractFactory()
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    answer = client.post(
        "/admin/webhooks/subscription/add/",
        {
            "organization": ContractFactory().hospital.pk,
            "contract": contract.pk,
            "name": "wrong",
            "url": "https://his.example.org/opsdesk",
            "events": ["ticket.created"],
        },
    )
    assert answer.status_code == 200  # the form again, with the error
    assert not Subscription.objects.exists()


def test_rotating_shows_the_new_secret_once(client):
    subscription = SubscriptionFactory()
    old = subscription.secret
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    answer = client.post(
        "/admin/webhooks/subscription/",
        {"action": "rotate_secrets", "_selected_action": [subscription.pk]},
        follow=True,
    )
    subscription.refresh_from_db()
    assert subscription.secret != old
    assert subscription.secret in answer.content.decode()


def test_the_delivery_log_is_read_only_with_every_attempt(client):
    contract = ContractFactory()
    subscription = SubscriptionFactory(organization=contract.hospital, contract=contract)
    row = failed_delivery(subscription)
    row.attempt_log.create(status_code=503, response_body="upstream down", error="HTTP 503")
    admin = site._registry[Delivery]
    request = request_by(UserFactory(is_superuser=True, is_staff=True))
    assert not admin.has_add_permission(request)
    assert not admin.has_change_permission(request)
    assert not admin.has_delete_permission(request)

    client.force_login(request.user)
    for url in (
        "/admin/webhooks/delivery/",
        "/admin/webhooks/delivery/?status__exact=failed&event__exact=ticket.created",
        f"/admin/webhooks/delivery/?q={row.event_id}",
        f"/admin/webhooks/delivery/{row.pk}/change/",
        "/admin/webhooks/subscription/add/",
    ):
        assert client.get(url).status_code == 200, url
    page = client.get(f"/admin/webhooks/delivery/{row.pk}/change/").content.decode()
    assert "upstream down" in page


def test_deliver_again_queues_failed_deliveries(
    client, django_capture_on_commit_callbacks, webhook_deliveries
):
    contract = ContractFactory()
    subscription = SubscriptionFactory(organization=contract.hospital, contract=contract)
    failed = failed_delivery(subscription)
    [delivered] = publish("ticket.created", contract=contract, data={})
    Delivery.objects.filter(pk=delivered.pk).update(status=DeliveryStatus.DELIVERED)
    webhook_deliveries.clear()
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/webhooks/delivery/",
            {"action": "deliver_again", "_selected_action": [failed.pk, delivered.pk]},
        )
    assert webhook_deliveries == [failed.pk]
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (DeliveryStatus.PENDING, 0)


def test_only_those_who_may_change_subscriptions_may_deliver_again():
    contract = ContractFactory()
    viewer = staff_of(contract.hospital)
    viewer.user_permissions.add(Permission.objects.get(codename="view_delivery"))
    admin = site._registry[Delivery]
    assert "deliver_again" not in admin.get_actions(request_by(viewer))
    viewer.user_permissions.add(Permission.objects.get(codename="change_subscription"))
    viewer = type(viewer).objects.get(pk=viewer.pk)  # permissions are cached per instance
    assert "deliver_again" in admin.get_actions(request_by(viewer))
