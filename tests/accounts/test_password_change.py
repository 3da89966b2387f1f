"""An expired password, or an administrator's demand, sends a signed-in person to the
password-change page before anything else; the API and the way out stay open."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.utils import timezone

from accounts.models import User
from api.tokens import issue_token
from contracts.demo.people import DEMO_PASSWORD
from contracts.models import Membership
from tests.accounts.conftest import signed_in

pytestmark = pytest.mark.django_db

CHANGE_URL = "/accounts/password/"
NEW_PASSWORD = "Ward7-Printer"


def age_password(username: str, days: int) -> None:
    User.objects.filter(username=username).update(
        password_changed_at=timezone.now() - dt.timedelta(days=days)
    )


def change_password(client: Client, new: str = NEW_PASSWORD, old: str = DEMO_PASSWORD):
    return client.post(
        CHANGE_URL, {"old_password": old, "new_password1": new, "new_password2": new}
    )


def test_an_expired_password_sends_the_person_to_the_change_page(demo, clock, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    client = signed_in("yn-it")
    age_password("yn-it", 90)
    response = client.get("/", follow=True)
    assert response.redirect_chain[0] == (CHANGE_URL, 302)
    messages = [str(message) for message in response.context["messages"]]
    assert any("90" in message for message in messages)


def test_a_password_younger_than_the_limit_is_fine(demo, clock, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    client = signed_in("yn-it")
    age_password("yn-it", 89)
    assert client.get("/").status_code == 200


def test_passwords_never_expire_by_default(demo, clock, settings):
    assert settings.PASSWORD_MAX_AGE_DAYS == 0
    client = signed_in("yn-it")
    age_password("yn-it", 3650)
    assert client.get("/").status_code == 200


def test_a_password_with_no_recorded_date_counts_from_the_account_s_creation(demo, clock, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    client = signed_in("yn-it")
    User.objects.filter(username="yn-it").update(
        password_changed_at=None, date_joined=timezone.now() - dt.timedelta(days=400)
    )
    assert client.get("/").url == CHANGE_URL


def test_changing_the_password_lets_the_person_go_on(demo, clock, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    client = signed_in("yn-it")
    age_password("yn-it", 120)
    response = change_password(client)
    assert response.status_code == 302
    user = User.objects.get(username="yn-it")
    assert user.password_changed_at == timezone.now()
    assert client.get("/").status_code == 200  # still signed in, and let through


def test_while_waiting_for_a_new_password_the_way_out_stays_open(demo, clock):
    User.objects.filter(username="yn-it").update(must_change_password=True)
    client = signed_in("yn-it")
    assert client.get(CHANGE_URL).status_code == 200
    assert client.get("/static/css/opsdesk.css").status_code != 302
    assert client.get("/api/v1/contracts/").status_code == 200
    assert client.post("/i18n/setlang/", {"language": "en", "next": CHANGE_URL}).url == CHANGE_URL
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_api_with_a_token_is_unaffected(demo, clock):
    user = User.objects.get(username="yn-it")
    User.objects.filter(pk=user.pk).update(must_change_password=True)
    _token, raw = issue_token(
        user=user, organization=Membership.objects.get(user=user).organization, name="HIS"
    )
    response = Client().get("/api/v1/contracts/", HTTP_AUTHORIZATION=f"Token {raw}")
    assert response.status_code == 200


def test_an_htmx_refresh_navigates_the_whole_page_to_the_change_page(demo, clock):
    User.objects.filter(username="ny-engineer").update(must_change_password=True)
    client = signed_in("ny-engineer")
    response = client.get("/queue/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == CHANGE_URL


def test_an_administrator_requires_a_new_password_at_next_sign_in(demo, clock):
    admin = signed_in("admin")
    person = User.objects.get(username="yn-reporter")
    response = admin.post(
        "/admin/accounts/user/",
        {"action": "require_new_password", "_selected_action": [person.pk]},
        follow=True,
    )
    assert response.status_code == 200
    person.refresh_from_db()
    assert person.must_change_password
    assert LogEntry.objects.filter(object_id=str(person.pk)).exists()

    reporter = signed_in("yn-reporter")
    response = reporter.get("/tickets/", follow=True)
    assert response.redirect_chain[-1] == (CHANGE_URL, 302)
    assert change_password(reporter).status_code == 302
    person.refresh_from_db()
    assert not person.must_change_password
    assert reporter.get("/tickets/").status_code == 200
    assert signed_in("yn-reporter", NEW_PASSWORD)


def test_an_organisation_administrator_may_require_it_of_their_own_people(demo, clock):
    org_admin = signed_in("yn-admin")
    colleague = User.objects.get(username="yn-it")
    org_admin.post(
        "/admin/accounts/user/",
        {"action": "require_new_password", "_selected_action": [colleague.pk]},
    )
    colleague.refresh_from_db()
    assert colleague.must_change_password


def test_the_new_password_must_follow_the_rules_and_differ_from_the_old(demo, clock):
    User.objects.filter(username="yn-it").update(must_change_password=True)
    client = signed_in("yn-it")
    too_simple = change_password(client, new="opsdesk-demo-again")
    assert too_simple.status_code == 200
    assert "password_too_simple" in {
        error.code for error in too_simple.context["form"].errors.as_data()["new_password2"]
    }
    User.objects.filter(username="yn-it").update(password_changed_at=None)
    user = User.objects.get(username="yn-it")
    user.set_password(NEW_PASSWORD)
    user.save()
    client = signed_in("yn-it", NEW_PASSWORD)
    same = change_password(client, new=NEW_PASSWORD, old=NEW_PASSWORD)
    assert "password_unchanged" in {
        error.code for error in same.context["form"].errors.as_data()["new_password2"]
    }
    assert User.objects.get(username="yn-it").must_change_password


def test_the_change_page_lists_the_rules(demo, clock):
    client = signed_in("yn-it")
    client.post("/i18n/setlang/", {"language": "en", "next": CHANGE_URL})
    page = client.get(CHANGE_URL).content.decode()
    assert "at least 10 characters" in page
