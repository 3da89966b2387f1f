"""The service reports: the figures only they add, checked against the hand-built quarter of
conftest.py (yn-his, 2026 Q3, as of 2026-09-30 12:00), and the PDF as a hospital files it."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from contracts.models import Contract
from inspections import services as inspection_services
from inspections.figures import inspection_figure
from inspections.models import Inspection
from knowledge import services as knowledge_services
from knowledge.models import Article
from knowledge.selectors import articles_added
from reports import figures, services
from reports.errors import ReportError
from reports.models import RenderState, ReportFile
from reports.periods import Period
from tests.factories import demo_user
from tests.inspections.conftest import answer_all
from tests.reports.conftest import file, log, phoned_in, work
from tests.tickets.conftest import at
from tickets import services as ticket_services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

Q2, Q3 = Period.quarter(2026, 2), Period.quarter(2026, 3)

# The general checklist's readings on the day: the disk is over its 90 % limit.
GENERAL_READINGS = {
    "CPU 使用率（高峰时段）": "40",
    "内存使用率": "60",
    "磁盘使用率": "95",
    "数据库表空间使用率": "70",
    "SSL 证书剩余有效期": "200",
    "服务器时间与院内时钟源偏差": "0.2",
}


@pytest.fixture(autouse=True)
def renders(monkeypatch) -> list[int]:
    """Render requests handed to the broker: recorded; tests run the render themselves."""
    from reports.tasks import render

    asked: list[int] = []
    monkeypatch.setattr(render, "delay", asked.append)
    return asked


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def pdf_text(report_file: ReportFile) -> str:
    with report_file.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return "".join(page.extract_text() for page in reader.pages).replace(" ", "").replace("\n", "")


# --- figures only the reports add ----------------------------------------------------------


def test_compliance_trend_counts_each_month_by_the_dashboards_rule(yn_quarter):
    trend = figures.compliance_trend(yn_quarter.contract, Q3, yn_quarter.now)
    assert [
        (point.period.start.month, point.tally.on_time, point.tally.breached, point.tally.pending)
        for point in trend
    ] == [
        (7, 6, 3, 0),  # T6 respond met late in July, T6 arrive, T1 ×3, T2 arrive, T7 respond
        (8, 2, 1, 0),  # T3 respond and arrive on time, resolve late
        (9, 1, 3, 2),  # T4 respond; T4 arrive/resolve and T5 respond past due; T5 pending
    ]
    assert [point.tally.percent for point in trend] == [
        Decimal("66.7"),
        Decimal("66.7"),
        Decimal("25.0"),
    ]
    # The months add up to the quarter.
    overall = figures.sla_compliance(yn_quarter.contract, Q3, yn_quarter.now).overall
    assert sum((p.tally for p in trend), figures.Tally()) == overall


def test_recurring_problems_count_the_first_ticket_and_its_recurrences_in_the_period(yn_quarter):
    t = yn_quarter.tickets
    Ticket.objects.filter(pk__in=[t["T2"].pk, t["T3"].pk]).update(recurrence_of=t["T1"])
    Ticket.objects.filter(pk=t["T4"].pk).update(recurrence_of=t["T0"])  # T0 is of Q2
    problems = figures.recurring_problems(yn_quarter.contract, Q3)
    assert [(p.ticket_number, p.occurrences) for p in problems] == [(t["T1"].number, 3)]
    assert problems[0].last_reported_at == t["T3"].created_at
    # T0 (Q2) and its one recurrence in Q3 occurred once in Q3: not a recurring problem there.
    Ticket.objects.filter(pk=t["T5"].pk).update(recurrence_of=t["T0"])
    assert [
        (p.ticket_number, p.occurrences)
        for p in figures.recurring_problems(yn_quarter.contract, Q3)
    ] == [(t["T1"].number, 3), (t["T0"].number, 2)]


def test_inspections_done_against_planned_with_their_failed_items(demo):
    contract = demo["yn-his"]
    engineer = demo_user("ny-engineer")
    q3 = Inspection.objects.get(contract=contract, due_on=dt.date(2026, 9, 30))
    q3 = inspection_services.start(
        inspection=q3, by=engineer, mode="on_site", now=at("2026-09-20 09:00")
    )
    answer_all(q3, readings=GENERAL_READINGS)
    inspection_services.complete(inspection=q3, by=engineer, now=at("2026-09-20 11:00"))
    figure = inspection_figure(contract, Q3.start, Q3.end, dt.date(2026, 9, 30))
    assert (figure.planned, figure.done, figure.overdue, figure.failed_items) == (1, 1, 0, 1)
    assert [(item.name, item.result, item.rule) for item in figure.lines[0].failed] == [
        ("磁盘使用率", "95 %", "< 90 %")
    ]
    # Q2's inspection was never done: overdue as of the end of Q3.
    q2 = inspection_figure(contract, Q2.start, Q2.end, dt.date(2026, 9, 30))
    assert (q2.planned, q2.done, q2.overdue) == (1, 0, 1)


def test_knowledge_articles_added_are_the_hospitals_published_ones_of_the_period(demo):
    contract = demo["yn-his"]
    manager = demo_user("ny-manager")
    with time_machine.travel(at("2026-08-01 10:00"), tick=False):
        published = knowledge_services.create_article(
            by=manager,
            hospital=contract.hospital,
            title="HIS 登录超时处理",
            problem="登录超时",
            solution="调整会话超时参数后重启应用服务。",
        )
        knowledge_services.publish(published, manager)
        knowledge_services.create_article(
            by=manager, hospital=contract.hospital, title="草稿", problem="未发布"
        )
    start, end = Q3.bounds()
    assert [a.title for a in articles_added(contract, start, end)] == ["HIS 登录超时处理"]
    assert articles_added(demo["zj-einvoice"], start, end) == []
    assert Article.objects.count() == 2


# --- asking, rendering, keeping versions ---------------------------------------------------


def test_asking_for_a_report_returns_at_once_with_a_queued_version(
    demo, renders, django_capture_on_commit_callbacks
):
    manager = demo_user("ny-manager")
    with time_machine.travel(at("2026-10-05 09:00"), tick=False):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            first = services.request_report(
                contract=demo["yn-his"], kind="quarterly", period=Q3, by=manager
            )
        assert (first.version, first.state, first.file.name) == (1, RenderState.QUEUED, "")
        assert renders == []  # nothing is handed to the workers before the commit
        for callback in callbacks:
            callback()
    assert renders == [first.pk]  # handed over after commit


def test_reports_are_only_for_the_two_parties_and_for_periods_begun_within_the_term(demo):
    with pytest.raises(ReportError) as error:
        services.request_report(
            contract=demo["yn-his"], kind="quarterly", period=Q3, by=demo_user("rk-manager")
        )
    assert error.value.code == "forbidden"
    with pytest.raises(ReportError):
        services.request_report(
            contract=demo["yn-his"], kind="annual", period=Period.year(2025), by=demo_user("yn-it")
        )
    with pytest.raises(ReportError):  # the bound book belongs to the annual report
        services.request_report(
            contract=demo["yn-his"],
            kind="quarterly",
            period=Q3,
            by=demo_user("yn-it"),
            include_bound_book=True,
        )


def test_the_quarterly_summary_pdf_holds_the_quarters_figures(yn_quarter, media):
    manager = demo_user("ny-manager")
    with time_machine.travel(yn_quarter.now, tick=False):
        report_file = services.request_report(
            contract=yn_quarter.contract, kind="quarterly", period=Q3, by=manager
        )
        services.save_improvements(
            report=report_file.report, by=manager, text="增加夜间值班工程师，缩短一级故障响应时间。"
        )
        done = services.run_render(report_file.pk)
    assert done.state == RenderState.DONE and done.pages >= 5
    assert len(done.sha256) == 64 and done.size == done.file.size
    text = pdf_text(done)
    for words in (
        "郁南县人民医院",
        "季度运行总结",
        "2026年第3季度",
        "目录",
        "56.3%",  # overall compliance
        yn_quarter.tickets["T2"].number,  # a breach is listed
        "增加夜间值班工程师",
        "草稿",  # not final yet
    ):
        assert words in text, words


def test_the_quarterly_pdfs_ticket_chapter_counts_tickets_by_channel(yn_quarter, media):
    contract = yn_quarter.contract
    phoned_in(contract, reported="2026-09-20 09:40", entered="2026-09-20 10:00")
    with time_machine.travel(yn_quarter.now, tick=False):
        report_file = services.request_report(
            contract=contract, kind="quarterly", period=Q3, by=demo_user("ny-manager")
        )
        done = services.run_render(report_file.pk)
    text = pdf_text(done)
    chapter = text[text.index("按报修渠道统计工单") :]
    assert "门户" in chapter and "电话" in chapter


def test_remaking_keeps_the_earlier_versions_and_the_final_one_says_so(yn_quarter, media):
    manager = demo_user("ny-manager")
    with time_machine.travel(yn_quarter.now, tick=False):
        first = services.request_report(
            contract=yn_quarter.contract, kind="quarterly", period=Q3, by=manager
        )
        services.run_render(first.pk)
        report = first.report
        with pytest.raises(ReportError):  # the improvement measures come first
            services.make_final(report=report, by=manager)
        with pytest.raises(ReportError):  # hospital IT does not write the vendor's measures
            services.save_improvements(report=report, by=demo_user("yn-it"), text="x")
        services.save_improvements(report=report, by=manager, text="优化巡检流程。")
        final = services.make_final(report=report, by=manager)
        services.run_render(final.pk)
    files = list(report.files.order_by("version"))
    assert [(f.version, f.is_final, f.state) for f in files] == [
        (1, False, RenderState.DONE),
        (2, True, RenderState.DONE),
    ]
    assert files[0].file.name != files[1].file.name and files[0].file.storage.exists(
        files[0].file.name
    )
    assert "草稿" not in pdf_text(files[1])
    with pytest.raises(ReportError):
        services.save_improvements(report=report, by=manager, text="改不了")


def test_a_failed_render_keeps_its_reason_and_can_be_retried(yn_quarter, media, monkeypatch):
    from reports import rendering

    def broken(report_file):
        raise OSError("磁盘已满")

    monkeypatch.setattr(rendering, "render_report_file", broken)
    with time_machine.travel(yn_quarter.now, tick=False):
        report_file = services.request_report(
            contract=yn_quarter.contract, kind="quarterly", period=Q3, by=demo_user("yn-it")
        )
        failed = services.run_render(report_file.pk)
    assert failed.state == RenderState.FAILED and "磁盘已满" in failed.error
    assert services.run_render(report_file.pk) is None  # nothing queued: nothing to do
    retried = services.retry(report_file=failed, by=demo_user("yn-it"))
    assert (retried.state, retried.error, retried.version) == (RenderState.QUEUED, "", 1)
    with pytest.raises(ReportError):
        services.retry(report_file=retried, by=demo_user("yn-it"))


def test_a_render_lost_with_its_worker_is_queued_again_then_failed(demo, renders):
    with time_machine.travel(at("2026-10-05 09:00"), tick=False):
        report_file = services.request_report(
            contract=demo["yn-his"], kind="quarterly", period=Q3, by=demo_user("yn-it")
        )
    ReportFile.objects.filter(pk=report_file.pk).update(
        state=RenderState.RUNNING, started_at=at("2026-10-05 09:00"), attempts=1
    )
    assert services.requeue_stuck(now=at("2026-10-05 09:20")) == 0  # still within 30 minutes
    assert services.requeue_stuck(now=at("2026-10-05 09:31")) == 1
    report_file.refresh_from_db()
    assert report_file.state == RenderState.QUEUED and report_file.pk in renders
    ReportFile.objects.filter(pk=report_file.pk).update(
        state=RenderState.RUNNING, started_at=at("2026-10-05 09:40"), attempts=3
    )
    services.requeue_stuck(now=at("2026-10-05 10:30"))
    report_file.refresh_from_db()
    assert report_file.state == RenderState.FAILED and report_file.error


def test_each_quarters_summary_is_made_a_few_days_after_it_ends(demo, renders):
    assert services.make_quarterly_summaries(dt.date(2026, 10, 3)) == []
    made = services.make_quarterly_summaries(dt.date(2026, 10, 4), now=at("2026-10-04 06:30"))
    assert sorted(f.report.contract.code for f in made) == [
        "cd-nutrition",
        "fd-internet",
        "gz-logistics",
        "yn-his",
        "zj-einvoice",
    ]
    assert all(f.notify_contacts and f.requested_by is None for f in made)
    assert services.make_quarterly_summaries(dt.date(2026, 10, 5)) == []


def test_the_annual_report_binds_every_ticket_and_inspection_of_the_year(
    yn_quarter, media, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # its parts are Celery tasks
    engineer = demo_user("ny-engineer")
    contract = yn_quarter.contract
    q3 = Inspection.objects.get(contract=contract, due_on=dt.date(2026, 9, 30))
    q3 = inspection_services.start(
        inspection=q3, by=engineer, mode="on_site", now=at("2026-09-20 09:00")
    )
    answer_all(q3, readings=GENERAL_READINGS)
    inspection_services.complete(inspection=q3, by=engineer, now=at("2026-09-20 11:00"))
    with time_machine.travel(yn_quarter.now, tick=False):
        report_file = services.request_report(
            contract=contract,
            kind="annual",
            period=Period.year(2026),
            by=demo_user("ny-manager"),
            include_bound_book=True,
        )
        done = services.run_render(report_file.pk)
    text = pdf_text(done)
    assert "年度服务报告" in text and "附录" in text
    for ticket in yn_quarter.tickets.values():
        assert ticket.number in text
    assert "磁盘使用率" in text and "95%" in text
    assert_no_page_is_blank_but_for_its_footer(pdf_pages(done))


# --- on paper: what a director reads ---------------------------------------------------------


def pdf_pages(report_file: ReportFile) -> list[list[str]]:
    """Each page's lines as pdftotext lays them out, blank lines dropped."""
    with report_file.file.open("rb") as handle:
        text = subprocess.run(
            ["pdftotext", "-layout", "-", "-"],
            input=handle.read(),
            capture_output=True,
            check=True,
        ).stdout.decode()
    return [
        [line.strip() for line in page.splitlines() if line.strip()] for page in text.split("\f")
    ][:-1]


def assert_no_page_is_blank_but_for_its_footer(pages: list[list[str]]) -> None:
    footer = re.compile(r"^(.*(报告|附录|总结).*\s+)?\d+( / \d+)?$|^\d+( / \d+)?$")
    for number, lines in enumerate(pages, start=1):
        body = [line for line in lines if not footer.match(line)]
        assert body, f"page {number} holds nothing but its footer: {lines}"


def row(pages: list[list[str]], *cells) -> bool:
    """Whether some line reads exactly these cells, in this order, with only space between."""
    pattern = re.compile(r"^" + r"\s+".join(re.escape(str(cell)) for cell in cells) + r"$")
    return any(pattern.match(line) for lines in pages for line in lines)


def test_the_quarterly_pdf_prints_the_level_split_and_each_systems_count_in_their_own_rows(
    yn_quarter, media
):
    contract = yn_quarter.contract
    first, second = list(contract.systems.all()[:2])
    with time_machine.travel(at("2026-10-05 09:00"), tick=False):
        report_file = services.request_report(
            contract=contract, kind="quarterly", period=Q3, by=demo_user("ny-manager")
        )
        done = services.run_render(report_file.pk)
    pages = pdf_pages(done)
    # Q3: T1, T2, T5 level 1; T3, T4 level 2; T7 level 4; nothing at level 3.
    assert row(pages, "一级故障", 3) and row(pages, "二级故障", 2)
    assert row(pages, "三级故障", 0) and row(pages, "四级故障", 1)
    # T3 and T7 on the second system, the four others on the first.
    assert row(pages, first.path(), 4) and row(pages, second.path(), 2)
    assert_no_page_is_blank_but_for_its_footer(pages)
    # 草稿 on every page of a draft, not just the cover.
    assert all(any("草" in line for line in lines) for lines in pages)
    # The total row is printed once.
    assert sum(line.startswith("全部时限") for lines in pages for line in lines) == 1


def test_rendering_a_past_quarter_again_gives_the_same_figures_and_says_so(yn_quarter, media):
    contract, t = yn_quarter.contract, yn_quarter.tickets
    manager, engineer = demo_user("ny-manager"), demo_user("ny-engineer")
    with time_machine.travel(at("2026-10-05 09:00"), tick=False):
        first = services.request_report(contract=contract, kind="quarterly", period=Q3, by=manager)
        first = services.run_render(first.pk)
    # After the quarter: T5 is answered and T4 resolved in October, a new ticket comes in.
    ticket_services.acknowledge(
        note="已联系院方，承诺处理方案。",
        ticket=t["T5"],
        by=demo_user("ny-dispatcher"),
        now=at("2026-10-08 09:00"),
    )
    ticket_services.arrive(ticket=t["T4"], by=engineer, now=at("2026-10-08 10:00"))
    ticket_services.resolve(ticket=t["T4"], by=engineer, note="已处理", now=at("2026-10-08 11:00"))
    with time_machine.travel(at("2026-12-07 10:00"), tick=False):
        second = services.request_report(contract=contract, kind="quarterly", period=Q3, by=manager)
        second = services.run_render(second.pk)
    assert second.figures == first.figures
    figures_kept = second.figures
    assert figures_kept["as_at"] == "2026-10-01T00:00:00+08:00"
    # T5's arrive and resolve clocks (due 09-30 17:00) had run out by the end: 9 + 2.
    assert figures_kept["compliance"]["overall"] == {"on_time": 9, "breached": 9, "pending": 0}
    assert figures_kept["timings"]["response"]["count"] == 5  # T5 was not answered by then
    # Still running at the quarter's end: late until then, counted in working minutes.
    late = {(b["ticket_number"], b["clock"]): b["minutes_late"] for b in figures_kept["breaches"]}
    assert late[(t["T4"].number, "resolve")] == 16 * 60  # 2026-09-30 08:00 to 24:00
    text = pdf_text(second)
    assert "与第1版数字一致" in text and "截至2026-09-3024:00" in text
    assert "2026-09-30" in text and "2026-12-07" in text  # report date; when it was asked for


def test_a_later_edit_of_the_periods_records_is_named_on_the_next_render(yn_quarter, media):
    contract = yn_quarter.contract
    manager = demo_user("ny-manager")
    with time_machine.travel(at("2026-10-05 09:00"), tick=False):
        first = services.request_report(contract=contract, kind="quarterly", period=Q3, by=manager)
        first = services.run_render(first.pk)
        Ticket.objects.filter(pk=yn_quarter.tickets["T3"].pk).update(
            system=contract.systems.first()
        )
        second = services.request_report(contract=contract, kind="quarterly", period=Q3, by=manager)
        second = services.run_render(second.pk)
    assert second.figures["by_system"] != first.figures["by_system"]
    assert "数字有变化" in pdf_text(second) and "按系统统计工单" in pdf_text(second)


# --- up front, breaches in the body, the sign-off ------------------------------------------


def test_the_breaches_are_summarised_by_month_level_and_system(yn_quarter):
    contract, t = yn_quarter.contract, yn_quarter.tickets
    first, second = list(contract.systems.all()[:2])
    end_of_q3 = figures.as_at(Q3, at("2026-12-01 09:00"))
    assert end_of_q3 == at("2026-10-01 00:00")
    summary = figures.quarter_summary(contract, Q3, end_of_q3)
    breaches = summary.breach_summary
    # As at the quarter's end T5's arrive and resolve clocks (due 09-30 17:00) had run out too:
    # T6 respond (due in June), T2 respond and resolve (July), T3 resolve (August),
    # T4 arrive and resolve, T5 respond, arrive and resolve (September).
    assert breaches.total == 9
    assert [(row.label, row.count) for row in breaches.by_month] == [
        ("2026-06", 1),
        ("2026-07", 2),
        ("2026-08", 1),
        ("2026-09", 5),
    ]
    assert [(row.key, row.count) for row in breaches.by_level] == [(1, 5), (2, 3), (3, 1)]
    assert [(row.label, row.count) for row in breaches.by_system] == [
        (first.name, 8),
        (second.name, 1),  # T3's resolve clock
    ]
    # 9 of 18 clocks on time: 50 %, under the contract's 95 % target.
    assert summary.compliance.overall.percent == Decimal("50.0")
    assert summary.sla_target == Decimal("95") and summary.meets_sla_target is False
    contract.sla_target_percent = Decimal("50")
    assert figures.quarter_summary(contract, Q3, end_of_q3).meets_sla_target is True
    assert t["T5"].number in [b.ticket_number for b in summary.breaches]


def test_the_report_opens_with_its_overview_and_ends_with_the_sign_off_and_breach_list(
    yn_quarter, media
):
    with time_machine.travel(at("2026-10-05 09:00"), tick=False):
        report_file = services.request_report(
            contract=yn_quarter.contract, kind="quarterly", period=Q3, by=demo_user("ny-manager")
        )
        done = services.run_render(report_file.pk)
    pages = pdf_pages(done)
    text = pdf_text(done)
    assert "1服务概述" in text and "总体评价" in text
    assert row(pages, "SLA 达成情况", "50 %", "≥ 95 %", "否")  # against the contract's target
    assert "时限按时达成率50%，低于合同约定的95%目标；超时9项。" in text
    assert "院方意见" in text and "附录：超时明细" in text
    # The body counts the breaches; the appendix lists each, after the sign-off.
    assert (
        text.index("院方意见")
        < text.rindex("附录：超时明细")
        < text.rindex(yn_quarter.tickets["T2"].number)
    )


def test_hospital_it_accepts_a_final_report_once_and_the_audit_trail_keeps_it(yn_quarter, media):
    from audit.models import AuditEntry

    manager, hospital_it = demo_user("ny-manager"), demo_user("yn-it")
    with time_machine.travel(at("2026-10-05 09:00"), tick=False):
        report = services.request_report(
            contract=yn_quarter.contract, kind="quarterly", period=Q3, by=manager
        ).report
        with pytest.raises(ReportError):  # a draft is not accepted
            services.accept_report(report=report, by=hospital_it)
        services.save_improvements(report=report, by=manager, text="增加夜间值班。")
        services.make_final(report=report, by=manager)
        with pytest.raises(ReportError):  # the vendor does not accept for the hospital
            services.accept_report(report=report, by=manager)
        services.accept_report(report=report, by=hospital_it, opinion="同意，请落实夜间值班。")
        with pytest.raises(ReportError):
            services.accept_report(report=report, by=hospital_it, opinion="再次")
    report.refresh_from_db()
    assert report.is_accepted and report.accepted_by == hospital_it
    assert report.acceptance_opinion == "同意，请落实夜间值班。"
    entry = AuditEntry.objects.get(action="reports.report.accepted")
    assert entry.actor_id == hospital_it.pk and entry.data["opinion"] == "同意，请落实夜间值班。"
    # The next version prints the opinion in the sign-off box.
    with time_machine.travel(at("2026-10-06 09:00"), tick=False):
        again = services.request_report(
            contract=yn_quarter.contract, kind="quarterly", period=Q3, by=manager
        )
        again = services.run_render(again.pk)
    assert "同意，请落实夜间值班。" in pdf_text(again)


# --- fault analysis: system × level, causes, open problems, flow, quarters ----------------


def test_the_fault_analysis_of_the_quarter_as_at_its_end(yn_quarter):
    contract, t = yn_quarter.contract, yn_quarter.tickets
    first, second = list(contract.systems.all()[:2])
    engineer = demo_user("ny-engineer")
    Ticket.objects.filter(pk=t["T3"].pk).update(resolution_cause="network")
    # T4 is resolved only after the quarter, with a cause that belongs to October.
    ticket_services.arrive(ticket=t["T4"], by=engineer, now=at("2026-10-02 09:00"))
    ticket_services.resolve(
        ticket=t["T4"], by=engineer, note="更换交换机", cause="hardware", now=at("2026-10-02 10:00")
    )
    end = figures.as_at(Q3, at("2026-12-01 09:00"))

    table = figures.system_by_level(contract, Q3)
    assert table.levels == ("一级故障", "二级故障", "四级故障")
    assert [(row.system, row.counts, row.total) for row in table.rows] == [
        (first.name, (3, 1, 0), 4),  # T1, T2, T5; T4
        (second.name, (0, 1, 1), 2),  # T3; T7
    ]
    assert table.column_totals == (3, 2, 1) and table.total == 6

    # Resolved in Q3: T6 (07-01), T1, T2 with no cause, T3 with "network".
    assert [(row.key, row.count) for row in figures.causes(contract, Q3, end)] == [
        ("network", 1),
        ("", 3),
    ]

    backlog = figures.backlog(contract, Q3, end)
    assert [(p.ticket_number, p.age_days, p.carried_over) for p in backlog.open] == [
        (t["T4"].number, 1, False),  # reported 09-29 20:00, resolved only in October
        (t["T5"].number, 0, False),
    ]
    assert [row.count for row in backlog.ageing] == [2, 0, 0, 0]
    # Half a day into Q4 both are still open and carried over from Q3.
    q4 = figures.backlog(contract, Period.quarter(2026, 4), at("2026-10-01 12:00"))
    assert backlog.carried_over == 0 and q4.carried_over == 2

    flow = figures.created_and_resolved(contract, Q3, end)
    assert [(m.month.month, m.created, m.resolved) for m in flow] == [
        (7, 3, 3),  # T1, T2, T7 reported; T6, T1, T2 resolved
        (8, 1, 1),  # T3
        (9, 2, 0),  # T4, T5
    ]


def test_the_annual_report_compares_quarter_by_quarter(yn_quarter):
    lines = figures.quarter_by_quarter(
        yn_quarter.contract, Period.year(2026), at("2026-10-01 12:00")
    )
    assert [
        (line.period.start.month, line.tickets, line.compliance.percent, line.breaches)
        for line in lines
    ] == [
        (1, 0, None, 0),
        (4, 2, Decimal("75.0"), 1),  # T0's three clocks; T6's respond clock ran out
        (7, 6, Decimal("50.0"), 9),
        (10, 0, None, 0),
    ]
    # T2's outage of 2.5 h and T5's from 09-30 11:00 to the end of the quarter: 13 h.
    assert lines[2].downtime_hours == Decimal("15.50")


def test_each_level1_incident_is_told_from_its_record_as_at_the_quarters_end(yn_quarter):
    contract, t = yn_quarter.contract, yn_quarter.tickets
    Ticket.objects.filter(pk=t["T2"].pk).update(resolution_cause="hardware")
    end = figures.as_at(Q3, at("2026-12-01 09:00"))
    incidents = figures.level1_incidents(contract, Q3, end)
    # Level 1 in Q3: T1, T2, T5 (T0 is of Q2).
    assert [
        (i.ticket_number, i.resolved_at, i.downtime_minutes, i.cause, i.fix) for i in incidents
    ] == [
        (t["T1"].number, at("2026-07-06 15:30"), 0, "", "已处理"),
        (t["T2"].number, at("2026-07-14 16:00"), 150, "硬件故障", "已处理"),  # 09:00–11:30
        (t["T5"].number, None, 13 * 60, "", ""),  # down from 09-30 11:00 to the quarter's end
    ]
    first = contract.systems.first().name
    assert incidents[1].story == (
        f"2026-07-14 09:00，{first}报告“系统故障”（{t['T2'].number}）。",
        "服务中断 2.5 小时。",
        "原因：硬件故障。",
        "2026-07-14 16:00 解决，距报告 7 小时。",
        "处理：已处理",
    )
    # Nothing recorded, nothing said: no downtime, no cause; an open one is said to be open.
    assert len(incidents[0].story) == 3
    assert incidents[2].story[-1] == "截至统计时尚未解决。"


def test_a_level1_incident_tells_the_prevention_measure_written_with_its_last_resolution(
    yn_quarter,
):
    contract, t = yn_quarter.contract, yn_quarter.tickets
    engineer = demo_user("ny-engineer")
    # T5 (down since 09-30 11:00) is resolved with its prevention measure after the quarter.
    ticket_services.assign(
        ticket=Ticket.objects.get(pk=t["T5"].pk),
        by=demo_user("ny-dispatcher"),
        engineer=engineer,
        note="已联系信息科，工程师到场排查网络。",
        now=at("2026-09-30 11:10"),
    )
    ticket_services.resolve(
        ticket=Ticket.objects.get(pk=t["T5"].pk),
        by=engineer,
        note="更换交换机端口",
        prevention="核心交换机端口纳入每日巡检，备用链路自动切换。",
        now=at("2026-10-02 10:00"),
    )
    as_at_quarter_end = figures.level1_incidents(contract, Q3, figures.as_at(Q3, at("2026-10-01")))
    assert not any("预防" in line for line in as_at_quarter_end[2].story)  # not yet written
    annual = figures.level1_incidents(contract, Period.year(2026), at("2026-12-01 09:00"))
    told = next(i for i in annual if i.ticket_number == t["T5"].number)
    assert told.prevention == "核心交换机端口纳入每日巡检，备用链路自动切换。"
    assert told.story[-2:] == (
        "处理：更换交换机端口",
        "预防措施：核心交换机端口纳入每日巡检，备用链路自动切换。",
    )


def test_reopen_rate_recurrences_and_each_engineers_load_of_the_quarter(yn_quarter):
    contract, t = yn_quarter.contract, yn_quarter.tickets
    engineer, engineer2 = demo_user("ny-engineer"), demo_user("ny-engineer2")
    # T3 (closed 08-04) is reopened and resolved again: still one ticket resolved.
    ticket_services.reopen(
        ticket=t["T3"], by=demo_user("yn-reporter"), note="仍无法打开", now=at("2026-08-05 10:00")
    )
    ticket = Ticket.objects.get(pk=t["T3"].pk)
    ticket_services.resolve(ticket=ticket, by=engineer, note="重启服务", now=at("2026-08-05 12:00"))
    Ticket.objects.filter(pk=t["T4"].pk).update(recurrence_of=t["T1"])
    end = figures.as_at(Q3, at("2026-12-01 09:00"))

    rework = figures.rework(contract, Q3, end)
    # Resolved in Q3: T6 (07-01), T1, T2, T3; reopened: T3.
    assert (rework.resolved, rework.reopened, rework.recurrences) == (4, 1, 1)
    assert rework.reopen_percent == Decimal("25.0")

    load = figures.engineer_load(contract, Q3, end)
    assert [(row.engineer, row.resolved, row.hours, row.onsite_days) for row in load] == [
        # 90 + 120 + 300 + 60 minutes; on site 07-06, 07-14, 08-04
        (engineer.get_full_name(), 4, Decimal("9.5"), 3),
        (engineer2.get_full_name(), 0, Decimal("1.0"), 1),  # 60 minutes on site 07-14
    ]


def test_the_annual_report_compares_the_year_with_the_one_before_where_the_contract_ran(
    yn_quarter,
):
    contract, now = yn_quarter.contract, at("2026-10-01 12:00")
    year = Period.year(2026)
    alone = figures.year_on_year(contract, year, now)
    assert alone.previous is None and alone.changes is None  # the contract began in 2026
    # 2026 so far: T0, T6 (Q2) and the six of Q3; ratings 1, 2, 5, 3, 4; down 2.5 h (T2)
    # and 25 h (T5, from 09-30 11:00, still down at 10-01 12:00).
    assert alone.current.tickets == 8
    assert alone.current.downtime_hours == Decimal("27.50")
    # On time: T0 3, T6 1, T1 3, T2 1, T7 1, T3 2, T4 1 (respond) = 12; breached: T6 1,
    # T2 2, T3 1, T4 2, T5 3 = 9. 12 / 21.
    assert alone.current.sla_percent == Decimal("57.1")
    assert alone.current.satisfaction == Decimal("3.00")

    Contract.objects.filter(pk=contract.pk).update(starts_on=dt.date(2025, 1, 1))
    contract.refresh_from_db()
    work(
        phoned_in(contract, reported="2025-11-03 09:00", entered="2025-11-03 09:10"),
        ack="2025-11-03 09:20",
        rating=None,
    )
    compared = figures.year_on_year(contract, year, now)
    # 2025: one level-2 fault, answered in time, its arrive and resolve clocks ran out.
    assert compared.previous.tickets == 1
    assert compared.previous.downtime_hours == Decimal("0.00")
    assert compared.previous.satisfaction is None
    assert compared.changes.tickets == 7 and compared.changes.satisfaction is None
    assert compared.previous.sla_percent == Decimal("33.3")  # 1 of 3 clocks
    assert compared.changes.sla_percent == (
        compared.current.sla_percent - compared.previous.sla_percent
    )


def test_the_new_chapters_query_count_does_not_grow_with_tickets(yn_quarter):
    contract, now = yn_quarter.contract, at("2026-10-01 12:00")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            figures.level1_incidents(contract, Q3, now)
            figures.rework(contract, Q3, now)
            figures.engineer_load(contract, Q3, now)
            figures.year_on_year(contract, Period.year(2026), now)
        return len(queries)

    before = count()
    for day in range(1, 11):
        ticket = work(
            file(contract, "level-1", f"2026-08-{day:02d} 10:00"),
            ack=f"2026-08-{day:02d} 10:10",
            assign=f"2026-08-{day:02d} 10:12",
            arrive=f"2026-08-{day:02d} 15:00",
            resolve=f"2026-08-{day:02d} 16:00",
        )
        log(ticket, f"2026-08-{day:02d}", 60, "on_site")
        ticket_services.record_outage(
            ticket=ticket,
            by=demo_user("ny-engineer"),
            started_at=at(f"2026-08-{day:02d} 10:00"),
            ended_at=at(f"2026-08-{day:02d} 10:30"),
        )
    assert len(figures.level1_incidents(contract, Q3, now)) == 13
    assert count() == before


def test_the_pdfs_print_the_incidents_rework_engineers_and_year_on_year_in_their_own_rows(
    yn_quarter, media
):
    contract, t = yn_quarter.contract, yn_quarter.tickets
    Contract.objects.filter(pk=contract.pk).update(starts_on=dt.date(2025, 1, 1))
    contract.refresh_from_db()
    work(
        phoned_in(contract, reported="2025-11-03 09:00", entered="2025-11-03 09:10"),
        ack="2025-11-03 09:20",
    )
    Ticket.objects.filter(pk=t["T2"].pk).update(resolution_cause="hardware")
    ny = demo_user("ny-engineer")
    ticket_services.explain_breach(
        ticket=t["T2"], by=ny, clock="respond", reason="机房停电", now=at("2026-07-15 09:00")
    )
    with time_machine.travel(at("2026-10-05 09:00"), tick=False):
        quarterly = services.run_render(
            services.request_report(
                contract=contract, kind="quarterly", period=Q3, by=demo_user("ny-manager")
            ).pk
        )
        annual = services.run_render(
            services.request_report(
                contract=contract,
                kind="annual",
                period=Period.year(2026),
                by=demo_user("ny-manager"),
            ).pk
        )
    pages = pdf_pages(quarterly)
    text = "".join("".join(lines) for lines in pages).replace(" ", "")
    assert "服务中断2.5小时。原因：硬件故障。2026-07-1416:00解决，距报告7小时。" in text
    assert "截至统计时尚未解决。" in text  # T5
    assert row(pages, "本期解决的工单", 4) and row(pages, "解决后被重开", 0)
    assert row(pages, "重开率", "0%") and row(pages, "重复发生的故障", 0)
    assert row(pages, ny.get_full_name(), 4, "9.5", 3)
    assert row(pages, demo_user("ny-engineer2").get_full_name(), 0, "1.0", 1)
    # The reason in the body's list of reasons and in the appendix's row of the breach.
    assert row(pages, t["T2"].number, "响应", "机房停电")
    assert any(
        line.startswith(t["T2"].number) and line.endswith("机房停电") and "2026-07-14" in line
        for lines in pages
        for line in lines
    )
    assert_no_page_is_blank_but_for_its_footer(pages)
    # 2026 (as at 10-05): 8 tickets, 2025: 1; 57.1 % against 33.3 % (1 of 3 clocks); T5
    # still down since 09-30 11:00: 2.5 + 118 h; 2025's satisfaction unknown.
    pages = pdf_pages(annual)
    assert row(pages, "工单", 8, 1, "+7")
    assert row(pages, "SLA 达成情况", "57.1 %", "33.3 %", "+23.8 个百分点")
    assert row(pages, "停机时间", "120.5 小时", "0 分钟", "+120.5 小时")
    assert any(re.match(r"^满意度\s+3\s*/\s*5\s+—\s+—$", line) for lines in pages for line in lines)
    assert_no_page_is_blank_but_for_its_footer(pages)


def test_the_breach_appendix_gives_each_clock_one_line(yn_quarter, media):
    """Ticket, level, clock, due and met times, how late and why on one line: a row that
    wraps its cells over four lines spread a year's breaches over a hundred pages."""
    from django.utils.timezone import localtime

    from reports.formatting import duration_text

    now = at("2026-10-05 09:00")
    with time_machine.travel(now, tick=False):
        report_file = services.request_report(
            contract=yn_quarter.contract, kind="quarterly", period=Q3, by=demo_user("ny-manager")
        )
        done = services.run_render(report_file.pk)
        listed = figures.breaches(yn_quarter.contract, Q3, figures.as_at(Q3, now))
    pages = pdf_pages(done)
    appendix = pages[next(i for i, page in enumerate(pages) if "附录：超时明细" in page[0]) :]
    assert listed
    for breach in listed:
        met = f"{localtime(breach.met_at):%Y-%m-%d %H:%M}" if breach.met_at else "尚未达成"
        assert row(
            appendix,
            breach.ticket_number,
            breach.level_label,
            breach.clock_label,
            f"{localtime(breach.due_at):%Y-%m-%d %H:%M}",
            met,
            duration_text(breach.minutes_late),
            breach.reason or "—",
        ), breach
