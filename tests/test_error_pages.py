"""A hospital user who meets an error sees a page in their language, never a traceback."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import login

pytestmark = pytest.mark.django_db


def test_a_missing_page_is_explained_in_chinese(demo):
    response = login("yn-reporter").get("/tickets/YN-2099-99999/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page and "Not Found" not in page


def test_a_server_error_page_is_in_chinese_and_shows_no_traceback(demo, settings):
    from django.urls import path

    def broken(request):
        raise RuntimeError("secret detail")

    settings.ROOT_URLCONF = type(
        "Urls",
        (),
        {"urlpatterns": [path("boom/", broken)], "handler500": "opsdesk.errors.server_error"},
    )
    client = Client(raise_request_exception=False)
    response = client.get("/boom/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 500
    page = response.content.decode()
    assert "出错" in page and "secret detail" not in page and "Traceback" not in page
