"""Notifications people control: each person hears of what their preferences (or their
roles' defaults) choose, every message links to the ticket, @mentions and watchers."""

from __future__ import annotations

import pytest

from notifications.links import ticket_url
from notifications.models import Notification
from notifications.preferences import set_preferences
from tests.factories import demo_user
from tests.tickets.conftest import at, file_ticket
from tickets import services

pytestmark = pytest.mark.django_db


def full_life(ticket) -> None:
    """Acknowledge, dispatch, arrive, a question to the reporter, hold with consent, resume,
    resolve, and the reporter confirms: nine steps."""
    dispatcher, engineer, reporter = (
        demo_user(u) for u in ("ny-dispatcher", "ny-engineer", "yn-reporter")
    )
    services.acknowledge(
        ticket=ticket,
        by=dispatcher,
        note="已电话联系报修人，先远程排查，1 小时内反馈方案。",
        now=at("2026-11-03 10:05"),
    )
    services.assign(ticket=ticket, by=dispatcher, engineer=engineer, now=at("2026-11-03 10:06"))
    services.arrive(ticket=ticket, by=engineer, now=at("2026-11-03 11:00"))
    services.add_comment(
        ticket=ticket, by=engineer, text="请问故障前是否更新过补丁？", now=at("2026-11-03 11:05")
    )
    services.hold(
        ticket=ticket,
        by=engineer,
        reason="parts",
        consent_person=demo_user("yn-it"),  # agreed on the phone, recorded by the vendor
        now=at("2026-11-03 11:10"),
    )
    services.resume(ticket=ticket, by=engineer, now=at("2026-11-03 14:00"))
    services.resolve(ticket=ticket, by=engineer, note="更换网卡", now=at("2026-11-03 15:00"))
    services.confirm(ticket=ticket, by=reporter, satisfaction=5, now=at("2026-11-03 16:00"))


def mails_to(username: str, ticket) -> list[Notification]:
    """The e-mails to the person about the ticket after it was filed."""
    return list(
        Notification.objects.filter(ticket=ticket, recipient__username=username, medium="email")
        .exclude(event="ticket_created")
        .order_by("pk")
    )


def test_a_reporter_hears_of_acknowledgement_arrival_questions_and_resolution_only(demo):
    ticket = file_ticket(demo["yn-his"], "level-1", "2026-11-03 10:00")
    full_life(ticket)
    mails = mails_to("yn-reporter", ticket)
    # Not the dispatch, the hold, the resume or their own confirmation: 4 of 8 steps.
    assert [mail.event for mail in mails] == [
        "ticket_acknowledged",
        "ticket_arrived",
        "comment_added",
        "ticket_resolved",
    ]
    assert all(ticket_url(ticket) in mail.body for mail in mails)


def test_a_reporter_who_turns_comments_off_and_every_step_on_gets_what_they_chose(demo):
    reporter = demo_user("yn-reporter")
    set_preferences(
        person=reporter,
        choices={
            "comment_added": {"email": False, "wecom_app": False},
            "state_changed": {"email": True, "wecom_app": False},
        },
    )
    ticket = file_ticket(demo["yn-his"], "level-1", "2026-11-03 10:00")
    full_life(ticket)
    assert [mail.event for mail in mails_to("yn-reporter", ticket)] == [
        "ticket_acknowledged",
        "state_changed",  # dispatched
        "ticket_arrived",
        "state_changed",  # on hold
        "state_changed",  # resumed
        "ticket_resolved",
    ]


def test_the_engineer_hears_of_the_assignment_and_the_reporters_comment(demo):
    ticket = file_ticket(demo["yn-his"], "level-1", "2026-11-03 10:00")
    dispatcher, engineer, reporter = (
        demo_user(u) for u in ("ny-dispatcher", "ny-engineer", "yn-reporter")
    )
    services.assign(ticket=ticket, by=dispatcher, engineer=engineer, now=at("2026-11-03 10:06"))
    services.add_comment(
        ticket=ticket, by=reporter, text="窗口仍无法登录", now=at("2026-11-03 10:20")
    )
    assert [mail.event for mail in mails_to("ny-engineer", ticket)] == [
        "ticket_assigned",
        "comment_added",
    ]


def test_a_mention_tells_the_person_named_once_and_a_note_mentions_only_vendor_staff(demo):
    ticket = file_ticket(demo["yn-his"], "level-2", "2026-11-03 10:00")
    engineer, manager, it = (demo_user(u) for u in ("ny-engineer", "ny-manager", "yn-it"))
    services.add_comment(
        ticket=ticket,
        by=engineer,
        text=f"@{manager.get_full_name()} 请协调研发；@{it.get_full_name()} 请确认补丁版本",
        now=at("2026-11-03 10:10"),
    )
    assert [m.event for m in mails_to("ny-manager", ticket)] == ["mentioned"]
    assert [m.event for m in mails_to("yn-it", ticket)] == ["mentioned"]
    services.add_comment(
        ticket=ticket,
        by=engineer,
        text=f"@{manager.get_full_name()} 研发已确认缺陷；@{it.get_full_name()}",
        internal=True,
        now=at("2026-11-03 10:20"),
    )
    assert [m.event for m in mails_to("ny-manager", ticket)] == ["mentioned", "mentioned"]
    assert [m.event for m in mails_to("yn-it", ticket)] == ["mentioned"]  # not the note
    assert "研发已确认缺陷" not in "".join(m.body for m in mails_to("yn-reporter", ticket))


def test_a_watcher_hears_the_public_events_and_not_the_internal_notes(demo):
    ticket = file_ticket(demo["yn-his"], "level-2", "2026-11-03 10:00")
    it, engineer, dispatcher = (demo_user(u) for u in ("yn-it", "ny-engineer", "ny-dispatcher"))
    services.watch(ticket=ticket, by=it)
    services.add_comment(
        ticket=ticket,
        by=engineer,
        text="内部：怀疑接口缺陷",
        internal=True,
        now=at("2026-11-03 10:05"),
    )
    services.add_comment(ticket=ticket, by=engineer, text="正在排查", now=at("2026-11-03 10:06"))
    services.acknowledge(
        ticket=ticket,
        by=dispatcher,
        note="已电话联系报修人，先远程排查，1 小时内反馈方案。",
        now=at("2026-11-03 10:07"),
    )
    bodies = [m.body for m in mails_to("yn-it", ticket)]
    assert len(bodies) == 1 and "正在排查" in bodies[0]
    assert not any("怀疑接口缺陷" in body for body in bodies)


def test_hospital_it_may_copy_a_colleague_but_a_reporter_only_themselves(demo):
    from tickets.errors import TicketError

    ticket = file_ticket(demo["yn-his"], "level-2", "2026-11-03 10:00")
    it, reporter, engineer = (demo_user(u) for u in ("yn-it", "yn-reporter", "ny-engineer"))
    services.watch(ticket=ticket, by=it, person=engineer)
    with pytest.raises(TicketError):
        services.watch(ticket=ticket, by=reporter, person=it)
    other_hospital = demo_user("zj-it")
    with pytest.raises(TicketError):
        services.watch(ticket=ticket, by=it, person=other_hospital)
    assert set(ticket.watches.values_list("person__username", flat=True)) == {"ny-engineer"}


def test_the_preferences_page_saves_a_choice_and_goes_back_to_the_defaults(demo, client):
    client.force_login(demo_user("yn-reporter"))
    page = client.get("/notifications/preferences/")
    assert page.status_code == 200
    assert "工单已响应" in page.content.decode()
    client.post("/notifications/preferences/", {"email:state_changed": "on"})
    rows = {row["event"]: row for row in client.get("/api/v1/me/notification-preferences/").json()}
    assert rows["state_changed"]["email"] and not rows["state_changed"]["default"]
    assert not rows["ticket_acknowledged"]["email"]  # unticked on the page: off now
    client.post("/notifications/preferences/", {"reset": "1"})
    rows = {row["event"]: row for row in client.get("/api/v1/me/notification-preferences/").json()}
    assert rows["ticket_acknowledged"]["email"] and rows["ticket_acknowledged"]["default"]
    assert not rows["state_changed"]["email"]


def test_the_api_changes_only_the_events_sent_and_refuses_an_unknown_one(demo, client):
    client.force_login(demo_user("ny-engineer"))
    answer = client.put(
        "/api/v1/me/notification-preferences/",
        [{"event": "clock_warned", "email": False, "wecom_app": True}],
        content_type="application/json",
    )
    assert answer.status_code == 200
    rows = {row["event"]: row for row in answer.json()}
    assert (rows["clock_warned"]["email"], rows["clock_warned"]["wecom_app"]) == (False, True)
    assert rows["ticket_assigned"]["default"] and rows["ticket_assigned"]["email"]
    bad = client.put(
        "/api/v1/me/notification-preferences/",
        [{"event": "everything", "email": True, "wecom_app": True}],
        content_type="application/json",
    )
    assert bad.status_code == 400


def test_watchers_through_the_page_and_the_api(demo, client):
    ticket = file_ticket(demo["yn-his"], "level-2", "2026-11-03 10:00")
    client.force_login(demo_user("yn-reporter"))
    client.post(f"/tickets/{ticket.number}/watchers/", {"watch": "1"})
    assert list(ticket.watches.values_list("person__username", flat=True)) == ["yn-reporter"]
    client.force_login(demo_user("yn-it"))
    engineer = demo_user("ny-engineer")
    answer = client.post(
        f"/api/v1/tickets/{ticket.pk}/watchers/",
        {"person": engineer.pk},
        content_type="application/json",
    )
    assert answer.status_code == 200
    assert {person["id"] for person in answer.json()} == {
        engineer.pk,
        demo_user("yn-reporter").pk,
    }
    stranger = client.post(
        f"/api/v1/tickets/{ticket.pk}/watchers/",
        {"person": demo_user("zj-it").pk},
        content_type="application/json",
    )
    assert stranger.status_code == 400


def test_a_book_told_a_persons_choice_for_one_event_reads_only_for_the_others(
    demo, django_assert_num_queries
):
    """What filing reads with the people (tickets.notices.staff_by_role): their roles and
    their choice for the one event; the book answers for it without a query of its own."""
    from notifications.models import NotificationEvent, Preference
    from notifications.preferences import Book

    dispatcher = demo_user("ny-dispatcher")
    set_preferences(
        person=dispatcher,
        choices={
            NotificationEvent.TICKET_CREATED: {"email": True, "wecom_app": False},
            NotificationEvent.COMMENT_ADDED: {"email": False, "wecom_app": False},
        },
    )
    chosen = Preference.objects.get(person=dispatcher, event=NotificationEvent.TICKET_CREATED)
    book = Book()
    book.learn(dispatcher.pk, {"dispatcher"}, NotificationEvent.TICKET_CREATED, chosen)
    with django_assert_num_queries(0):
        book.load([dispatcher.pk], event=NotificationEvent.TICKET_CREATED)
        assert book.media(dispatcher.pk, NotificationEvent.TICKET_CREATED) == {"email"}
    # Another event: the person's choices are read then, and they are still followed.
    with django_assert_num_queries(2):  # their roles and their choices
        assert book.media(dispatcher.pk, NotificationEvent.COMMENT_ADDED) == frozenset()
