"""The side-by-side: django-helpdesk's queue and dashboard, measured, not claimed.

`python -m bench.helpdesk --tickets 50000 --runs 30 --json var/bench/helpdesk.json` from the
project root installs django-helpdesk (bench/helpdesk/requirements.txt) into a throwaway venv,
var/bench/helpdesk-venv, fills the PostgreSQL database bench_helpdesk_<tickets> on the server
of BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432) with a population shaped like
OpsDesk's benchmark, and times, in-process with Django's test client (DEBUG off, queries
counted), signed in as a staff member who sees all queues:

queue      what an engineer waits for on helpdesk's ticket list (/tickets/) with its default
           filter, open and reopened tickets, first page: the HTML shell plus the JSON rows its
           DataTable fetches (datatables_ticket_list/<default query>?start=0&length=25).
dashboard  helpdesk's staff dashboard (/dashboard/, helpdesk:dashboard).

A second run reuses the venv and the filled database. Nothing of helpdesk's is imported here:
inside.py runs under the throwaway venv's python, with site_settings and site_urls.
"""
