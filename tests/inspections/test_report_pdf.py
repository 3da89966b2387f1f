"""The inspection report as a hospital files it: a PDF per revision, with the Chinese item
names and results as text, the CJK font embedded, abnormal items highlighted."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from inspections import report, services
from inspections.tasks import render_pending, render_report

pytestmark = pytest.mark.django_db


def pdf_text(inspection_report) -> tuple[str, PdfReader]:
    with inspection_report.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return "\n".join(page.extract_text() for page in reader.pages), reader


def embedded_fonts(reader: PdfReader) -> set[str]:
    """Base names of fonts whose program is embedded (FontFile, FontFile2 or FontFile3)."""
    found = set()
    for page in reader.pages:
        fonts = page["/Resources"].get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor is None:
                    continue
                descriptor = descriptor.get_object()
                if any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                    found.add(str(descendant.get_object()["/BaseFont"]))
    return found


def test_the_report_holds_every_item_its_result_and_the_sign_off(
    settings, tmp_path, performed, hospital_it
):
    settings.MEDIA_ROOT = tmp_path
    signed = services.sign_off(inspection=performed, by=hospital_it)
    made = report.render_current(signed.pk)
    text, reader = pdf_text(made)
    flat = text.replace(" ", "").replace("\n", "")
    for words in (
        "巡检报告",
        "湛江中心人民医院",
        "广东南粤医信科技有限公司",
        "电子票据管理系统运维服务",
        "电子票据用户表空间使用率",
        "93.5%",
        "<90%",
        "票据开具功能正常",
        "系统日志无异常",
        "异常",
        "正常",
        "陈工",  # the engineer
        hospital_it.get_full_name(),  # the sign-off
        "下季度前完成表空间扩容",
    ):
        assert words.replace(" ", "") in flat, words
    assert made.pages == len(reader.pages) >= 2
    assert made.revision == signed.revision
    assert len(made.sha256) == 64 and made.size == made.file.size


def test_the_chinese_font_is_embedded(settings, tmp_path, performed):
    settings.MEDIA_ROOT = tmp_path
    _, reader = pdf_text(report.render_current(performed.pk))
    assert any("Noto-Sans-CJK-SC" in name for name in embedded_fonts(reader))


def test_a_change_makes_a_new_revision_and_keeps_the_earlier_one(
    settings, tmp_path, performed, engineer
):
    settings.MEDIA_ROOT = tmp_path
    first = render_report(performed.pk)
    assert render_report(performed.pk) == first  # the same revision is made once
    reopened = services.reopen(inspection=performed, by=engineer, reason="补充建议")
    assert report.render_current(reopened.pk) is None  # nothing to report while in progress
    services.complete(inspection=reopened, by=engineer, suggestions="增加表空间监控告警。")
    assert report.stale_inspection_ids() == [performed.pk]
    second = report.render_current(performed.pk)
    assert [r.revision for r in performed.reports.all()] == [second.revision, 1]
    assert "增加表空间监控告警" in pdf_text(second)[0].replace(" ", "")
    assert report.stale_inspection_ids() == []


def test_reports_asked_for_while_the_broker_was_down_are_made_later(
    settings, tmp_path, performed, monkeypatch
):
    settings.MEDIA_ROOT = tmp_path
    asked: list[int] = []
    monkeypatch.setattr(render_report, "delay", asked.append)
    assert render_pending() == 1
    assert asked == [performed.pk]
