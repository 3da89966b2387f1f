"""How fast is working-time arithmetic? `python -m bench.calendar_bench` from the project root.

Runs on a throw-away SQLite database in a temporary directory unless DATABASE_URL is set
(then it migrates that database and upserts the demo calendars and 2025–2026 holidays into
it). `run()` returns the rows for a harness; `main()` prints them as a table.
"""

from __future__ import annotations

import atexit
import datetime as dt
import gc
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from zoneinfo import ZoneInfo

CALLS = 200_000
WARM_UP = 5_000
BUILDS = 20
TARGET_P99_US = 10.0
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _set_up_django() -> None:
    """Point Django at a scratch database (unless told otherwise) and fill it."""
    from django.apps import apps

    if not apps.ready:
        scratch = tempfile.mkdtemp(prefix="opsdesk-bench-")
        atexit.register(shutil.rmtree, scratch, ignore_errors=True)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opsdesk.settings")
        os.environ["OPSDESK_VAR_DIR"] = scratch
        os.environ.setdefault("DATABASE_URL", f"sqlite:///{scratch}/bench.sqlite3")
        # Measured as production runs (bench.measure forces it the same way): an exported
        # DEBUG=1 would log every query and the figures would not say so.
        os.environ["DEBUG"] = "0"
        os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
        import django

        django.setup()
    from django.core.management import call_command

    from contracts.demo.loader import load_calendars
    from sla.holidays import seed_from_package

    call_command("migrate", interactive=False, verbosity=0)
    load_calendars()
    seed_from_package([2025, 2026])


def _starts(first: dt.date, last: dt.date, count: int, seed: int) -> list[dt.datetime]:
    """Instants at arbitrary seconds, so no case is served by one lucky cache line."""
    rng = random.Random(seed)
    origin = dt.datetime.combine(first, dt.time(0), tzinfo=SHANGHAI)
    seconds = int((dt.datetime.combine(last, dt.time(0), tzinfo=SHANGHAI) - origin).total_seconds())
    return [origin + dt.timedelta(seconds=rng.randrange(seconds)) for _ in range(count)]


def _time_calls(call: Callable[[dt.datetime], object], starts: list[dt.datetime]) -> list[int]:
    for start in starts[:WARM_UP]:
        call(start)
    gc.collect()
    samples = [0] * CALLS
    clock = time.perf_counter_ns
    n = len(starts)
    for i in range(CALLS):
        start = starts[i % n]
        began = clock()
        call(start)
        samples[i] = clock() - began
    return samples


def _row(calendar: str, kind: str, case: str, samples_ns: list[int]) -> dict:
    ordered = sorted(samples_ns)
    return {
        "calendar": calendar,
        "kind": kind,  # "build": one year; "call": one call on a WorkingTime; "new+call"
        "case": case,
        "calls": len(ordered),
        "median_us": statistics.median(ordered) / 1000,
        "p99_us": ordered[int(len(ordered) * 0.99) - 1] / 1000,
        "max_us": ordered[-1] / 1000,
    }


def _year_builds(calendar) -> list[int]:
    """The one-off cost of a year: the first call after invalidate() (queries included)."""
    from sla.calendar import invalidate, working_time

    samples = []
    start = dt.datetime(2026, 3, 2, 9, tzinfo=SHANGHAI)
    for _ in range(BUILDS):
        invalidate(calendar.pk)
        began = time.perf_counter_ns()
        working_time(calendar).add(start, 30)
        samples.append(time.perf_counter_ns() - began)
    return samples


def run() -> list[dict]:
    """Median, p99 and max microseconds per call for each case; build rows are per year."""
    _set_up_django()
    from sla.calendar import working_time
    from sla.models import ServiceCalendar

    in_2026 = _starts(dt.date(2026, 1, 1), dt.date(2026, 11, 1), 50_000, seed=1)
    in_december_2025 = _starts(dt.date(2025, 12, 1), dt.date(2026, 1, 1), 50_000, seed=2)
    two_weeks = dt.timedelta(days=14)
    rows = []
    for code in ("cn-work-0830-1730", "24x7"):
        calendar = ServiceCalendar.objects.get(code=code)
        days_30 = 30 * calendar.working_day_minutes()
        clock = working_time(calendar)
        rows.append(
            _row(
                code,
                "build",
                "build one year (first call after invalidate)",
                _year_builds(calendar),
            )
        )
        cases = [
            ("call", "add 30 min", lambda s, c=clock: c.add(s, 30), in_2026),
            ("call", "add 30 working days", lambda s, c=clock, n=days_30: c.add(s, n), in_2026),
            (
                "call",
                "add 30 working days across New Year",
                lambda s, c=clock, n=days_30: c.add(s, n),
                in_december_2025,
            ),
            (
                "call",
                "seconds_between, 2 weeks",
                lambda s, c=clock: c.seconds_between(s, s + two_weeks),
                in_2026,
            ),
            ("call", "is_open", lambda s, c=clock: c.is_open(s), in_2026),
            (
                "new+call",
                "working_time(calendar) + add 30 min",
                lambda s, cal=calendar: working_time(cal).add(s, 30),
                in_2026,
            ),
        ]
        for kind, case, call, starts in cases:
            rows.append(_row(code, kind, case, _time_calls(call, starts)))
    return rows


def main() -> int:
    load_before = os.getloadavg()[0]
    rows = run()
    print(
        f"Working-time arithmetic, {CALLS:,} calls a case after {WARM_UP:,} warm-up calls; "
        f"{os.cpu_count()} CPUs, load average {load_before:.2f} before and "
        f"{os.getloadavg()[0]:.2f} after (other processes lengthen the tail)"
    )
    print(
        f"{'calendar':<19} {'case':<45} {'calls':>8} {'median µs':>10} {'p99 µs':>9} {'max µs':>9}"
    )
    for row in rows:
        print(
            f"{row['calendar']:<19} {row['case']:<45} {row['calls']:>8,} "
            f"{row['median_us']:>10.2f} {row['p99_us']:>9.2f} {row['max_us']:>9.1f}"
        )
    worst = max(row["p99_us"] for row in rows if row["kind"] == "call")
    verdict = "met" if worst <= TARGET_P99_US else "MISSED"
    print(
        f"Worst p99 of one call on a WorkingTime: {worst:.2f} µs "
        f"(target ≤ {TARGET_P99_US:.0f} µs: {verdict})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
