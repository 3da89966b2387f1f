"""The annual report with its bound book is rendered in parts by several workers and joined
once: the same report, page for page, as rendered in one piece."""

from __future__ import annotations

import re
import subprocess

import pytest
import time_machine
from django.utils import timezone

from reports import rendering, services
from reports.contents import book_tickets
from reports.models import RenderState, ReportFile, ReportPart
from reports.periods import Period
from tests.factories import demo_user


@pytest.fixture
def annual(yn_quarter, settings, tmp_path, monkeypatch) -> ReportFile:
    """An annual report with its bound book, cut into parts of two tickets."""
    settings.MEDIA_ROOT = tmp_path
    settings.CELERY_TASK_ALWAYS_EAGER = True
    monkeypatch.setattr(rendering, "TICKETS_PER_PART", 2)
    with time_machine.travel(yn_quarter.now, tick=False):
        return services.request_report(
            contract=yn_quarter.contract,
            kind="annual",
            period=Period.year(2026),
            by=demo_user("ny-manager"),
            include_bound_book=True,
        )


def pdftotext(content: bytes) -> list[str]:
    """Each page's text, as pdftotext lays it out."""
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()
    return text.split("\f")[:-1]


def last_number(line: str) -> int:
    return int(re.search(r"(\d+)\s*$", line).group(1))


def page_number(page: str) -> int:
    return last_number(page.strip().splitlines()[-1])


def test_the_report_joined_from_parts_reads_as_the_one_rendered_whole(annual, yn_quarter):
    with time_machine.travel(yn_quarter.now, tick=False):
        whole = rendering.render_report_file(annual)
        done = services.run_render(annual.pk)
    assert done.state == RenderState.DONE, done.error
    with done.file.open("rb") as handle:
        joined = handle.read()
    assert done.pages == whole.pages
    assert pdftotext(joined) == pdftotext(whole.content)
    pages = pdftotext(joined)
    # the contents page sends the reader to the pages where the book's sections start
    contents = next(page for page in pages if "A. " in page)
    for title, text in (("A. ", "工单"), ("B. ", "巡检")):
        listed = last_number(next(line for line in contents.splitlines() if title in line))
        assert text in pages[listed - 1]
    book_starts = last_number(next(line for line in contents.splitlines() if "A. " in line))
    numbers = [page_number(page) for page in pages[book_starts - 1 :]]
    assert numbers == list(range(book_starts, len(pages) + 1))  # continuous to the end
    assert not ReportPart.objects.filter(report_file=done).exists()  # cleaned up
    assert done.sha256 and len(done.sha256) == 64


def test_a_part_that_fails_once_is_tried_again_and_the_report_joined_once(
    annual, yn_quarter, monkeypatch
):
    render_part, failed, joins = rendering.render_part, [], []

    def fails_once(part):
        if part.position == 2 and not failed:
            failed.append(part.position)
            raise OSError("worker lost its disk")
        return render_part(part)

    join = rendering.join_parts

    def counted_join(report_file, parts):
        joins.append(report_file.pk)
        return join(report_file, parts)

    monkeypatch.setattr(rendering, "render_part", fails_once)
    monkeypatch.setattr(rendering, "join_parts", counted_join)
    with time_machine.travel(yn_quarter.now, tick=False):
        done = services.run_render(annual.pk)
    assert failed == [2]
    assert done.state == RenderState.DONE, done.error
    assert joins == [annual.pk]
    assert services.run_join(annual.pk) is None  # a join delivered twice finds nothing to do
    assert joins == [annual.pk]


def test_a_join_never_runs_on_missing_parts(annual, yn_quarter, monkeypatch):
    from reports import tasks

    monkeypatch.setattr(tasks.render_part, "delay", lambda part_id: None)  # workers busy
    with time_machine.travel(yn_quarter.now, tick=False):
        running = services.run_render(annual.pk)
        assert running.state == RenderState.RUNNING and running.parts_left > 1
        assert services.run_join(annual.pk) is None  # parts left: nothing to join
        first = ReportPart.objects.filter(report_file=annual).order_by("position").first()
        services.run_part(first.pk)
        assert services.run_join(annual.pk) is None
        # a count that says "all done" while a part's file is gone fails the render
        ReportFile.objects.filter(pk=annual.pk).update(parts_left=0)
        failed = services.run_join(annual.pk)
    assert failed.state == RenderState.FAILED and "not rendered" in failed.error


def test_the_join_renders_only_the_front_pages_again_and_they_list_each_chapters_page(
    annual, yn_quarter, monkeypatch
):
    """The report's body is rendered once, as a part; the join renders the cover and the
    contents page with the pages the part's chapters fell on."""
    render_pdf, fronts = rendering.render_pdf, []

    def recorded(template, context, **kwargs):
        if template == rendering.TEMPLATE:
            fronts.append(context["front_only"])
        return render_pdf(template, context, **kwargs)

    monkeypatch.setattr(rendering, "render_pdf", recorded)
    with time_machine.travel(yn_quarter.now, tick=False):
        done = services.run_render(annual.pk)
    assert done.state == RenderState.DONE, done.error
    assert fronts == [False, True]  # the report part, then the front pages in the join
    with done.file.open("rb") as handle:
        pages = pdftotext(handle.read())
    contents = next(page for page in pages if "目录" in page)
    for number, (_anchor, title) in enumerate(rendering.CHAPTERS, start=1):
        heading = f"{number} {title}"
        listed = last_number(next(line for line in contents.splitlines() if heading in line))
        assert listed > pages.index(contents) + 1
        assert heading in pages[listed - 1], f"{heading} is not on page {listed}"


def test_each_ticket_record_prints_its_facts_and_timeline_one_line_a_step(annual, yn_quarter):
    with time_machine.travel(yn_quarter.now, tick=False):
        done = services.run_render(annual.pk)
    with done.file.open("rb") as handle:
        text = "\n".join(pdftotext(handle.read()))
    ticket = next(iter(yn_quarter.tickets.values()))
    record = text[text.index(f"{ticket.number} · {ticket.title}") :]
    assert f"系统：{ticket.system.path()}" in record.replace("\n", "")
    timeline = [event for event in ticket.events.public().order_by("at", "id") if event.actor_id]
    first = timezone.localtime(timeline[0].at).strftime("%Y-%m-%d %H:%M")
    # the time, then who did what, on one line
    assert re.search(rf"^\s*{first}\s+{timeline[0].actor.get_full_name()} ", record, re.M)


def contents_links(content: bytes) -> tuple[int, dict[int, int]]:
    """The contents page (from 1) and its links: the line's top (PDF units) → target page."""
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    contents = next(i for i, page in enumerate(reader.pages) if "目录" in page.extract_text())
    links = {}
    for reference in reader.pages[contents].get("/Annots") or []:
        annotation = reference.get_object()
        if annotation.get("/Subtype") != "/Link":
            continue
        destination = annotation.get("/Dest")
        assert destination is not None, f"a contents link goes nowhere: {annotation}"
        if isinstance(destination, str):  # a named destination
            page = reader.get_destination_page_number(reader.named_destinations[destination])
        else:
            page = reader.get_page_number(destination[0].get_object())
        links[round(float(annotation["/Rect"][3]))] = page + 1
    return contents + 1, links


def test_the_joined_contents_page_links_each_entry_to_the_page_it_lists(annual, yn_quarter):
    """Front pages rendered apart from the chapters still link to them: every entry of the
    contents page is a link, and it leads to the page number the entry prints."""
    with time_machine.travel(yn_quarter.now, tick=False):
        done = services.run_render(annual.pk)
    assert done.state == RenderState.DONE, done.error
    with done.file.open("rb") as handle:
        joined = handle.read()
    pages = pdftotext(joined)
    contents_page, links = contents_links(joined)
    listed = [
        last_number(line)
        for line in pages[contents_page - 1].splitlines()
        if re.search(r"\.\s*\d+\s*$", line)
    ]
    # One link a listed entry, top to bottom, each to the page printed after its dots.
    assert [links[top] for top in sorted(links, reverse=True)] == listed
    for number, (_anchor, title) in enumerate(rendering.CHAPTERS, start=1):
        assert f"{number} {title}" in pages[listed[number - 1] - 1]


def test_the_joined_report_keeps_a_bookmark_for_each_chapter_on_its_page(annual, yn_quarter):
    import io

    from pypdf import PdfReader

    with time_machine.travel(yn_quarter.now, tick=False):
        done = services.run_render(annual.pk)
    with done.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))

    def flat(outline):
        for item in outline:
            if isinstance(item, list):
                yield from flat(item)
            else:
                yield item.title, reader.get_destination_page_number(item) + 1

    bookmarks = dict(flat(reader.outline))
    pages = [page.extract_text() for page in reader.pages]
    for number, (_anchor, title) in enumerate(rendering.CHAPTERS, start=1):
        heading = f"{number} {title}"
        assert heading in bookmarks, f"no bookmark for {heading}"
        assert heading in pages[bookmarks[heading] - 1]
    # The book's parts (two tickets each) nest as one book: its title over its two sections,
    # every ticket's record under the first, whichever part it was printed in.
    top = [item.title for item in reader.outline if not isinstance(item, list)]
    assert len(top) == 2 and top[1] == "附录：年度维护记录装订册", top
    book = reader.outline[-1]
    sections = [item.title for item in book if not isinstance(item, list)]
    assert sections == ["A. 工单记录", "B. 巡检报告"]
    records = [item.title for item in book[1] if not isinstance(item, list)]
    numbers = sorted(book_tickets(annual.report).values_list("number", flat=True))
    assert [title.split(" · ")[0] for title in records] == numbers


def test_the_book_shows_its_running_title_once_a_section_and_in_every_footer(annual, yn_quarter):
    """Parts of two tickets: the title line opens the ticket records and the inspection
    reports, not each part; every page of the book still names it at its foot."""
    with time_machine.travel(yn_quarter.now, tick=False):
        done = services.run_render(annual.pk)
    with done.file.open("rb") as handle:
        pages = pdftotext(handle.read())
    title = f"{yn_quarter.contract.name} · 年度服务报告 · 附录：年度维护记录装订册"
    book = pages[next(i for i, page in enumerate(pages) if title in page) :]
    opened = [page for page in book if page.strip().splitlines()[0].strip() == title]
    assert len(opened) == 2
    assert "A. " in opened[0] and "B. " in opened[1]
    for page in book:
        assert title in page.strip().splitlines()[-1], page[-300:]


def test_an_inspection_in_the_book_keeps_its_suggestions_and_signatures_with_its_results(
    annual, yn_quarter
):
    """A dozen items, an abnormal one, findings and suggestions: one page of the book, not a
    second page holding only the suggestions and the signatures."""
    import datetime as dt

    from inspections import services as inspection_services
    from inspections.models import Inspection
    from tests.inspections.conftest import answer_all
    from tests.reports.test_service_reports import GENERAL_READINGS
    from tests.tickets.conftest import at

    engineer = demo_user("ny-engineer")
    q3 = Inspection.objects.get(contract=yn_quarter.contract, due_on=dt.date(2026, 9, 30))
    q3 = inspection_services.start(
        inspection=q3, by=engineer, mode="on_site", now=at("2026-09-20 09:00")
    )
    answer_all(q3, readings=GENERAL_READINGS)
    inspection_services.complete(
        inspection=q3,
        by=engineer,
        findings="磁盘使用率超过阈值，已建立工单跟进。",
        suggestions="建议持续关注磁盘与表空间增长趋势，下季度巡检前完成日志归档。",
        now=at("2026-09-20 11:00"),
    )
    with time_machine.travel(yn_quarter.now, tick=False):
        done = services.run_render(annual.pk)
    with done.file.open("rb") as handle:
        pages = pdftotext(handle.read())
    suggestions = [page for page in pages if "改进建议" in page]
    assert suggestions
    for page in suggestions:
        assert "巡检结果" in page, "a page holds the suggestions without the results"
        assert "服务商工程师" in page  # the signatures too
