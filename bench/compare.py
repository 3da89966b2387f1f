"""OpsDesk against django-helpdesk, like for like, timed turn about in one process pair.

`DATABASE_URL=…/opsdesk_bench_50000 python -m bench.compare --tickets 50000 --runs 30
[--json out.json]` from the project root. Two measuring processes are started and kept: this
module under OpsDesk's venv (`--serve`: bench.measure's set-up, DEBUG forced off) and
bench/helpdesk/inside.py `serve` under helpdesk's throwaway venv (its database filled first by
bench.helpdesk, as `python -m bench.helpdesk` fills it). Each is asked for one request at a
time, alternately (OpsDesk first on even runs, helpdesk first on odd ones), so whatever else
the shared machine does falls on both sides alike; each side times its own request (wall
and CPU milliseconds, in-process through Django's test client) and counts its queries on one
request apart from the timed ones.

queue      OpsDesk's queue page (/queue/, an engineer, its page of PAGE_SIZE rows) against
           helpdesk's ticket list (the HTML shell plus the JSON rows its DataTable fetches)
           asked for the same number of rows.
dashboard  OpsDesk's overview of a vendor manager's contracts (/portfolio/, all of the
           bench vendor's contracts) against helpdesk's staff dashboard (/dashboard/).

The ratio is helpdesk's median over OpsDesk's median, for the wall time and for the CPU time;
each run also gives a ratio of its own pair of requests, and the median of those is printed
too. The load average is read before each pair of requests.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.helpdesk.__main__ import Failed, ensure_venv, inside, run_inside

ROOT = Path(__file__).resolve().parent.parent
WARM_UPS = 3
# (comparison, OpsDesk's case, helpdesk's case)
PAIRS = (("queue", "queue", "queue"), ("dashboard", "portfolio", "dashboard"))


# --- the OpsDesk side (OpsDesk's venv) ----------------------------------------------------------


def serve() -> None:
    """OpsDesk's half: answer each request asked on stdin (see bench/helpdesk/inside.py serve)."""
    from bench.measure import Page, _set_up_django, machine, queries_of

    _set_up_django()
    from django.utils import timezone

    from bench.population import recorded_population
    from contracts.models import Membership
    from reports.portfolio import managed_contracts
    from tickets.selectors import vendor_queue
    from tickets.views.lists import PAGE_SIZE

    engineer = Membership.objects.get(user__username="bench-eng-01").user
    manager = (
        Membership.objects.filter(organization__code="NYYX", role="vendor_manager").first().user
    )
    pages = {"queue": Page(engineer, "/queue/"), "portfolio": Page(manager, "/portfolio/")}
    population = recorded_population() or {}
    say(
        {
            "side": "OpsDesk",
            **machine(),
            "tickets": population.get("tickets"),
            # The queue page shows its first PAGE_SIZE rows of the engineer's queue.
            "rows": min(PAGE_SIZE, vendor_queue(engineer).count()),
            "contracts": managed_contracts(manager, timezone.localdate()).count(),
        }
    )
    for line in sys.stdin:
        asked = json.loads(line)
        page = pages[asked["case"]]
        if asked.get("count_queries"):
            say({"queries": queries_of(page)})
            continue
        cpu, wall = time.process_time(), time.perf_counter()
        response = page()
        say(
            {
                "ms": (time.perf_counter() - wall) * 1000,
                "cpu_ms": (time.process_time() - cpu) * 1000,
                "bytes": len(response.content),
            }
        )


def say(message: dict) -> None:
    print(json.dumps(message, default=str), flush=True)


# --- the driver ---------------------------------------------------------------------------------


class Side:
    """One measuring process, asked over a pipe for one request at a time."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path = ROOT) -> None:
        self.process = subprocess.Popen(
            argv, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.hello = self._answer()

    def ask(self, case: str, count_queries: bool = False) -> dict:
        self.process.stdin.write(json.dumps({"case": case, "count_queries": count_queries}) + "\n")
        self.process.stdin.flush()
        return self._answer()

    def _answer(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            command = " ".join(str(arg) for arg in self.process.args[1:3])
            raise Failed(f"{command} stopped (exit {self.process.wait()}), see above")
        return json.loads(line)

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _summary(values: list[float]) -> dict:
    ordered = sorted(values)
    return {
        "median": round(statistics.median(ordered), 2),
        "p95": round(ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))], 2),
        "min": round(ordered[0], 2),
    }


def interleaved(ours: Side, theirs: Side, our_case: str, their_case: str, runs: int) -> dict:
    """`runs` pairs of requests, alternating which side goes first, after the warm-ups."""
    for _ in range(WARM_UPS):
        ours.ask(our_case)
        theirs.ask(their_case)
    timed: dict[str, list[dict]] = {"ours": [], "theirs": []}
    loads = []
    for run in range(runs):
        loads.append(os.getloadavg()[0])
        if run % 2 == 0:
            timed["ours"].append(ours.ask(our_case))
            timed["theirs"].append(theirs.ask(their_case))
        else:
            timed["theirs"].append(theirs.ask(their_case))
            timed["ours"].append(ours.ask(our_case))
    sides = {}
    for name, side, case in (("ours", ours, our_case), ("theirs", theirs, their_case)):
        answers = timed[name]
        counted = side.ask(case, count_queries=True)
        sides[name] = {
            "case": case,
            "wall_ms": _summary([answer["ms"] for answer in answers]),
            "cpu_ms": _summary([answer["cpu_ms"] for answer in answers]),
            "queries": counted["queries"],
            "bytes": answers[-1]["bytes"],
            **({"rows": answers[-1]["rows"]} if "rows" in answers[-1] else {}),
        }
    per_run = [
        their["ms"] / our["ms"] for our, their in zip(timed["ours"], timed["theirs"], strict=True)
    ]
    return {
        "opsdesk": sides["ours"],
        "helpdesk": sides["theirs"],
        "ratio_wall": round(
            sides["theirs"]["wall_ms"]["median"] / sides["ours"]["wall_ms"]["median"], 1
        ),
        "ratio_cpu": round(
            sides["theirs"]["cpu_ms"]["median"] / sides["ours"]["cpu_ms"]["median"], 1
        ),
        "ratio_per_run_median": round(statistics.median(per_run), 1),
        "runs": runs,
        "load_1m": {"min": round(min(loads), 2), "max": round(max(loads), 2)},
    }


def compare(tickets: int, runs: int, opsdesk_root: Path = ROOT) -> dict:
    ensure_venv()
    fill = run_inside("fill", tickets, runs)  # fills bench_helpdesk_<tickets> once
    # DEBUG forced off here too, not only by bench.measure's set-up: another checkout's.
    env = {**os.environ, "DEBUG": "0", "PYTHONPATH": str(opsdesk_root)}
    ours = Side([sys.executable, "-m", "bench.compare", "--serve"], env, cwd=opsdesk_root)
    try:
        argv, helpdesk_env = inside("serve", tickets)
        theirs = Side([*argv, "--rows", str(ours.hello["rows"])], helpdesk_env)
        try:
            result = {
                "benchmark": "OpsDesk against django-helpdesk, interleaved",
                "tickets": tickets,
                "warm_ups": WARM_UPS,
                "opsdesk": {**ours.hello, "checkout": str(opsdesk_root)},
                "helpdesk": {**theirs.hello, "reused_fill": fill["reused"]},
                "cpus": os.cpu_count(),
            }
            for name, our_case, their_case in PAIRS:
                result[name] = interleaved(ours, theirs, our_case, their_case, runs)
        finally:
            theirs.close()
    finally:
        ours.close()
    result["load_average_after"] = [round(load, 2) for load in os.getloadavg()]
    return result


def summary_lines(result: dict) -> list[str]:
    ours, theirs = result["opsdesk"], result["helpdesk"]
    lines = [
        f"OpsDesk (Django {ours['django']}, Python {ours['python']}, DEBUG {ours['debug']}) "
        f"against django-helpdesk {theirs['django_helpdesk']} (Django {theirs['django']}, "
        f"DEBUG {theirs['debug']}), {result['tickets']:,} tickets each, interleaved"
    ]
    for name, _our_case, _their_case in PAIRS:
        found = result[name]
        a, b = found["opsdesk"], found["helpdesk"]
        lines.append(
            f"  {name:<9} OpsDesk {a['wall_ms']['median']:.1f} ms ({a['cpu_ms']['median']:.1f} CPU,"
            f" {a['queries']} q) vs helpdesk {b['wall_ms']['median']:.1f} ms "
            f"({b['cpu_ms']['median']:.1f} CPU, {b['queries']} q): {found['ratio_wall']}× wall, "
            f"{found['ratio_cpu']}× CPU, per-run median {found['ratio_per_run_median']}×; "
            f"load {found['load_1m']['min']}–{found['load_1m']['max']}"
        )
    return lines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--opsdesk-root",
        type=Path,
        default=ROOT,
        help="the OpsDesk checkout to measure (e.g. main before a change, with this bench/)",
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve()
        return 0
    if "DATABASE_URL" not in os.environ:
        parser.error("DATABASE_URL must name the OpsDesk bench population to compare")
    try:
        result = compare(args.tickets, args.runs, args.opsdesk_root.resolve())
    except Failed as failure:
        print(f"bench.compare: {failure}", file=sys.stderr)
        return 1
    for line in summary_lines(result):
        print(line, file=sys.stderr)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
