"""The contract dashboard: who may see it, what it shows for a quarter, and its cost."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.conftest import login
from tests.factories import demo_user
from tests.reports.conftest import NOW, file, log, phoned_in, work
from tests.tickets.conftest import at
from tickets import services

pytestmark = pytest.mark.django_db

URL = "/contracts/yn-his/dashboard/"


def english(username: str) -> Client:
    client = login(username)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def get(client: Client, url: str = URL, when: str = NOW):
    with time_machine.travel(at(when), tick=False):
        return client.get(url)


def content(response) -> str:
    """The page's own part, after the site header."""
    return response.content.decode().split('<main class="page">', 1)[1]


def test_dashboard_requires_signing_in(demo):
    response = Client().get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_dashboard_is_404_for_another_vendors_contract(demo):
    assert login("sk-manager").get(URL).status_code == 404  # 申康 serves FD only
    assert login("cd-it").get(URL).status_code == 404  # another hospital's IT
    assert login("ny-manager").get("/contracts/nonexistent/dashboard/").status_code == 404


@pytest.mark.parametrize(
    "username", ["ny-manager", "ny-dispatcher", "ny-engineer", "yn-it", "admin"]
)
def test_dashboard_is_shown_to_vendor_staff_and_hospital_it(demo, username):
    assert get(login(username)).status_code == 200


def test_a_reporter_gets_a_friendly_403_page(demo):
    response = get(english("yn-reporter"))
    page = content(response)
    assert response.status_code == 403
    assert "The dashboard is for the vendor" in page
    assert 'href="/contracts/yn-his/"' in page


def test_the_dashboard_shows_the_figures_of_the_asked_quarter(yn_quarter):
    response = get(english("ny-manager"), URL + "?quarter=2026-Q3")
    assert response.status_code == 200
    page = content(response)
    t = yn_quarter.tickets
    assert "2026 Q3" in page and "2026-07-01 – 2026-09-30" in page
    # compliance cards per clock
    assert "57.1 %" in page and "4 of 7 on time, 3 breached" in page
    assert "80 %" in page and "25 %" in page
    # open breaches now, linking to each ticket page
    open_section = page.split('id="open-breaches"', 1)[1].split("</section>", 1)[0]
    assert open_section.count(f'href="/tickets/{t["T4"].number}/"') == 2
    assert f'href="/tickets/{t["T5"].number}/"' in open_section
    assert "2026-09-30 08:00" in open_section and "<span>4 h</span>" in open_section
    # the breach list of the quarter, met or still open
    # T6's respond clock counts in working hours: 12:00–17:30 and 08:30–09:00, 6 h, not 21 h.
    assert "2026-06-30 12:00" in page and "2026-07-01 09:00" in page and "<span>6 h</span>" in page
    assert page.count("still open") == 6  # three rows in each of the two tables
    # times, downtime, on-site days, person-days, satisfaction
    assert "37 min" in page and "90th percentile 60 min" in page
    assert "510 min" in page and "90th percentile 780 min" in page
    assert "3.5 h" in page and "The contract sets no availability target." in page
    assert "0.88" in page and "3.50" in page
    assert "from 4 ratings of tickets closed this period" in page
    # three charts, each an accessible SVG
    assert page.count("<svg") == 3 and page.count('role="img"') == 3
    assert "Noto Sans CJK SC" in page


def test_a_long_list_of_open_breaches_shows_the_earliest_and_says_how_many_in_all(
    yn_quarter, monkeypatch
):
    """A busy contract may have thousands of clocks running late: the page lists the
    earliest few and names the total, in the reader's language."""
    monkeypatch.setattr("reports.views.OPEN_BREACHES_SHOWN", 2)
    t = yn_quarter.tickets
    english_page = content(get(english("ny-manager"), URL + "?quarter=2026-Q3"))
    open_section = english_page.split('id="open-breaches"', 1)[1].split("</section>", 1)[0]
    assert open_section.count(f'href="/tickets/{t["T4"].number}/"') == 2
    assert f'href="/tickets/{t["T5"].number}/"' not in open_section
    assert "The 2 earliest of 3; the queue lists every open ticket by its deadline." in (
        open_section
    )
    card = english_page.split("Open breaches now</h3>", 1)[1].split("</section>", 1)[0]
    assert '<p class="rp-value">3</p>' in card
    chinese_page = content(get(login("ny-manager"), URL + "?quarter=2026-Q3"))
    assert "仅列出最早的 2 条（共 3 条）" in chinese_page


def test_the_quarter_picker_links_the_previous_and_next_quarters(demo):
    # ?quarter= still works; the picker's links name the period (contracts.periods).
    page = content(get(login("ny-manager"), URL + "?quarter=2026-Q2"))
    assert 'href="?period=2026-Q1"' in page and 'href="?period=2026-Q3"' in page
    current = content(get(login("ny-manager")))  # today is in 2026 Q3: no later quarter yet
    assert 'href="?period=2026-Q2"' in current and "?period=2026-Q4" not in current
    assert '<option value="2026-Q3" selected>' in current
    assert '<option value="2026-Q1">' in current  # the term's quarters to choose from


def test_a_malformed_quarter_shows_the_current_one_with_a_warning(demo):
    response = get(english("ny-manager"), URL + "?quarter=<script>")
    page = content(response)
    assert response.status_code == 200
    assert "is not a period" in page and "&lt;script&gt;" in page and "<script>" not in page
    assert "2026 Q3" in page


def test_a_quarter_outside_the_term_says_so(demo):
    page = content(get(english("ny-manager"), URL + "?quarter=2025-Q4"))
    assert "The contract was not in force in this period" in page


def test_the_page_has_no_inline_script_and_no_event_handlers(yn_quarter):
    page = get(login("ny-manager")).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert not re.search(r"\son[a-z]+\s*=", page)
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page


def test_every_string_of_the_page_is_marked_for_translation(yn_quarter):
    """No word of the dashboard's templates sits outside {% translate %} or
    {% blocktranslate %}, so the Chinese catalogue can cover the whole page."""
    english_page = content(get(english("ny-manager")))
    assert "Open breaches now" in english_page
    for template in ("dashboard.html", "_breach_table.html"):
        source = (settings.BASE_DIR / "templates" / "reports" / template).read_text()
        source = re.sub(r"\{% blocktranslate.*?\{% endblocktranslate %\}", " ", source, flags=re.S)
        source = re.sub(r"\{%.*?%\}|\{\{.*?\}\}", " ", source, flags=re.S)
        text_outside_tags = re.sub(r"<[^>]+>", " ", source)
        words = re.findall(r"[A-Za-z]{3,}", text_outside_tags)
        assert words == [], f"{template}: text outside translate tags: {words}"


def build_tickets(contract, count: int) -> None:
    engineer = demo_user("ny-engineer")
    for day in range(1, count + 1):
        ticket = work(
            file(contract, "level-1", f"2026-08-{day:02d} 10:00"),
            ack=f"2026-08-{day:02d} 10:40",
            arrive=f"2026-08-{day:02d} 15:00",
            resolve=f"2026-08-{day:02d} 17:00",
            rating=(4, f"2026-08-{day:02d} 18:00"),
        )
        log(ticket, f"2026-08-{day:02d}", 60, "on_site", quota=True)
        services.record_outage(
            ticket=ticket,
            by=engineer,
            started_at=at(f"2026-08-{day:02d} 10:00"),
            ended_at=at(f"2026-08-{day:02d} 10:30"),
        )
    file(contract, "level-2", "2026-09-29 20:00")  # an open breach at NOW


def dashboard_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert get(client).status_code == 200
    return len(queries)


def test_dashboard_query_count_does_not_grow_with_tickets(demo):
    contract = demo["yn-his"]
    client = login("ny-manager")
    build_tickets(contract, 2)
    few = dashboard_queries(client)
    build_tickets(contract, 12)  # 12 more, with breaches, worklogs, outages and ratings
    assert dashboard_queries(client) == few


def test_the_dashboard_shows_the_quarters_inspections_done_against_planned(demo):
    from inspections import services as inspection_services
    from inspections.models import Inspection
    from tests.factories import demo_user
    from tests.inspections.conftest import answer_all

    contract = demo["yn-his"]
    engineer = demo_user("ny-engineer")
    inspection = Inspection.objects.get(contract=contract, due_on=dt.date(2026, 9, 30))
    inspection = inspection_services.start(
        inspection=inspection, by=engineer, mode="on_site", now=at("2026-09-20 09:00")
    )
    answer_all(inspection, readings={"磁盘使用率": "95", "SSL 证书剩余有效期": "200"})
    inspection_services.complete(inspection=inspection, by=engineer, now=at("2026-09-20 11:00"))
    page = content(get(login("ny-manager")))
    card = page[page.index('id="inspections-card"') :]
    assert "1 <span" in card and "/ 1" in card
    assert "1 项异常" in card or "1 abnormal items" in card


def test_the_dashboard_counts_tickets_by_the_channel_the_hospital_reported_them_by(yn_quarter):
    contract = yn_quarter.contract
    phoned_in(contract, reported="2026-09-20 09:40", entered="2026-09-20 10:00")
    page = content(get(login("ny-manager")))
    section = page[page.index("按报修渠道统计工单") :]
    assert re.search(r"门户</th><td class=\"num\">6<", section)
    assert re.search(r"电话</th><td class=\"num\">1<", section)
