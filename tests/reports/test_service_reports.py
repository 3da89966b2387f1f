"""The service reports: the figures only they add, checked against the hand-built quarter of
conftest.py (yn-his, 2026 Q3, as of 2026-09-30 12:00), and the PDF as a hospital files it."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from pypdf import PdfReader

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
from tests.reports.conftest import phoned_in
from tests.tickets.conftest import at
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


def test_the_annual_report_binds_every_ticket_and_inspection_of_the_year(yn_quarter, media):
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
