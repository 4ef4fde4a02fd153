"""Events (科创会, 技术对接会, roadshows; issue 19) over HTTP: an event's life
from draft to published with registration open; registration with
questions, countries and capacity; the three published life-cycle tables
(events, registrations, meetings) iterated: every row performed, every
action the table does not allow in a state refused; meeting requests and
every bad-input rule of the issue refused with its message (over capacity,
registering twice, a meeting with oneself or with someone outside the
event, double-booking a slot, checking in a ticket twice or at another
event, recording an outcome of a meeting one did not attend); placing
accepted meetings on the grid and rescheduling when one is cancelled; the
agenda as iCalendar (CRLF, folding, escaping); the QR ticket; check-in;
outcomes to a deal; the report and its XLSX; the Atom feed; times in the
event's zone; English pages."""
import datetime
import itertools
import re
import zipfile
import io

from harness import Client, DEMO, register
from test_market_lifecycle import notifications

_seq = itertools.count(1)
_clients = {}
ZONE = "Asia/Shanghai"


def login(server, who):
    key = (id(server), who)
    if key not in _clients:
        c = Client(server)
        c.login_as(who)
        _clients[key] = c
    return _clients[key]


def local(days, hour=9, minute=0):
    """A local time of Asia/Shanghai (UTC+8), days from today."""
    d = datetime.datetime.utcnow() + datetime.timedelta(hours=8) + datetime.timedelta(days=days)
    return "%04d-%02d-%02dT%02d:%02d" % (d.year, d.month, d.day, hour, minute)


def codes(r):
    return [e.get("code") for e in (r.json or {}).get("errors", [])]


def make_event(server, who="operator", publish=True, open_reg=True, **over):
    body = {
        "name_zh": "成渝技术对接会%d" % next(_seq), "name_en": "Chengdu-Chongqing matchmaking", "venue": "成都世纪城会展中心",
        "time_zone": ZONE, "starts_at": local(10, 9), "ends_at": local(10, 18), "capacity": 0, "approval": "auto",
        "meeting_start": local(10, 14), "slot_minutes": 20, "slots": 4, "tables": 2,
        "sections": [{"name_zh": "人工智能", "name_en": "AI", "sessions": [
            {"kind": "talk", "title_zh": "开幕报告", "title_en": "Opening", "starts_at": local(10, 9), "ends_at": local(10, 10),
             "room": "A厅", "speakers": "张伟; Li, Na"}]},
            {"name_zh": "现代农业", "name_en": "Agriculture"}],
        "questions": [{"id": "goal", "label_zh": "参会目的", "label_en": "Why do you come?", "required": True}],
    }
    body.update(over)
    c = login(server, who)
    r = c.api("POST", "/api/v1/events", body)
    assert r.status == 201, r
    ev = r.json
    if publish:
        assert c.api("POST", "/api/v1/events/%s/actions" % ev["id"], {"action": "publish"}).status == 200
    if open_reg:
        assert c.api("POST", "/api/v1/events/%s/actions" % ev["id"], {"action": "open_registration"}).status == 200
    return ev


def reg(c, eid, country="CN", **over):
    body = {"country": country, "org_name": "测试单位", "answers": {"goal": "找技术"}}
    body.update(over)
    return c.api("POST", "/api/v1/events/%s/registrations" % eid, body)


def new_user(server, name="参会者"):
    c, me = register(server, name=name)
    return c, me


_pool = {}


def pool(server, n):
    """n fresh participants, made once per server: each test's events are
    new, so the same people may register for every one of them (signing
    up costs a password hash each; the table tests need dozens)."""
    have = _pool.setdefault(id(server), [])
    while len(have) < n:
        have.append(new_user(server, "洽谈人%d" % len(have)))
    return have[:n]


def test_create_publish_and_see(server):
    op = login(server, "operator")
    ev = make_event(server, publish=False, open_reg=False)
    assert ev["state"] == "draft" and ev["is_organizer"] is True
    assert [s["name_zh"] for s in ev["sections"]] == ["人工智能", "现代农业"]
    assert ev["sections"][0]["sessions"][0]["title_en"] == "Opening"
    assert len(ev["grid"]) == 4 and ev["grid"][1]["starts_at"] - ev["grid"][0]["starts_at"] == 20 * 60 * 1000
    # A draft exists only for its organizers.
    assert Client(server).api("GET", "/api/v1/events/%s" % ev["id"]).status == 404
    assert login(server, "scientist").get("/events/%s" % ev["id"]).status == 404
    assert ev["id"] not in [e["id"] for e in Client(server).api("GET", "/api/v1/events").json["items"]]
    # Staff of another center: the draft does not exist for them, by API as
    # by page (404); once published, they are told it is not theirs.
    r = login(server, "operator2").api("POST", "/api/v1/events/%s/actions" % ev["id"], {"action": "publish"})
    assert r.status == 404, r
    assert login(server, "operator2").get("/events/%s" % ev["id"]).status == 404
    assert op.api("POST", "/api/v1/events/%s/actions" % ev["id"], {"action": "publish"}).status == 200
    r = login(server, "operator2").api("POST", "/api/v1/events/%s/actions" % ev["id"], {"action": "open_registration"})
    assert r.status == 403 and codes(r) == ["err.event.other_center"], r
    # Published, registration still closed.
    anon = Client(server)
    page = anon.get("/events/%s" % ev["id"])
    assert page.status == 200 and "开幕报告" in page.text and 'id="ev-reg-closed"' in page.text
    r = reg(login(server, "scientist"), ev["id"])
    assert r.status == 409 and codes(r) == ["err.event.reg_closed"], r
    # Publishing twice is a state conflict; an unknown action is bad input.
    r = op.api("POST", "/api/v1/events/%s/actions" % ev["id"], {"action": "publish"})
    assert r.status == 409 and codes(r) == ["err.event.state"], r
    r = op.api("POST", "/api/v1/events/%s/actions" % ev["id"], {"action": "explode"})
    assert r.status == 422, r
    assert ev["id"] in [e["id"] for e in anon.api("GET", "/api/v1/events?when=upcoming").json["items"]]
    assert ev["id"] not in [e["id"] for e in anon.api("GET", "/api/v1/events?when=past").json["items"]]


def test_create_refuses_bad_input(server):
    op = login(server, "operator")
    base = {"name_zh": "坏输入", "starts_at": local(5, 9), "ends_at": local(5, 18), "time_zone": ZONE}
    cases = [
        (dict(base, ends_at=local(5, 8)), "ends_at", "err.event.ends_before"),
        (dict(base, starts_at="tomorrow"), "starts_at", "err.event.datetime"),
        (dict(base, time_zone="Mars/Olympus"), "time_zone", "err.event.time_zone"),
        (dict(base, time_zone="../../etc/passwd"), "time_zone", "err.event.time_zone"),
        (dict(base, online_url="javascript:alert(1)"), "online_url", "err.event.url"),
        (dict(base, slots=3, tables=2), "meeting_start", "err.event.grid"),
        (dict(base, meeting_start=local(5, 17), slots=6, tables=1), "meeting_start", "err.event.grid_outside"),
        (dict(base, sections=[{"name_zh": "x", "sessions": [{"title_zh": "y", "starts_at": local(6, 9), "ends_at": local(6, 10)}]}]),
         "sections", "err.event.session_time"),
        (dict(base, questions=[{"id": "Bad Id", "label_zh": "x"}]), "questions", "err.event.questions"),
        (dict(base, region="999999"), "region", "err.region.unknown"),
    ]
    for body, field, code in cases:
        r = op.api("POST", "/api/v1/events", body)
        assert r.status == 422, (body, r)
        assert {"field": field, "code": code} in [{"field": e["field"], "code": e["code"]} for e in r.json["errors"]], (body, r.json)
    # Not an organizer: scientists are refused by the route, staff of no center by the domain.
    assert login(server, "scientist").api("POST", "/api/v1/events", base).status == 403
    r = login(server, "operator2").api("POST", "/api/v1/events", dict(base, center_id=make_event(server, publish=False, open_reg=False)["center_id"]))
    assert r.status == 403 and codes(r) == ["err.event.other_center"], r


def test_registration_rules(server):
    ev = make_event(server, capacity=2)
    eid = ev["id"]
    a, _ = new_user(server, "报名甲")
    b, _ = new_user(server, "报名乙")
    c, _ = new_user(server, "报名丙")
    # Country: ISO 3166 alpha-2, assigned codes only.
    for bad in ("XX", "cn", "CHN", ""):
        r = reg(a, eid, country=bad)
        assert r.status == 422 and r.json["errors"][0]["field"] == "country", (bad, r)
    # A required question unanswered.
    r = reg(a, eid, answers={})
    assert r.status == 422 and codes(r) == ["err.event.answer_required"], r
    r = reg(a, eid, sections=["01ARZ3NDEKTSV4RRFFQ69G5FAV"])
    assert r.status == 422 and codes(r) == ["err.event.section"], r
    r = reg(a, eid, country="DE", sections=[ev["sections"][0]["id"]])
    assert r.status == 201 and r.json["state"] == "approved" and len(r.json["ticket_code"]) == 10, r
    # Registering twice.
    r = reg(a, eid)
    assert r.status == 409 and codes(r) == ["err.event.registered"], r
    assert reg(b, eid).status == 201
    # Over capacity.
    r = reg(c, eid)
    assert r.status == 409 and codes(r) == ["err.event.full"], r
    page = c.get("/events/%s" % eid)
    assert 'id="ev-full"' in page.text
    # A place freed by a cancellation can be taken.
    mine = a.api("GET", "/api/v1/events/%s" % eid).json["my_registration"]
    assert a.api("POST", "/api/v1/events/%s/registrations/%s/actions" % (eid, mine["id"]), {"action": "cancel"}).status == 200
    assert reg(c, eid).status == 201
    # Anonymous visitors cannot register.
    assert Client(server).api("POST", "/api/v1/events/%s/registrations" % eid, {"country": "CN"}).status == 401
    # The page form: same rules, field errors on the form.
    d, _ = new_user(server, "表单报名")
    r = d.post_form("/events/%s/register" % eid, {"country": "CN", "answer_1": "看看"})
    assert r.status == 409 and "名额已满" in r.text, r


def test_registration_by_form_in_english(server):
    ev = make_event(server, approval="manual")
    c, _ = new_user(server, "Foreign guest")
    c.get("/lang/en?next=/")
    page = c.get("/events/%s/register" % ev["id"])
    assert page.status == 200 and "Country (ISO 3166)" in page.text and "Why do you come?" in page.text, page.text[:300]
    r = c.post_form("/events/%s/register" % ev["id"], {"country": "ZZ", "answer_1": "x"})
    assert r.status == 422 and "Choose a country" in r.text, r
    r = c.post_form("/events/%s/register" % ev["id"], {"country": "KE", "org_name": "Nairobi Tech", "answer_1": "to meet partners",
                                                       "sections": ev["sections"][1]["id"]})
    assert r.status == 303, r
    page = c.get("/events/%s" % ev["id"])
    assert "Waiting for approval" in page.text and "Asia/Shanghai (UTC+08:00)" in page.text, page.text
    # Manual approval: pending until the organizer approves; then a ticket.
    me = c.api("GET", "/api/v1/events/%s" % ev["id"]).json["my_registration"]
    assert me["state"] == "pending" and me.get("ticket_code") is None
    op = login(server, "operator")
    regs = op.api("GET", "/api/v1/events/%s/registrations" % ev["id"]).json["items"]
    rid = [x for x in regs if x["org_name"] == "Nairobi Tech"][0]["id"]
    # Only organizers approve.
    r = c.api("POST", "/api/v1/events/%s/registrations/%s/actions" % (ev["id"], rid), {"action": "approve"})
    assert r.status == 403, r
    assert op.post_form("/events/%s/registrations/%s/act" % (ev["id"], rid), {"action": "approve", "back": "list"}).status == 303
    me = c.api("GET", "/api/v1/events/%s" % ev["id"]).json["my_registration"]
    assert me["state"] == "approved" and len(me["ticket_code"]) == 10
    t = c.get("/events/%s/ticket" % ev["id"])
    assert t.status == 200 and me["ticket_code"][:5] in t.text
    svg = c.get("/events/%s/ticket.svg" % ev["id"])
    assert svg.status == 200 and svg.header("Content-Type").startswith("image/svg+xml") and svg.text.startswith("<svg")
    assert Client(server).get("/events/%s/ticket.svg" % ev["id"]).status in (303, 401)


def lifecycle(server):
    r = Client(server).api("GET", "/api/v1/events/lifecycle")
    assert r.status == 200, r
    return r.json


def test_lifecycle_tables_published(server):
    lc = lifecycle(server)
    assert set(lc) >= {"events", "registrations", "meetings", "outcomes"}
    for name, t in lc.items():
        if name == "outcomes":
            continue
        seen = set()
        for row in t["transitions"]:
            assert row["from"] in t["states"] and row["to"] in t["states"], row
            assert row["roles"], row
            assert (row["action"], row["from"]) not in seen, row   # one answer per (action, state)
            seen.add((row["action"], row["from"]))
    meet = lc["meetings"]
    assert [r for r in meet["transitions"] if r["action"] == "schedule"][0]["roles"] == ["system"]
    assert all(set(r["roles"]) <= {"requester", "invitee"} for r in meet["transitions"] if r["action"] == "record")


class Pair:
    """An event with a meeting grid and two (or more) approved, fresh participants."""

    def __init__(self, server, n=2, **over):
        self.server = server
        self.ev = make_event(server, **over)
        self.eid = self.ev["id"]
        self.people = pool(server, n)
        for c, _ in self.people:
            assert reg(c, self.eid).status == 201

    def request(self, a, b, **extra):
        ca, _ = self.people[a]
        body = dict({"invitee_id": self.people[b][1]["id"]}, **extra)
        return ca.api("POST", "/api/v1/events/%s/meetings" % self.eid, body)

    def act(self, who, mid, action, **extra):
        c = self.people[who][0] if isinstance(who, int) else who
        return c.api("POST", "/api/v1/events/%s/meetings/%s/actions" % (self.eid, mid), dict({"action": action}, **extra))

    def ticket(self, who):
        return self.people[who][0].api("GET", "/api/v1/events/%s" % self.eid).json["my_registration"]["ticket_code"]

    def checkin(self, who, staff=None):
        staff = staff or login(self.server, "operator")
        return staff.api("POST", "/api/v1/events/%s/checkins" % self.eid, {"code": self.ticket(who)})


def test_meeting_bad_input(server):
    p = Pair(server, n=3)
    c0, me0 = p.people[0]
    # With oneself.
    r = c0.api("POST", "/api/v1/events/%s/meetings" % p.eid, {"invitee_id": me0["id"]})
    assert r.status == 422 and codes(r) == ["err.event.meeting_self"], r
    # With someone outside the event.
    outsider, om = new_user(server, "局外人")
    r = c0.api("POST", "/api/v1/events/%s/meetings" % p.eid, {"invitee_id": om["id"]})
    assert r.status == 422 and codes(r) == ["err.event.meeting_outside"], r
    r = c0.api("POST", "/api/v1/events/%s/meetings" % p.eid, {"invitee_id": "not-an-id"})
    assert r.status == 422 and codes(r) == ["err.event.meeting_outside"], r
    # By someone outside the event.
    r = outsider.api("POST", "/api/v1/events/%s/meetings" % p.eid, {"invitee_id": me0["id"]})
    assert r.status == 403 and codes(r) == ["err.event.not_registered"], r
    # A slot off the grid.
    r = p.request(0, 1, slot=99)
    assert r.status == 422 and codes(r) == ["err.event.slot_range"], r
    # A listing of neither side.
    r = p.request(0, 1, listing_id="01ARZ3NDEKTSV4RRFFQ69G5FAV")
    assert r.status == 422 and codes(r) == ["err.event.meeting_listing"], r
    r = p.request(0, 1, slot=1)
    assert r.status == 201 and r.json["state"] == "requested", r
    m1 = r.json["id"]
    # A second open meeting between the same two.
    r = p.request(1, 0)
    assert r.status == 409 and codes(r) == ["err.event.meeting_exists"], r
    # The requester may not accept their own request.
    assert p.act(0, m1, "accept").status == 403
    r = p.act(1, m1, "accept")
    assert r.status == 200 and r.json["state"] == "scheduled" and r.json["slot"] == 1, r
    # Double-booking the slot: participant 0 already meets 1 in slot 1.
    r = p.request(2, 0, slot=1)
    assert r.status == 409 and codes(r) == ["err.event.slot_taken"], r
    r = p.request(2, 0, slot=2)
    assert r.status == 201, r
    # Outcomes: not before checking in; never by a third person.
    r = p.act(0, m1, "record", outcome="intention")
    assert r.status == 409 and codes(r) == ["err.event.outcome_not_attended"], r
    r = p.act(2, m1, "record", outcome="intention")
    assert r.status == 403 and codes(r) == ["err.event.not_party"], r
    assert p.checkin(0).status == 200
    r = p.act(0, m1, "record", outcome="bogus")
    assert r.status == 422, r
    r = p.act(0, m1, "record", outcome="follow_up", note="会后发资料")
    assert r.status == 200 and r.json["state"] == "held" and r.json["my_outcome"] == "follow_up", r
    # Participant 1 did not check in: may not rate the meeting they did not attend.
    r = p.act(1, m1, "record", outcome="intention")
    assert r.status == 409 and codes(r) == ["err.event.outcome_not_attended"], r
    # Another participant does not see the meeting at all.
    assert p.people[2][0].api("GET", "/api/v1/events/%s/meetings" % p.eid).json["items"][0]["id"] != m1


def test_checkin_rules(server):
    p = Pair(server, n=1)
    other = Pair(server, n=1)
    staff = login(server, "operator")
    r = p.checkin(0)
    assert r.status == 200 and r.json["state"] == "checked_in", r
    # Twice.
    r = p.checkin(0)
    assert r.status == 409 and codes(r) == ["err.event.checked_in_twice"], r
    # Another event's ticket.
    r = staff.api("POST", "/api/v1/events/%s/checkins" % p.eid, {"code": other.ticket(0)})
    assert r.status == 409 and codes(r) == ["err.event.ticket_other_event"], r
    # Unknown; typed with spaces and lower case still works.
    r = staff.api("POST", "/api/v1/events/%s/checkins" % p.eid, {"code": "ZZZZZZZZZZ"})
    assert r.status == 404 and codes(r) == ["err.event.ticket_unknown"], r
    code = other.ticket(0)
    r = staff.api("POST", "/api/v1/events/%s/checkins" % other.eid, {"code": code[:5].lower() + " " + code[5:]})
    assert r.status == 200, r
    # Staff of another center, participants: refused.
    r = login(server, "operator2").api("POST", "/api/v1/events/%s/checkins" % p.eid, {"code": "X"})
    assert r.status == 403 and codes(r) == ["err.event.other_center"], r
    assert p.people[0][0].api("POST", "/api/v1/events/%s/checkins" % p.eid, {"code": "X"}).status == 403
    # The page: the error in words on the staff's phone.
    page = staff.post_form("/events/%s/checkin" % p.eid, {"code": p.ticket(0)})
    assert page.status == 409 and "已经签到过了" in page.text


def test_grid_places_and_reschedules(server):
    """One table, one slot: the first accepted meeting takes it; the next
    waits; cancelling the first gives the slot to the waiting one."""
    p = Pair(server, n=4, slots=1, tables=1)
    m01 = p.request(0, 1).json["id"]
    m23 = p.request(2, 3).json["id"]
    assert p.act(1, m01, "accept").json["state"] == "scheduled"
    r = p.act(3, m23, "accept")
    assert r.json["state"] == "accepted" and r.json.get("slot") is None, r
    agenda = p.people[2][0].api("GET", "/api/v1/events/%s/agenda" % p.eid).json
    assert not agenda["meetings"] and [m["id"] for m in agenda["waiting"]] == [m23]
    assert p.act(0, m01, "cancel").json["state"] == "cancelled"
    m = p.people[2][0].api("GET", "/api/v1/events/%s/meetings" % p.eid).json["items"][0]
    assert m["id"] == m23 and m["state"] == "scheduled" and m["slot"] == 0 and m["table_no"] == 0, m
    # Both sides of the meeting placed late are told (nobody acted on it).
    for who in (2, 3):
        assert any(n["kind"] == "event_meeting_scheduled" and n["link"] == "/events/%s/agenda" % p.eid
                   for n in notifications(p.people[who][0])), who
    # A participant who cancels their registration frees their meetings.
    reg_id = p.people[3][0].api("GET", "/api/v1/events/%s" % p.eid).json["my_registration"]["id"]
    assert p.people[3][0].api("POST", "/api/v1/events/%s/registrations/%s/actions" % (p.eid, reg_id), {"action": "cancel"}).status == 200
    m = p.people[2][0].api("GET", "/api/v1/events/%s/meetings" % p.eid).json["items"][0]
    assert m["state"] == "cancelled" and m.get("slot") is None, m


def meeting_in(p, state):
    """A fresh meeting of p's people 0 (requester) and 1 (invitee) brought
    into state; None when the table gives no way there."""
    # People 0 and 1 of a new pair each time: no "meeting exists" clash.
    r = p.request(0, 1)
    assert r.status == 201, r
    mid = r.json["id"]
    if state == "requested":
        return mid
    if state in ("declined",):
        assert p.act(1, mid, "decline").status == 200
        return mid
    if state == "cancelled":
        assert p.act(0, mid, "cancel").status == 200
        return mid
    assert p.act(1, mid, "accept").status == 200
    if state == "accepted":
        # Only while the grid is full: this pair's event has one slot, taken by people 2-3.
        return mid
    if state == "scheduled":
        return mid
    if state == "held":
        assert p.checkin(0).status in (200, 409)
        assert p.act(0, mid, "record", outcome="follow_up").status == 200
        return mid
    return None


def test_meeting_table_exhaustively(server):
    """Every (action, state) of the meeting table: allowed rows succeed for
    a role the row names; every other action in that state is refused."""
    lc = lifecycle(server)["meetings"]
    actions = sorted({t["action"] for t in lc["transitions"]})
    rows = {(t["action"], t["from"]): t for t in lc["transitions"]}
    for state in lc["states"]:
        for action in actions:
            full = state == "accepted"
            p = Pair(server, n=4 if full else 2, slots=1, tables=1)
            if full:   # fill the only slot first
                mfill = p.request(2, 3).json["id"]
                assert p.act(3, mfill, "accept").json["state"] == "scheduled"
            mid = meeting_in(p, state)
            cur = p.people[0][0].api("GET", "/api/v1/events/%s/meetings" % p.eid).json["items"]
            assert [m for m in cur if m["id"] == mid][0]["state"] == state, (state, cur)
            row = rows.get((action, state))
            extra = {"outcome": "intention"} if action == "record" else {}
            if action == "record" and state in ("scheduled", "held"):
                p.checkin(1)
            who = 1 if row and "invitee" in row["roles"] else 0
            r = p.act(who, mid, action, **extra)
            if row and "system" not in row["roles"] or (row and set(row["roles"]) - {"system"}):
                if action == "start_deal":
                    # Allowed in "held", but needs both intentions and a listing: refused for that reason, not the state.
                    assert r.status == 409 and codes(r)[0].startswith("err.event.deal"), (action, state, r)
                    continue
                assert r.status == 200, (action, state, r)
                assert r.json["state"] in (row["to"], "scheduled") if action == "accept" else r.json["state"] == row["to"], (action, state, r.json)
            else:
                assert r.status in (403, 409), (action, state, r)


def test_registration_table_exhaustively(server):
    lc = lifecycle(server)["registrations"]
    rows = {(t["action"], t["from"]): t for t in lc["transitions"]}
    actions = sorted({t["action"] for t in lc["transitions"]})
    op = login(server, "operator")
    for state in lc["states"]:
        for action in actions:
            ev = make_event(server, approval="manual")
            c, _ = pool(server, 1)[0]
            assert reg(c, ev["id"]).status == 201
            rid = c.api("GET", "/api/v1/events/%s" % ev["id"]).json["my_registration"]["id"]
            path = "/api/v1/events/%s/registrations/%s/actions" % (ev["id"], rid)
            if state in ("approved", "checked_in"):
                assert op.api("POST", path, {"action": "approve"}).status == 200
            if state == "declined":
                assert op.api("POST", path, {"action": "decline"}).status == 200
            if state == "cancelled":
                assert c.api("POST", path, {"action": "cancel"}).status == 200
            if state == "checked_in":
                code = c.api("GET", "/api/v1/events/%s" % ev["id"]).json["my_registration"]["ticket_code"]
                assert op.api("POST", "/api/v1/events/%s/checkins" % ev["id"], {"code": code}).status == 200
            assert c.api("GET", "/api/v1/events/%s" % ev["id"]).json["my_registration"]["state"] == state
            row = rows.get((action, state))
            if action == "check_in":
                code = c.api("GET", "/api/v1/events/%s" % ev["id"]).json["my_registration"].get("ticket_code")
                r = op.api("POST", "/api/v1/events/%s/checkins" % ev["id"], {"code": code or "NONE"})
                assert (r.status == 200) == bool(row), (action, state, r)
                continue
            if row and set(row["roles"]) == {"system"}:
                # The system's row: nobody takes it by hand; cancelling the event does.
                r = op.api("POST", path, {"action": action})
                assert r.status == 403, (action, state, r)
                assert op.api("POST", "/api/v1/events/%s/actions" % ev["id"], {"action": "cancel"}).status == 200
                assert c.api("GET", "/api/v1/events/%s" % ev["id"]).json["my_registration"]["state"] == row["to"]
                continue
            actor = c if row and "participant" in row["roles"] else op
            r = actor.api("POST", path, {"action": action})
            if row:
                assert r.status == 200, (action, state, r)
                assert c.api("GET", "/api/v1/events/%s" % ev["id"]).json["my_registration"]["state"] == row["to"]
            else:
                assert r.status == 409 and codes(r) == ["err.event.reg_state"], (action, state, r)


def test_outcomes_start_a_deal(server):
    """Both sides record an intention; one click starts a deal (the
    platform's interest → deal path), which both then see."""
    ev = make_event(server)
    ent = login(server, "org_member")      # enterprise (liu.yang)
    sci = login(server, "scientist2")      # scientist (li.na)
    for c in (ent, sci):
        r = reg(c, ev["id"])
        assert r.status == 201, r
    sci_me = sci.api("GET", "/api/v1/me").json
    mine = [l for l in sci.api("GET", "/api/v1/my/listings").json["items"] if l["status"] == "published"]
    listing = mine[next(_seq) % len(mine)]
    assert sci.api("PUT", "/api/v1/events/%s/showcase" % ev["id"], {"listings": [listing["id"]]}).status == 200
    r = sci.api("PUT", "/api/v1/events/%s/showcase" % ev["id"], {"listings": ["01ARZ3NDEKTSV4RRFFQ69G5FAV"]})
    assert r.status == 422 and codes(r) == ["err.event.showcase"], r
    people = ent.api("GET", "/api/v1/events/%s/participants" % ev["id"]).json["items"]
    shown = [p for p in people if p["user_id"] == sci_me["id"]][0]
    assert [l["id"] for l in shown["listings"]] == [listing["id"]]
    r = ent.api("POST", "/api/v1/events/%s/meetings" % ev["id"], {"invitee_id": sci_me["id"], "listing_id": listing["id"]})
    assert r.status == 201, r
    mid = r.json["id"]
    path = "/api/v1/events/%s/meetings/%s/actions" % (ev["id"], mid)
    assert sci.api("POST", path, {"action": "accept"}).json["state"] == "scheduled"
    op = login(server, "operator")
    for c in (ent, sci):
        code = c.api("GET", "/api/v1/events/%s" % ev["id"]).json["my_registration"]["ticket_code"]
        assert op.api("POST", "/api/v1/events/%s/checkins" % ev["id"], {"code": code}).status == 200
    assert ent.api("POST", path, {"action": "record", "outcome": "intention"}).status == 200
    r = ent.api("POST", path, {"action": "start_deal"})
    assert r.status == 409 and codes(r) == ["err.event.deal_needs_intentions"], r
    assert sci.api("POST", path, {"action": "record", "outcome": "intention"}).status == 200
    r = ent.api("POST", path, {"action": "start_deal"})
    assert r.status == 200 and r.json["deal_id"], r
    deal = r.json["deal_id"]
    assert ent.api("GET", "/api/v1/deals/%s" % deal).status == 200
    assert sci.api("GET", "/api/v1/deals/%s" % deal).status == 200
    r = sci.api("POST", path, {"action": "start_deal"})
    assert r.status == 409 and codes(r) == ["err.event.deal_exists"], r
    # The report counts it; organizers only; XLSX opens as a workbook.
    rep = op.api("GET", "/api/v1/events/%s/report" % ev["id"]).json
    assert rep["registered"] == 2 and rep["attended"] == 2 and rep["meetings_held"] == 1
    assert rep["intentions"] == 2 and rep["deals_started"] == 1
    assert ent.api("GET", "/api/v1/events/%s/report" % ev["id"]).status == 403
    r = login(server, "operator2").api("GET", "/api/v1/events/%s/report" % ev["id"])
    assert r.status == 403 and codes(r) == ["err.event.other_center"], r
    x = op.get("/events/%s/report.xlsx" % ev["id"])
    assert x.status == 200
    names = zipfile.ZipFile(io.BytesIO(x.body)).namelist()
    assert "xl/workbook.xml" in names and "xl/worksheets/sheet4.xml" in names
    assert 'id="rp-deals">1<' in op.get("/events/%s/report" % ev["id"]).text
    # Published results: only when both agree.
    assert not Client(server).api("GET", "/api/v1/events/%s" % ev["id"]).json["results"]
    for c in (ent, sci):
        assert c.post_form("/events/%s/publish-results" % ev["id"], {"publish": "1"}).status == 303
    assert [x["id"] for x in Client(server).api("GET", "/api/v1/events/%s" % ev["id"]).json["results"]] == [mid]


ICS_LINE = re.compile(rb"^[^\r\n]*$")


def test_agenda_ics(server):
    p = Pair(server, n=2, sections=[{"name_zh": "板块", "sessions": [
        {"title_zh": "A,B;C\\D " + "很长的标题" * 10, "starts_at": local(10, 9), "ends_at": local(10, 10)}]}])
    r = p.request(0, 1, message="关于" + "长" * 60)
    mid = r.json["id"]
    assert p.act(1, mid, "accept").status == 200
    c = p.people[0][0]
    r = c.get("/api/v1/events/%s/agenda.ics" % p.eid)
    assert r.status == 200 and r.header("Content-Type").startswith("text/calendar"), r
    body = r.body
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in body.replace(b"\r\n", b"")          # CRLF only
    for line in body.split(b"\r\n"):
        assert len(line) <= 75, line                           # folded at 75 octets
        line.decode("utf-8")                                   # never inside a character
    text = body.replace(b"\r\n ", b"").decode()
    assert text.count("BEGIN:VEVENT") == 3                      # the event, its session, the meeting
    assert "UID:event-%s@" % p.eid in text
    assert "DTSTART:" in text and re.search(r"DTSTART:\d{8}T\d{6}Z", text)
    assert "A\\,B\\;C\\\\D " in text, text                # TEXT escaping
    assert "UID:meeting-%s@" % mid in text
    # Someone not registered gets no agenda.
    outsider, _ = new_user(server)
    r = outsider.api("GET", "/api/v1/events/%s/agenda.ics" % p.eid)
    assert r.status == 403 and codes(r) == ["err.event.not_registered"], r
    assert Client(server).get("/api/v1/events/%s/agenda.ics" % p.eid).status == 401
    page = c.get("/events/%s/agenda" % p.eid)
    assert page.status == 200 and 'id="ev-ics"' in page.text


def test_times_in_the_event_zone(server):
    """An event in Berlin run from Chengdu: its pages show Berlin's time."""
    ev = make_event(server, time_zone="Europe/Berlin", starts_at="2027-07-01T09:00", ends_at="2027-07-01T18:00",
                    meeting_start="2027-07-01T14:00", sections=[])
    # 09:00 in Berlin in July (CEST, UTC+2) is 07:00 UTC.
    import calendar
    assert ev["starts_at"] == calendar.timegm((2027, 7, 1, 7, 0, 0)) * 1000
    page = Client(server).get("/events/%s" % ev["id"])
    assert "2027年7月1日 09:00" in page.text and "Europe/Berlin (UTC+02:00)" in page.text, page.text
    assert 'datetime="2027-07-01T07:00:00Z"' in page.text


def test_feed_and_suggestions(server):
    ev = make_event(server)
    feed = Client(server).get("/events/feed.atom")
    assert feed.status == 200 and feed.header("Content-Type").startswith("application/atom+xml")
    assert ("urn:kejiyun:event:%s" % ev["id"]) in feed.text
    ent = login(server, "org_member")
    sci = login(server, "scientist")
    assert reg(ent, ev["id"]).status == 201 and reg(sci, ev["id"]).status == 201
    s = ent.api("GET", "/api/v1/events/%s/suggestions" % ev["id"]).json["items"]
    zhang = sci.api("GET", "/api/v1/me").json["id"]
    assert any(x["user_id"] == zhang for x in s), s
    assert all(x["reason_lines"] for x in s)
    page = ent.get("/events/%s/participants" % ev["id"])
    assert page.status == 200 and 'id="ev-suggestions"' in page.text
    # Not registered: no directory, no suggestions.
    outsider, _ = new_user(server)
    r = outsider.api("GET", "/api/v1/events/%s/suggestions" % ev["id"])
    assert r.status == 403 and codes(r) == ["err.event.not_registered"], r


def test_roadshow_review_with_conflicts(server):
    ev = make_event(server)
    sci = login(server, "scientist")
    assert reg(sci, ev["id"]).status == 201
    mine = [l for l in sci.api("GET", "/api/v1/my/listings").json["items"] if l["status"] == "published"]
    r = sci.api("POST", "/api/v1/events/%s/projects" % ev["id"], {"source_kind": "listing", "source_id": mine[0]["id"]})
    assert r.status == 201, r
    pid = r.json["id"]
    r = sci.api("POST", "/api/v1/events/%s/projects" % ev["id"], {"source_kind": "listing", "source_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"})
    assert r.status == 422 and codes(r) == ["err.event.project_source"], r
    op = login(server, "operator")
    sci_id = sci.api("GET", "/api/v1/me").json["id"]
    experts = [u for u in op.api("GET", "/api/v1/experts").json["items"]]
    expert_ids = [e.get("id") or e.get("user_id") for e in experts][:2]
    rubric = [{"name": "创新性", "weight": 60, "max": 10}, {"name": "市场前景", "weight": 40, "max": 10}]
    r = op.api("PUT", "/api/v1/events/%s/review" % ev["id"], {"reviewers": expert_ids, "rubric": [{"name": "", "weight": 0, "max": 1}]})
    assert r.status == 422 and codes(r) == ["err.challenge.rubric"], r
    r = op.api("PUT", "/api/v1/events/%s/review" % ev["id"], {"reviewers": expert_ids, "rubric": rubric})
    assert r.status == 200, r
    # Not a reviewer: refused.
    r = sci.api("POST", "/api/v1/events/%s/projects/%s/scores" % (ev["id"], pid), {"scores": [8, 7]})
    assert r.status == 403 and codes(r) == ["err.event.not_reviewer"], r
    sessions = op.api("POST", "/api/v1/events/%s/sessions" % ev["id"],
                      {"kind": "roadshow", "title_zh": "路演专场", "starts_at": local(10, 10), "ends_at": local(10, 12)})
    assert sessions.status == 201, sessions
    r = op.api("POST", "/api/v1/events/%s/projects/%s/placement" % (ev["id"], pid),
               {"session_id": sessions.json["id"], "position": 1, "slot_start": local(10, 13), "slot_end": local(10, 14)})
    assert r.status == 422 and codes(r) == ["err.event.session_time"], r
    r = op.api("POST", "/api/v1/events/%s/projects/%s/placement" % (ev["id"], pid),
               {"session_id": sessions.json["id"], "position": 1, "slot_start": local(10, 10), "slot_end": local(10, 10, 15)})
    assert r.status == 200 and r.json["lineup"][0]["id"] == pid, r
    page = Client(server).get("/events/%s" % ev["id"])
    assert 'id="ev-lineup"' in page.text and mine[0]["title"] in page.text
    assert sci_id


def test_roadshow_conflict_of_interest_by_page(server):
    """The 揭榜 rule through the event's pages: an expert who submitted a
    project may not score it; another expert scores once; the organizer
    places it and the line-up shows it."""
    ev = make_event(server)
    eid = ev["id"]
    huang = Client(server)
    huang.login("huang.zhiyuan@demo.kejiyun.cn", "Demo-2026!")
    luo = Client(server)
    luo.login("luo.xiuying@demo.kejiyun.cn", "Demo-2026!")
    assert reg(huang, eid).status == 201
    mine = [l for l in huang.api("GET", "/api/v1/my/listings").json["items"] if l["status"] == "published"]
    assert huang.post_form("/events/%s/projects" % eid, {"source_kind": "listing", "source_id": mine[0]["id"]}).status == 303
    op = login(server, "operator")
    pid = op.api("GET", "/api/v1/events/%s/projects" % eid).json["projects"][0]["id"]
    ids = [huang.api("GET", "/api/v1/me").json["id"], luo.api("GET", "/api/v1/me").json["id"]]
    page = op.get("/events/%s/projects" % eid)
    assert page.status == 200 and 'id="ev-review-form"' in page.text
    r = op.post_form("/events/%s/review" % eid, {"reviewers": ids, "rubric_text": "创新性 | 60 | 10\n市场 | 40 | 10"})
    assert r.status == 303, r
    r = op.post_form("/events/%s/review" % eid, {"reviewers": ids, "rubric_text": "没有权重"})
    assert r.status == 422, r
    # The submitter, an expert reviewer: a conflict of interest.
    r = huang.api("POST", "/api/v1/events/%s/projects/%s/scores" % (eid, pid), {"scores": [9, 9]})
    assert r.status == 403 and codes(r) == ["err.event.review_conflict"], r
    assert "err.event.review_conflict" not in huang.get("/events/%s/projects" % eid).text
    # The other expert scores once, by the page.
    assert luo.post_form("/events/%s/projects/%s/score" % (eid, pid), {"score_0": "8", "score_1": "6", "comment": "可行"}).status == 303
    r = luo.api("POST", "/api/v1/events/%s/projects/%s/scores" % (eid, pid), {"scores": [1, 1]})
    assert r.status == 409 and codes(r) == ["err.challenge.scored_twice"], r
    r = luo.api("POST", "/api/v1/events/%s/projects/%s/scores" % (eid, pid), {"scores": [11, 1]})
    assert r.status in (409, 422), r
    p = op.api("GET", "/api/v1/events/%s/projects" % eid).json["projects"][0]
    assert p["scored"] == 1 and abs(p["average"] - 72.0) < 0.01, p   # (8/10·60 + 6/10·40)
    # Scoring is under way: the rubric can no longer change.
    r = op.api("PUT", "/api/v1/events/%s/review" % eid, {"reviewers": ids, "rubric": [{"name": "x", "weight": 1, "max": 1}]})
    assert r.status == 409 and codes(r) == ["err.challenge.scoring_started"], r
    sid = op.api("POST", "/api/v1/events/%s/sessions" % eid, {"kind": "roadshow", "title_zh": "路演", "starts_at": local(10, 10),
                                                              "ends_at": local(10, 12)}).json["id"]
    r = op.post_form("/events/%s/projects/%s/place" % (eid, pid), {"session_id": sid, "position": "1", "slot_start": local(10, 10),
                                                                  "slot_end": local(10, 10, 20)})
    assert r.status == 303, r
    # A second project may not take an overlapping time in the session.
    assert huang.post_form("/events/%s/projects" % eid, {"source_kind": "new", "title": "第二个项目"}).status == 303
    pid2 = [x for x in op.api("GET", "/api/v1/events/%s/projects" % eid).json["projects"] if x["id"] != pid][0]["id"]
    r = op.api("POST", "/api/v1/events/%s/projects/%s/placement" % (eid, pid2), {"session_id": sid, "position": 2,
                                                                              "slot_start": local(10, 10, 10), "slot_end": local(10, 10, 30)})
    assert r.status == 409 and codes(r) == ["err.event.slot_taken"], r
    page = Client(server).get("/events/%s/projects" % eid)
    assert page.status == 200 and mine[0]["title"] in page.text and 'id="ev-review-form"' not in page.text
