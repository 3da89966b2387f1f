"""Ticket numbers: hospital code, year, sequence — YN-2026-00042."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from contracts.models import Organization
from tickets.models import TicketSequence


def next_number(hospital: Organization, at: dt.datetime) -> str:
    """The next number for this hospital in the local year of `at`; gap-free per year.

    The sequence row is incremented with an UPDATE inside the caller's transaction, so two
    tickets filed at once wait on the row lock and never get the same number.
    """
    year = timezone.localtime(at).year
    with transaction.atomic():
        sequence, _created = TicketSequence.objects.get_or_create(hospital=hospital, year=year)
        TicketSequence.objects.filter(pk=sequence.pk).update(last=F("last") + 1)
        sequence.refresh_from_db(fields=["last"])
    return f"{hospital.code}-{year}-{sequence.last:05d}"
