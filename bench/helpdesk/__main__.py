"""`python -m bench.helpdesk`: venv, fill, measure, write the JSON, print a summary.

Standard library only: everything that needs django-helpdesk runs as inside.py under the
throwaway venv's python.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
VENV = ROOT / "var" / "bench" / "helpdesk-venv"
VENV_PYTHON = VENV / "bin" / "python"
INSTALLED_STAMP = VENV / "bench-requirements.txt"  # a copy of what was installed
REQUIREMENTS = HERE / "requirements.txt"
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432"
FILL_KEYS = (
    "reused",  # this run found the database filled and did not fill it again
    "fill_seconds",  # creating the queues, staff, tickets and follow-ups, and ANALYZE
    "migrate_seconds",
    "filled_at",
    "fill_version",
    "helpdesk_version",
    "population",
)


class Failed(Exception):
    """A step failed; the message says which and why."""


def ensure_venv() -> bool:
    """Create the throwaway venv and install the pinned requirements, unless already done.
    Returns whether anything was installed."""
    wanted = REQUIREMENTS.read_text()
    if VENV_PYTHON.exists() and INSTALLED_STAMP.exists() and INSTALLED_STAMP.read_text() == wanted:
        return False
    if not VENV_PYTHON.exists():
        print(f"Creating {VENV.relative_to(ROOT)}", file=sys.stderr, flush=True)
        created = subprocess.run([sys.executable, "-m", "venv", str(VENV)], env=clean_env())
        if created.returncode != 0 or not VENV_PYTHON.exists():
            raise Failed(f"could not create the venv {VENV} (python -m venv, see above)")
    print(f"Installing {REQUIREMENTS.relative_to(ROOT)}", file=sys.stderr, flush=True)
    pip = [str(VENV_PYTHON), "-m", "pip", "install", "--quiet", "-r", str(REQUIREMENTS)]
    installed = subprocess.run([*pip, "--disable-pip-version-check"], env=clean_env())
    if installed.returncode != 0:
        raise Failed(f"pip could not install {REQUIREMENTS.name} into {VENV} (see above)")
    INSTALLED_STAMP.write_text(wanted)
    return True


def clean_env() -> dict[str, str]:
    """This process's environment without anything that would point a child at OpsDesk's
    venv or settings."""
    env = dict(os.environ)
    for name in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    return env


def inside(command: str, tickets: int) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of inside.py's `command` under the throwaway venv."""
    env = clean_env() | {
        "DJANGO_SETTINGS_MODULE": "site_settings",
        "BENCH_HELPDESK_DB": f"bench_helpdesk_{tickets}",
        "BENCH_PG_URL": os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL),
    }
    return [str(VENV_PYTHON), str(HERE / "inside.py"), command, "--tickets", str(tickets)], env


def run_inside(command: str, tickets: int, runs: int) -> dict:
    argv, env = inside(command, tickets)
    done = subprocess.run([*argv, "--runs", str(runs)], env=env, stdout=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise Failed(f"the {command} step failed (exit {done.returncode}), see above")
    return json.loads(done.stdout)


def summary_lines(result: dict) -> list[str]:
    versions, fill = result["versions"], result["fill"]
    filled = (
        f"reused, filled earlier in {fill['fill_seconds']} s"
        if fill["reused"]
        else f"filled in {fill['fill_seconds']} s"
    )
    lines = [
        f"django-helpdesk {versions['django_helpdesk']} (Django {versions['django']}), "
        f"{result['tickets']:,} tickets in {result['database']} ({filled}), "
        f"{result['runs']} runs after {result['warm_ups']} warm-ups, "
        f"as {result['user']['username']}"
    ]
    for name, page in result["pages"].items():
        line = (
            f"  {name:<10} median {page['median_ms']:8.1f} ms   p95 {page['p95_ms']:8.1f} ms"
            f"   {page['queries']:4d} queries   {page['bytes']:8,d} bytes"
        )
        if "parts" in page:
            line += (
                "   ("
                + " + ".join(
                    f"{part} {figures['median_ms']:.1f} ms/{figures['queries']} q"
                    for part, figures in page["parts"].items()
                )
                + ")"
            )
        lines.append(line)
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.helpdesk", description=__doc__)
    parser.add_argument("--tickets", type=int, default=50_000, help="tickets in the database")
    parser.add_argument("--runs", type=int, default=30, help="timed requests per page")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    if args.tickets < 100 or args.runs < 1:
        parser.error("--tickets must be at least 100 and --runs at least 1")

    started = time.perf_counter()
    steps = {}
    try:
        step = time.perf_counter()
        installed = ensure_venv()
        steps["venv"] = time.perf_counter() - step
        step = time.perf_counter()
        fill = run_inside("fill", args.tickets, args.runs)
        steps["fill"] = time.perf_counter() - step
        step, load_before = time.perf_counter(), os.getloadavg()
        measured = run_inside("measure", args.tickets, args.runs)
        steps["measure"], load_after = time.perf_counter() - step, os.getloadavg()
    except Failed as failure:
        print(f"bench.helpdesk: {failure}", file=sys.stderr)
        return 1
    steps["total"] = time.perf_counter() - started

    result = {
        "benchmark": "django-helpdesk side-by-side",
        "tickets": args.tickets,
        "runs": args.runs,
        "warm_ups": measured.pop("warm_ups"),
        "database": f"bench_helpdesk_{args.tickets}",
        "versions": measured.pop("versions"),
        "fill": {key: fill[key] for key in FILL_KEYS},
        "user": measured.pop("user"),
        "page_length": measured.pop("page_length"),
        "pages": {"queue": measured.pop("queue"), "dashboard": measured.pop("dashboard")},
        "this_run": {
            "venv_installed": installed,
            # The timings share the machine with whatever else runs: its load, 1/5/15 min.
            "cpus": os.cpu_count(),
            "load_average_before_measuring": [round(load, 2) for load in load_before],
            "load_average_after_measuring": [round(load, 2) for load in load_after],
            "seconds": {step: round(seconds, 1) for step, seconds in steps.items()},
        },
    }
    for line in summary_lines(result):
        print(line)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        print(f"Wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
