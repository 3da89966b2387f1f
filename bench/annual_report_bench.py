"""How long does the annual report with its bound book take, how many pages, how much memory?

`python -m bench.annual_report_bench [tickets] [runs]` from the project root (defaults 2 000
tickets, 3 runs). The report's parts (reports.services.run_part) run one after another in the
render's own process (eager tasks), or, with BENCH_RENDER_WORKERS=N, on a Celery worker of N
processes started for each run against REDIS_URL (seconds until the report is done; peak
memory of the busiest worker process; CPU seconds of the worker and the render together).
One contract (gz-logistics, 2026) gets `tickets` tickets spread over the year with their
clocks, a timeline of five lines and a worklog each (bulk-inserted, as a data migration would),
and 8 inspections performed through the services. Each run renders the report in a fresh
Python process, so its peak memory (ru_maxrss) is the render's own. Uses a scratch SQLite
database unless DATABASE_URL is set (PostgreSQL for figures that mean anything).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
YEAR = 2026


def _fill(count: int) -> int:
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from contracts.demo.loader import load_demo
    from contracts.models import Contract
    from tickets.models import Event, Ticket, TicketClock, Worklog

    load_demo()
    contract = Contract.objects.get(code="gz-logistics")
    if Ticket.objects.filter(contract=contract).count() >= count:
        return contract.pk
    levels = list(contract.service_classes.filter(kind="fault").order_by("level"))
    systems = list(contract.systems.all())
    hospital_people = list(contract.hospital.memberships.select_related("user"))
    reporter = next(m.user for m in hospital_people if m.role == "reporter")
    engineers = [m.user for m in contract.vendor.memberships.filter(role="engineer")]
    calendar = contract.calendar
    start = dt.datetime(YEAR, 1, 1, 8, tzinfo=SHANGHAI)
    minutes_in_year = 364 * 24 * 60
    tickets = Ticket.objects.bulk_create(
        [
            Ticket(
                number=f"GZ-{YEAR}-B{n:05d}",
                contract=contract,
                system=systems[n % len(systems)],
                kind="fault",
                service_class=levels[0 if n % 10 == 0 else 1],
                title=f"智慧后勤平台故障 {n}：维修工单无法派发",
                description="科室反映维修工单提交后无法派发到维修班组，页面提示接口超时。" * 2,
                reporter=reporter,
                assignee=engineers[n % len(engineers)],
                contact_phone="13726380001",
                created_at=start + dt.timedelta(minutes=(n * 7919) % minutes_in_year),
                entered_at=start + dt.timedelta(minutes=(n * 7919) % minutes_in_year),
                state="closed",
                satisfaction=5 - n % 3,
            )
            for n in range(count)
        ],
        batch_size=1000,
    )
    clocks, events, worklogs = [], [], []
    for n, ticket in enumerate(tickets):
        at = ticket.created_at
        ack = at + dt.timedelta(minutes=5 + n % 20)
        arrive = at + dt.timedelta(hours=2 + n % 11)
        resolved = arrive + dt.timedelta(hours=1 + n % 5)
        closed = resolved + dt.timedelta(hours=3)
        ticket.acknowledged_at, ticket.arrived_at = ack, arrive
        ticket.resolved_at, ticket.closed_at = resolved, closed
        clocks.append(
            TicketClock(
                ticket=ticket,
                name="respond",
                target_minutes=15,
                calendar=calendar,
                started_at=at,
                due_at=at + dt.timedelta(minutes=15),
                met_at=ack,
            )
        )
        if ticket.service_class_id == levels[0].pk:
            clocks.append(
                TicketClock(
                    ticket=ticket,
                    name="arrive",
                    target_minutes=720,
                    calendar=calendar,
                    started_at=at,
                    due_at=at + dt.timedelta(hours=12),
                    met_at=arrive,
                )
            )
        for when, action, before, after, note in (
            (at, "tickets.ticket.reported", "", "", ""),
            (ack, "tickets.ticket.acknowledge", "new", "acknowledged", "已受理，正在联系科室。"),
            (arrive, "tickets.ticket.arrive", "acknowledged", "on_site", ""),
            (resolved, "tickets.ticket.resolve", "on_site", "resolved", "重启接口服务并清理队列。"),
            (closed, "tickets.ticket.confirm", "resolved", "closed", ""),
        ):
            events.append(
                Event(
                    ticket=ticket,
                    action=action,
                    actor=ticket.assignee if before else reporter,
                    at=when,
                    from_state=before,
                    to_state=after,
                    note=note,
                )
            )
        worklogs.append(
            Worklog(
                ticket=ticket,
                engineer=ticket.assignee,
                work_date=arrive.astimezone(SHANGHAI).date(),
                minutes=60 + n % 120,
                mode="on_site",
                description="现场排查接口服务，重启后恢复。",
            )
        )
    Ticket.objects.bulk_update(
        tickets, ["acknowledged_at", "arrived_at", "resolved_at", "closed_at"], batch_size=1000
    )
    TicketClock.objects.bulk_create(clocks, batch_size=2000)
    Event.objects.bulk_create(events, batch_size=5000)
    Worklog.objects.bulk_create(worklogs, batch_size=2000)
    _inspections(contract, engineers[0])
    return contract.pk


def _inspections(contract, engineer) -> None:
    """The four quarterly inspections and four ad-hoc ones, performed on site."""
    from decimal import Decimal

    from contracts.models import Role
    from inspections import services
    from inspections.models import Inspection
    from inspections.services import Answer

    manager = contract.vendor.memberships.get(role=Role.VENDOR_MANAGER).user
    template = contract.inspection_rules.first().template
    for month in (2, 5, 8, 11):
        services.plan_inspection(
            contract=contract,
            template=template,
            title=f"重大活动保障巡检 {YEAR}-{month:02d}",
            due_on=dt.date(YEAR, month, 20),
            window_starts_on=dt.date(YEAR, month, 1),
            by=manager,
            now=dt.datetime(YEAR, month, 1, 9, tzinfo=SHANGHAI),
        )
    for inspection in Inspection.objects.filter(contract=contract).order_by("due_on"):
        day = dt.datetime.combine(inspection.due_on, dt.time(9), tzinfo=SHANGHAI)
        inspection = services.start(inspection=inspection, by=engineer, mode="on_site", now=day)
        answers = []
        for result in inspection.results.all():
            if result.kind == "pass_fail":
                answers.append(Answer(result.pk, passed=True))
            elif result.kind == "measurement":
                answers.append(
                    Answer(result.pk, value=Decimal("95" if "磁盘" in result.name else "20"))
                )
            else:
                answers.append(Answer(result.pk, text="运行平稳，建议扩容磁盘。"))
        services.record_results(inspection=inspection, by=engineer, answers=answers, now=day)
        services.complete(
            inspection=inspection,
            by=engineer,
            findings="磁盘使用率偏高。",
            now=day + dt.timedelta(hours=3),
        )


def _render_once(contract_id: int, kind: str = "annual") -> dict:
    """In this (fresh) process: render the annual report with its bound book, or the last
    quarter's report without one ("quarterly-warm": after the warm-up a worker process does
    when it starts, so the figure is a warm worker's)."""
    import resource

    from contracts.models import Contract
    from reports import services
    from reports.periods import Period

    contract = Contract.objects.get(pk=contract_id)
    manager = contract.vendor.memberships.get(role="vendor_manager").user
    if kind == "quarterly-warm":
        # As a Celery worker process does when it starts (reports.tasks, worker_process_init).
        from reports.rendering import warm_up

        warm_up()
        kind = "quarterly"
    annual = kind == "annual"
    started, cpu_started = time.perf_counter(), time.process_time()
    report_file = services.request_report(
        contract=contract,
        kind=kind,
        period=Period.year(YEAR) if annual else Period.parse_quarter(f"{YEAR}-Q4"),
        by=manager,
        include_bound_book=annual,
        now=dt.datetime(YEAR, 12, 31, 18, tzinfo=SHANGHAI),
    )
    # Eager tasks render it as it is asked for; a worker may have claimed it already.
    done = services.run_render(report_file.pk) or report_file
    done.refresh_from_db()
    while done.is_unfinished:  # its parts are on the workers
        time.sleep(0.2)
        done.refresh_from_db()
    seconds = time.perf_counter() - started
    assert done.state == "done", done.error
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "seconds": seconds,
        "pages": done.pages,
        "bytes": done.size,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "render_cpu_s": time.process_time() - cpu_started,  # this process's share only
    }


def main() -> None:
    from bench.calendar_bench import _set_up_django

    if len(sys.argv) > 1 and sys.argv[1] == "--render":
        from bench.measure import _set_up_django as production_like

        production_like()  # the measured render: DEBUG forced off
        kind = sys.argv[3] if len(sys.argv) > 3 else "annual"
        print(json.dumps(_render_once(int(sys.argv[2]), kind)))
        return
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    _set_up_django()
    started = time.perf_counter()
    contract_id = _fill(count)
    print(f"filled {count} tickets and 8 inspections in {time.perf_counter() - started:.1f} s")
    results = [_render_in_child(contract_id, "annual") for _run in range(runs)]
    quarterly = [_render_in_child(contract_id, "quarterly") for _run in range(runs)]
    warm = [_render_in_child(contract_id, "quarterly-warm") for _run in range(runs)]
    seconds = [r["seconds"] for r in results]
    print(
        f"annual report with bound book, {count} tickets, 8 inspections, {runs} runs:\n"
        f"  pages {results[-1]['pages']}, file {results[-1]['bytes'] / 1e6:.2f} MB\n"
        f"  seconds median {statistics.median(seconds):.1f} (min {min(seconds):.1f}, "
        f"max {max(seconds):.1f})\n"
        f"  peak memory median {statistics.median(r['peak_rss_mb'] for r in results):.0f} MB"
        f" (one process{f' of {WORKERS} workers' if WORKERS else ''}), CPU seconds median "
        f"{statistics.median(r['cpu_s'] for r in results):.1f}"
        + (
            f", the busiest worker process's median {_median(results, 'busiest_cpu_s'):.1f}\n"
            if WORKERS
            else "\n"
        )
        + f"quarterly report (Q4), {runs} runs: pages {quarterly[-1]['pages']}, "
        f"seconds median {statistics.median(r['seconds'] for r in quarterly):.2f}, CPU seconds "
        f"median {statistics.median(r['render_cpu_s'] for r in quarterly):.2f} in a fresh "
        f"process; in a warmed-up worker process (reports.rendering.warm_up done) seconds median "
        f"{statistics.median(r['seconds'] for r in warm):.2f}, CPU seconds median "
        f"{statistics.median(r['render_cpu_s'] for r in warm):.2f}"
    )
    summary = {
        "tickets": count,
        "runs": runs,
        "annual": {
            "median_s": round(statistics.median(seconds), 1),
            "pages": results[-1]["pages"],
            "mb": round(results[-1]["bytes"] / 1e6, 2),
            "peak_rss_mb": round(statistics.median(r["peak_rss_mb"] for r in results)),
            "cpu_s": round(statistics.median(r["cpu_s"] for r in results), 1),
            "busiest_worker_cpu_s": round(_median(results, "busiest_cpu_s"), 1)
            if WORKERS
            else None,
            "workers": WORKERS,
        },
        "quarterly": {
            "median_s": round(statistics.median(r["seconds"] for r in quarterly), 2),
            "pages": quarterly[-1]["pages"],
            "cpu_s": round(statistics.median(r["render_cpu_s"] for r in quarterly), 2),
            "warm_median_s": round(statistics.median(r["seconds"] for r in warm), 2),
            "warm_cpu_s": round(statistics.median(r["render_cpu_s"] for r in warm), 2),
        },
    }
    print(json.dumps(summary))


WORKERS = int(os.environ.get("BENCH_RENDER_WORKERS", "0"))


def _median(results: list[dict], key: str) -> float:
    return statistics.median(r.get(key, 0.0) for r in results)


def _render_in_child(contract_id: int, kind: str) -> dict:
    workers = WORKERS if kind == "annual" else 0
    env = {**os.environ, "CELERY_TASK_ALWAYS_EAGER": "0" if workers else "1", "DEBUG": "0"}
    env.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)  # DEBUG off needs one
    worker = _start_worker(workers, env) if workers else None
    try:
        child = subprocess.run(
            [sys.executable, "-m", "bench.annual_report_bench", "--render", str(contract_id), kind],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        result = json.loads(child.stdout.strip().splitlines()[-1])
        if worker is not None:
            processes = _process_tree(worker.pid)
            result["workers"] = workers
            result["peak_rss_mb"] = max(p["peak_rss_mb"] for p in processes)
            result["cpu_s"] += sum(p["cpu_s"] for p in processes)
            # The busiest process's CPU seconds: the report's time on an idle machine, as
            # near as a loaded one tells (its wall time waits for other work too).
            result["busiest_cpu_s"] = max(p["cpu_s"] for p in processes)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=60)
    return result


def _start_worker(concurrency: int, env: dict) -> subprocess.Popen:
    """A Celery worker of `concurrency` processes, ready to take tasks."""
    worker = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "opsdesk", "worker", "-c", str(concurrency)),
            *("--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning"),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while len(_process_tree(worker.pid)) < concurrency + 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1)  # the pool's processes import the project
    return worker


def _process_tree(pid: int) -> list[dict]:
    """A process and its children (Linux /proc): peak memory and CPU seconds of each."""
    ticks = os.sysconf("SC_CLK_TCK")
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        if int(entry) != pid and int(stat[1]) != pid:
            continue
        peak_kb = next(
            (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM")),
            0,
        )
        found.append(
            {"peak_rss_mb": peak_kb / 1024, "cpu_s": (int(stat[11]) + int(stat[12])) / ticks}
        )
    return found


if __name__ == "__main__":
    main()
