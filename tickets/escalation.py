"""The breach sweep: find clocks past their warning threshold or deadline, record each once,
and tell the escalation chain.

It reads only an indexed range of warn_at/due_at (partial indexes clock_sweep_warn and
clock_sweep_due hold just the rows still to be recorded), so its cost follows the number of
clocks falling due, not the number of tickets. Two workers may sweep at once: each batch is
claimed with SELECT … FOR UPDATE SKIP LOCKED and a conditional UPDATE, and notifications
carry a dedupe key, so nothing is recorded or sent twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from contracts.models import EscalationTrigger
from opsdesk import outbox
from tickets import notices
from tickets.models import TicketClock

BATCH = 500


@dataclass(frozen=True)
class SweepResult:
    warned: int
    breached: int


def _due(trigger: str, now: dt.datetime):
    running = TicketClock.objects.filter(met_at__isnull=True, is_active=True)
    if trigger == EscalationTrigger.WARNING:
        return running.filter(warned_at__isnull=True, warn_at__lte=now)
    return running.filter(breached_at__isnull=True, due_at__lte=now)


def claimable(trigger: str, now: dt.datetime):
    """The clocks to record, in the order of their partial index: ordered by pk instead,
    PostgreSQL walks the primary key of every clock ever made looking for the few running."""
    moment = "warn_at" if trigger == EscalationTrigger.WARNING else "due_at"
    return _due(trigger, now).order_by(moment, "pk")


def _record(trigger: str, ids: list[int], now: dt.datetime) -> None:
    if trigger == EscalationTrigger.WARNING:
        TicketClock.objects.filter(pk__in=ids, warned_at__isnull=True).update(warned_at=now)
    else:
        # breached_at is the moment the deadline passed, not when the sweep noticed it.
        TicketClock.objects.filter(pk__in=ids, breached_at__isnull=True).update(
            breached_at=F("due_at")
        )


def _sweep(trigger: str, now: dt.datetime) -> int:
    total = 0
    while True:
        with transaction.atomic():
            ids = list(
                claimable(trigger, now)
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)[:BATCH]
            )
            if not ids:
                return total
            _record(trigger, ids, now)
            clocks = list(
                TicketClock.objects.filter(pk__in=ids)
                .select_related(
                    "ticket__contract__hospital",
                    "ticket__service_class",
                    "ticket__system",
                    "ticket__assignee",
                    "ticket__reporter",
                )
                .prefetch_related("ticket__contract__escalation_steps")
            )
            audience = notices.Audience().load([clock.ticket for clock in clocks])
            with outbox.batched():
                for clock in clocks:
                    notices.clock_alarm(clock, trigger, audience)
        total += len(ids)
        if len(ids) < BATCH:
            return total


def sweep(now: dt.datetime | None = None) -> SweepResult:
    now = now or timezone.now()
    return SweepResult(
        warned=_sweep(EscalationTrigger.WARNING, now),
        breached=_sweep(EscalationTrigger.BREACH, now),
    )
