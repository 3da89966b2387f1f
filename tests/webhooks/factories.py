"""Factories for the webhook tests."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from tests.factories import HospitalFactory
from webhooks.models import Subscription, WebhookEvent


class SubscriptionFactory(DjangoModelFactory):
    """A hospital's receiver for every event of all its contracts."""

    class Meta:
        model = Subscription

    organization = factory.SubFactory(HospitalFactory)
    name = factory.Sequence(lambda n: f"HIS integration {n}")
    url = "https://his.example.org/hooks/opsdesk"
    events = factory.LazyFunction(lambda: list(WebhookEvent.values))
