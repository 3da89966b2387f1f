"""Mailboxes are set up in the admin by platform administrators, and by a vendor manager for
their own vendor and its contracts; the password never goes back to the browser."""

from __future__ import annotations

import pytest

from intake.models import Mailbox, Security
from tests.conftest import login

pytestmark = pytest.mark.django_db


def _mailbox(vendor, name: str, **fields) -> Mailbox:
    defaults = {
        "name": name,
        "vendor": vendor,
        "address": f"{name}@vendor.test",
        "host": "imap.vendor.test",
        "username": name,
        "password": "imap-secret-123",
    }
    return Mailbox.objects.create(**{**defaults, **fields})


def test_a_vendor_manager_sees_and_edits_only_their_vendors_mailboxes(demo):
    ours = _mailbox(demo["yn-his"].vendor, "nanyue")
    theirs = _mailbox(demo["cd-nutrition"].vendor, "rongkang")
    contract_box = _mailbox(None, "yn-his", contract=demo["yn-his"])
    client = login("ny-manager")

    listed = client.get("/admin/intake/mailbox/").content.decode()
    assert "nanyue@vendor.test" in listed and "yn-his@vendor.test" in listed
    assert "rongkang@vendor.test" not in listed
    assert client.get(f"/admin/intake/mailbox/{theirs.pk}/change/").status_code == 302

    page = client.get(f"/admin/intake/mailbox/{ours.pk}/change/").content.decode()
    assert "imap-secret-123" not in page
    assert contract_box.pk


def test_saving_without_retyping_the_password_keeps_it(demo):
    mailbox = _mailbox(demo["yn-his"].vendor, "nanyue")
    answer = login("ny-manager").post(
        f"/admin/intake/mailbox/{mailbox.pk}/change/",
        {
            "name": "南粤服务台",
            "vendor": mailbox.vendor_id,
            "address": mailbox.address,
            "host": mailbox.host,
            "port": 993,
            "security": Security.TLS,
            "username": mailbox.username,
            "password": "",
            "folder": "INBOX",
            "is_active": "on",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    mailbox.refresh_from_db()
    assert (mailbox.name, mailbox.password) == ("南粤服务台", "imap-secret-123")


def test_an_unencrypted_connection_is_refused_except_to_this_machine(demo):
    from django.core.exceptions import ValidationError

    remote = Mailbox(
        name="x",
        vendor=demo["yn-his"].vendor,
        address="x@vendor.test",
        host="imap.vendor.test",
        security=Security.PLAIN,
        username="x",
        password="y",
    )
    with pytest.raises(ValidationError) as refused:
        remote.full_clean()
    assert "security" in refused.value.message_dict
    remote.host = "127.0.0.1"
    remote.full_clean()


def test_the_mail_default_level_and_the_back_dating_limit_are_in_the_admin_and_the_api(
    demo,
):
    contract = demo["yn-his"]
    page = login("admin").get(f"/admin/contracts/contract/{contract.pk}/change/").content.decode()
    assert "is_inbound_default" in page and 'name="backdating_limit_hours"' in page

    contract.service_classes.filter(level=3).update(is_inbound_default=True)
    answer = login("yn-it").get("/api/v1/contracts/", {"code": "yn-his"}).json()
    row = answer["results"][0] if "results" in answer else answer[0]
    assert row["backdating_limit_hours"] == 24
    defaults = [sla["code"] for sla in row["sla"] if sla["is_inbound_default"]]
    assert defaults == ["level-3"]
