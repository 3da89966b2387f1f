"""bench/api_load.py without a server: its arithmetic, its Lua quoting, and its clean-up
(which must remove everything a run filed, however the ticket models grow)."""

from __future__ import annotations

import argparse

import pytest
import time_machine

from bench import api_load
from tickets import services
from tickets.models import Ticket, TicketClock, TicketSequence


def test_server_set_ups_are_n_sync_workers_or_n_by_t_threads():
    assert api_load.ServerConfig.parse("3") == api_load.ServerConfig(3, 1)
    assert api_load.ServerConfig.parse("3").worker_class == "sync"
    assert api_load.ServerConfig.parse("2x4") == api_load.ServerConfig(2, 4)
    assert api_load.ServerConfig.parse("2x4").worker_class == "gthread"
    for bad in ("", "x2", "0", "two"):
        with pytest.raises(argparse.ArgumentTypeError):
            api_load.ServerConfig.parse(bad)


def test_lua_strings_carry_any_text_as_decimal_escapes():
    assert api_load.lua_string('a"b\\c') == '"a\\034b\\092c"'
    # Three digits always: "\341" would be read as one (invalid) escape.
    assert api_load.lua_string('":1') == '"\\034:1"'
    assert api_load.lua_string("压") == '"\\229\\142\\139"'


def wrk_result(statuses: dict, seconds: float = 10.0) -> dict:
    return {
        "requests": sum(statuses.values()),
        "duration_us": int(seconds * 1e6),
        "bytes": 0,
        "errors": {"connect": 0, "read": 1, "write": 0, "status": 0, "timeout": 0},
        "latency_us": {
            "min": 1000,
            "max": 90000,
            "mean": 20000.0,
            "stdev": 5000.0,
            "percentiles": {
                "50": 18000,
                "75": 22000,
                "90": 30000,
                "95": 41000,
                "99": 60000,
                "99.9": 88000,
            },
        },
        "statuses": statuses,
        "sample": "",
    }


def test_the_summary_counts_creates_a_second_and_every_answer_that_is_not_2xx():
    cpu = {
        "gunicorn": 0.0,
        "postgres": 0.0,
        "redis": 0.0,
        "wrk": 0.0,
        "harness": 0.0,
        "machine_busy": 0.0,
        "machine_total": 0.0,
    }
    after = {
        **cpu,
        "gunicorn": 20.0,
        "postgres": 4.0,
        "machine_busy": 25.0,
        "machine_total": 20.0 * 2 * 10 / 20,
    }
    run = api_load.summarise(
        api_load.ServerConfig(2),
        wrk_result({"201": 50}, 3),
        wrk_result({"201": 3000, "500": 2, "429": 1}),
        cpu,
        after,
    )
    assert run["creates_per_second"] == 300.0
    assert (run["non_2xx"], run["errors"]) == (3, 1)
    assert run["latency_ms"]["p95"] == 41.0
    assert run["cpu"]["ms_per_request"]["gunicorn"] == round(20000 / 3003, 2)
    assert not api_load.meets_target(run)  # three answers were not 2xx, one socket error


@pytest.mark.django_db
def test_clean_up_deletes_what_a_run_filed_and_nothing_else(demo):
    with time_machine.travel("2026-09-15 10:00 +08:00", tick=True):
        from django.utils import timezone

        kept = services.report_ticket(
            contract=demo["yn-his"],
            system=demo["yn-his"].systems.first(),
            service_class=demo["yn-his"].service_classes.get(level=1),
            title="真实工单",
            description="不是压测。",
            reporter=demo["yn-his"].hospital.memberships.get(role="reporter").user,
            contact_phone="13726380001",
        )
        target = api_load.choose_target(None, None)
        assert target.contract == "yn-his"
        since = timezone.now()
        api_load.issue_bench_tokens(target, 2)
        api_load.issue_bench_tokens(target, 2)  # a second run replaces, never piles up
        body = target.body("run-1")
        for _ in range(3):
            services.report_ticket(
                contract=demo["yn-his"],
                system=demo["yn-his"].systems.get(pk=body["system"]),
                service_class=demo["yn-his"].service_classes.get(level=body["level"]),
                title=body["title"],
                description=body["description"],
                reporter=kept.reporter,
                contact_phone=body["contact_phone"],
            )
        assert api_load.bench_tickets(target, since).count() == 3
        # Redis is not needed to clean up: nothing answers on this port.
        report = api_load.clean_up(target, since, "run-1", "redis://127.0.0.1:9/0")
    assert report["tickets_deleted"] == 3
    assert report["broker_messages_removed"] is None
    assert report["audit_entries_left"] == 3  # append-only
    assert list(Ticket.objects.values_list("pk", flat=True)) == [kept.pk]
    assert TicketClock.objects.exclude(ticket=kept).count() == 0
    # The sequence is wound back to the last real ticket: the next one is YN-2026-00002.
    assert TicketSequence.objects.get(hospital=kept.contract.hospital, year=2026).last == 1
    assert not kept.reporter.api_tokens.filter(name__startswith=api_load.TOKEN_NAME).exists()
