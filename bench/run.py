"""`make bench`: every figure of the performance issue in one run, printed as one table.

Fills (once; later runs reuse them) PostgreSQL databases with benchmark populations of
1 000, 50 000, 100 000 and 1 000 000 tickets (bench.population), then measures each in a fresh
process (bench.measure; the search box: bench.search_bench), drives ticket creation through
gunicorn (bench.api_load), renders the annual report (bench.annual_report_bench) and
compares OpsDesk with django-helpdesk on the same PostgreSQL, requests interleaved in one
process pair (bench.compare). Each step's JSON lands in var/bench/, with the Django and Python
versions and the machine's load before and after it (`step`); the table compares each figure
with its target, and with a baseline measured in the same run where the machine's noise would
otherwise hide the point (the login page, which queries nothing; the same case on a smaller
population), and prints the load beside each figure. Every step runs with DEBUG=0: a DEBUG=1
exported in the shell never reaches a measuring process.

Environment: BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432), BENCH_TICKETS (the
big population, default 1 000 000), BENCH_RUNS (requests per case, default 30),
BENCH_SKIP (comma-separated steps to leave out: api, annual, helpdesk).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "bench"
SERVER = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
BIG = int(os.environ.get("BENCH_TICKETS", "1000000"))
RUNS = int(os.environ.get("BENCH_RUNS", "30"))
SKIP = set(filter(None, os.environ.get("BENCH_SKIP", "").split(",")))
COMPARED = 50_000


def _database_url(name: str) -> str:
    return f"{SERVER}/{name}"


def _create_database(name: str) -> None:
    import psycopg2

    try:
        connection = psycopg2.connect(_database_url("postgres"))
    except psycopg2.OperationalError as exc:
        raise SystemExit(f"PostgreSQL at {SERVER} is not reachable: {exc}") from exc
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def _run_json(
    args: list[str], database: str | None, label: str, extra_env=None, writes_json=False
) -> dict:
    """Run a bench module in a fresh process (against `database`); its figures are its last
    line of JSON, or (`writes_json`) the file it writes where --json says."""
    name = label.replace(" ", "-").replace(",", "")
    if writes_json:
        args = [*args, "--json", str(OUT / f"{name}.json")]
    env = {**os.environ, **(extra_env or {}), "DEBUG": "0"}
    env.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)  # DEBUG off needs one
    if database:
        _create_database(database)
        env["DATABASE_URL"] = _database_url(database)
    print(f"· {label}", file=sys.stderr, flush=True)
    started, load_before = time.perf_counter(), os.getloadavg()
    child = subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    if child.returncode != 0:
        raise SystemExit(f"{label} failed (exit {child.returncode}); its output is above.")
    if writes_json:
        result = json.loads((OUT / f"{name}.json").read_text())
    else:
        lines = [line for line in child.stdout.strip().splitlines() if line.startswith("{")]
        result = json.loads(lines[-1])
    result["step"] = step_record(load_before, time.perf_counter() - started)
    (OUT / f"{name}.json").write_text(json.dumps(result, indent=1, default=str))
    print(f"  done in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    return result


def step_record(load_before: tuple[float, ...], seconds: float) -> dict:
    """What a step ran with and on: its versions (the children run this interpreter and its
    Django) and the machine's load average (1, 5, 15 min) before and after it."""
    return {
        "django": version("django"),
        "python": platform.python_version(),
        "debug": False,
        "load_before": [round(load, 2) for load in load_before],
        "load_after": [round(load, 2) for load in os.getloadavg()],
        "seconds": round(seconds, 1),
    }


def _population(count: int) -> str:
    database = f"opsdesk_bench_{count}"
    _run_json(["bench.population", str(count)], database, f"population {count:,} tickets")
    return database


def collect() -> dict:
    OUT.mkdir(parents=True, exist_ok=True)
    results: dict = {}
    small, compared, mid = _population(1_000), _population(COMPARED), _population(100_000)
    big = _population(BIG)
    runs = ["--runs", str(RUNS)]
    results["big"] = _run_json(["bench.measure", *runs], big, f"measure {BIG:,}")
    results["small"] = _run_json(
        ["bench.measure", *runs, "--cases", "queue,portfolio"], small, "measure 1,000"
    )
    results["mid"] = _run_json(["bench.measure", *runs, "--cases", "sweep"], mid, "measure 100,000")
    results["queue_load"] = _run_json(
        ["bench.queue_load", "--clients", "8", "--seconds", "15"], big, "queue load"
    )
    redis = {"REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")}
    if "api" not in SKIP:
        results["api"] = _run_json(
            ["bench.api_load", "--clients", "8", "--seconds", "20"], big, "api create load", redis
        )
    if "annual" not in SKIP:
        # As production renders it: its parts on a Celery worker of two processes (one per
        # core), warmed up as a worker warms up when it starts.
        workers = {"BENCH_RENDER_WORKERS": os.environ.get("BENCH_RENDER_WORKERS", "2")}
        results["annual"] = _run_json(
            ["bench.annual_report_bench", "2000", "3"],
            "opsdesk_bench_annual",
            "annual report",
            {**redis, **workers},
        )
    if "helpdesk" not in SKIP:
        # Like for like and turn about: OpsDesk's and helpdesk's requests alternate in one
        # process pair, so the machine's other work weighs on both alike.
        results["helpdesk"] = _run_json(
            ["bench.compare", "--tickets", str(COMPARED), "--runs", str(RUNS)],
            compared,
            "opsdesk vs django-helpdesk",
            writes_json=True,
        )
    return results


# --- the table ------------------------------------------------------------------------------


def _verdict(value: float | None, limit: float, at_least: bool = False) -> str:
    if value is None:
        return "—"
    met = value >= limit if at_least else value <= limit
    return "met" if met else "MISSED"


def _beside(figure: dict, result: dict) -> str:
    """What a figure was measured with and on: the Django and Python of its step (`result`,
    the step's JSON) and the load while it was measured (_load())."""
    # bench.api_load's own "machine" names the CPUs and PostgreSQL, not Django: then the step's.
    found = next(
        (seen for seen in (result.get("machine"), result.get("step")) if seen and "django" in seen),
        None,
    )
    if not found:
        return _load(figure, None)
    return (
        f"Django {found['django']}, Python {found['python']}, "
        f"load {_load(figure, result.get('step'))}"
    )


def _page_row(label: str, page: dict, result: dict) -> tuple:
    """A page measured without a target of its own: its median, p95 and queries."""
    return (
        label,
        f"median {page['median_ms']:.1f} ms, p95 {page['p95_ms']:.1f} ms, "
        f"{page['queries']} queries",
        "",
        "",
        _beside(page, result),
    )


def _load(figure: dict, step: dict | None) -> str:
    """The 1-minute load average while the figure was measured: its own reading where it
    has one, else the step's before → after."""
    if "load_1m" in figure:
        load = figure["load_1m"]
        if isinstance(load, dict):  # an interleaved comparison: its lowest and highest
            return f"{load['min']:.1f}–{load['max']:.1f}"
        return f"{load:.1f}"
    if step:
        return f"{step['load_before'][0]:.1f}→{step['load_after'][0]:.1f}"
    return ""


def rows(results: dict) -> list[tuple[str, str, str, str, str]]:
    """(case, figure, target, verdict, versions and load) for every line of the table."""
    big, small, mid = (results.get(k, {}) for k in ("big", "small", "mid"))
    out = []
    baseline = big["baseline"]["median_ms"]
    out.append(
        (
            "baseline: login page (no query), median",
            f"{baseline:.2f} ms",
            "",
            "",
            _beside(big["baseline"], big),
        )
    )
    queue = big["queue"]
    out.append(
        (
            f"queue page, {big['population']['open']:,} open of {big['population']['tickets']:,}",
            f"median {queue['median_ms']:.1f} ms, p95 {queue['p95_ms']:.1f} ms "
            f"({queue['p95_ms'] / baseline:.1f}× baseline)",
            "median ≤ 10 ms, p95 ≤ 14 ms",
            "met" if queue["median_ms"] <= 10 and queue["p95_ms"] <= 14 else "MISSED",
            _beside(queue, big),
        )
    )
    eight = results["queue_load"]
    out.append(
        (
            f"queue page, {eight['clients']} clients (gunicorn, {eight['server']})",
            f"median {eight['median_ms']:.1f} ms, p95 {eight['p95_ms']:.1f} ms, "
            f"{eight['pages_per_s']:.0f} pages/s, {eight['errors']} errors",
            "p95 ≤ 60 ms",
            _verdict(eight["p95_ms"], 60),
            _beside(eight, eight),
        )
    )
    out.append(
        (
            "queue page, queries at 1 000 / at 1 000 000",
            f"{small['queue']['queries']} / {queue['queries']}",
            "≤ 4, equal",
            "met"
            if queue["queries"] <= 4 and small["queue"]["queries"] == queue["queries"]
            else "MISSED",
            "",
        )
    )
    deep = big["queue_40_pages"]
    out.append(
        (
            f"queue pages 1–{deep['pages']}, slowest",
            f"{deep['slowest_ms']:.1f} ms (page {deep['pages']}: {deep['last_ms']:.1f} ms)",
            "≤ 60 ms",
            _verdict(deep["slowest_ms"], 60),
            _beside(deep, big),
        )
    )
    api_list = big["queue_api"]
    out.append(
        (
            "API ticket list (open, by deadline)",
            f"median {api_list['median_ms']:.1f} ms, "
            f"p95 {api_list['p95_ms']:.1f} ms, {api_list['queries']} queries",
            "p95 ≤ 20 ms",
            _verdict(api_list["p95_ms"], 20),
            _beside(api_list, big),
        )
    )
    if "hospital_api_list" in big:
        polled = big["hospital_api_list"]
        out.append(
            _page_row(
                "API: a hospital system's most urgent open ticket (token, page_size=1), "
                f"the hospital with the fewest open ({polled['open_tickets']:,})",
                polled,
                big,
            )
        )
    if "ticket" in big:
        page = big["ticket"]
        out.append(
            _page_row(
                "ticket page, latest open ticket of the busiest system "
                f"({page['earlier_in_window']:,} earlier in its recurrence window)",
                page,
                big,
            )
        )
    dashboard = big["dashboard"]
    out.append(
        (
            f"dashboard, this quarter of the busiest contract "
            f"({dashboard['contract_tickets']:,} tickets in all)",
            f"median {dashboard['median_ms']:.1f} ms, p95 {dashboard['p95_ms']:.1f} ms, "
            f"{dashboard['queries']} queries",
            "median ≤ 200 ms",
            _verdict(dashboard["median_ms"], 200),
            _beside(dashboard, big),
        )
    )
    if "portfolio" in big:
        portfolio = big["portfolio"]
        out.append(
            _page_row(
                f"portfolio: a vendor manager's {portfolio['contracts']} contracts", portfolio, big
            )
        )
        if "portfolio" in small:
            few = small["portfolio"]
            out.append(
                (
                    "portfolio, queries for "
                    f"{few['contracts']} / {portfolio['contracts']} contracts "
                    f"at {small['population']['tickets']:,} / {big['population']['tickets']:,}",
                    f"{few['queries']} / {portfolio['queries']}",
                    "equal",
                    "met" if few["queries"] == portfolio["queries"] else "MISSED",
                    "",
                )
            )
    sweep, sweep_mid = big["sweep"], mid["sweep"]
    out.append(
        (
            "sweep, nothing due",
            f"median {sweep['idle']['median_ms']:.2f} ms",
            "",
            "",
            _beside(sweep["idle"], big),
        )
    )
    ratio = sweep["query"]["median_ms"] / sweep_mid["query"]["median_ms"]
    out.append(
        (
            "sweep query (1 000 000 vs 100 000 tickets)",
            f"{sweep['query']['median_ms']:.2f} ms vs {sweep_mid['query']['median_ms']:.2f} ms "
            f"({ratio:.2f}×)",
            "≤ 10 ms, within 2×",
            "met" if sweep["query"]["median_ms"] <= 10 and ratio <= 2 else "MISSED",
            f"{_beside(sweep['query'], big)}; {_load(sweep_mid['query'], mid.get('step'))}",
        )
    )
    for due, limit in (("500", 1000), ("1000", None)):
        case = sweep[f"due_{due}"]
        out.append(
            (
                f"sweep with {due} clocks newly due",
                f"{case['median_ms']:.0f} ms "
                f"({case['breached']} breaches, {case['warned']} warnings)",
                f"≤ {limit} ms" if limit else "",
                _verdict(case["median_ms"], limit) if limit else "",
                _beside(case, big),
            )
        )
    if "search" in big:
        search = big["search"]
        for key, label in (
            ("jump", "a number in lower case → its ticket"),
            ("rare", "a phrase in 40 tickets (descriptions, comments)"),
            ("rare_api", "the same, API"),
            ("common", "a word in a tenth of the titles"),
            ("absent", "a phrase found nowhere"),
        ):
            case = search[key]
            out.append(
                (
                    f"search: {label}",
                    f"median {case['median_ms']:.1f} ms, p95 {case['p95_ms']:.1f} ms, "
                    f"{case['queries']} queries",
                    "p95 ≤ 50 ms",
                    _verdict(case["p95_ms"], 50),
                    _beside(case, big),
                )
            )
    deadline = [row for row in big["deadline"].values() if row["kind"] == "call"]
    worst = max(deadline, key=lambda row: row["p99_us"])
    out.append(
        (
            "one deadline computation (holiday calendar)",
            f"worst p99 {worst['p99_us']:.2f} µs ({worst['calendar']}, {worst['case']})",
            "p99 ≤ 10 µs",
            _verdict(worst["p99_us"], 10),
            _beside(worst, big),
        )
    )
    if "api_create" in big:
        create = big["api_create"]
        out.append(
            (
                "API create, one client in-process (rolled back)",
                f"median {create['median_ms']:.1f} ms, {create['cpu_median_ms']:.1f} ms CPU, "
                f"{create['queries']} queries",
                "≤ 12 ms CPU, ≤ 12 queries",
                "met" if create["cpu_median_ms"] <= 12 and create["queries"] <= 12 else "MISSED",
                _beside(create, big),
            )
        )
    if "api" in results:
        api = results["api"]["best"]
        errors = api["errors"] + api["non_2xx"]
        out.append(
            (
                f"API create, {results['api']['clients']} clients (gunicorn, "
                f"{api['server']['workers']} {api['server']['worker_class']} workers)",
                f"{api['creates_per_second']:.0f}/s, p95 {api['latency_ms']['p95']:.0f} ms, "
                f"{errors} errors, {api['cpu']['ms_per_request']['total']:.1f} ms CPU each",
                "≥ 150/s, p95 ≤ 80 ms, no errors",
                "met"
                if api["creates_per_second"] >= 150
                and api["latency_ms"]["p95"] <= 80
                and not errors
                else "MISSED",
                _beside({}, results["api"]),
            )
        )
    if "annual" in results:
        annual, quarterly = results["annual"]["annual"], results["annual"]["quarterly"]
        # Judged as a worker renders it: warmed up when it started (reports.rendering.warm_up
        # at worker_process_init); a fresh process's figure, imports and fonts included,
        # beside it.
        out.append(
            (
                "quarterly report, in a worker",
                f"{quarterly['warm_median_s']:.2f} s ({quarterly['median_s']:.2f} s in a fresh "
                f"process), {quarterly['pages']} pages",
                "≤ 3 s",
                _verdict(quarterly["warm_median_s"], 3),
                _beside({}, results["annual"]),
            )
        )
        out.append(
            (
                "annual report, 2 000-ticket bound book",
                f"{annual['median_s']:.1f} s, {annual['pages']} pages, {annual['mb']:.2f} MB, "
                f"peak {annual['peak_rss_mb']} MB",
                "≤ 30 s, ≤ 1 GB, ≤ 5 MB",
                "met"
                if annual["median_s"] <= 30 and annual["peak_rss_mb"] <= 1024 and annual["mb"] <= 5
                else "MISSED",
                _beside({}, results["annual"]),
            )
        )
    if "helpdesk" in results:
        out += helpdesk_rows(results["helpdesk"])
    return out


def helpdesk_rows(found: dict) -> list[tuple[str, str, str, str, str]]:
    """bench.compare's two comparisons: each side's median (wall, CPU, queries) and the
    ratio, measured turn about in one process pair."""
    out = []
    for name, label, target in (
        ("queue", f"queue ({found['opsdesk']['rows']} rows) vs helpdesk's ticket list", 12),
        (
            "dashboard",
            f"portfolio ({found['opsdesk']['contracts']} contracts) vs helpdesk's dashboard",
            10,
        ),
    ):
        pair = found[name]
        ours, theirs = pair["opsdesk"], pair["helpdesk"]
        out.append(
            (
                f"at {found['tickets']:,}, interleaved: {label}",
                f"{ours['wall_ms']['median']:.1f} ms ({ours['cpu_ms']['median']:.1f} CPU, "
                f"{ours['queries']} q) vs {theirs['wall_ms']['median']:.1f} ms "
                f"({theirs['cpu_ms']['median']:.1f} CPU, {theirs['queries']} q): "
                f"{pair['ratio_wall']:.1f}× (CPU {pair['ratio_cpu']:.1f}×)",
                f"≥ {target}×",
                _verdict(pair["ratio_wall"], target, at_least=True),
                f"Django {found['opsdesk']['django']} / helpdesk's "
                f"{found['helpdesk']['django']}, Python {found['opsdesk']['python']}, "
                f"load {_load(pair, None)}",
            )
        )
    return out


# The bench.measure runs of collect(), by the population each measured.
MEASURED = (
    (f"{BIG:,} tickets", "big"),
    ("1,000 tickets", "small"),
    ("100,000 tickets", "mid"),
)


def table(results: dict) -> str:
    lines = rows(results)
    header = ("case", "figure", "target", "", "measured with, load")
    widths = [max(len(line[i]) for line in [*lines, header]) for i in range(5)]
    rule = "  ".join("-" * w for w in widths)
    compared = results.get("helpdesk")
    text = [
        f"OpsDesk benchmark — {platform.node()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, PostgreSQL at {SERVER}; "
        f"medians of {RUNS} requests; load: the 1-minute load average while measured",
        *[
            f"  measured at {name}: Django {found['django']}, Python {found['python']}, "
            f"DEBUG {'on' if found['debug'] else 'off'}, load average "
            f"{' '.join(str(load) for load in found['load_average'])}"
            for name, found in (
                (name, results.get(key, {}).get("machine")) for name, key in MEASURED
            )
            if found
        ],
        *(
            [
                f"  compared with django-helpdesk {compared['helpdesk']['django_helpdesk']} "
                f"(Django {compared['helpdesk']['django']}, Python "
                f"{compared['helpdesk']['python']}, DEBUG "
                f"{'on' if compared['helpdesk']['debug'] else 'off'})"
            ]
            if compared
            else []
        ),
        "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)),
        rule,
    ]
    text += ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) for line in lines]
    return "\n".join(text)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--table":
        results = json.loads(Path(sys.argv[2]).read_text())
    else:
        results = collect()
        (OUT / "results.json").write_text(json.dumps(results, indent=1, default=str))
    print(table(results))


if __name__ == "__main__":
    main()
