"""Server-side timings of one benchmark population, as JSON.

`DATABASE_URL=… python -m bench.measure [--runs 30] [--quick]` against a database that
bench.population filled. Pages are requested in-process through Django's test client (the
whole request: middleware, session, view, template), so the figure is the server's time
without the network; every case records its median, p95 and the queries of its last request.
The breach sweep is asked about the population's reference time and rolled back, so the
database is the same after a run as before it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import statistics
import sys
import time
from collections.abc import Callable

WARM_UP = 3


def _set_up_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opsdesk.settings")
    # Forced, not defaulted: an exported DEBUG=1 would measure the debug server (every query
    # logged, templates debugged) and the figures would still look like production's.
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    import django

    django.setup()
    from django.conf import settings

    if settings.DEBUG:
        raise SystemExit("bench.measure measures with DEBUG off; the settings turned it on.")

    settings.ALLOWED_HOSTS = ["*"]
    # The test client's requests are plain HTTP; production's HTTPS redirect would answer 301.
    settings.SECURE_SSL_REDIRECT = False
    # Production serves collected, hashed files; the bench has not run collectstatic.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def machine() -> dict:
    """What the figures were measured on and with: printed beside them, so that a figure
    from a busy machine or another Django is seen as such."""
    import django
    from django.conf import settings

    return {
        "django": django.get_version(),
        "python": platform.python_version(),
        "debug": settings.DEBUG,
        "load_average": [round(load, 2) for load in os.getloadavg()],
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def timed(action: Callable[[], object], runs: int) -> dict:
    """Median and p95 of `runs` calls in milliseconds, after a warm-up."""
    for _ in range(WARM_UP):
        action()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "median_ms": round(statistics.median(timings), 2),
        "p95_ms": round(percentile(timings, 0.95), 2),
        "runs": runs,
        # The machine's 1-minute load while this figure was measured.
        "load_1m": round(os.getloadavg()[0], 2),
    }


def queries_of(action: Callable[[], object]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured.captured_queries)


class Page:
    """GET one URL as one user and check it answered 200."""

    def __init__(self, user, url: str) -> None:
        from django.test import Client

        self.client = Client()
        if user is not None:
            self.client.force_login(user)
        self.url = url

    def __call__(self):
        response = self.client.get(self.url)
        if response.status_code != 200:
            raise RuntimeError(f"{self.url} answered {response.status_code}")
        return response


def measure_page(user, url: str, runs: int) -> dict:
    page = Page(user, url)
    return {**timed(page, runs), "queries": queries_of(page), "url": url}


NEXT_PAGE = re.compile(r'href="([^"]*cursor=[^"]*)"')


def deep_pages(user, first_url: str, pages: int) -> dict:
    """Follow the queue's "next page" link page after page: each costs what the first does."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    for _ in range(WARM_UP):
        client.get(first_url)
    url, timings = first_url, []
    for _ in range(pages):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        found = NEXT_PAGE.search(response.content.decode())
        if not found:
            break
        url = found.group(1).replace("&amp;", "&")
    return {
        "pages": len(timings),
        "slowest_ms": round(max(timings), 2),
        "last_ms": round(timings[-1], 2),
        "load_1m": round(os.getloadavg()[0], 2),
    }


def sweep_cases(reference: dt.datetime, runs: int) -> dict:
    """The sweep with nothing due, its query alone, and with 500 and 1 000 clocks newly due;
    each busy case runs inside a transaction that is rolled back."""
    from django.db import connection, transaction

    from tickets.escalation import claimable, sweep
    from tickets.models import TicketClock

    def query_alone():
        return list(claimable("breach", reference).values_list("pk", flat=True)[:500])

    cases = {
        "idle": timed(lambda: sweep(reference), runs),
        "query": {**timed(query_alone, runs), "queries": queries_of(query_alone)},
    }
    for due in (500, 1000):
        timings = []
        for _ in range(max(3, runs // 10)):
            with transaction.atomic():
                ids = list(
                    TicketClock.objects.filter(
                        met_at__isnull=True,
                        is_active=True,
                        breached_at__isnull=True,
                        due_at__gt=reference,
                    ).values_list("pk", flat=True)[:due]
                )
                # Newly due: their warnings were told at the time, the breaches are news.
                TicketClock.objects.filter(pk__in=ids).update(
                    due_at=reference - dt.timedelta(minutes=1),
                    warn_at=reference - dt.timedelta(minutes=30),
                    warned_at=reference - dt.timedelta(minutes=30),
                )
                started = time.perf_counter()
                result = sweep(reference)
                timings.append((time.perf_counter() - started) * 1000)
                transaction.set_rollback(True)
        cases[f"due_{due}"] = {
            "median_ms": round(statistics.median(timings), 1),
            "breached": result.breached,
            "warned": result.warned,
            "load_1m": round(os.getloadavg()[0], 2),
        }
    with connection.cursor() as cursor:
        query = claimable("breach", reference).values("pk")[:500].query
        sql, params = query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        cases["query"]["plan"] = [line for (line,) in cursor.fetchall()]
    return cases


def deadline_per_call() -> dict:
    from bench import calendar_bench

    rows = calendar_bench.run()
    return {row["case"]: row for row in rows}


def ticket_page_case(engineer, runs: int) -> dict:
    """The ticket page of the engineer's busiest system: its latest open ticket, whose page
    compares its title with every earlier ticket of that system in the contract's recurrence
    window (tickets.recurrence_candidates), the most there are to compare."""
    from django.db.models import Count

    from tickets.recurrence_candidates import earlier_in_window
    from tickets.selectors import vendor_queue

    queue = vendor_queue(engineer).select_related(None)
    busiest = queue.values("system").order_by().annotate(n=Count("id")).order_by("-n").first()
    ticket = (
        queue.filter(system=busiest["system"], recurrence_of=None)
        .select_related("contract")
        .order_by("-created_at")
        .first()
    )
    return {
        **measure_page(engineer, ticket.get_absolute_url(), runs),
        "number": ticket.number,
        "earlier_in_window": earlier_in_window(ticket).count(),
    }


def hospital_api_list_case(runs: int) -> dict:
    """The hospital's most urgent open ticket, as a monitoring screen in the hospital polls
    it with a token of the hospital's IT (`?open=true&page_size=1`): the hospital with the
    fewest open tickets of all, whose few must not cost a walk through every other
    hospital's by deadline. The token is rolled back with the run."""
    from django.db import transaction
    from django.db.models import Count, Q

    from api.tokens import issue_token
    from contracts.models import Membership, Organization, OrganizationKind, Role
    from tickets.models import OPEN_STATES

    hospital = (
        Organization.objects.filter(
            kind=OrganizationKind.HOSPITAL, memberships__role=Role.HOSPITAL_IT
        )
        .annotate(
            open_tickets=Count(
                "hospital_contracts__tickets",
                filter=Q(hospital_contracts__tickets__state__in=OPEN_STATES),
                distinct=True,
            )
        )
        .order_by("open_tickets", "code")
        .first()
    )
    person = (
        Membership.objects.filter(organization=hospital, role=Role.HOSPITAL_IT)
        .order_by("user__username")
        .first()
        .user
    )
    url = "/api/v1/tickets/?open=true&page_size=1"
    with transaction.atomic():
        _token, raw = issue_token(
            user=person, organization=hospital, name="bench.measure", rate_limit_per_minute=10**6
        )
        page = Page(None, url)
        page.client.defaults["HTTP_AUTHORIZATION"] = f"Token {raw}"
        page()  # the token's first use records it (once a minute), outside the figures
        result = {**timed(page, runs), "queries": queries_of(page), "url": url}
        transaction.set_rollback(True)
    return {**result, "hospital": hospital.code, "open_tickets": hospital.open_tickets}


def api_create_case(runs: int) -> dict:
    """POST /api/v1/tickets/ in-process, as a hospital system files a fault with its token:
    wall and CPU time (time.process_time: this process only, not PostgreSQL) and the
    queries of one filing. Each filing is rolled back, so the population stays as it was."""
    import json as json_module

    from django.db import transaction
    from django.test import Client
    from django.utils import timezone

    from api.models import ApiToken
    from api.tokens import issue_token
    from bench import api_load
    from contracts.models import Organization

    target = api_load.choose_target(None, None)
    body = json_module.dumps(target.body("measure"), ensure_ascii=False)
    client = Client()

    def create():
        response = client.post(
            "/api/v1/tickets/", body, content_type="application/json", headers=headers
        )
        if response.status_code != 201:
            raise RuntimeError(f"API create answered {response.status_code}: {response.content}")
        return response

    def rolled_back(action):
        def run():
            with transaction.atomic():
                action()
                transaction.set_rollback(True)

        return run

    def in_use(token) -> None:
        # A token in use records its last use once a minute (api.tokens.token_for); here
        # each filing's record of it is rolled back with the filing, so without this every
        # filing would write it again.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())

    with transaction.atomic():
        token, raw = issue_token(
            user=api_load._user(target.reporter_id),
            organization=Organization.objects.get(pk=target.hospital_id),
            name="bench.measure api create",
            rate_limit_per_minute=1_000_000,
        )
        headers = {"Authorization": f"Token {raw}"}
        in_use(token)
        wall = timed(rolled_back(create), runs)
        in_use(token)
        cpu = []
        for _ in range(runs):
            started = time.process_time()
            rolled_back(create)()
            cpu.append((time.process_time() - started) * 1000)
        # One filing's statements, the transaction's own included (BEGIN is the savepoint
        # of the rolled-back block here; in production, the request's transaction).
        in_use(token)
        queries = queries_of(create)
        transaction.set_rollback(True)
    return {
        **wall,
        "cpu_median_ms": round(statistics.median(cpu), 2),
        "queries": queries,
        "contract": target.contract,
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument(
        "--cases",
        default="queue,ticket,dashboard,portfolio,sweep,deadline,search,api_create",
    )
    args = parser.parse_args(argv)
    cases = set(args.cases.split(","))
    _set_up_django()
    from django.utils import timezone

    from bench.population import recorded_population
    from contracts.models import Contract, Membership
    from tickets.models import Ticket

    population = recorded_population()
    if population is None:
        raise SystemExit("This database holds no benchmark population: run bench.population.")
    reference = dt.datetime.fromisoformat(population["reference_time"])
    engineer = Membership.objects.get(user__username="bench-eng-01").user
    manager = (
        Membership.objects.filter(organization__code="NYYX", role="vendor_manager").first().user
    )
    result: dict = {"population": population, "machine": machine()}
    print(
        "bench.measure: Django {django}, Python {python}, DEBUG {debug}, "
        "load average {load_average}".format(**result["machine"]),
        file=sys.stderr,
        flush=True,
    )
    # The login form, anonymous: the request path without a query, the machine's yardstick.
    result["baseline"] = measure_page(None, "/accounts/login/", args.runs)
    if "queue" in cases:
        result["queue"] = measure_page(engineer, "/queue/", args.runs)
        result["queue_api"] = measure_page(engineer, "/api/v1/tickets/?open=true", args.runs)
        result["queue_40_pages"] = deep_pages(engineer, "/queue/", 40)
        result["hospital_api_list"] = hospital_api_list_case(args.runs)
    if "ticket" in cases:
        result["ticket"] = ticket_page_case(engineer, args.runs)
    if "dashboard" in cases:
        busiest = (
            Ticket.objects.values("contract")
            .order_by("contract")
            .annotate(n=__import__("django.db.models", fromlist=["Count"]).Count("id"))
            .order_by("-n")
            .first()
        )
        contract = Contract.objects.get(pk=busiest["contract"])
        quarter = f"{reference.year}-Q{(reference.month - 1) // 3 + 1}"
        result["dashboard"] = {
            **measure_page(
                manager, f"/contracts/{contract.code}/dashboard/?quarter={quarter}", args.runs
            ),
            "contract_tickets": busiest["n"],
        }
    if "portfolio" in cases:
        # The vendor manager's home page: every contract of theirs in force today, one row
        # each (reports.portfolio), the like-for-like of helpdesk's dashboard.
        from reports.portfolio import managed_contracts

        today = timezone.localdate()
        result["portfolio"] = {
            **measure_page(manager, "/portfolio/", args.runs),
            "contracts": managed_contracts(manager, today).count(),
        }
    if "sweep" in cases:
        result["sweep"] = sweep_cases(reference, args.runs)
    if "deadline" in cases:
        result["deadline"] = deadline_per_call()
    if "search" in cases:
        from bench.search_bench import search_cases

        result["search"] = search_cases(engineer, args.runs)
    if "api_create" in cases:
        result["api_create"] = api_create_case(args.runs)
    result["machine_after"] = machine()
    json.dump(result, sys.stdout, default=str)


if __name__ == "__main__":
    main(sys.argv[1:])
