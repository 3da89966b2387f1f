"""The annual report with its bound book is rendered in parts by several workers and joined
once: the same report, page for page, as rendered in one piece."""

from __future__ import annotations

import re
import subprocess

import pytest
import time_machine
from django.utils import timezone

from reports import rendering, services
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
