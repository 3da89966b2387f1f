"""The browser portal: filing, the ticket page's actions, the queue and the dispatch board."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.models import Contract
from tests.conftest import login
from tests.factories import demo_user
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

NOW = "2026-09-15 10:00 +08:00"


@pytest.fixture
def portal(demo):
    with time_machine.travel(NOW, tick=True):
        yield


def report_form(contract_code: str = "yn-his", **fields) -> dict:
    contract = Contract.objects.get(code=contract_code)
    return {
        "system": contract.systems.first().pk,
        "service_class": contract.service_classes.get(level=1).pk,
        "title": "门诊收费系统无法登录",
        "description": "收费窗口全部报错。",
        "contact_phone": "13726380001",
        **fields,
    }


def file_in_browser(client, **fields) -> Ticket:
    response = client.post("/contracts/yn-his/report/", report_form(**fields))
    assert response.status_code == 302, response.content.decode()[:2000]
    return Ticket.objects.get(number=response["Location"].rstrip("/").rsplit("/", 1)[-1])


def test_a_reporter_files_a_fault_and_lands_on_its_page_with_live_clocks(portal):
    reporter = login("yn-reporter")
    form = reporter.get("/contracts/yn-his/report/")
    assert "本项目现有的系统瘫痪" in form.content.decode()  # the contract's own level definition
    ticket = file_in_browser(reporter)
    page = reporter.get(ticket.get_absolute_url()).content.decode()
    assert ticket.number in page and 'class="countdown"' in page


def test_a_form_with_errors_keeps_everything_typed(portal):
    response = login("yn-reporter").post(
        "/contracts/yn-his/report/", report_form(contact_phone="12", title="")
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "收费窗口全部报错。" in page
    assert 'value="12"' in page
    assert Ticket.objects.count() == 0


def test_the_reporter_is_offered_only_what_the_rules_allow(portal):
    reporter = login("yn-reporter")
    ticket = file_in_browser(reporter)
    page = reporter.get(ticket.get_absolute_url()).content.decode()
    assert 'id="action-acknowledge"' not in page
    refused = reporter.post(f"{ticket.get_absolute_url()}acknowledge/", {"note": ""})
    assert refused.status_code == 409
    ticket.refresh_from_db()
    assert ticket.state == "new"


def test_an_engineer_acknowledges_arrives_and_resolves_from_the_ticket_page(portal):
    ticket = file_in_browser(login("yn-reporter"))
    engineer = login("ny-engineer")
    url = ticket.get_absolute_url()
    assert engineer.post(f"{url}acknowledge/", {"note": "马上处理"}).status_code == 302
    assert engineer.post(f"{url}arrive/", {}).status_code == 302
    missing_note = engineer.post(f"{url}resolve/", {"note": ""})
    assert missing_note.status_code == 400
    assert engineer.post(f"{url}resolve/", {"note": "重启服务后恢复"}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.state == "resolved"
    reporter = login("yn-reporter")
    assert reporter.post(f"{url}confirm/", {"satisfaction": "5"}).status_code == 302
    ticket.refresh_from_db()
    assert (ticket.state, ticket.satisfaction) == ("closed", 5)


def test_another_hospitals_ticket_page_is_404(portal):
    ticket = file_in_browser(login("yn-reporter"))
    assert login("cd-it").get(ticket.get_absolute_url()).status_code == 404
    assert login("cd-it").post(f"{ticket.get_absolute_url()}cancel/").status_code == 404


def test_the_queue_puts_the_nearest_deadline_first(portal):
    reporter = login("yn-reporter")
    low = file_in_browser(
        reporter, service_class=Contract.objects.get(code="yn-his").service_classes.get(level=4).pk
    )
    high = file_in_browser(reporter)
    page = login("ny-engineer").get("/queue/").content.decode()
    assert page.index(high.number) < page.index(low.number)


def test_the_queue_takes_four_queries_for_3_or_30_tickets(portal):
    reporter, engineer = login("yn-reporter"), login("ny-engineer")

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert engineer.get("/queue/").status_code == 200
        return len(captured.captured_queries)

    for _ in range(3):
        file_in_browser(reporter)
    few = count()
    for _ in range(27):
        file_in_browser(reporter)
    assert count() == few
    # The session, the user, the page of tickets (one indexed read, whatever the history),
    # and the roles the navigation shows.
    assert few <= 4


def test_the_queue_refreshes_as_a_fragment(portal):
    file_in_browser(login("yn-reporter"))
    fragment = login("ny-engineer").get("/queue/", HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<div id="queue"')
    assert "<html" not in fragment


def test_a_dispatcher_assigns_from_the_board_in_one_step(portal):
    ticket = file_in_browser(login("yn-reporter"))
    dispatcher = login("ny-dispatcher")
    board = dispatcher.get("/dispatch/").content.decode()
    assert ticket.number in board
    engineer = demo_user("ny-engineer")
    response = dispatcher.post(
        f"{ticket.get_absolute_url()}assign/", {"engineer": engineer.pk, "next": "/dispatch/"}
    )
    assert response.status_code == 302 and response["Location"] == "/dispatch/"
    ticket.refresh_from_db()
    assert (ticket.state, ticket.assignee) == ("dispatched", engineer)


def test_hospital_it_approves_a_change_plan_on_the_ticket_page(portal):
    from contracts.models import ServiceClass

    change = ServiceClass.objects.get(contract__code="fd-internet", kind="change")
    contract = change.contract
    reporter = login("fd-reporter")
    response = reporter.post(
        "/contracts/fd-internet/report/",
        {
            "system": contract.systems.first().pk,
            "service_class": change.pk,
            "title": "升级挂号接口",
            "description": "升级到新版本",
            "contact_phone": "13816880001",
        },
    )
    url = response["Location"]
    engineer, hospital_it = login("sk-engineer"), login("fd-it")
    assert (
        engineer.post(f"{url}acknowledge/", {"note": "已联系院方，承诺处理方案。"}).status_code
        == 302
    )
    plans = {
        "upgrade_plan": "周日凌晨升级",
        "rollback_plan": "还原备份",
        "window_starts_at": "2026-09-20T02:00",
        "window_ends_at": "2026-09-20T05:00",
    }
    assert engineer.post(f"{url}submit-plan/", plans).status_code == 302
    page = hospital_it.get(url).content.decode()
    assert 'id="action-approve-plan"' in page and "周日凌晨升级" in page
    assert hospital_it.post(f"{url}approve-plan/", {"note": "同意"}).status_code == 302
    assert Ticket.objects.get().state == "approved"
    window = Ticket.objects.get().change_windows.get()
    assert window.agreed_by == demo_user("fd-it")
    assert "2026-09-20 02:00 – 2026-09-20 05:00" in engineer.get(url).content.decode()


def test_a_file_lost_from_storage_is_explained_on_the_ticket_page_not_a_traceback(
    portal, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    reporter = login("yn-reporter")
    ticket = file_in_browser(reporter)
    upload = SimpleUploadedFile("错误截图.png", b"\x89PNG", content_type="image/png")
    reporter.post(f"{ticket.get_absolute_url()}attach/", {"file": upload})
    attachment = ticket.attachments.get()
    for path in tmp_path.rglob("*.png"):
        path.unlink()
    response = reporter.get(f"{ticket.get_absolute_url()}attachments/{attachment.pk}/", follow=True)
    assert "文件已不在存储中" in response.content.decode()


def test_a_report_with_a_forbidden_file_type_keeps_the_text_and_files_nothing(portal):
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = SimpleUploadedFile("页面.html", b"<script>", content_type="text/html")
    response = login("yn-reporter").post(
        "/contracts/yn-his/report/", {**report_form(), "attachments": [page]}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "页面.html" in html and "收费窗口全部报错。" in html
    assert Ticket.objects.count() == 0


def test_an_edited_page_link_starts_again_from_the_first_page_instead_of_failing(portal):
    ticket = file_in_browser(login("yn-reporter"))
    response = login("ny-engineer").get("/queue/?cursor=not-a-cursor")
    assert response.status_code == 200
    page = response.content.decode()
    assert ticket.number in page and "请从第一页重新开始" in page


def test_the_hospital_list_and_the_dispatch_board_cost_the_same_for_3_or_20_tickets(portal):
    reporter, hospital_it, dispatcher = login("yn-reporter"), login("yn-it"), login("ny-dispatcher")

    def counts() -> tuple[int, ...]:
        result = []
        for client, url in (
            (reporter, "/tickets/"),
            (hospital_it, "/tickets/"),
            (dispatcher, "/dispatch/"),
        ):
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            result.append(len(captured.captured_queries))
        return tuple(result)

    for _ in range(3):
        file_in_browser(reporter)
    few = counts()
    for _ in range(17):
        file_in_browser(reporter)
    assert counts() == few


def test_the_ticket_page_costs_the_same_with_a_long_timeline(portal):
    reporter, engineer = login("yn-reporter"), login("ny-engineer")
    ticket = file_in_browser(reporter)
    url = ticket.get_absolute_url()

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert engineer.get(url).status_code == 200
        return len(captured.captured_queries)

    short = count()
    for n in range(8):
        reporter.post(f"{url}comment/", {"text": f"补充说明 {n}"})
    assert count() == short
