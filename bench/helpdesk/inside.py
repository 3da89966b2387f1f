"""The half of the side-by-side that runs inside the throwaway django-helpdesk venv.

`python bench/helpdesk/inside.py fill|measure --tickets N [--runs R]`, started by
`python -m bench.helpdesk` with DJANGO_SETTINGS_MODULE=site_settings, BENCH_HELPDESK_DB and
BENCH_PG_URL set. Running this file puts its own folder (site_settings, site_urls) on sys.path,
and nothing of OpsDesk's. Progress goes to stderr; the result, one JSON object, to stdout.

fill     creates the database if missing, migrates it, and fills it unless a fill marker says
         it already holds the same population (same --tickets, fill version, helpdesk version).
measure  times helpdesk's ticket list (the HTML shell and its JSON rows) and its dashboard
         with Django's test client, signed in as a staff member who sees every queue.
serve    the same pages, one request each time bench.compare asks on stdin (--rows: the
         rows the list asks for), so that OpsDesk and helpdesk are timed turn about.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import random
import re
import statistics
import sys
import time
import uuid
import warnings
from contextlib import closing
from datetime import datetime, timedelta
from importlib.metadata import version
from urllib.parse import unquote, urlsplit

import psycopg2
from psycopg2 import sql

# Bump when the population below changes: a database filled by another version is refilled.
FILL_VERSION = 2
WARM_UPS = 3
MEASURED_USER = "engineer01"  # one of the engineers: staff, sees all queues, holds 1/40 of them

HOSPITALS = 50
SYSTEMS = ("HIS", "LIS", "PACS", "EMR")  # a maintenance contract per hospital and system
STAFF = 40
REPORTERS_PER_HOSPITAL = 8
YEARS = 3
OPEN_SHARE = 0.05
REOPENED_SHARE_OF_OPEN = 0.10
RESOLVED_SHARE_OF_DONE = 0.10  # resolved and not yet confirmed; the rest are closed
UNASSIGNED_SHARE_OF_OPEN = 0.15  # new, nobody has taken them yet
OPEN_AGE_MEAN_DAYS = 20  # open tickets are mostly recent: their age is exponential
PRIORITY_WEIGHTS = {1: 2, 2: 13, 3: 60, 4: 20, 5: 5}  # 1 critical … 5 very low, in %
HOURS_TO_RESOLVE = {1: 4, 2: 24, 3: 72, 4: 120, 5: 240}  # typical; each ticket ×0.2–2
BATCH = 10_000

OPEN, REOPENED, RESOLVED, CLOSED = 1, 2, 3, 4
FAULTS = (
    "workstation cannot log in",
    "report printing fails",
    "interface to the lab system times out",
    "outpatient queries are slow",
    "nightly data sync reported errors",
    "prescription screen freezes",
    "images do not load in the viewer",
    "invoice numbers skipped",
    "user account locked",
    "barcode labels misprinted",
)
COMMENTS = (
    "Called the ward, reproduced the fault.",
    "Remote session opened, collecting logs.",
    "Waiting for the hospital's IT to restart the service.",
    "Workaround given, root cause under investigation.",
)


class Refused(Exception):
    """An expected condition that stops the run with a message and no traceback."""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the database ------------------------------------------------------------------------------


def server_connection(dbname: str):
    server = urlsplit(os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432"))
    try:
        connection = psycopg2.connect(
            dbname=dbname,
            user=unquote(server.username or "postgres"),
            password=unquote(server.password or ""),
            host=server.hostname or "127.0.0.1",
            port=server.port or 5432,
            connect_timeout=5,
        )
    except psycopg2.OperationalError as error:
        where = f"{server.hostname or '127.0.0.1'}:{server.port or 5432}"
        reason = str(error).strip().splitlines()[0]
        raise Refused(f"PostgreSQL at {where} (BENCH_PG_URL) is unreachable: {reason}") from None
    connection.autocommit = True
    return connection


def fill_marker(dbname: str) -> dict | None:
    """What the last completed fill of this database recorded, or None."""
    with closing(server_connection("postgres")) as admin, admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname])
        if cursor.fetchone() is None:
            return None
    with closing(server_connection(dbname)) as connection, connection.cursor() as cursor:
        try:
            cursor.execute("SELECT marker FROM bench_fill")
        except psycopg2.errors.UndefinedTable:
            return None
        row = cursor.fetchone()
    return row[0] if row else None


def recreate_database(dbname: str) -> None:
    name = sql.Identifier(dbname)
    with closing(server_connection("postgres")) as admin, admin.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(name))


# --- filling -----------------------------------------------------------------------------------


def fill(tickets: int) -> dict:
    dbname = os.environ["BENCH_HELPDESK_DB"]
    wanted = {
        "fill_version": FILL_VERSION,
        "tickets": tickets,
        "helpdesk_version": version("django-helpdesk"),
    }
    marker = fill_marker(dbname)
    if marker and all(marker.get(key) == value for key, value in wanted.items()):
        log(f"{dbname}: already filled with {tickets} tickets, reused")
        return {**marker, "reused": True}

    log(f"{dbname}: (re)creating and migrating")
    recreate_database(dbname)
    import django
    from django.core.management import call_command

    django.setup()
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    migrate_seconds = time.perf_counter() - started

    log(f"{dbname}: filling {tickets} tickets")
    started = time.perf_counter()
    population = populate(tickets)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    fill_seconds = time.perf_counter() - started

    marker = {
        **wanted,
        "population": population,
        "migrate_seconds": round(migrate_seconds, 1),
        "fill_seconds": round(fill_seconds, 1),
        "filled_at": datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_fill (marker jsonb NOT NULL)")
        cursor.execute("INSERT INTO bench_fill VALUES (%s)", [json.dumps(marker)])
    log(f"{dbname}: filled in {fill_seconds:.1f} s")
    return {**marker, "reused": False}


def populate(tickets: int) -> dict:
    """Queues and staff through the ORM (helpdesk's signals and save() run), then the
    tickets and their follow-ups by COPY, with the ids given in order of creation."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from django.utils import timezone
    from helpdesk.models import Queue

    rng = random.Random(20260101)
    now = timezone.now().replace(microsecond=0)
    password = make_password("bench")
    staff_ids = [
        User.objects.create(
            username=f"engineer{number:02d}",
            email=f"engineer{number:02d}@vendor.example",
            first_name="Engineer",
            last_name=f"{number:02d}",
            is_staff=True,
            password=password,
        ).pk
        for number in range(1, STAFF + 1)
    ]
    queues = []  # (id, hospital, system)
    for hospital in range(1, HOSPITALS + 1):
        for system in SYSTEMS:
            queue = Queue.objects.create(
                title=f"Hospital {hospital:02d} {system} maintenance",
                slug=f"h{hospital:02d}-{system.lower()}",
                email_address=f"h{hospital:02d}-{system.lower()}@vendor.example",
                allow_email_submission=False,
            )
            queues.append((queue.pk, hospital, system))
    queue_weights = [rng.uniform(0.5, 2.0) for _ in queues]

    span = timedelta(days=365 * YEARS)
    open_indices = set(rng.sample(range(tickets), round(tickets * OPEN_SHARE)))
    is_open = [index in open_indices for index in range(tickets)]
    ages = [
        min(span, timedelta(days=rng.expovariate(1 / OPEN_AGE_MEAN_DAYS)))
        if open_
        else span * rng.random()
        for open_ in is_open
    ]
    order = sorted(range(tickets), key=lambda index: ages[index], reverse=True)  # oldest first
    counts = {"open": 0, "reopened": 0, "resolved": 0, "closed": 0, "unassigned": 0}
    counts |= {f"priority_{priority}": 0 for priority in PRIORITY_WEIGHTS}
    counts["followups"] = 0

    from django.db import connection

    for batch_start in range(0, tickets, BATCH):
        ticket_rows, followup_rows = [], []
        for ticket_id in range(batch_start + 1, min(tickets, batch_start + BATCH) + 1):
            index = order[ticket_id - 1]
            created = now - ages[index]
            queue_id, hospital, system = rng.choices(queues, weights=queue_weights)[0]
            priority = rng.choices(list(PRIORITY_WEIGHTS), list(PRIORITY_WEIGHTS.values()))[0]
            if is_open[index]:
                status = REOPENED if rng.random() < REOPENED_SHARE_OF_OPEN else OPEN
                assigned = (
                    None if rng.random() < UNASSIGNED_SHARE_OF_OPEN else rng.choice(staff_ids)
                )
                ended = now
            else:
                status = RESOLVED if rng.random() < RESOLVED_SHARE_OF_DONE else CLOSED
                assigned = rng.choice(staff_ids)
                hours = HOURS_TO_RESOLVE[priority] * rng.uniform(0.2, 2.0)
                ended = min(now, created + timedelta(hours=hours))
            fault = rng.choice(FAULTS)
            timeline = ticket_timeline(rng, created, ended, status, assigned, staff_ids)
            for date, title, comment, public, user, new_status in timeline:
                followup_rows.append((ticket_id, date, title, comment, public, user, new_status))
            done = status in (RESOLVED, CLOSED)
            ticket_rows.append(
                (
                    ticket_id,
                    f"{system}: {fault}",
                    created,
                    timeline[-1][0],
                    f"reporter{rng.randrange(REPORTERS_PER_HOSPITAL) + 1}"
                    f"@hospital{hospital:02d}.example",
                    status,
                    False,
                    f"Reported by the ward: {fault}. Please check and call back.",
                    f"Fixed on site: {fault}." if done else None,
                    priority,
                    created + timedelta(hours=HOURS_TO_RESOLVE[priority]),
                    assigned,
                    queue_id,
                    str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                )
            )
            counts[
                {OPEN: "open", REOPENED: "reopened", RESOLVED: "resolved"}.get(status, "closed")
            ] += 1
            counts[f"priority_{priority}"] += 1
            counts["unassigned"] += assigned is None
        counts["followups"] += len(followup_rows)
        with connection.cursor() as cursor:
            copy_rows(
                cursor,
                "helpdesk_ticket (id, title, created, modified, submitter_email, status, on_hold,"
                " description, resolution, priority, due_date, assigned_to_id, queue_id,"
                " secret_key)",
                ticket_rows,
            )
            copy_rows(
                cursor,
                "helpdesk_followup (ticket_id, date, title, comment, public, user_id, new_status)",
                followup_rows,
            )
        log(f"  {batch_start + len(ticket_rows)} tickets")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('helpdesk_ticket', 'id'), %s)", [tickets]
        )
    return {"queues": len(queues), "staff": STAFF, "hospitals": HOSPITALS, **counts}


def ticket_timeline(rng, created, ended, status, assigned, staff_ids) -> list[tuple]:
    """2–4 follow-ups: opened, comments, and for a ticket that moved on, its last move."""
    worker = assigned or rng.choice(staff_ids)
    count = rng.randint(2, 4)
    last_move = {RESOLVED: "Resolved", CLOSED: "Closed", REOPENED: "Reopened"}.get(status)
    comments = count - 1 - (last_move is not None)
    moments = sorted(created + (ended - created) * rng.random() for _ in range(count - 1))
    timeline = [(created, "Ticket Opened", "Filed by the hospital.", True, None, None)]
    for moment in moments[:comments]:
        timeline.append((moment, "Comment", rng.choice(COMMENTS), False, worker, None))
    if last_move:
        moment = ended if status != REOPENED else moments[-1]
        timeline.append((moment, last_move, f"{last_move} by the engineer.", True, worker, status))
    return timeline


def copy_rows(cursor, table: str, rows: list[tuple]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([csv_value(value) for value in row] for row in rows)
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} FROM STDIN WITH (FORMAT csv)", buffer)


def csv_value(value):
    """COPY's CSV: an unquoted empty field is NULL, booleans are t/f, times are ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    return value


# --- measuring ---------------------------------------------------------------------------------


class Site:
    """helpdesk's pages as the measured engineer asks for them (Django's test client)."""

    def __init__(self, tickets: int, rows: int | None = None) -> None:
        import django

        # helpdesk's dashboard filters on dates given as naive strings; Django warns each time.
        warnings.filterwarnings("ignore", "DateTimeField Ticket.created received a naive datetime")
        django.setup()
        from django.contrib.auth.models import User
        from django.db import connection
        from django.test import Client
        from django.urls import reverse
        from helpdesk.models import Ticket

        if Ticket.objects.count() != tickets:
            raise Refused(f"{connection.settings_dict['NAME']} does not hold {tickets} tickets")
        self.user = User.objects.get(username=MEASURED_USER)
        self.client = Client()
        self.client.force_login(self.user)

        # The list page as the browser loads it: the HTML shell, whose DataTable then asks the
        # JSON endpoint for the first page of the default query (open and reopened tickets,
        # oldest first), with the page length the shell carries (the user's tickets_per_page)
        # unless `rows` asks for another (like for like with a page of that many rows).
        self.shell_url = reverse("helpdesk:list")
        shell = self.client.get(self.shell_url)
        expect_ok("ticket list", shell)
        html = shell.content.decode()
        rows_match = re.search(r'"url": "([^"]*/datatables_ticket_list/[^"]*)"', html)
        length_match = re.search(r"id=\"ticketTable\" data-page-length='(\d+)'", html)
        if not rows_match or not length_match:
            raise Refused("the ticket list page no longer names its rows endpoint or page length")
        self.rows_url = rows_match.group(1)
        self.page_length = rows or int(length_match.group(1))
        self.rows_params = {
            "draw": "1",
            "start": "0",
            "length": str(self.page_length),
            "search[value]": "",
            "search[regex]": "false",
        }
        self.dashboard_url = reverse("helpdesk:dashboard")

    def get(self, name: str, url: str, params: dict):
        response = self.client.get(url, params)
        expect_ok(name, response)
        return response


def measure(tickets: int, runs: int) -> dict:
    site = Site(tickets)  # sets Django up
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from helpdesk.models import Queue, Ticket
    from helpdesk.query import query_from_base64
    from helpdesk.user import HelpdeskUser

    user, client = site.user, site.client

    shell_url, rows_url, rows_params = site.shell_url, site.rows_url, site.rows_params
    page_length, dashboard_url = site.page_length, site.dashboard_url

    last: dict[str, dict] = {}  # per part, what its last timed request answered

    def timed(parts: dict[str, tuple[str, dict]]) -> dict:
        times = {name: [] for name in parts}
        for run in range(-WARM_UPS, runs):
            for name, (url, params) in parts.items():
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = client.get(url, params)
                    elapsed_ms = (time.perf_counter() - started) * 1000
                expect_ok(name, response)
                if run >= 0:
                    times[name].append(elapsed_ms)
                    last[name] = {
                        "url": url,
                        "params": params,
                        "status": response.status_code,
                        "bytes": len(response.content),
                        "queries": len(queries),
                        "content": response.content,
                    }
        return times

    queue_times = timed({"shell": (shell_url, {}), "rows": (rows_url, rows_params)})
    dashboard_times = timed({"dashboard": (dashboard_url, {})})

    rows = json.loads(last["rows"].pop("content"))
    if len(rows["data"]) != min(page_length, rows["recordsTotal"]):
        raise Refused(f"the rows endpoint returned {len(rows['data'])} rows, not a full page")
    parts = {
        name: {**summary(queue_times[name]), **without_content(last[name])}
        for name in ("shell", "rows")
    }
    parts["rows"]["query"] = query_from_base64(rows_url.rsplit("/", 1)[1])
    parts["rows"]["rows_returned"] = len(rows["data"])
    parts["rows"]["records_total"] = rows["recordsTotal"]
    per_run_sums = [a + b for a, b in zip(queue_times["shell"], queue_times["rows"], strict=True)]
    dashboard = last["dashboard"]
    return {
        "user": {
            "username": user.username,
            "is_staff": user.is_staff,
            "queues_visible": len(HelpdeskUser(user).get_queues()),
            "queues_total": Queue.objects.count(),
            "assigned_open": Ticket.objects.filter(assigned_to=user, status__in=[1, 2]).count(),
            "assigned_total": Ticket.objects.filter(assigned_to=user).count(),
        },
        "page_length": page_length,
        "warm_ups": WARM_UPS,
        "queue": {
            **summary(per_run_sums),
            "queries": parts["shell"]["queries"] + parts["rows"]["queries"],
            "status": max(parts["shell"]["status"], parts["rows"]["status"]),
            "bytes": parts["shell"]["bytes"] + parts["rows"]["bytes"],
            "parts": parts,
        },
        "dashboard": {**summary(dashboard_times["dashboard"]), **without_content(dashboard)},
    }


def serve(tickets: int, rows: int) -> None:
    """One request at a time, as bench.compare asks over stdin (one JSON line: {"case":
    "queue" or "dashboard", "count_queries": bool}); each answer, one JSON line on stdout:
    the request's wall and CPU milliseconds (and its queries when asked, counted apart from
    the timing). The first line out says what is measured."""
    import django

    site = Site(tickets, rows)
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from helpdesk.models import Queue

    def queue() -> dict:
        shell = site.get("ticket list", site.shell_url, {})
        answer = site.get("rows", site.rows_url, site.rows_params)
        listed = len(json.loads(answer.content)["data"])
        return {"bytes": len(shell.content) + len(answer.content), "rows": listed}

    def dashboard() -> dict:
        return {"bytes": len(site.get("dashboard", site.dashboard_url, {}).content)}

    cases = {"queue": queue, "dashboard": dashboard}
    say(
        {
            "side": "django-helpdesk",
            "django_helpdesk": version("django-helpdesk"),
            "django": django.get_version(),
            "python": sys.version.split()[0],
            "debug": settings.DEBUG,
            "tickets": tickets,
            "queues": Queue.objects.count(),
            "user": site.user.username,
            "rows_asked": site.page_length,
        }
    )
    for line in sys.stdin:
        asked = json.loads(line)
        action = cases[asked["case"]]
        if asked.get("count_queries"):
            with CaptureQueriesContext(connection) as queries:
                done = action()
            say({**done, "queries": len(queries)})
            continue
        cpu, wall = time.process_time(), time.perf_counter()
        done = action()
        say(
            {
                **done,
                "ms": (time.perf_counter() - wall) * 1000,
                "cpu_ms": (time.process_time() - cpu) * 1000,
            }
        )


def say(message: dict) -> None:
    print(json.dumps(message, default=str), flush=True)


def expect_ok(name: str, response) -> None:
    if response.status_code != 200:
        raise Refused(
            f"{name}: {response.request['PATH_INFO']} answered {response.status_code}, not 200"
        )


def without_content(last: dict) -> dict:
    return {key: value for key, value in last.items() if key != "content"}


def summary(times_ms: list[float]) -> dict:
    """Median and the nearest-rank 95th percentile, in milliseconds."""
    ordered = sorted(times_ms)
    return {
        "median_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[math.ceil(0.95 * len(ordered)) - 1], 2),
        "min_ms": round(ordered[0], 2),
        "runs": len(ordered),
    }


# --- entry point -------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("command", choices=["fill", "measure", "serve"])
    parser.add_argument("--tickets", type=int, required=True)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--rows", type=int, help="serve: the rows the ticket list asks for")
    args = parser.parse_args()
    if args.command == "serve":
        try:
            serve(args.tickets, args.rows)
        except Refused as refusal:
            log(f"bench.helpdesk: {refusal}")
            return 2
        return 0
    try:
        result = fill(args.tickets) if args.command == "fill" else measure(args.tickets, args.runs)
    except Refused as refusal:
        log(f"bench.helpdesk: {refusal}")
        return 2
    result["versions"] = {
        "django_helpdesk": version("django-helpdesk"),
        "django": version("django"),
        "python": sys.version.split()[0],
    }
    print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
