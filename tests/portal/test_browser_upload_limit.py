"""An attachment over the 20 MB limit is refused in the browser before it is uploaded (the
file input carries the limit; static/js/opsdesk.js reads it), with the server's own words;
a file within the limit still goes through. The server keeps its own check."""

from __future__ import annotations

import pytest

from tests.browser import shot, signed_in
from tests.factories import demo_user
from tickets import services
from tickets.models import Attachment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOO_LARGE = {
    "name": "his-trace.log",
    "mimeType": "text/plain",
    "buffer": b"0" * (services.ATTACHMENT_MAX_BYTES + 1),
}
SMALL = {"name": "screen.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n" + b"0" * 64}


def a_ticket(demo):
    contract = demo["yn-his"]
    return services.report_ticket(
        contract=contract,
        system=contract.systems.first(),
        service_class=contract.service_classes.get(level=2),
        title="住院结算打印失败",
        description="结算单打印空白。",
        reporter=demo_user("yn-reporter"),
        contact_phone="13726380001",
    )


def test_a_file_over_the_limit_is_refused_before_upload_and_a_small_one_attaches(
    browser, live_server, demo
):
    ticket = a_ticket(demo)
    page = signed_in(browser, live_server, "yn-reporter", phone=True)
    uploads: list[int] = []
    page.on(
        "request",
        lambda request: (
            uploads.append(len(request.post_data_buffer or b""))
            if request.url.endswith("/attach/")
            else None
        ),
    )
    page.goto(f"{live_server.url}{ticket.get_absolute_url()}")
    chooser = page.locator("#attachments input[type=file]")
    chooser.set_input_files(TOO_LARGE)
    error = page.locator("#attachments .upload-error")
    assert error.inner_text() == "附件大小不能超过 20 MB，his-trace.log 超出限制。"
    assert chooser.evaluate("input => input.files.length") == 0
    shot(page, "upload-too-large-390")

    page.click("#attachments button")
    page.wait_for_selector(".msg-error")
    assert "请先选择文件" in page.locator(".messages").inner_text()
    assert uploads and max(uploads) < 100_000, "the large file was sent"
    assert not Attachment.objects.exists()

    page.locator("#attachments input[type=file]").set_input_files(SMALL)
    assert page.locator("#attachments .upload-error").count() == 0
    page.click("#attachments button")
    page.wait_for_selector(".msg-success")
    assert list(Attachment.objects.values_list("original_name", flat=True)) == ["screen.png"]


def test_the_report_form_refuses_a_file_over_the_limit_before_upload(browser, live_server, demo):
    page = signed_in(browser, live_server, "yn-reporter", phone=True)
    page.goto(f"{live_server.url}/contracts/yn-his/report/")
    chooser = page.locator("input[type=file][name=attachments]")
    chooser.set_input_files([SMALL, TOO_LARGE])
    assert "his-trace.log 超出限制" in page.locator(".upload-error").inner_text()
    assert chooser.evaluate("input => input.files.length") == 0
    shot(page, "upload-too-large-report-390")
