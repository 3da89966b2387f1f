"""The WeCom app is set up in the admin, on a desktop and on a phone: the Secret is typed
once and never shown back, and the list gives the callback path to enter in WeCom."""

from __future__ import annotations

import pytest

from notifications.models import WeComApp
from tests.browser import shot, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECRET = "app-secret-7Qm2xV9pLk"


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_an_administrator_sets_up_the_hospitals_wecom_app(browser, live_server, demo, phone):
    page = signed_in(browser, live_server, "admin", phone=phone)
    page.goto(f"{live_server.url}/admin/notifications/wecomapp/add/")
    page.select_option("select[name=organization]", value=str(demo["yn-his"].hospital_id))
    page.fill("input[name=name]", "OpsDesk 报修")
    page.fill("input[name=corp_id]", "ww5823bf96d3bd56c7")
    page.fill("input[name=agent_id]", "1000002")
    page.fill("input[name=token]", "QDG6eK")
    page.fill("input[name=encoding_aes_key]", "too-short")
    page.fill("input[name=secret]", SECRET)
    page.click("input[name=_continue]")
    page.locator(".errornote").wait_for()
    assert "43" in page.locator(".errorlist").first.inner_text()
    shot(page, f"wecom-app-admin-error-{'phone' if phone else 'desktop'}")

    page.fill("input[name=encoding_aes_key]", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C")
    page.fill("input[name=secret]", SECRET)
    page.click("input[name=_continue]")
    page.locator(".messagelist .success").wait_for()
    app = WeComApp.objects.get()
    assert app.secret == SECRET
    assert SECRET not in page.content()
    assert f"/intake/wecom/{app.pk}/callback/" in page.content()
    shot(page, f"wecom-app-admin-saved-{'phone' if phone else 'desktop'}")

    page.goto(f"{live_server.url}/admin/notifications/wecomapp/")
    assert f"/intake/wecom/{app.pk}/callback/" in page.content()
    shot(page, f"wecom-app-admin-list-{'phone' if phone else 'desktop'}")
