"""The demo's history: for each of the five contracts, what happened from the day it began
to now (tickets, inspections, knowledge articles, quarterly reports), written through
OpsDesk's own services with time moved to each moment (see adapters), from a seeded random
generator per contract, so that the same day always gives the same history.

A contract that has tickets already has its history (or real work): it is left alone, so a
second load writes nothing."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from contracts.models import Contract, CoveredSystem
from notifications.models import Notification, NotificationStatus
from opsdesk import outbox
from tickets.models import Ticket

from .changes import plan_changes
from .faults import plan_faults
from .inspections import plan_inspections
from .knowledge import write_articles
from .profiles import PROFILES
from .reports import write_reports
from .requests import plan_requests
from .timeline import World, forget_workdays, local

# Messages about the past are recorded, not sent: nobody should get a year of mail at once.
QUIET_OUTBOXES = ("notifications", "webhook deliveries")


def has_history(contract: Contract) -> bool:
    return Ticket.objects.filter(contract=contract).exists()


def world_for(contract: Contract, *, until: dt.datetime, months: int | None = None) -> World:
    profile = PROFILES[contract.code]
    starts = local(contract.starts_on)
    if months is not None:
        starts = max(starts, until - dt.timedelta(days=round(months * 30.4)))
    systems = {
        system.code: system
        for system in CoveredSystem.objects.filter(pk__in=contract.covered_system_ids())
    }
    return World(
        contract=contract,
        profile=profile,
        rng=random.Random(profile.seed),
        starts=starts,
        until=min(until, local(contract.ends_on) + dt.timedelta(days=1)),
        people={user.username: user for user in User.objects.all()},
        classes={row.code: row for row in contract.service_classes.all()},
        systems=systems,
    )


@transaction.atomic
def build_history(
    contracts: list[Contract], *, until: dt.datetime | None = None, months: int | None = None
) -> dict[str, int]:
    """Write each contract's history up to `until` (now), over its whole term or its last
    `months`; returns the tickets written per contract (0: it had its history already)."""
    until = (until or timezone.now()).replace(microsecond=0)
    forget_workdays()
    first_quiet = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    written = {}
    with outbox.held(*QUIET_OUTBOXES):
        for contract in contracts:
            if contract.code not in PROFILES or has_history(contract):
                written[contract.code] = 0
                continue
            w = world_for(contract, until=until, months=months)
            plan_faults(w)
            plan_requests(w)
            plan_changes(w)
            plan_inspections(w)
            w.run_stories()
            write_articles(w)
            write_reports(w)
            written[contract.code] = Ticket.objects.filter(contract=contract).count()
    # Told at the time, as far as the history goes: sent when they were written.
    Notification.objects.filter(pk__gt=first_quiet, status=NotificationStatus.PENDING).update(
        status=NotificationStatus.SENT, sent_at=F("created_at")
    )
    return written
