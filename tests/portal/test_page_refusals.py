"""Pages that are not for a role refuse it the same way everywhere: 403 and the portal's one
refusal page saying whom the page is for (opsdesk/page_policy.py), never an empty list."""

from __future__ import annotations

import pytest

from tests.conftest import login

pytestmark = pytest.mark.django_db

ROLES = ("yn-reporter", "yn-it", "ny-engineer", "ny-dispatcher", "ny-manager")
R, IT, ENG, DISP, MGR = ROLES

# page -> the roles it is for; every other of ROLES is refused. Written out rather than read
# from the policy, so that a change of who may open what has to change this table too.
PAGES: dict[str, set[str]] = {
    "/queue/": {ENG, DISP, MGR},
    "/queue/export/": {ENG, DISP, MGR},
    "/dispatch/": {DISP, MGR},
    "/dispatch/export/": {DISP, MGR},
    "/tickets/": set(ROLES),
    "/tickets/new/": {R, IT},
    "/contracts/yn-his/report/": {R, IT},
    "/tickets/file-for-caller/": {ENG, DISP, MGR},
    "/contracts/yn-his/file-for-caller/": {ENG, DISP, MGR},
    "/hospital/": {IT},
    "/portfolio/": {MGR},
    "/inspections/": {IT, ENG, DISP, MGR},
    "/intake/triage/": {DISP, MGR},
    "/contracts/yn-his/dashboard/": {IT, ENG, DISP, MGR},
    "/contracts/yn-his/reports/": {IT, ENG, DISP, MGR},
    "/contracts/": set(ROLES),
    "/knowledge/": set(ROLES),
}


def refusal_page(response) -> bool:
    return response.status_code == 403 and 'class="card refusal"' in response.content.decode()


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("username", ROLES)
def test_each_page_opens_for_its_roles_and_refuses_the_others_with_the_one_403_page(
    demo, path, username
):
    response = login(username).get(path, follow=True)
    if username in PAGES[path]:
        assert response.status_code == 200, f"{username} should open {path}"
    else:
        assert refusal_page(response), f"{username} should be refused {path} with the 403 page"


def test_a_reporter_opening_the_queue_or_the_board_gets_the_dashboards_refusal_page(demo):
    reporter = login("yn-reporter")
    dashboard = reporter.get("/contracts/yn-his/dashboard/")
    for path in ("/queue/", "/dispatch/"):
        response = reporter.get(path)
        assert refusal_page(response) and refusal_page(dashboard)
        page = response.content.decode()
        assert 'id="queue"' not in page and "<table" not in page  # no list, empty or not
    assert "服务商的工程师" in reporter.get("/queue/").content.decode()  # says whom it is for


def test_the_refusal_of_a_contracts_figures_leads_back_to_the_contract(demo):
    page = login("yn-reporter").get("/contracts/yn-his/reports/").content.decode()
    assert 'href="/contracts/yn-his/"' in page and 'href="/"' in page


def test_the_menu_offers_exactly_the_pages_that_open(demo):
    links = {
        "/queue/": "/queue/",
        "/dispatch/": "/dispatch/",
        "/hospital/": "/hospital/",
        "/portfolio/": "/portfolio/",
        "/inspections/": "/inspections/",
        "/intake/triage/": "/intake/triage/",
        "/tickets/new/": "/tickets/new/",
        "/tickets/file-for-caller/": "/tickets/file-for-caller/",
    }
    for username in ROLES:
        menu = login(username).get("/contracts/").content.decode().split('id="topnav"')[1]
        menu = menu.split("</nav>")[0]
        for path, href in links.items():
            offered = f'href="{href}"' in menu
            assert offered == (username in PAGES[path]), f"{username}: {path} in the menu"
