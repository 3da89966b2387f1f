"""The home page (`/`, where signing in lands) is each person's own work: a reporter's
tickets, what waits for hospital IT, the engineer's queue, the dispatcher's board, and the
vendor manager's overview of their contracts with the dashboard's own figures."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.models import Membership, Organization
from reports.figures import open_breaches, quarter_summary
from reports.periods import Period
from reports.portfolio import portfolio
from tests.conftest import login
from tests.factories import demo_user
from tests.reports.conftest import NOW, file, log, work, yn_quarter  # noqa: F401 (a fixture)
from tests.tickets.conftest import at
from tickets import services
from tickets.models import Ticket
from tickets.selectors import awaiting_hospital

pytestmark = pytest.mark.django_db


def home_template(username: str) -> str:
    response = login(username).get("/")
    assert response.status_code == 200
    return response.templates[0].name


@pytest.mark.parametrize(
    ("username", "template"),
    [
        ("yn-reporter", "tickets/list.html"),
        ("yn-it", "tickets/hospital_desk.html"),
        ("ny-engineer", "tickets/queue.html"),
        ("ny-dispatcher", "tickets/dispatch.html"),
        ("ny-manager", "reports/portfolio.html"),
        ("admin", "reports/portfolio.html"),
        ("yn-admin", "tickets/list.html"),
    ],
)
def test_each_role_lands_on_its_own_work(demo, username, template):
    assert home_template(username) == template


def test_a_person_of_several_roles_lands_on_the_most_operational_one(demo):
    vendor = Organization.objects.get(code="NYYX")
    Membership.objects.create(user=demo_user("ny-manager"), organization=vendor, role="engineer")
    assert home_template("ny-manager") == "tickets/queue.html"
    Membership.objects.create(user=demo_user("ny-manager"), organization=vendor, role="dispatcher")
    assert home_template("ny-manager") == "tickets/dispatch.html"


def test_the_contract_table_stays_reachable_from_the_menu(demo):
    page = login("ny-engineer").get("/").content.decode()
    assert 'href="/contracts/"' in page
    assert "yn-his" in login("ny-engineer").get("/contracts/").content.decode()


# --- hospital IT: what waits for them -------------------------------------------------------


@pytest.fixture
def waiting(demo):
    """At 郁南: a resolved ticket, a change plan awaiting approval, an open ticket, and a
    resolved ticket yn-it filed; at 湛江 (another hospital): a resolved ticket."""
    yn, zj = demo["yn-his"], demo["zj-einvoice"]
    resolved = work(
        file(yn, "level-2", "2026-09-29 09:00", title="打印机故障"),
        ack="2026-09-29 09:10",
        assign="2026-09-29 09:20",
        arrive="2026-09-29 10:00",
        resolve="2026-09-29 11:00",
    )
    plan = file(yn, "level-3", "2026-09-29 09:30", title="升级挂号模块")
    # A change plan submitted for approval: the state the change services leave it in.
    Ticket.objects.filter(pk=plan.pk).update(state="awaiting_approval")
    still_open = file(yn, "level-1", "2026-09-30 11:00", title="收费系统无法登录")
    by_it = services.report_ticket(
        contract=yn,
        system=yn.systems.first(),
        service_class=yn.service_classes.get(code="level-4"),
        title="信息科自报",
        description="报表导出慢。",
        reporter=demo_user("yn-it"),
        contact_phone="13726380002",
        now=at("2026-09-28 09:00"),
    )
    work(by_it, ack="2026-09-28 09:30", resolve="2026-09-28 10:00")
    zj_class = zj.service_classes.order_by("position").first()
    foreign = work(
        file(zj, zj_class.code, "2026-09-29 09:00", title="湛江票据故障"),
        ack="2026-09-29 09:10",
        resolve="2026-09-29 10:00",
    )
    return {
        "resolved": resolved,
        "plan": plan,
        "open": still_open,
        "by_it": by_it,
        "foreign": foreign,
    }


def numbers(section) -> set[str]:
    return {ticket.number for ticket in section.tickets}


def test_hospital_it_is_waited_for_on_confirmations_and_plan_approvals_of_their_hospital(
    waiting,
):
    sections = {section.key: section for section in awaiting_hospital(demo_user("yn-it"))}
    assert numbers(sections["confirm"]) == {waiting["resolved"].number, waiting["by_it"].number}
    assert numbers(sections["approve_plan"]) == {waiting["plan"].number}


def test_a_reporter_is_waited_for_only_on_their_own_tickets_and_never_on_plans(waiting):
    sections = {s.key: s for s in awaiting_hospital(demo_user("yn-reporter"))}
    assert numbers(sections["confirm"]) == {waiting["resolved"].number}
    assert numbers(sections["approve_plan"]) == set()


def test_vendor_staff_are_waited_for_on_nothing_of_the_hospitals(waiting):
    assert all(not s.tickets for s in awaiting_hospital(demo_user("ny-dispatcher")))


def test_the_hospital_it_home_page_shows_what_waits_and_the_open_tickets(waiting):
    with time_machine.travel(at(NOW), tick=False):
        page = login("yn-it").get("/").content.decode()
    waits, open_part = page.split('id="hospital-open"')
    confirm = waits.split('id="awaiting-confirm"')[1].split("</section>")[0]
    approve = waits.split('id="awaiting-approve_plan"')[1].split("</section>")[0]
    assert waiting["resolved"].number in confirm and waiting["plan"].number in approve
    assert waiting["open"].number in open_part
    assert waiting["foreign"].number not in page
    assert "等待您确认" in page  # the section's title, in the portal's language


def test_what_waits_for_the_hospital_costs_one_query_per_rule(waiting):
    it = demo_user("yn-it")
    it._memberships_read = None
    with CaptureQueriesContext(connection) as captured:
        sections = awaiting_hospital(it)
    assert len(captured) == 1 + len(sections)  # the roles, then one read per rule


# --- vendor manager: the overview of their contracts ----------------------------------------


def test_the_overview_has_one_row_per_managed_contract_with_the_dashboards_figures(
    yn_quarter,  # noqa: F811
):
    now = at(NOW)
    overview = portfolio(demo_user("ny-manager"), now)
    assert [row.contract.code for row in overview.rows] == ["gz-logistics", "yn-his", "zj-einvoice"]
    yn_row = next(row for row in overview.rows if row.contract.code == "yn-his")
    summary = quarter_summary(yn_quarter.contract, Period.current_quarter(now.date()), now)
    assert yn_row.compliance == summary.compliance.overall.percent
    assert yn_row.open_breaches == len(open_breaches(yn_quarter.contract, now)) > 0
    assert yn_row.open_tickets == Ticket.objects.filter(contract=yn_quarter.contract).open().count()


def test_the_overview_burns_down_quotas_only_where_the_contract_sets_them(demo):
    gz = demo["gz-logistics"]
    gz_class = gz.service_classes.order_by("position").first()
    ticket = work(file(gz, gz_class.code, "2026-09-01 09:00"), ack="2026-09-01 09:10")
    log(ticket, "2026-09-01", 240, "remote", quota=True, who=gz_engineer(gz))
    rows = {row.contract.code: row for row in portfolio(demo_user("ny-manager"), at(NOW)).rows}
    assert rows["gz-logistics"].person_days.person_days == pytest.approx(0.5)
    assert rows["gz-logistics"].person_days.yearly_quota == 15
    assert rows["zj-einvoice"].onsite.yearly_minimum == 10
    assert rows["yn-his"].onsite is None and rows["yn-his"].person_days is None


def gz_engineer(contract) -> str:
    return (
        Membership.objects.filter(organization=contract.vendor, role="engineer")
        .order_by("user__username")
        .values_list("user__username", flat=True)
        .first()
    )


def test_the_overview_page_shows_each_contracts_row(yn_quarter):  # noqa: F811
    with time_machine.travel(at(NOW), tick=False):
        page = login("ny-manager").get("/portfolio/").content.decode()
    for code in ("gz-logistics", "yn-his", "zj-einvoice"):
        assert f'data-contract="{code}"' in page
    assert "cd-nutrition" not in page  # another vendor's


def overview_queries() -> int:
    client = login("ny-manager")
    with time_machine.travel(at(NOW), tick=False), CaptureQueriesContext(connection) as captured:
        assert client.get("/portfolio/").status_code == 200
    return len(captured)


def test_the_overview_costs_the_same_queries_however_many_tickets(demo):
    yn = demo["yn-his"]
    file(yn, "level-1", "2026-09-30 08:00")
    few = overview_queries()
    for hour in range(8, 18):
        work(file(yn, "level-2", f"2026-09-29 {hour:02d}:00"), ack=f"2026-09-29 {hour:02d}:30")
    assert overview_queries() == few
    # The session, the person, their roles, the contracts and their open tickets; then at
    # most five figure reads a contract (18 today for three contracts).
    assert few <= 6 + 5 * 3, few


def test_vendor_staff_see_the_ticket_list_as_their_vendors_tickets_without_a_report_button(demo):
    page = login("ny-engineer").get("/tickets/").content.decode()
    assert "<h1>工单</h1>" in page
    assert 'href="/tickets/new/"' not in page
    assert 'href="/tickets/new/"' in login("yn-reporter").get("/tickets/").content.decode()
