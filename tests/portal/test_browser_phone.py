"""Every page on a 390 px phone, for each role, in a real browser (Chromium through
Playwright): no page scrolls sideways, ticket lists are cards with the deadline first, the
header folds into a menu. Each page is also saved at 1280 and 390 px in var/screenshots/
(phone-<role>-<page>-390.png) to be looked at.

One browser for the module; each role's test loads the demo with a few tickets of its own
(one with a long unbroken title), so every list has rows to lay out."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from inspections.models import Inspection
from knowledge import services as knowledge_services
from knowledge.models import Article
from tests.browser import DESKTOP, shot, signed_in
from tests.factories import demo_user
from tickets import services
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCROLLS_SIDEWAYS = "document.documentElement.scrollWidth > document.documentElement.clientWidth"
LONG_TITLE = "门诊收费系统医保结算接口返回异常导致住院患者出院结算全部失败需要紧急处理" * 2


def some_tickets(demo) -> dict[str, Ticket]:
    """At 郁南 (yn-his), filed through the services minutes ago: a new level-1 fault with a
    long title nobody has taken, one assigned to 陈工 and on site, and a resolved one
    waiting for the hospital's confirmation."""
    contract = demo["yn-his"]
    now = timezone.now()
    reporter, dispatcher = demo_user("yn-reporter"), demo_user("ny-dispatcher")
    engineer = demo_user("ny-engineer")

    def report(title: str, level: int, minutes_ago: int) -> Ticket:
        return services.report_ticket(
            contract=contract,
            system=contract.systems.first(),
            service_class=contract.service_classes.get(level=level),
            title=title,
            description="收费窗口全部报错，患者排队。",
            reporter=reporter,
            contact_phone="13726380001",
            now=now - dt.timedelta(minutes=minutes_ago),
        )

    unassigned = report(LONG_TITLE, 1, 5)
    on_site = report("住院结算打印失败", 2, 50)
    services.acknowledge(ticket=on_site, by=dispatcher, note="已联系信息科，承诺今日处理。")
    services.assign(ticket=on_site, by=dispatcher, engineer=engineer)
    services.arrive(ticket=on_site, by=engineer)
    resolved = report("检验报告无法打印", 3, 90)
    services.acknowledge(ticket=resolved, by=engineer, note="已联系信息科，承诺今日处理。")
    services.resolve(ticket=resolved, by=engineer, note="重装打印驱动后恢复")
    return {"unassigned": unassigned, "on_site": on_site, "resolved": resolved}


def an_article(demo) -> Article:
    """A published knowledge article of 郁南, written by 陈工."""
    article = knowledge_services.create_article(
        by=demo_user("ny-engineer"),
        hospital=demo["yn-his"].hospital,
        title="收费窗口打印空白的处理方法",
        problem="住院结算单打印空白，打印机状态正常。",
        solution="1. 重启打印服务；2. 重新安装打印驱动；3. 检查纸张规格设置。",
        keywords="打印 结算",
    )
    return knowledge_services.publish(article, demo_user("ny-engineer"))


def pages_of(username: str, tickets: dict[str, Ticket], article: Article) -> dict[str, str]:
    """name -> path of every page the role opens: its lists and its main pages."""
    ticket = tickets["unassigned"].get_absolute_url()
    inspection = Inspection.objects.filter(contract__code="yn-his").order_by("due_on").first()
    common = {
        "home": "/",
        "tickets": "/tickets/?show=all",
        "ticket": ticket,
        "contracts": "/contracts/",
        "contract": "/contracts/yn-his/",
        "knowledge": "/knowledge/",
        "article": f"/knowledge/{article.pk}/",
    }
    figures = {
        "dashboard": "/contracts/yn-his/dashboard/",
        "reports": "/contracts/yn-his/reports/",
        "inspections": "/inspections/?status=all",
        "inspection": f"/inspections/{inspection.pk}/",
    }
    vendor = {"queue": "/queue/", "file-for-caller": "/contracts/yn-his/file-for-caller/"}
    desk = {"dispatch": "/dispatch/", "triage": "/intake/triage/"}
    by_role = {
        "yn-reporter": {"report": "/contracts/yn-his/report/", "refused": "/queue/"},
        "yn-it": {"report": "/contracts/yn-his/report/", "hospital": "/hospital/", **figures},
        "ny-engineer": {**vendor, **figures},
        "ny-dispatcher": {**vendor, **desk, **figures},
        "ny-manager": {**vendor, **desk, **figures, "portfolio": "/portfolio/"},
    }
    return {**common, **by_role[username]}


ROLES = ["yn-reporter", "yn-it", "ny-engineer", "ny-dispatcher", "ny-manager"]


@pytest.mark.parametrize("username", ROLES)
def test_no_page_scrolls_sideways_on_a_390px_phone(browser, live_server, demo, username):
    tickets, article = some_tickets(demo), an_article(demo)
    phone = signed_in(browser, live_server, username, phone=True)
    desktop = signed_in(browser, live_server, username)
    assert desktop.viewport_size == DESKTOP
    sideways = []
    for name, path in pages_of(username, tickets, article).items():
        response = phone.goto(f"{live_server.url}{path}")
        assert response.status == (403 if name == "refused" else 200), path
        if phone.evaluate(SCROLLS_SIDEWAYS):
            sideways.append(path)
        shot(phone, f"phone-{username}-{name}-390")
        desktop.goto(f"{live_server.url}{path}")
        shot(desktop, f"phone-{username}-{name}-1280")
    assert sideways == [], f"{username}: these pages scroll sideways at 390 px"


def test_the_engineers_queue_shows_each_deadline_first_and_on_screen(browser, live_server, demo):
    tickets = some_tickets(demo)
    page = signed_in(browser, live_server, "ny-engineer", phone=True)
    page.goto(f"{live_server.url}/queue/")
    card = page.locator(f"#queue tr[data-ticket='{tickets['on_site'].number}']")
    deadline = card.locator(".deadline-cell").bounding_box()
    title = card.locator(".title-cell").bounding_box()
    assert deadline["x"] >= 0 and deadline["x"] + deadline["width"] <= 390
    assert deadline["y"] < title["y"], "the deadline leads the card"
    assert "剩余" in card.locator(".countdown").inner_text()


def test_the_dispatch_boards_titles_keep_their_width(browser, live_server, demo):
    tickets = some_tickets(demo)
    for phone in (True, False):
        page = signed_in(browser, live_server, "ny-dispatcher", phone=phone)
        page.goto(f"{live_server.url}/dispatch/")
        row = page.locator(f"tr[data-ticket='{tickets['unassigned'].number}']")
        title = row.locator(".title-cell a").first.bounding_box()
        # One character a line would be ~15 px wide and dozens of lines tall.
        assert title["width"] > 150 and title["height"] < 6 * 24, title


def test_the_header_folds_into_a_menu_on_a_phone(browser, live_server, demo):
    page = signed_in(browser, live_server, "ny-dispatcher", phone=True)
    queue_link = page.locator("#topnav a[href='/queue/']")
    assert not queue_link.is_visible()
    header = page.locator("header.topbar").bounding_box()
    assert header["height"] < 60, "the header is one line"
    page.click("label.menu-button")
    assert queue_link.is_visible()
    shot(page, "phone-menu-open-390")
    queue_link.click()
    page.wait_for_url(f"{live_server.url}/queue/")

    desktop = signed_in(browser, live_server, "ny-dispatcher")
    assert desktop.locator("#topnav a[href='/queue/']").is_visible()
    assert not desktop.locator("label.menu-button").is_visible()
