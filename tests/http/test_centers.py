"""Issue 14 §2 and §8: service centers — the public directory and center
pages, the API (list with region/level filters, detail, 404/422),
administrators create centers and appoint heads, heads add and remove
staff of their own center only, an operator's jurisdiction comes only from
their center; review routing with escalation between centers (working
days, the controlled clock) and the center staff's desk.

Runs on its own server: it moves the clock and appoints staff."""
import itertools

from harness import Client, DEMO, register

SERVER_ARGS = []
_seq = itertools.count(1)


def login(server, who):
    c = Client(server)
    c.login(*DEMO[who])
    return c


def centers(server, **q):
    qs = "&".join("%s=%s" % kv for kv in q.items())
    r = Client(server).api("GET", "/api/v1/service-centers" + ("?" + qs if qs else ""))
    assert r.status == 200, r
    return r.json["items"]


def center_id(server, region):
    return [c for c in centers(server) if c["region"] == region][0]["id"]


def new_operator(server, admin, name="新工作人员"):
    """A fresh operator account (role set by the administrator), in no
    center yet: (client, user id, e-mail)."""
    c, me = register(server, name="%s%d" % (name, next(_seq)))
    r = admin.api("POST", "/api/v1/admin/users/%s/role" % me["id"], {"role": "operator", "reason": "test"})
    assert r.status == 200, r
    return c, me["id"], me["email"]


def test_directory_api_filters_and_detail(server):
    items = centers(server)
    regions = {c["region"] for c in items}
    assert {"510000", "510100", "510600", "510603", "630000", "630100"} <= regions, regions
    # Ordered by level: provinces first.
    levels = [c["level"] for c in items]
    assert levels == sorted(levels, key=["province", "city", "county", "township"].index), levels
    # region: the centers in that region's subtree, the region itself included.
    dy = {c["region"] for c in centers(server, region="510600")}
    assert "510600" in dy and "510603" in dy and "510100" not in dy and "510000" not in dy, dy
    qh = {c["region"] for c in centers(server, region="630000")}
    assert qh >= {"630000", "630100"} and not any(r.startswith("51") for r in qh), qh
    assert {c["level"] for c in centers(server, level="city")} == {"city"}
    assert [c["region"] for c in centers(server, region="510600", level="county")][:1] == ["510603"]
    # Bad filters: 422 naming the field, never an empty success.
    for q, field in (("region=999999", "region"), ("level=galaxy", "level"), ("region=%E5%9B%9B", "region")):
        r = Client(server).api("GET", "/api/v1/service-centers?" + q)
        assert r.status == 422, (q, r)
        assert field in r.text, r
    # Detail: contact, parents, children, head's name; no e-mail addresses for the public.
    cd = center_id(server, "510100")
    r = Client(server).api("GET", "/api/v1/service-centers/" + center_id(server, "510600"))
    assert r.status == 200, r
    d = r.json
    assert d["level"] == "city" and d["phone"] and d["address"] and d["hours"], d
    assert [p["region"] for p in d["parents"]] == ["510000"], d["parents"]
    assert "510603" in [c["region"] for c in d["children"]], d["children"]
    assert "staff_contacts" not in d and "@" not in r.text, r.text
    chengdu = Client(server).api("GET", "/api/v1/service-centers/" + cd).json
    assert chengdu["head"]["name"], chengdu
    assert Client(server).api("GET", "/api/v1/service-centers/01HZZZZZZZZZZZZZZZZZZZZZZZ").status == 404
    assert Client(server).api("GET", "/api/v1/service-centers/nonsense").status == 404
    # Its own staff and administrators see the contacts.
    mine = login(server, "operator").api("GET", "/api/v1/service-centers/" + cd).json
    assert any(s["email"] == DEMO["operator"][0] for s in mine["staff_contacts"]), mine


def test_public_pages(server):
    r = Client(server).get("/centers")
    assert r.status == 200 and 'id="center-list"' in r.text and "德阳市科技云服务中心" in r.text, r
    r = Client(server).get("/centers?region=510600&level=county")
    assert r.status == 200 and "旌阳区科技云服务中心" in r.text and "成都市科技云服务中心" not in r.text, r
    assert Client(server).get("/centers?region=999999").status == 422
    assert Client(server).get("/centers?level=galaxy").status == 422
    cd = center_id(server, "510100")
    r = Client(server).get("/centers/" + cd)
    assert r.status == 200, r
    for part in ('id="center-contact"', 'id="center-staff"', 'id="center-parents"', 'id="center-listings"',
                 "028-8600 0201", "四川省科技云服务中心"):
        assert part in r.text, part
    assert "operator@demo" not in r.text
    assert 'id="center-manage-link"' not in r.text
    assert 'id="center-manage-link"' in login(server, "operator").get("/centers/" + cd).text
    assert Client(server).get("/centers/01HZZZZZZZZZZZZZZZZZZZZZZZ").status == 404
    r = Client(server).get("/centers", headers={"Accept-Language": "en"})
    assert r.status == 200


def test_admin_creates_center_and_appoints_head(server):
    admin = login(server, "admin")
    dy = center_id(server, "510600")
    # 510681 广汉市 under 德阳.
    body = {"name_zh": "广汉市科技云服务中心", "name_en": "Guanghan", "level": "county", "region": "510681",
            "parent_id": dy, "address": "广汉市", "phone": "0838-1", "hours": "9-17", "intro": "县级中心"}
    for who in ("scientist", "org_member", "operator"):
        assert login(server, who).api("POST", "/api/v1/service-centers", body).status == 403, who
    assert Client(server).api("POST", "/api/v1/service-centers", body).status == 401
    # Bad input: 422 naming the field.
    for bad, field in (({"level": "galaxy"}, "level"), ({"region": "999999"}, "region"),
                       ({"parent_id": center_id(server, "630000")}, "parent_id"), ({"name_zh": ""}, "name_zh")):
        r = admin.api("POST", "/api/v1/service-centers", dict(body, **bad))
        assert r.status == 422 and field in r.text, (bad, r)
    r = admin.api("POST", "/api/v1/service-centers", body)
    assert r.status == 201, r
    cid = r.json["id"]
    assert r.json["parent_id"] == dy and r.json["level"] == "county"
    # One center per region.
    assert admin.api("POST", "/api/v1/service-centers", body).status == 409
    assert "510681" in [c["region"] for c in centers(server, region="510600")]
    # Appoint a head: an operator account only.
    sci = login(server, "scientist").api("GET", "/api/v1/me").json
    r = admin.api("POST", "/api/v1/service-centers/%s/staff" % cid, {"user": sci["email"], "role": "head"})
    assert r.status == 422 and "user" in r.text, r
    r = admin.api("POST", "/api/v1/service-centers/%s/staff" % cid, {"user": "nobody@example.cn", "role": "head"})
    assert r.status == 422, r
    _, uid, email = new_operator(server, admin)
    r = admin.api("POST", "/api/v1/service-centers/%s/staff" % cid, {"user": email, "role": "head", "reason": "任命"})
    assert r.status == 201, r
    assert [s["role"] for s in r.json["items"] if s["user_id"] == uid] == ["head"], r.json
    # The jurisdiction followed the appointment.
    users = admin.api("GET", "/api/v1/admin/users?per_page=100").json
    row = [u for u in users["items"] if u["id"] == uid] if "items" in users else []
    if row:
        assert row[0]["jurisdiction"] == "510681", row
    # Operators working elsewhere cannot be appointed here.
    r = admin.api("POST", "/api/v1/service-centers/%s/staff" % cid, {"user": DEMO["operator"][0], "role": "staff"})
    assert r.status == 409, r
    # Contact details: the admin edits; the form works too.
    r = admin.api("PATCH", "/api/v1/service-centers/" + cid, {"phone": "0838-5550000"})
    assert r.status == 200 and r.json["phone"] == "0838-5550000", r
    r = admin.post_form("/centers", {"name_zh": "", "level": "county", "region": "510682", "parent_id": dy})
    assert r.status == 422 and "name_zh" in r.text or "field-error" in r.text, r
    r = admin.post_form("/centers", {"name_zh": "什邡市科技云服务中心", "level": "county", "region": "510682", "parent_id": dy})
    assert r.status == 303 and "/manage" in r.header("Location"), r
    page = admin.get(r.header("Location"))
    assert page.status == 200 and 'id="center-created"' in page.text
    assert admin.get("/centers/new").status == 200
    assert login(server, "operator").get("/centers/new").status == 403


def test_head_manages_own_staff_only(server):
    admin = login(server, "admin")
    head = login(server, "operator")          # head of 成都
    cd, xn = center_id(server, "510100"), center_id(server, "630100")
    _, uid, email = new_operator(server, admin, "成都新人")
    # The head adds staff to their own center ...
    r = head.api("POST", "/api/v1/service-centers/%s/staff" % cd, {"user": email, "role": "staff", "reason": "新招"})
    assert r.status == 201, r
    # ... but never a head, and never elsewhere.
    _, uid2, email2 = new_operator(server, admin, "西宁新人")
    assert head.api("POST", "/api/v1/service-centers/%s/staff" % cd, {"user": email2, "role": "head"}).status == 403
    r = head.api("POST", "/api/v1/service-centers/%s/staff" % xn, {"user": email2, "role": "staff"})
    assert r.status == 403, r
    r = head.post_form("/centers/%s/staff" % xn, {"user": email2, "role": "staff"})
    assert r.status == 403, r
    # Not an operator, not staff: refused.
    for who in ("scientist", "org_member"):
        c = login(server, who)
        assert c.api("POST", "/api/v1/service-centers/%s/staff" % cd, {"user": email2, "role": "staff"}).status == 403
        assert c.api("PATCH", "/api/v1/service-centers/" + cd, {"phone": "1"}).status == 403
        assert c.get("/centers/%s/manage" % cd).status == 403
    # The head of another center cannot edit or remove here.
    xhead = login(server, "operator2")
    assert xhead.api("PATCH", "/api/v1/service-centers/" + cd, {"phone": "1"}).status == 403
    assert xhead.api("DELETE", "/api/v1/service-centers/%s/staff/%s" % (cd, uid)).status == 403
    # The head edits contact details through the form.
    r = head.post_form("/centers/%s/edit" % cd, {"name_zh": "成都市科技云服务中心", "hours": "工作日 8:30–17:30"})
    assert r.status == 303, r
    assert Client(server).api("GET", "/api/v1/service-centers/" + cd).json["hours"] == "工作日 8:30–17:30"
    page = head.get("/centers/%s/manage" % cd)
    assert page.status == 200 and email in page.text and 'id="center-staff-form"' in page.text
    # The head removes their staff (a reason is audited); never themself.
    me = head.api("GET", "/api/v1/me").json
    assert head.api("DELETE", "/api/v1/service-centers/%s/staff/%s" % (cd, me["id"])).status == 403
    assert head.api("DELETE", "/api/v1/service-centers/%s/staff/%s?reason=%s" % (xn, uid, "x")).status == 404
    r = head.post_form("/centers/%s/staff/%s/remove" % (cd, uid), {"reason": "调岗"})
    assert r.status == 303, r
    staff = head.api("GET", "/api/v1/service-centers/%s/staff" % cd).json["items"]
    assert uid not in [s["user_id"] for s in staff], staff
    # Another center's staff list is not theirs to read.
    assert head.api("GET", "/api/v1/service-centers/%s/staff" % xn).status == 403


# ---- review routing and escalation (the controlled clock) ----

import datetime

# Friday 2026-12-11, 10:00 Beijing time (02:00 UTC); escalation after 3
# working days (the default review_escalate_days).
FRIDAY_10 = int(datetime.datetime(2026, 12, 11, 2, 0, tzinfo=datetime.timezone.utc).timestamp() * 1000)
DAY = 86400 * 1000


def freeze(server, ms):
    r = Client(server).api("POST", "/__test/clock", {"freeze_ms": ms})
    assert r.status == 200, r


def tick(server):
    r = Client(server).api("POST", "/__test/tick")
    assert r.status == 200, r


def queue(c):
    r = c.api("GET", "/api/v1/review-queue")
    assert r.status == 200, r
    return {i["id"]: i for i in r.json["items"]}


def notifications(c, kind):
    r = c.api("GET", "/api/v1/notifications")
    assert r.status == 200, r
    return [n for n in r.json["items"] if n["kind"] == kind]


def submit_listing(c, region, title):
    body = {"kind": "achievement", "title": title, "summary": "面向装备制造的在线检测成果。", "domain": "D0101",
            "region": region, "trl": 5, "coop_modes": ["transfer"], "keywords": ["检测"], "submit": True}
    r = c.api("POST", "/api/v1/listings", body)
    assert r.status == 201, r
    return r.json["id"]


def test_review_routing_and_escalation_over_working_days(server):
    try:
        freeze(server, FRIDAY_10)
        owner, me = register(server, name="旌阳提交人")
        title = "旌阳区在线检测成果-%d" % next(_seq)
        lid = submit_listing(owner, "510603", title)
        county, city, chengdu, xining = (login(server, w) for w in ("county_staff", "center_staff", "operator", "operator2"))
        jy = center_id(server, "510603")
        # It goes to the lowest center covering 旌阳区: 旌阳区's staff, not 德阳's.
        q = queue(county)
        assert lid in q, q.keys()
        item = q[lid]
        assert item["center_id"] == jy and not item["escalated"] and item["level"] == 0, item
        assert item["submitter_name"] == "旌阳提交人" and item["submitted_at"] == FRIDAY_10, item
        assert item["left_ms"] == 3 * DAY and item["due_at"] == FRIDAY_10 + 5 * DAY, item   # Wednesday 10:00
        assert lid not in queue(city) and lid not in queue(chengdu) and lid not in queue(xining)
        page = county.get("/review")
        assert page.status == 200 and "旌阳提交人" in page.text and "还剩 3 个工作日" in page.text, page.text[-3000:]
        assert "旌阳区科技云服务中心" in page.text
        # Staff of other centers may not review in 旌阳区 (nor see the
        # submitted listing: 404, not disclosed).
        for other in (chengdu, xining):
            r = other.api("POST", "/api/v1/listings/%s/actions" % lid, {"action": "approve"})
            assert r.status in (403, 404), r
        # Tuesday 10:00: four calendar days, two working days (the weekend
        # does not count): still 旌阳区's, one working day left.
        freeze(server, FRIDAY_10 + 4 * DAY)
        tick(server)
        item = queue(county)[lid]
        assert not item["escalated"] and item["left_ms"] == DAY, item
        assert lid not in queue(city)
        assert not notifications(owner, "review_escalated")
        assert "还剩 1 个工作日" in county.get("/review").text
        # Wednesday 10:01: three working days passed, nobody acted: 德阳's
        # staff see it (marked escalated); 旌阳区 keeps seeing it.
        freeze(server, FRIDAY_10 + 5 * DAY + 60000)
        item = queue(city).get(lid)
        assert item and item["escalated"] and item["center_id"] == center_id(server, "510600"), item
        assert item["origin_center_id"] == jy and item["level"] == 1, item
        assert lid in queue(county) and lid not in queue(chengdu)
        page = city.get("/review")
        assert 'data-escalated="yes"' in page.text and "已升级" in page.text
        # The job tells the submitter (once) and 德阳's staff.
        tick(server)
        tick(server)
        told = [n for n in notifications(owner, "review_escalated") if n["subject"] == title]
        assert len(told) == 1, told
        assert [n for n in notifications(city, "review_escalated_staff") if n["subject"] == title]
        # The escalated center acts: 德阳 covers 旌阳区.
        r = city.api("POST", "/api/v1/listings/%s/actions" % lid, {"action": "approve"})
        assert r.status == 200, r
        assert lid not in queue(county) and lid not in queue(city)
    finally:
        freeze(server, 0)


def test_escalation_climbs_to_the_province_and_starts_on_monday(server):
    try:
        # Submitted on a Saturday: the clock starts on Monday 00:00.
        saturday = FRIDAY_10 + DAY
        freeze(server, saturday)
        owner, _ = register(server, name="周末提交人")
        lid = submit_listing(owner, "510603", "周末提交的成果-%d" % next(_seq))
        county = login(server, "county_staff")
        item = queue(county)[lid]
        monday0 = FRIDAY_10 + 2 * DAY + 14 * 3600 * 1000
        assert item["due_at"] == monday0 + 3 * DAY, (item["due_at"] - monday0) / 3600000
        # Six working days later (Monday 00:00 + 8 calendar days): the
        # province center's step (旌阳区 → 德阳 → 四川省).
        freeze(server, monday0 + 8 * DAY + 1000)
        item = queue(login(server, "admin"))[lid]
        assert item["level"] == 2 and item["center_id"] == center_id(server, "510000"), item
        assert item["at_top"] and item["due_at"] == monday0 + 11 * DAY, item
        tick(server)
        told = notifications(owner, "review_escalated")
        assert len(told) == 2, told
    finally:
        freeze(server, 0)


# Wednesday 2026-09-30, 10:00 Beijing time: the 国庆 holiday (1–7 October)
# follows, and Saturday 10 October is worked (data/holidays.tsv).
WED_0930_10 = int(datetime.datetime(2026, 9, 30, 2, 0, tzinfo=datetime.timezone.utc).timestamp() * 1000)


def test_escalation_clock_stops_over_the_guoqing_holiday(server):
    try:
        freeze(server, WED_0930_10)
        owner, _ = register(server, name="节前提交人")
        title = "节前提交的成果-%d" % next(_seq)
        lid = submit_listing(owner, "510603", title)
        county, city = login(server, "county_staff"), login(server, "center_staff")
        item = queue(county)[lid]
        # 14 hours on the 30th, the 8th and 9th, 10 hours of the worked Saturday.
        assert item["due_at"] == WED_0930_10 + 10 * DAY, (item["due_at"] - WED_0930_10) / DAY
        # Thursday 8 October 10:00: one working day passed over eight calendar days.
        freeze(server, WED_0930_10 + 8 * DAY)
        tick(server)
        item = queue(county)[lid]
        assert not item["escalated"] and item["left_ms"] == 2 * DAY, item
        assert lid not in queue(city) and not [n for n in notifications(owner, "review_escalated") if n["subject"] == title]
        # Saturday 10 October 10:01 (调休上班): three working days, escalated to 德阳.
        freeze(server, WED_0930_10 + 10 * DAY + 60000)
        tick(server)
        item = queue(city).get(lid)
        assert item and item["escalated"], item
        assert [n for n in notifications(owner, "review_escalated") if n["subject"] == title]
    finally:
        freeze(server, 0)


def test_desk_is_the_staff_start_page(server):
    owner, _ = register(server, name="工作台提交人")
    title = "工作台待审成果-%d" % next(_seq)
    lid = submit_listing(owner, "510603", title)
    # Sign-in leads center staff to their desk (others to the dashboard).
    c = Client(server)
    r = c.post_form("/login", {"email": DEMO["county_staff"][0], "password": DEMO["county_staff"][1]})
    assert r.status == 303 and r.header("Location") == "/desk", r
    s = Client(server)
    r = s.post_form("/login", {"email": DEMO["scientist"][0], "password": DEMO["scientist"][1]})
    assert r.header("Location") == "/dashboard", r
    page = c.get("/desk")
    assert page.status == 200, page
    for part in ('id="desk-reviews"', title, "工作台提交人", "还剩", 'id="desk-deals"', 'id="desk-matches"', 'id="nav-desk"',
                 "旌阳区科技云服务中心"):
        assert part in page.text, part
    assert 'id="desk-workorders"' in page.text
    d = c.api("GET", "/api/v1/desk").json
    assert lid in [i["id"] for i in d["reviews"]] and d["center"]["region"] == "510603", d
    assert "breached" in d["workorders"] and len(d["workorders"]["by_state"]) >= 5, d["workorders"]
    # 成都's head has their own desk: not this item; they see Chengdu's organizations.
    op = login(server, "operator").api("GET", "/api/v1/desk").json
    assert lid not in [i["id"] for i in op["reviews"]]
    assert any(o["name"] == "成都天翼低空科技有限公司" for o in op["orgs"]), op["orgs"]
    # Not for the public or scientists.
    assert Client(server).get("/desk").status == 303
    assert login(server, "scientist").get("/desk").status == 403
    assert "nav-desk" not in login(server, "scientist").get("/dashboard").text


def test_popsci_items_are_routed_too(server):
    author, _ = register(server, name="科普作者")
    r = author.api("POST", "/api/v1/popsci", {"title": "旌阳区水稻病虫害防治-%d" % next(_seq), "summary": "摘要",
                                               "body": "正文", "topic": "rice", "audience": "rural", "regions": ["510603"]})
    assert r.status == 201, r
    cid = r.json["id"]

    def popsci_queue(who):
        q = login(server, who).api("GET", "/api/v1/popsci/review")
        assert q.status == 200, q
        return {i["id"]: i for i in q.json["items"]}
    item = popsci_queue("county_staff").get(cid)
    assert item and item["center_id"] == center_id(server, "510603") and item["submitter_name"] == "科普作者", item
    assert cid not in popsci_queue("center_staff") and cid not in popsci_queue("operator")
    assert cid in popsci_queue("admin")


def test_popsci_resubmission_restarts_the_review_clock(server):
    try:
        freeze(server, FRIDAY_10)
        author, _ = register(server, name="重投作者")
        r = author.api("POST", "/api/v1/popsci", {"title": "旌阳区小麦赤霉病防治-%d" % next(_seq), "summary": "摘要",
                                                   "body": "正文", "topic": "rice", "audience": "rural", "regions": ["510603"]})
        assert r.status == 201, r
        cid = r.json["id"]
        county = login(server, "county_staff")

        def item(who=county):
            q = who.api("GET", "/api/v1/popsci/review")
            assert q.status == 200, q
            return {i["id"]: i for i in q.json["items"]}.get(cid)
        assert item()["submitted_at"] == FRIDAY_10 and item()["due_at"] == FRIDAY_10 + 5 * DAY
        r = county.api("POST", "/api/v1/popsci/%s/review" % cid, {"action": "reject", "reason": "请补充用药剂量"})
        assert r.status == 200, r
        # Sent back a week later (Friday 18 December, 10:00): the clock starts
        # again — three working days at 旌阳区, not escalated at once.
        later = FRIDAY_10 + 7 * DAY
        freeze(server, later)
        r = author.api("POST", "/api/v1/popsci/%s/review" % cid, {"action": "submit"})
        assert r.status == 200, r
        it = item()
        assert it and it["submitted_at"] == later and not it["escalated"] and it["level"] == 0, it
        assert it["left_ms"] == 3 * DAY and it["due_at"] == later + 5 * DAY, it
        assert item(login(server, "center_staff")) is None       # not at 德阳 yet
        # Rejected again and edited back into review: the clock starts again too.
        r = county.api("POST", "/api/v1/popsci/%s/review" % cid, {"action": "reject", "reason": "再补充"})
        assert r.status == 200, r
        again = later + 7 * DAY
        freeze(server, again)
        r = author.api("PUT", "/api/v1/popsci/" + cid, {"title": "旌阳区小麦赤霉病防治（修订）-%d" % next(_seq), "summary": "摘要",
                                                       "body": "正文，用药剂量见表。", "topic": "rice", "audience": "rural",
                                                       "regions": ["510603"]})
        assert r.status == 200, r
        it = item()
        assert it and it["submitted_at"] == again and not it["escalated"], it
    finally:
        freeze(server, 0)

