"""Files people attach to tickets: limited in size and type, kept outside anything served
statically, handed out only through views that check who asks, and always as a download
that no browser renders (an uploaded page or image can never run in another person's session).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from api.tokens import issue_token
from tests.factories import demo_user
from tests.security.conftest import NOW
from tickets import services
from tickets.errors import TicketError
from tickets.models import Attachment, Ticket
from tickets.services import ATTACHMENT_EXTENSIONS, ATTACHMENT_MAX_BYTES, check_upload

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PAGE = b"<html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def ticket(demo) -> Ticket:
    with time_machine.travel(NOW, tick=True):
        contract = demo["yn-his"]
        return services.report_ticket(
            contract=contract,
            system=contract.systems.first(),
            service_class=contract.service_classes.filter(kind="fault").order_by("level").last(),
            title="门诊收费系统无法登录",
            description="门诊收费窗口全部无法登录 HIS。",
            reporter=demo_user("yn-reporter"),
            contact_phone="13726380001",
        )


def token(username: str) -> APIClient:
    person = demo_user(username)
    _token, raw = issue_token(
        user=person, organization=person.memberships.first().organization, name="uploads"
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}", HTTP_ACCEPT_LANGUAGE="en")
    return client


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(demo_user(username))
    return client


def upload(name: str, content: bytes = PNG, content_type: str = "image/png"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def attach_via_api(ticket: Ticket, file, username: str = "yn-reporter"):
    return token(username).post(
        f"/api/v1/tickets/{ticket.pk}/attachments/", {"file": file}, format="multipart"
    )


def stored(ticket: Ticket, attachment: Attachment, content: bytes, name: str) -> Attachment:
    """A file put straight into storage, bypassing the upload rules (an attachment from
    before the rules, or an administrator's import): the download must still be safe."""
    attachment = Attachment.objects.create(
        ticket=ticket,
        file=ContentFile(content, name=name),
        original_name=name,
        content_type="image/svg+xml" if name.endswith(".svg") else "text/html",
        size=len(content),
        uploaded_by=attachment.uploaded_by,
    )
    return attachment


def assert_download_only(response) -> bytes:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    return b"".join(response.streaming_content)


# --- size and type -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["page.html", "page.htm", "image.svg", "page.xhtml", "run.js", "setup.exe", "noextension"],
)
def test_pages_images_with_scripts_and_programs_are_refused(name):
    with pytest.raises(TicketError) as refused:
        check_upload(upload(name, PAGE))
    assert refused.value.code == "file_type"


def test_only_documents_images_logs_and_archives_may_be_attached():
    assert {"html", "htm", "svg", "xhtml", "xml", "js", "exe"}.isdisjoint(ATTACHMENT_EXTENSIONS)
    assert check_upload(upload("截图.PNG")) == "截图.PNG"  # the extension in any case


def test_twenty_megabytes_is_the_limit():
    class Sized:
        def __init__(self, size: int) -> None:
            self.name, self.size = "backup.zip", size

    assert check_upload(Sized(ATTACHMENT_MAX_BYTES)) == "backup.zip"
    with pytest.raises(TicketError) as refused:
        check_upload(Sized(ATTACHMENT_MAX_BYTES + 1))
    assert refused.value.code == "file_too_large"
    assert ATTACHMENT_MAX_BYTES == 20 * 1024 * 1024


def test_the_api_refuses_a_file_over_the_limit_and_keeps_nothing(ticket, media):
    big = upload("数据库日志.log", b"x" * (ATTACHMENT_MAX_BYTES + 1), "text/plain")
    response = attach_via_api(ticket, big)
    assert response.status_code == 400
    assert response.json()["code"] == "file_too_large"
    assert not ticket.attachments.exists()
    assert not any(path.is_file() for path in media.rglob("*"))


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [("报告.html", PAGE, "text/html"), ("logo.svg", SVG, "image/svg+xml")],
)
def test_the_api_refuses_html_and_svg_and_keeps_nothing(ticket, media, name, content, content_type):
    response = attach_via_api(ticket, upload(name, content, content_type))
    assert response.status_code == 400
    assert response.json()["code"] == "file_type"
    assert not ticket.attachments.exists()
    assert not any(path.is_file() for path in media.rglob("*"))


@pytest.mark.parametrize("name", ["报告.html", "logo.svg"])
def test_the_portal_refuses_html_and_svg(ticket, name):
    response = signed_in("yn-reporter").post(
        f"/tickets/{ticket.number}/attach/", {"file": upload(name, SVG, "image/svg+xml")}
    )
    assert response.status_code == 302
    assert not ticket.attachments.exists()


def test_filing_a_ticket_with_an_svg_files_nothing(demo):
    contract = demo["yn-his"]
    client = signed_in("yn-reporter")
    with time_machine.travel(NOW, tick=True):
        page = client.get(f"/contracts/{contract.code}/report/")
        level = page.context["form"].fields["service_class"].queryset.first()
        response = client.post(
            f"/contracts/{contract.code}/report/",
            {
                "system": contract.systems.first().pk,
                "service_class": level.pk,
                "title": "门诊收费系统无法登录",
                "description": "门诊收费窗口全部无法登录 HIS。",
                "contact_phone": "13726380001",
                "attachments": upload("logo.svg", SVG, "image/svg+xml"),
            },
        )
    assert response.status_code == 200  # the form again, with the reason
    assert not Ticket.objects.filter(contract=contract).exists()
    assert not Attachment.objects.exists()


# --- where files are kept ------------------------------------------------------------------------


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve() == folder.resolve() or folder.resolve() in path.resolve().parents


def test_uploads_are_kept_apart_from_every_static_folder():
    # As configured (the tests here store into a temporary MEDIA_ROOT).
    from opsdesk import settings as configured

    media = Path(configured.MEDIA_ROOT)
    static = [Path(configured.STATIC_ROOT), *map(Path, configured.STATICFILES_DIRS)]
    for folder in static:
        assert not _inside(media, folder), f"MEDIA_ROOT {media} is inside {folder}"
        assert not _inside(folder, media), f"{folder} is inside MEDIA_ROOT {media}"
    assert getattr(configured, "WHITENOISE_ROOT", None) is None  # WhiteNoise: static only
    assert configured.MEDIA_URL.strip("/") != configured.STATIC_URL.strip("/")


def test_an_attachment_is_stored_under_media_root_with_a_name_of_our_making(ticket, media):
    response = attach_via_api(ticket, upload("../../../static/css/opsdesk.png"))
    assert response.status_code == 201, response.content
    attachment = ticket.attachments.get()
    assert attachment.original_name == "opsdesk.png"  # the client's path is dropped
    path = Path(attachment.file.path)
    assert _inside(path, media) and path.read_bytes() == PNG
    assert ".." not in attachment.file.name


def test_an_attachment_cannot_be_fetched_by_its_storage_address(ticket):
    attach_via_api(ticket, upload("截图.png"))
    attachment = ticket.attachments.get()
    for client in (Client(), signed_in("yn-reporter"), signed_in("admin")):
        for url in (f"/{settings.MEDIA_URL}{attachment.file.name}", f"/{attachment.file.name}"):
            assert client.get(url.replace("//", "/")).status_code == 404, url


# --- who may download ----------------------------------------------------------------------------


def test_the_parties_download_through_the_api_and_the_portal(ticket):
    attach_via_api(ticket, upload("截图.png"))
    attachment = ticket.attachments.get()
    api_url = f"/api/v1/tickets/{ticket.pk}/attachments/{attachment.pk}/download/"
    page_url = f"/tickets/{ticket.number}/attachments/{attachment.pk}/"
    for username in ("yn-reporter", "yn-it", "ny-engineer"):
        assert assert_download_only(token(username).get(api_url)) == PNG
        assert assert_download_only(signed_in(username).get(page_url)) == PNG


@pytest.mark.parametrize("username", ["zj-it", "zj-reporter", "cd-it", "rk-engineer", "sk-manager"])
def test_another_partys_people_get_404_for_the_file(ticket, username):
    attach_via_api(ticket, upload("患者张三检查报告.png"))
    attachment = ticket.attachments.get()
    api = token(username).get(f"/api/v1/tickets/{ticket.pk}/attachments/{attachment.pk}/download/")
    page = signed_in(username).get(f"/tickets/{ticket.number}/attachments/{attachment.pk}/")
    for response in (api, page):
        assert response.status_code == 404
        assert "患者张三" not in response.content.decode()
        assert "attachment" not in response.get("Content-Disposition", "")


def test_an_attachment_is_found_only_under_its_own_ticket(demo, ticket):
    """Another ticket's attachment id under a ticket one may see is 404 too."""
    attach_via_api(ticket, upload("截图.png"))
    attachment = ticket.attachments.get()
    with time_machine.travel(NOW, tick=True):
        contract = demo["zj-einvoice"]
        theirs = services.report_ticket(
            contract=contract,
            system=contract.systems.first(),
            service_class=contract.service_classes.filter(kind="fault").first(),
            title="发票打印机卡纸",
            description="门诊收费处发票打印机卡纸。",
            reporter=demo_user("zj-reporter"),
            contact_phone="13902580001",
        )
    client = token("zj-it")
    url = f"/api/v1/tickets/{theirs.pk}/attachments/{attachment.pk}/download/"
    assert client.get(url).status_code == 404
    page = f"/tickets/{theirs.number}/attachments/{attachment.pk}/"
    assert signed_in("zj-it").get(page).status_code == 404


def test_without_signing_in_there_is_no_file(ticket):
    attach_via_api(ticket, upload("截图.png"))
    attachment = ticket.attachments.get()
    api = APIClient().get(f"/api/v1/tickets/{ticket.pk}/attachments/{attachment.pk}/download/")
    assert api.status_code == 401
    page = Client().get(f"/tickets/{ticket.number}/attachments/{attachment.pk}/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")


# --- never rendered ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "claimed"),
    [
        ("截图.png", PNG, "image/png"),
        ("说明.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
        # A "log" that is really a page, sent with the type of a page: still only bytes.
        ("error.log", PAGE, "text/html"),
        ("notes.txt", PAGE, "text/html"),
        ("photo.png", SVG, "image/svg+xml"),
    ],
)
def test_every_attachment_is_served_as_a_download_of_bytes(ticket, name, content, claimed):
    response = attach_via_api(ticket, upload(name, content, claimed))
    assert response.status_code == 201, response.content
    attachment = ticket.attachments.get()
    for response in (
        token("yn-it").get(
            f"/api/v1/tickets/{ticket.pk}/attachments/{attachment.pk}/download/",
            HTTP_ACCEPT="text/html,*/*",
        ),
        signed_in("yn-it").get(f"/tickets/{ticket.number}/attachments/{attachment.pk}/"),
    ):
        assert assert_download_only(response) == content
        assert "inline" not in response["Content-Disposition"]


@pytest.mark.parametrize(("name", "content"), [("logo.svg", SVG), ("页面.html", PAGE)])
def test_an_html_or_svg_file_already_in_storage_is_still_never_served_inline(ticket, name, content):
    attach_via_api(ticket, upload("截图.png"))
    legacy = stored(ticket, ticket.attachments.get(), content, name)
    for response in (
        token("yn-it").get(f"/api/v1/tickets/{ticket.pk}/attachments/{legacy.pk}/download/"),
        signed_in("yn-it").get(f"/tickets/{ticket.number}/attachments/{legacy.pk}/"),
    ):
        assert assert_download_only(response) == content
        assert response["Content-Type"] not in ("text/html", "image/svg+xml")


def test_a_file_name_cannot_add_a_header_to_the_download(ticket):
    # (A multipart body cannot carry a line break in a file name: through the service.)
    name = 'a";\r\nX-Injected: 1;b.png'
    attachment = services.attach_file(
        ticket=ticket, by=demo_user("yn-reporter"), upload=upload(name)
    )
    assert attachment.original_name == name
    download = token("yn-it").get(
        f"/api/v1/tickets/{ticket.pk}/attachments/{attachment.pk}/download/"
    )
    assert_download_only(download)
    assert "X-Injected" not in download.headers
    assert (
        "\r" not in download["Content-Disposition"] and "\n" not in download["Content-Disposition"]
    )
