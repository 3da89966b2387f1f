"""WeCom in (企业微信自建应用): a hospital person writes to the app and OpsDesk files the
ticket or answers its state; anything not signed and encrypted by WeCom, not fresh, replayed,
from a stranger or for another corporation files nothing and never gets a 500."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from intake import wecom_crypto
from notifications.models import WeComApp
from tests.factories import demo_user
from tests.intake.wecom_side import WeComSide
from tests.tickets.conftest import at, local
from tickets.models import Channel, Event, State, Ticket

pytestmark = pytest.mark.django_db

NOW = "2026-09-15 09:30"
TOKEN = "QDG6eK"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
CORP = "ww1234567890abcdef"


@pytest.fixture
def clock():
    with time_machine.travel(at(NOW), tick=False) as traveller:
        yield traveller


@pytest.fixture
def app(demo, clock) -> WeComApp:
    yn = demo["yn-his"].hospital
    for username, userid in (("yn-reporter", "HuangXiaoMei"), ("yn-it", "liming")):
        person = demo_user(username)
        person.wecom_userid = userid
        person.save(update_fields=["wecom_userid"])
    return WeComApp.objects.create(
        organization=yn,
        name="OpsDesk 报修",
        corp_id=CORP,
        agent_id=1000002,
        token=TOKEN,
        encoding_aes_key=AES_KEY,
    )


@pytest.fixture
def side() -> WeComSide:
    return WeComSide(token=TOKEN, encoding_aes_key=AES_KEY, corp_id=CORP)


def url(app: WeComApp) -> str:
    return reverse("wecom-callback", args=[app.pk])


def post(app, side, plain: str, *, receive_id=None, **query):
    encrypted = side.encrypt(plain, receive_id=receive_id)
    return Client().post(
        f"{url(app)}?{side.signed_query(encrypted, **query)}",
        data=side.envelope(encrypted),
        content_type="text/xml",
    )


def say(app, side, content: str, *, sender="huangxiaomei", created: int | None = None):
    """A text message from `sender`, as WeCom posts it; the decrypted reply's text."""
    response = post(app, side, side.text_message(sender, content, created=created))
    assert response.status_code == 200, response.content
    reply = side.open_reply(response.content)
    assert reply.findtext("ToUserName") == sender
    assert reply.findtext("FromUserName") == CORP
    assert reply.findtext("MsgType") == "text"
    return reply.findtext("Content")


# --- the documented scheme ---------------------------------------------------------------------


def test_the_signature_is_the_one_of_wecoms_documented_example():
    # 加解密方案说明's example: Token QDG6eK, timestamp 1409659589, nonce 263014780.
    echostr = (
        "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
    )
    assert (
        wecom_crypto.signature("QDG6eK", "1409659589", "263014780", echostr)
        == "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
    )
    message, receive_id = wecom_crypto.decrypt(
        echostr, encoding_aes_key="jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
    )
    assert receive_id == "wx5823bf96d3bd56c7"
    assert message.isdigit()


def test_url_verification_answers_the_decrypted_echostr_in_plain_text(app, side):
    echostr = side.encrypt("7153286931450237120")
    response = Client().get(f"{url(app)}?{side.signed_query(echostr, echostr=echostr)}")
    assert response.status_code == 200
    assert response.content == b"7153286931450237120"
    assert response["Content-Type"].startswith("text/plain")


def test_url_verification_with_a_forged_signature_is_refused(app, side):
    echostr = side.encrypt("7153286931450237120")
    query = side.signed_query(echostr, echostr=echostr).replace("msg_signature=", "msg_signature=0")
    response = Client().get(f"{url(app)}?{query}")
    assert response.status_code == 403
    assert b"7153286931450237120" not in response.content


# --- filing and asking ---------------------------------------------------------------------------


def test_a_bound_hospital_person_files_a_ticket_by_message_and_gets_its_number(app, side, demo):
    sent = int(at("2026-09-15 09:29").timestamp())
    text = say(app, side, "报修 HIS 门诊挂号无法打开", created=sent)

    ticket = Ticket.objects.get()
    assert ticket.number in text
    assert ticket.contract == demo["yn-his"]
    assert ticket.system.code == "HIS"
    assert ticket.title == "门诊挂号无法打开"
    assert ticket.channel == Channel.WECOM
    assert ticket.reporter == demo_user("yn-reporter")
    assert ticket.entered_by is None
    assert ticket.contact_phone == "13726380001"
    # No row is marked for messages: the least severe fault level.
    assert ticket.service_class == demo["yn-his"].fault_levels().last()
    # The clocks count from when the person sent it, a minute before it was entered.
    assert local(ticket.created_at) == "2026-09-15 09:29"
    assert local(ticket.entered_at) == NOW
    assert "已登记" in text or "Filed" in text
    assert f"/tickets/{ticket.number}/" in text
    reported = Event.objects.get(ticket=ticket, action="tickets.ticket.reported")
    assert reported.data["channel"] == "wecom"


@pytest.mark.parametrize(
    "created",
    [int(at("2026-09-15 08:30").timestamp()), int(at("2026-09-15 09:40").timestamp()), 10**20],
    ids=["an-hour-old", "in-the-future", "no-clock-shows-it"],
)
def test_a_send_time_outside_the_window_starts_the_clocks_on_arrival(app, side, created):
    say(app, side, "报修 HIS 门诊挂号无法打开", created=created)
    ticket = Ticket.objects.get()
    assert local(ticket.created_at) == local(ticket.entered_at) == NOW
    assert ticket.backdate_reason == ""


def test_the_contract_default_row_for_messages_is_the_level_filed_at(app, side, demo):
    contract = demo["yn-his"]
    default = contract.fault_levels().get(level=2)
    default.is_inbound_default = True
    default.save(update_fields=["is_inbound_default"])
    say(app, side, "报修 医院信息系统 收费处打印发票很慢")
    assert Ticket.objects.get().service_class == default


def test_the_system_is_named_by_its_name_or_bracketed_short_name_in_any_case(app, side):
    say(app, side, "报修his：门诊医生站卡顿")
    say(app, side, "报修 医院协同办公系统 公文无法流转")
    say(app, side, "报修 oa 待办打不开")
    assert list(Ticket.objects.order_by("pk").values_list("system__code", "title")) == [
        ("HIS", "门诊医生站卡顿"),
        ("OA", "公文无法流转"),
        ("OA", "待办打不开"),
    ]


def test_an_unknown_system_is_answered_with_the_choices_and_nothing_is_filed(app, side):
    text = say(app, side, "报修 打印机 卡纸了")
    assert Ticket.objects.count() == 0
    assert "HIS: 医院信息系统（HIS）" in text
    assert "PACS: PACS系统" in text


def test_a_report_without_what_is_wrong_files_nothing(app, side):
    text = say(app, side, "报修 HIS")
    assert Ticket.objects.count() == 0
    assert "报修 HIS 门诊挂号无法打开" in text


def test_a_status_query_answers_state_engineer_and_next_deadline(app, side):
    say(app, side, "报修 HIS 门诊挂号无法打开")
    ticket = Ticket.objects.get()
    text = say(app, side, f"查询 {ticket.number.lower()}")
    assert ticket.number in text
    assert str(State.NEW.label) in text or "待受理" in text
    assert "未派工" in text or "not assigned" in text
    assert "2026-09-15" in text  # the next deadline's date
    # Just the number works too.
    assert ticket.number in say(app, side, ticket.number)


def test_a_reporter_may_ask_only_for_tickets_they_may_see(app, side, demo):
    say(app, side, "报修 HIS 门诊挂号无法打开", sender="liming")  # filed by hospital IT
    ticket = Ticket.objects.get()
    text = say(app, side, f"查询 {ticket.number}")  # the reporter did not file it
    assert "门诊挂号" not in text
    assert ticket.number in text  # "no ticket YN-… that you may see"
    # Hospital IT follows every ticket of the hospital.
    assert "门诊挂号" in say(app, side, f"查询 {ticket.number}", sender="liming")


def test_help_explains_how_to_write(app, side):
    text = say(app, side, "帮助")
    assert "报修" in text and "查询" in text
    assert Ticket.objects.count() == 0


def test_a_person_of_the_organisation_not_bound_is_told_politely_and_nothing_is_filed(app, side):
    text = say(app, side, "报修 HIS 门诊挂号无法打开", sender="zhangsan")
    assert Ticket.objects.count() == 0
    assert "UserID" in text


def test_a_bound_userid_of_another_organisation_is_a_stranger(app, side, demo):
    stranger = demo_user("zj-reporter")
    stranger.wecom_userid = "chenlihua"
    stranger.save(update_fields=["wecom_userid"])
    say(app, side, "报修 HIS 门诊挂号无法打开", sender="chenlihua")
    assert Ticket.objects.count() == 0


# --- refused callbacks ---------------------------------------------------------------------------


def test_a_forged_signature_files_nothing(app, side):
    encrypted = side.encrypt(side.text_message("huangxiaomei", "报修 HIS 门诊挂号无法打开"))
    forged = WeComSide(token="guessed", encoding_aes_key=AES_KEY, corp_id=CORP)
    response = Client().post(
        f"{url(app)}?{forged.signed_query(encrypted)}",
        data=side.envelope(encrypted),
        content_type="text/xml",
    )
    assert response.status_code == 403
    assert Ticket.objects.count() == 0


def test_a_replayed_timestamp_and_nonce_files_nothing_the_second_time(app, side):
    encrypted = side.encrypt(side.text_message("huangxiaomei", "报修 HIS 门诊挂号无法打开"))
    query = side.signed_query(encrypted)
    first = Client().post(
        f"{url(app)}?{query}", data=side.envelope(encrypted), content_type="text/xml"
    )
    again = Client().post(
        f"{url(app)}?{query}", data=side.envelope(encrypted), content_type="text/xml"
    )
    assert first.status_code == 200
    assert again.status_code == 403
    assert Ticket.objects.count() == 1


def test_wecoms_own_retry_of_a_handled_message_files_no_second_ticket(app, side):
    # WeCom posts a message again, under a new nonce, when the first answer was slow.
    plain = side.text_message("huangxiaomei", "报修 HIS 门诊挂号无法打开")
    assert post(app, side, plain).status_code == 200
    retry = post(app, side, plain)
    assert retry.status_code == 200
    assert retry.content == b""
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize("minutes", [-6, 6])
def test_a_timestamp_outside_five_minutes_files_nothing(app, side, minutes):
    stamp = str(int((at(NOW) + dt.timedelta(minutes=minutes)).timestamp()))
    response = post(app, side, side.text_message("huangxiaomei", "报修 HIS 挂号"), timestamp=stamp)
    assert response.status_code == 403
    assert Ticket.objects.count() == 0


def test_a_message_encrypted_for_another_corporation_files_nothing(app, side):
    response = post(
        app, side, side.text_message("huangxiaomei", "报修 HIS 挂号"), receive_id="wwother"
    )
    assert response.status_code == 403
    assert Ticket.objects.count() == 0


def test_a_message_addressed_to_another_corporation_files_nothing(app, side):
    plain = side.text_message("huangxiaomei", "报修 HIS 挂号").replace(CORP, "wwother", 1)
    assert post(app, side, plain).status_code == 403
    assert Ticket.objects.count() == 0


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><xml><Encrypt>&b;</Encrypt></xml>'
)


@pytest.mark.parametrize(
    "body",
    [b"", b"not xml at all", b"<xml><Encrypt>", b"<xml><Other/></xml>", BILLION_LAUGHS.encode()],
    ids=["empty", "text", "truncated", "no-encrypt", "entities"],
)
def test_a_malformed_envelope_is_a_400(app, side, body):
    response = Client().post(
        f"{url(app)}?{side.signed_query('x')}", data=body, content_type="text/xml"
    )
    assert response.status_code == 400
    assert Ticket.objects.count() == 0


@pytest.mark.parametrize(
    "plain", ["plain words", BILLION_LAUGHS], ids=["not-xml", "entities-inside"]
)
def test_a_malformed_message_inside_a_good_envelope_is_a_400(app, side, plain):
    assert post(app, side, plain).status_code == 400
    assert Ticket.objects.count() == 0


def test_ciphertext_that_is_not_wecoms_is_a_400(app, side):
    encrypted = "AAAA" * 8  # base64 of zero bytes: decrypts to garbage padding
    response = Client().post(
        f"{url(app)}?{side.signed_query(encrypted)}",
        data=side.envelope(encrypted),
        content_type="text/xml",
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "query", ["", "msg_signature=abc", "msg_signature=abc&timestamp=soon&nonce=1"]
)
def test_a_callback_without_its_signed_query_is_a_400(app, query):
    assert (
        Client().post(f"{url(app)}?{query}", data=b"<xml/>", content_type="text/xml").status_code
        == 400
    )


def test_an_unknown_or_switched_off_app_is_a_404(app, side):
    app.is_active = False
    app.save(update_fields=["is_active"])
    assert post(app, side, side.text_message("huangxiaomei", "帮助")).status_code == 404
