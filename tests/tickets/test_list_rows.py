"""The rows of every ticket list (tickets.presenters): each takes its colour, its state, its
countdown and its link from the one function that defines each, and a page of rows costs the
same templates, the same queries and no Ticket instance however many rows it holds."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db.models import signals
from django.utils import timezone, translation

from contracts.models import Contract
from tests.conftest import login
from tests.factories import demo_user
from tests.tickets.conftest import at, file_ticket
from tickets import selectors
from tickets.models import Ticket
from tickets.presenters import countdown, row_columns, state_badge, ticket_rows
from tickets.selectors import Urgency, urgency
from tickets.views import lists

pytestmark = pytest.mark.django_db

NOW = "2026-09-15 10:00 +08:00"
UTC = dt.UTC


@pytest.fixture
def desk(demo):
    with time_machine.travel(NOW, tick=True):
        yield demo


def reported(code: str = "yn-his", level: str = "level-2", when: str = "2026-09-15 09:55"):
    return file_ticket(Contract.objects.get(code=code), level, when, title=f"{code} {level}")


def shown(page: str) -> list[str]:
    """The tickets of a list page, in the order of its rows."""
    return re.findall(r'<tr class="row-\w+" data-ticket="([^"]+)"', page)


# --- the rules each row is made from ----------------------------------------------------------


def test_urgency_is_missed_past_the_deadline_near_past_the_warning_and_on_time_otherwise():
    now = at("2026-09-15 10:00")
    due, warn = at("2026-09-15 12:00"), at("2026-09-15 09:30")
    assert urgency(at("2026-09-15 10:00"), warn, now) == Urgency.BREACHED
    assert urgency(due, warn, now) == Urgency.WARNING
    assert urgency(due, at("2026-09-15 11:00"), now) == Urgency.OK
    assert urgency(due, None, now) == Urgency.OK
    assert urgency(None, None, now) == Urgency.OK


def test_a_countdown_falls_due_in_the_sites_time_zone_and_warns_from_its_warning_time():
    due = dt.datetime(2026, 9, 15, 2, 0, tzinfo=UTC)
    warn = dt.datetime(2026, 9, 15, 1, 30, tzinfo=UTC)
    with timezone.override("Asia/Shanghai"):
        assert countdown(due, warn) == (
            '<span class="countdown" data-due="2026-09-15T10:00:00+08:00"'
            ' data-warn="2026-09-15T09:30:00+08:00">2026-09-15 10:00</span>'
        )
        assert countdown(due) == (
            '<span class="countdown" data-due="2026-09-15T10:00:00+08:00">2026-09-15 10:00</span>'
        )


def test_a_state_badge_names_the_state_in_the_sites_language():
    with translation.override("zh-hans"):
        assert state_badge("new") == '<span class="state state-new">待受理</span>'


def test_a_row_takes_its_link_colour_state_and_deadline_from_the_ticket(desk):
    ticket = reported()
    ticket.refresh_from_db()
    now = timezone.now()
    [row] = ticket_rows(row_columns(Ticket.objects.filter(pk=ticket.pk)), now)
    hospital = ticket.contract.hospital
    assert row["number"] == ticket.number
    assert row["url"] == ticket.get_absolute_url()
    assert row["title"] == ticket.title
    assert row["hospital"] == (hospital.short_name or hospital.name)
    assert row["system"] == ticket.system.name
    assert row["level"] == ticket.service_class.name
    assert row["urgency"] == urgency(ticket.next_due_at, ticket.next_warn_at, now)
    assert row["state"] == state_badge(ticket.state)
    assert row["deadline"] == countdown(ticket.next_due_at, ticket.next_warn_at)
    assert row["engineer"] == "—"  # nobody yet
    assert row["reported_at"] == ticket.created_at


def test_a_ticket_read_whole_makes_the_row_its_columns_make(desk):
    ticket = reported()
    engineer = demo_user("ny-engineer")
    Ticket.objects.filter(pk=ticket.pk).update(assignee=engineer)
    whole = Ticket.objects.select_related(
        "contract__hospital", "system", "service_class", "assignee"
    ).get(pk=ticket.pk)
    now = timezone.now()
    [row] = ticket_rows([whole], now)
    assert [row] == ticket_rows(row_columns(Ticket.objects.filter(pk=ticket.pk)), now)
    assert row["engineer"] == str(engineer)


def test_a_row_names_the_hospital_and_the_engineer_as_they_name_themselves(desk):
    ticket = reported()
    engineer = demo_user("ny-engineer")
    hospital = ticket.contract.hospital
    for short_name, full_name in (("", ""), ("昆一院", "王 工")):
        type(hospital).objects.filter(pk=hospital.pk).update(short_name=short_name)
        type(engineer).objects.filter(pk=engineer.pk).update(full_name=full_name)
        Ticket.objects.filter(pk=ticket.pk).update(assignee=engineer)
        hospital.refresh_from_db()
        engineer.refresh_from_db()
        [row] = ticket_rows(row_columns(Ticket.objects.filter(pk=ticket.pk)), timezone.now())
        assert row["hospital"] == str(hospital) == (short_name or hospital.name)
        assert row["engineer"] == str(engineer) == (full_name or engineer.username)


def test_a_page_of_rows_reads_its_names_without_joining_their_tables(desk):
    # Five joins cost PostgreSQL more to plan than the page's query takes to run.
    sql = str(row_columns(selectors.vendor_queue(demo_user("ny-engineer"))).query)
    outer_from = sql[sql.rindex(" FROM ") :]
    for table in ("contracts_organization", "contracts_coveredsystem", "accounts_user"):
        assert f'JOIN "{table}"' not in outer_from


def test_every_word_a_list_shows_of_a_ticket_is_escaped(desk):
    ticket = reported()
    Ticket.objects.filter(pk=ticket.pk).update(title='<script>alert("x")</script> & co')
    html = login("ny-engineer").get("/queue/").content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in html


# --- what a page of rows costs ------------------------------------------------------------------

LISTS = [("ny-engineer", "/queue/"), ("ny-dispatcher", "/dispatch/"), ("yn-it", "/tickets/")]


@pytest.mark.parametrize(("username", "url"), LISTS)
def test_a_list_renders_its_rows_without_a_template_or_a_ticket_instance_per_row(
    desk, username, url
):
    client = login(username)

    def page() -> tuple[int, int, str]:
        """The templates the page rendered, the Tickets it built, its HTML."""
        built = []

        def count(sender, instance, **kwargs):
            built.append(instance)

        signals.post_init.connect(count, sender=Ticket)
        try:
            response = client.get(url)
        finally:
            signals.post_init.disconnect(count, sender=Ticket)
        assert response.status_code == 200
        return len(response.templates), len(built), response.content.decode()

    few = [reported() for _ in range(2)]
    templates_of_few, tickets_of_few, _html = page()
    many = few + [reported() for _ in range(10)]
    templates_of_many, tickets_of_many, html = page()
    assert {ticket.number for ticket in many} <= set(shown(html))
    assert templates_of_many == templates_of_few
    assert tickets_of_few == tickets_of_many == 0


def test_the_unfiltered_queue_costs_three_queries(desk, django_assert_num_queries):
    client = login("ny-engineer")
    for _ in range(5):
        reported()
    client.get("/queue/")
    # The session, the user with their memberships (accounts.backends), one page of tickets.
    with django_assert_num_queries(3):
        assert client.get("/queue/").status_code == 200


def test_the_queue_pages_through_every_open_ticket_once_by_next_deadline(desk, monkeypatch):
    for level in ("level-1", "level-2", "level-3", "level-2", "level-1"):
        reported(level=level)
    monkeypatch.setattr(lists, "PAGE_SIZE", 3)
    client = login("ny-engineer")
    seen, url = [], "/queue/"
    while url:
        page = client.get(url).content.decode()
        seen += shown(page)
        found = re.search(r'<a href="([^"]*cursor=[^"]*)">', page)
        url = found.group(1).replace("&amp;", "&") if found else None
    engineer = demo_user("ny-engineer")
    expected = selectors.vendor_queue(engineer).order_by(*lists.BY_NEXT_DEADLINE.order_by())
    assert seen == list(expected.values_list("number", flat=True))
