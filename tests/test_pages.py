"""The portal's first pages: a Chinese login page, working demo logins, an English switch."""

from __future__ import annotations

import pytest
from django.test import Client

from contracts.demo.people import DEMO_PASSWORD, PEOPLE

pytestmark = pytest.mark.django_db


def test_the_root_leads_to_a_chinese_login_page(demo):
    client = Client()
    response = client.get("/", follow=True)
    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in page
    assert "登录" in page


def test_the_login_page_loads_nothing_from_the_internet(demo):
    page = Client().get("/accounts/login/").content.decode()
    assert "http://" not in page and "https://" not in page


@pytest.mark.parametrize("username", ["admin", *[person[0] for person in PEOPLE]])
def test_every_demo_login_works(demo, username):
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, f"{username} could not sign in"
    assert client.get("/").status_code == 200


def test_a_wrong_password_is_explained_in_chinese_and_keeps_the_username(demo):
    response = Client().post("/accounts/login/", {"username": "yn-it", "password": "wrong"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="yn-it"' in page
    assert "请输入一个正确的" in page  # Django's zh-hans message for bad credentials


def test_switching_to_english(demo):
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in page
    assert "Sign in to OpsDesk" in page


def test_contract_page_shows_its_sla_table_in_chinese(demo):
    from tests.conftest import login

    page = login("yn-it").get("/contracts/yn-his/").content.decode()
    assert "一级故障" in page and "30 分钟" in page
    assert "医院信息系统（HIS）" in page


def test_admin_speaks_chinese(demo):
    from tests.conftest import login

    page = login("ny-manager").get("/admin/").content.decode()
    assert "维保合同" in page


def test_pages_stay_chinese_for_a_browser_that_reports_english(demo):
    page = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").get("/accounts/login/").content.decode()
    assert '<html lang="zh-hans">' in page and "登录" in page


def test_a_person_who_prefers_english_gets_english_pages(demo):
    from accounts.models import User
    from tests.conftest import login

    User.objects.filter(username="sk-manager").update(language="en")
    page = login("sk-manager").get("/").content.decode()
    assert '<html lang="en">' in page
