"""Every response carries a Content-Security-Policy with nothing inline allowed, and the other
browser protections; templates have no inline script, style or handler to need more; forms
without the CSRF token are refused."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from contracts.demo.people import DEMO_PASSWORD
from opsdesk.security import inline_block_hashes, policy_for
from tests.conftest import login
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"

STRICT_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

# Templates rendered by WeasyPrint into PDFs, never sent to a browser: a PDF has no scripts,
# and its page numbers can only be set in a <style> element (CSS @page rules).
PDF_ONLY_TEMPLATES = {
    "inspections/report_pdf.html",
    "reports/pdf/bound_book.html",
    "reports/pdf/breach_list.html",
    "reports/pdf/service_report.html",
}

INLINE = {
    "inline <script>": re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE),
    "<style> element": re.compile(r"<style\b", re.IGNORECASE),
    "style= attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "on…= handler": re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def directives(header: str) -> dict[str, list[str]]:
    return {
        name: sources
        for name, *sources in (part.split() for part in header.split(";") if part.strip())
    }


@pytest.mark.parametrize(
    ("username", "path"),
    [
        (None, "/accounts/login/"),
        ("yn-it", "/"),
        ("yn-it", "/contracts/yn-his/"),
        ("ny-engineer", "/queue/"),
        ("ny-manager", "/contracts/yn-his/dashboard/"),
        ("admin", "/admin/"),
    ],
)
def test_pages_carry_the_strict_policy_and_the_other_protections(demo, username, path):
    client = login(username) if username else Client()
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == STRICT_POLICY
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    permissions = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()"):
        assert feature in permissions


def test_redirects_and_api_answers_carry_it_too(demo):
    assert Client().get("/")["Content-Security-Policy"] == STRICT_POLICY
    assert Client().get("/api/v1/tickets/")["Content-Security-Policy"] == STRICT_POLICY


def test_only_django_s_debug_error_pages_go_without_it_and_only_in_development(demo, settings):
    assert Client().get("/no-such-page/")["Content-Security-Policy"] == STRICT_POLICY
    settings.DEBUG = True
    assert "Content-Security-Policy" not in Client().get("/no-such-page/")
    assert Client().get("/accounts/login/")["Content-Security-Policy"] == STRICT_POLICY


def test_no_page_allows_inline_scripts_or_styles():
    for path in ("/", "/tickets/1/", "/admin/", "/api/v1/tickets/"):
        policy = directives(policy_for(path, "<script>alert(1)</script>"))
        assert policy["script-src"] == ["'self'"]
        assert policy["style-src"] == ["'self'"]


def test_swagger_ui_may_run_only_the_inline_blocks_it_was_sent_with(demo):
    response = login("yn-it").get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    policy = directives(response["Content-Security-Policy"])
    inline_script = re.search(r"<script>(.*?)</script>", page, re.DOTALL)[1]
    digest = base64.b64encode(hashlib.sha256(inline_script.encode()).digest()).decode()
    assert policy["script-src"] == ["'self'", f"'sha256-{digest}'"]
    assert "'unsafe-inline'" not in policy["script-src"] + policy["style-src"]
    assert policy["frame-ancestors"] == ["'none'"]


def test_redoc_alone_may_inject_styles(demo):
    policy = directives(login("yn-it").get("/api/docs/redoc/")["Content-Security-Policy"])
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert "'unsafe-inline'" not in policy["script-src"]


def test_hashes_skip_scripts_loaded_from_files():
    html = '<script src="/static/a.js"></script><script>run()</script><style>b{}</style>'
    hashes = inline_block_hashes(html)
    assert len(hashes["script-src"]) == 1 and len(hashes["style-src"]) == 1


def test_no_template_has_inline_script_style_or_handlers():
    found = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        name = template.relative_to(TEMPLATES).as_posix()
        if name in PDF_ONLY_TEMPLATES:
            continue
        text = template.read_text(encoding="utf-8")
        found += [f"{name}: {what}" for what, pattern in INLINE.items() if pattern.search(text)]
    assert found == []


def test_the_pdf_only_templates_are_still_there_to_be_excused():
    assert all((TEMPLATES / name).exists() for name in PDF_ONLY_TEMPLATES)


def test_a_portal_form_sent_without_the_csrf_token_is_refused(demo):
    from accounts.models import User

    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(username="yn-reporter"))
    before = Ticket.objects.count()
    response = client.post(
        "/tickets/new/", {"title": "收费窗口无法打印", "description": "打印机无响应"}
    )
    assert response.status_code == 403
    assert Ticket.objects.count() == before
    response = client.post("/accounts/logout/")
    assert response.status_code == 403
    assert "_auth_user_id" in client.session
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 403


def test_the_login_form_without_the_csrf_token_is_refused(demo):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "yn-it", "password": DEMO_PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_the_session_cookie_is_http_only_and_same_site(demo):
    client = Client()
    client.post("/accounts/login/", {"username": "yn-it", "password": DEMO_PASSWORD})
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_browser_reports_no_policy_violation_on_the_portal_admin_and_api_docs(
    browser, live_server, demo
):
    from tests.browser import signed_in

    page = signed_in(browser, live_server, "admin")
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    for path in (
        "/",
        "/queue/",
        "/dispatch/",
        "/knowledge/",
        "/inspections/",
        "/contracts/yn-his/",
        "/contracts/yn-his/dashboard/",
        "/contracts/yn-his/reports/",
        "/admin/",
        "/admin/accounts/user/",
        "/admin/contracts/contract/1/change/",
        "/api/docs/",
    ):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    assert page.locator(".swagger-ui .opblock").count() > 0, "Swagger UI did not start"
    assert violations == []

    page.goto(f"{live_server.url}/api/docs/redoc/")
    page.wait_for_selector("h1")
    assert "OpsDesk API" in page.locator("h1").first.inner_text(), "Redoc did not start"
    # Only what Redoc would fetch from the internet (Google fonts, its logo) is blocked.
    assert [text for text in violations if "https://" not in text] == []
