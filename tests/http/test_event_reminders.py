"""Event reminders (issue 19), on a server of its own that mails through a
real SMTP sink and whose clock the test moves: each active participant of
a published event is reminded once within 24 hours of its start, and both
sides of a scheduled meeting once within 30 minutes of its slot, in-app
and by e-mail in the language they registered in; a second tick sends
nothing more (the reminder is claimed in the transaction that queues it);
cancelled registrations, meetings and events get none."""
import time

from harness import Client, db_rows
from test_deal_mail import SERVER_ARGS, Smtp   # noqa: F401 (SERVER_ARGS: this module's server talks to the sink)
from test_events import Pair, login, make_event, pool, reg
from test_market_lifecycle import has_notification

EN = {"Accept-Language": "en"}
HOUR = 3600 * 1000


def mails(server, to, subject):
    return db_rows(server, "SELECT subject, body FROM mail_queue WHERE category = 'event' AND to_addr = ? AND subject = ?", to, subject)


def at(server, ms):
    """Moves the server's clock so that it reads ms now."""
    c = Client(server)
    real = c.api("POST", "/__test/clock", {"offset_ms": 0}).json["now_ms"]
    r = c.api("POST", "/__test/clock", {"offset_ms": ms - real})
    assert r.status == 200, r


def tick(server):
    r = Client(server).api("POST", "/__test/tick")
    assert r.status == 200, r


def test_reminders_before_the_event_and_each_meeting_exactly_once(server):
    smtp = Smtp()
    try:
        op = login(server, "operator")
        p = Pair(server, n=3)
        eid, ev = p.eid, p.ev
        (a, a_me), (b, b_me), (c, c_me) = p.people
        (en, en_me), = pool(server, 4)[3:]
        r = en.api("POST", "/api/v1/events/%s/registrations" % eid, {"country": "GB", "answers": {"goal": "partners"}}, headers=EN)
        assert r.status == 201, r
        # A scheduled meeting a-b, a cancelled one a-en, and c's registration cancelled.
        m1 = p.request(0, 1).json["id"]
        r = p.act(1, m1, "accept")
        assert r.status == 200 and r.json["state"] == "scheduled", r
        r = a.api("POST", "/api/v1/events/%s/meetings" % eid, {"invitee_id": en_me["id"]})
        assert r.status == 201, r
        m2 = r.json["id"]
        assert p.act(en, m2, "accept").json["state"] == "scheduled"
        assert p.act(0, m2, "cancel").status == 200
        creg = c.api("GET", "/api/v1/events/%s" % eid).json["my_registration"]["id"]
        assert c.api("POST", "/api/v1/events/%s/registrations/%s/actions" % (eid, creg), {"action": "cancel"}).status == 200
        # A second event at the same time, cancelled after a registered: no reminder.
        ev2 = make_event(server)
        assert reg(a, ev2["id"]).status == 201
        assert op.api("DELETE", "/api/v1/events/%s" % ev2["id"], {"reason": "场馆调整"}).status == 200
        meeting = a.api("GET", "/api/v1/events/%s/meetings" % eid).json["items"]
        slot_start = [m for m in meeting if m["id"] == m1][0]["starts_at"]
        zh_subject, en_subject = "活动即将开始：" + ev["name_zh"], "Event coming up: " + ev["name_en"]

        # 25 hours before: too early.
        at(server, ev["starts_at"] - 25 * HOUR)
        tick(server)
        assert not mails(server, a_me["email"], zh_subject)
        # 23 hours before: one reminder each, in the registration's language.
        at(server, ev["starts_at"] - 23 * HOUR)
        tick(server)
        tick(server)
        for who in (a_me, b_me):
            assert len(mails(server, who["email"], zh_subject)) == 1, who
        assert len(mails(server, en_me["email"], en_subject)) == 1
        assert not mails(server, c_me["email"], zh_subject)                       # registration cancelled
        assert not mails(server, a_me["email"], "活动即将开始：" + ev2["name_zh"])  # event cancelled
        got = smtp.wait_for(lambda m: en_me["email"] in m["to"] and m["subject"] == en_subject)
        assert "within 24 hours" in got[0]["body"] and ("/events/" + eid) in got[0]["body"], got[0]["body"]
        assert has_notification(a, "event_reminder", ev["name_zh"])
        assert not has_notification(c, "event_reminder", ev["name_zh"])
        # Meetings: 20 minutes before m1's slot, its two sides; not m2 (cancelled).
        meet_zh, meet_en = "对接洽谈即将开始：" + ev["name_zh"], "Your meeting starts soon: " + ev["name_en"]
        assert not mails(server, a_me["email"], meet_zh)
        at(server, slot_start - 20 * 60 * 1000)
        tick(server)
        tick(server)
        assert len(mails(server, a_me["email"], meet_zh)) == 1
        assert len(mails(server, b_me["email"], meet_zh)) == 1
        assert not mails(server, en_me["email"], meet_en)
        body = mails(server, b_me["email"], meet_zh)[0]["body"]
        assert "洽谈时间" in body or "Meeting time" in body, body
        # The event reminder was not sent again; the sink got exactly one of each.
        assert len(mails(server, a_me["email"], zh_subject)) == 1
        smtp.wait_for(lambda m: b_me["email"] in m["to"] and m["subject"] == meet_zh)
        time.sleep(1.5)
        got = [m for m in smtp.messages() if a_me["email"] in m["to"] and m["subject"] in (zh_subject, meet_zh)]
        assert sorted(m["subject"] for m in got) == sorted([zh_subject, meet_zh]), got
        # After the event's start nothing more is reminded.
        at(server, ev["starts_at"] + HOUR)
        tick(server)
        assert len(mails(server, a_me["email"], zh_subject)) == 1
    finally:
        Client(server).api("POST", "/__test/clock", {"offset_ms": 0})
        smtp.stop()
