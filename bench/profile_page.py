"""Where one page's time goes: its CPU per request, its queries, and a cProfile of it.

`DATABASE_URL=… python -m bench.profile_page [--url /queue/] [--user bench-eng-01]
[--runs 200] [--profile 30] [--html page.html]` against a bench.population database.

The page is requested in-process through the test client with DEBUG off, as bench.measure
does. The figure is the process's CPU time per request (time.process_time): on a machine
whose cores other work shares, wall-clock time says more about the neighbours than about the
page, while the CPU the page itself burns is what a change to it moves. PostgreSQL's own time
is not in it (another process): the queries are counted instead.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import statistics
import sys
import time
from pathlib import Path

from bench.measure import WARM_UP, _set_up_django, percentile, queries_of


def cpu_per_request(page, runs: int) -> dict:
    for _ in range(WARM_UP):
        page()
    cpu, wall = [], []
    for _ in range(runs):
        started_cpu, started_wall = time.process_time(), time.perf_counter()
        page()
        cpu.append((time.process_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started_wall) * 1000)
    return {
        # The least disturbed request: on a shared machine the steadiest of the three.
        "cpu_min_ms": round(min(cpu), 2),
        "cpu_median_ms": round(statistics.median(cpu), 2),
        "cpu_p95_ms": round(percentile(cpu, 0.95), 2),
        "wall_median_ms": round(statistics.median(wall), 2),
        "wall_p95_ms": round(percentile(wall, 0.95), 2),
        "runs": runs,
    }


def profiled(page, runs: int) -> pstats.Stats:
    # CPU time, not wall time: a query waiting on PostgreSQL costs this process nothing.
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(runs):
        page()
    profiler.disable()
    return pstats.Stats(profiler, stream=io.StringIO())


def calls_per_request(page, runs: int = 5) -> int:
    """Python function calls per request: unlike a timing, the same however busy the
    machine is."""
    return round(profiled(page, runs).total_calls / runs)


def profile(page, runs: int, sort: str, lines: int) -> str:
    stats = profiled(page, runs)
    stats.stream = out = io.StringIO()
    stats.sort_stats(sort).print_stats(lines)
    return out.getvalue()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="/queue/")
    parser.add_argument("--user", default="bench-eng-01")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--profile", type=int, default=0, help="profile this many requests")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--lines", type=int, default=60)
    parser.add_argument("--html", type=Path, help="write the page's HTML here")
    args = parser.parse_args(argv)
    _set_up_django()
    from accounts.models import User
    from bench.measure import Page

    page = Page(User.objects.get(username=args.user), args.url)
    result = {
        "url": args.url,
        **cpu_per_request(page, args.runs),
        "queries": queries_of(page),
        "calls": calls_per_request(page),
    }
    if args.html:
        args.html.write_bytes(page().content)
    print(json.dumps(result))
    if args.profile:
        print(profile(page, args.profile, args.sort, args.lines), file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
