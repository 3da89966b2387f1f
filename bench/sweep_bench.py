"""How fast are the breach sweep and the bulk deadline recomputation?

`python -m bench.sweep_bench [open_tickets]` from the project root (default 100 000). Uses a
scratch SQLite database unless DATABASE_URL is set (use PostgreSQL for figures that mean
anything). Tickets and clocks are bulk-inserted, as a data migration would, not filed one by
one; their deadlines are spread over the next 30 days so that nothing is due at first.
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import time

from bench.calendar_bench import _set_up_django

RUNS = 5


def _fill(open_tickets: int, now: dt.datetime) -> None:
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from contracts.demo.loader import load_demo
    from tickets.models import Ticket, TicketClock

    load_demo()
    if Ticket.objects.count() >= open_tickets:
        return
    from contracts.models import Contract

    contract = Contract.objects.get(code="yn-his")
    level = contract.service_classes.get(code="level-2")
    system = contract.systems.first()
    reporter = contract.hospital.memberships.filter(role="reporter").first().user
    # Working-day clocks: the ones a holiday edit moves.
    calendar = contract.service_classes.get(code="level-3").clocks.get(clock="respond").calendar
    batch = 10_000
    for offset in range(0, open_tickets, batch):
        tickets = Ticket.objects.bulk_create(
            [
                Ticket(
                    number=f"BENCH-{offset + index:07d}",
                    contract=contract,
                    system=system,
                    kind="fault",
                    service_class=level,
                    title="bench",
                    description="bench",
                    reporter=reporter,
                    contact_phone="13726380001",
                    created_at=now,
                    entered_at=now,
                    state="acknowledged",
                )
                for index in range(min(batch, open_tickets - offset))
            ]
        )
        clocks = []
        for index, ticket in enumerate(tickets):
            serial = offset + index
            # Started up to 20 days ago with targets of 1–20 working days: deadlines spread
            # over the coming weeks, as in a busy vendor's queue.
            started = now - dt.timedelta(minutes=(serial * 7) % (20 * 24 * 60))
            due = now + dt.timedelta(minutes=10 + serial % (30 * 24 * 60))
            for name in ("arrive", "resolve"):
                clocks.append(
                    TicketClock(
                        ticket=ticket,
                        name=name,
                        target_minutes=540 * (1 + serial % 20),
                        calendar=calendar,
                        started_at=started,
                        due_at=due,
                        warn_at=due + dt.timedelta(days=60),
                    )
                )
        TicketClock.objects.bulk_create(clocks, batch_size=5000)


def _median_ms(action, runs: int = RUNS) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def run(open_tickets: int = 100_000) -> list[dict]:
    _set_up_django()
    from django.db import connection
    from django.utils import timezone

    from tickets.deadlines import recompute_open_deadlines
    from tickets.escalation import _due, sweep
    from tickets.models import TicketClock

    now = timezone.now()
    started = time.perf_counter()
    _fill(open_tickets, now)
    fill_s = time.perf_counter() - started
    rows = [
        {"case": f"fill {open_tickets} open tickets (2 clocks each)", "value": f"{fill_s:.1f} s"}
    ]

    idle = _median_ms(lambda: sweep(now))
    rows.append({"case": "sweep, nothing due", "value": f"{idle:.2f} ms (median of {RUNS})"})
    query = _median_ms(lambda: list(_due("breach", now).values_list("pk", flat=True)[:500]))
    rows.append({"case": "sweep query alone, nothing due", "value": f"{query:.2f} ms"})

    due_ids = list(
        TicketClock.objects.filter(
            name="resolve", met_at__isnull=True, breached_at__isnull=True
        ).values_list("pk", flat=True)[:1000]
    )
    TicketClock.objects.filter(pk__in=due_ids).update(due_at=now - dt.timedelta(minutes=1))
    started = time.perf_counter()
    result = sweep(now)
    busy = (time.perf_counter() - started) * 1000
    rows.append(
        {
            "case": f"sweep with {result.breached} newly due clocks (notifications queued)",
            "value": f"{busy:.0f} ms",
        }
    )

    started = time.perf_counter()
    moved = recompute_open_deadlines(calendar_ids=None, reason="bench", now=now)
    recompute = time.perf_counter() - started
    rows.append(
        {
            "case": f"recompute all {open_tickets * 2} clocks ({moved} deadlines moved)",
            "value": f"{recompute:.1f} s",
        }
    )
    from sla.models import HolidayDate, HolidayYear

    holiday = (timezone.localtime(now) + dt.timedelta(days=14)).date()
    while holiday.weekday() >= 5:
        holiday += dt.timedelta(days=1)
    HolidayYear.objects.get_or_create(year=holiday.year + 1)
    HolidayDate.objects.update_or_create(
        date=holiday, defaults={"kind": "holiday", "name": "bench"}
    )
    started = time.perf_counter()
    moved = recompute_open_deadlines(since=holiday, reason="holiday added", now=now)
    recompute = time.perf_counter() - started
    rows.append(
        {
            "case": f"recompute after adding a holiday in two weeks ({moved} deadlines moved)",
            "value": f"{recompute:.1f} s "
            f"({recompute / (open_tickets / 50_000):.1f} s per 50 000 tickets)",
        }
    )
    rows.append({"case": "database", "value": connection.vendor})
    return rows


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    rows = run(count)
    width = max(len(row["case"]) for row in rows)
    for row in rows:
        print(f"{row['case']:<{width}}  {row['value']}")


if __name__ == "__main__":
    main()
