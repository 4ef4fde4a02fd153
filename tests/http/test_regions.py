"""Regions (issue 14 §1): the tree down to townships over GET /api/v1/regions,
coverage through the tree in a real review queue and browse filter, an
instance's own divisions from <datadir>/regions.d, full names on pages, and
the cascading picker without JavaScript (one step at a time)."""
import os
import re
import shutil
import tempfile


from harness import Client, Server, cli, register, unique_email, verify_email
from test_market_access import make_operator
from test_market_lifecycle import RUN, create, ok_act, problem, field_errors, user, utitle


def regions(c, parent=None):
    return c.api("GET", "/api/v1/regions" + ("?parent=" + parent if parent is not None else ""))


# ---- the API ----

def test_top_level_is_the_provinces(server):
    r = regions(Client(server))
    assert r.status == 200, r
    assert "max-age" in (r.header("Cache-Control") or ""), r.header("Cache-Control")
    items = {x["code"]: x for x in r.json["items"]}
    assert r.json["parent"] is None
    assert len(items) == 34, len(items)
    sc = items["510000"]
    assert sc == {"code": "510000", "name_zh": "四川省", "name_en": "Sichuan", "level": "province",
                  "has_children": True}, sc
    assert items["710000"]["has_children"] is False    # Taiwan: a province row without children


def test_children_of_sichuan_and_of_a_county(server):
    c = Client(server)
    r = regions(c, "510000")
    assert r.status == 200 and r.json["parent"]["code"] == "510000", r
    cities = {x["code"]: x for x in r.json["items"]}
    assert len(cities) == 21 and cities["510600"]["name_zh"] == "德阳市" and cities["510600"]["level"] == "city"
    counties = {x["code"]: x for x in regions(c, "510600").json["items"]}
    assert counties["510603"]["name_zh"] == "旌阳区" and counties["510603"]["has_children"], counties["510603"]
    towns = regions(c, "510603").json["items"]
    assert len(towns) >= 10, towns
    assert all(len(t["code"]) == 9 and t["code"].startswith("510603") and t["level"] == "township"
               and t["has_children"] is False for t in towns), towns
    assert regions(c, towns[0]["code"]).json["items"] == []   # a township is a leaf


def test_unknown_and_malformed_parents(server):
    c = Client(server)
    problem(regions(c, "519999"), 404)
    problem(regions(c, "510603999"), 404)
    assert field_errors(regions(c, "51%2F00")) == {"parent": "err.region.code"}
    assert "parent" in field_errors(regions(c, "9" * 40))


# ---- coverage through townships ----

def test_township_listing_reviewed_by_the_city_center_and_filtered_by_county(server):
    admin, owner = user(server, "admin"), user(server, "scientist")
    xining = user(server, "operator2")            # another center
    centers = {c["region"]: c["id"] for c in admin.api("GET", "/api/v1/service-centers").json["items"]}
    # A county center for 成华区, under 成都's. Not 武侯区 (510107): the
    # shared role accounts' listings are in 武侯区 and other modules on the
    # same lane server expect 成都's operator to review them.
    if "510108" not in centers:
        r = admin.api("POST", "/api/v1/service-centers", {
            "name_zh": "成华区科技云服务中心", "name_en": "Chenghua", "level": "county", "region": "510108",
            "parent_id": centers["510100"], "address": "成华区", "phone": "028-1", "hours": "9-17", "intro": "县级中心"})
        assert r.status == 201, r
    county_op = make_operator(server, admin, "510108")
    town = "510108002"                             # a street of 成华区
    word = "townq%s" % RUN               # one word only this listing holds
    lid = create(owner, "achievement", submit=True, region=town, title="乡镇成果 %s" % word)["id"]
    # Routed to the lowest center covering the township: 成华区's (成都's sees it only on escalation).
    for op, sees in ((county_op, True), (xining, False)):
        q = {x["id"] for x in op.api("GET", "/api/v1/review-queue").json["items"]}
        assert (lid in q) == sees, (sees, lid)
    r = xining.api("POST", "/api/v1/listings/%s/actions" % lid, {"action": "approve"})
    assert r.status in (403, 404), r        # not theirs to see while submitted
    ok_act(county_op, lid, "approve")
    # Browse by the county, the city and the province finds it; by another county not.
    anon = Client(server)
    for region, found in (("510108", True), ("510100", True), ("510000", True), (town, True), ("510104", False)):
        items = anon.api("GET", "/api/v1/listings?kind=achievement&per_page=100&region=" + region).json["items"]
        assert (lid in [x["id"] for x in items]) == found, (region, found)
        # Search filtered by the same region follows the same chain (page and API).
        hits = anon.api("GET", "/api/v1/search?q=%s&region=%s" % (word, region)).json["items"]
        assert (lid in [x["id"] for x in hits]) == found, ("search", region, found)
        page = anon.get("/search?q=%s&region=%s" % (word, region))
        assert page.status == 200 and (("/listings/" + lid) in page.text) == found, ("search page", region, found)


# ---- full names ----

def test_shizhong_districts_of_leshan_and_neijiang_are_told_apart(server):
    admin, owner = user(server, "admin"), user(server, "scientist")
    titles = {}
    for code in ("511102", "511002"):              # 乐山市市中区, 内江市市中区
        title = utitle("市中区")
        lid = create(owner, "achievement", submit=True, region=code, title=title)["id"]
        ok_act(admin, lid, "approve")
        titles[code] = (lid, title)
    anon = Client(server)
    for code, city in (("511102", "乐山市市中区"), ("511002", "内江市市中区")):
        lid, title = titles[code]
        page = anon.get("/listings/" + lid).text
        assert city in page, (city, page[:2000])
        browse = anon.get("/achievements?region=" + code).text
        at = browse.index(title)
        card = browse[browse.rfind("<article", 0, at):at]
        assert city in card, (city, card)
    en = Client(server)
    en.get("/lang/en")
    assert "Shizhong District, Leshan" in en.get("/listings/" + titles["511102"][0]).text


# ---- an instance's own divisions ----

EXTENSION = """code\tparent\tlevel\tname_zh\tname_en
# A Belt-and-Road instance's divisions: codes are not GB/T 2260 digits.
KZ\t\tprovince\t哈萨克斯坦\tKazakhstan
KZ-ALA\tKZ\tcity\t阿拉木图市\tAlmaty
KZ-ALA-MED\tKZ-ALA\tdistrict\t麦德乌区\tMedeu District
"""


def test_foreign_divisions_from_the_data_dir_extend_the_tree(server):
    d = tempfile.mkdtemp(prefix="kejiyun-regions-")
    os.makedirs(os.path.join(d, "regions.d"))
    with open(os.path.join(d, "regions.d", "kz.tsv"), "w", encoding="utf-8") as f:
        f.write(EXTENSION)
    srv = Server(data_dir=d, demo=False)      # no demo data: quick to start
    try:
        c = Client(srv)
        top = {x["code"] for x in regions(c).json["items"]}
        assert "KZ" in top and "510000" in top, top
        kids = regions(c, "KZ-ALA").json
        assert [x["code"] for x in kids["items"]] == ["KZ-ALA-MED"] and kids["parent"]["name_en"] == "Almaty", kids
        # Coverage follows the foreign chain: an operator of KZ (given by the
        # command line, as an installer would) reviews a listing in Medeu.
        def add(email, role, *more):
            cli(d, "user", "add", "--data", d, "--email", email, "--name", "运营", "--role", role,
                "--password", "Operator-2026!", *more, check=True)
            u = Client(srv)
            u.login(email, "Operator-2026!")
            return u
        admin = add("admin@example.kz", "admin")
        for region, name in (("KZ", "哈萨克斯坦科技云服务中心"), ("510000", "四川省科技云服务中心")):
            r = admin.api("POST", "/api/v1/service-centers", {"name_zh": name, "name_en": region, "level": "province",
                                                              "region": region, "address": "-", "phone": "-",
                                                              "hours": "-", "intro": "-"})
            assert r.status == 201, r
        kz_op = add("kz.op@example.kz", "operator", "--center", "KZ")
        chengdu = add("sc.op@example.cn", "operator", "--center", "510000")
        owner, _ = register(srv, region="KZ-ALA")
        lid = create(owner, "achievement", submit=True, region="KZ-ALA-MED")["id"]
        assert lid in {x["id"] for x in kz_op.api("GET", "/api/v1/review-queue").json["items"]}
        assert lid not in {x["id"] for x in chengdu.api("GET", "/api/v1/review-queue").json["items"]}
        ok_act(kz_op, lid, "approve")
        assert "阿拉木图市麦德乌区" in Client(srv).get("/listings/" + lid).text
    finally:
        srv.cleanup()
    # A file naming an unknown parent stops the start with the reason.
    d2 = tempfile.mkdtemp(prefix="kejiyun-regions-")
    os.makedirs(os.path.join(d2, "regions.d"))
    with open(os.path.join(d2, "regions.d", "bad.tsv"), "w", encoding="utf-8") as f:
        f.write("code\tparent\tlevel\tname_zh\tname_en\nXX-1\tXX\tcity\t某市\tSome City\n")
    try:
        Server(data_dir=d2, demo=False)
        assert False, "the server started with an orphan region"
    except RuntimeError as e:
        assert "XX-1" in str(e) and "unknown parent" in str(e), e
    finally:
        shutil.rmtree(d2, ignore_errors=True)


# ---- the picker without JavaScript: one level at a time ----

def selects(html, name):
    """{select name: [option values]} of the picker for field name."""
    out = {}
    for m in re.finditer(r'<select id="[^"]*" name="(%s__\d)"[^>]*>(.*?)</select>' % re.escape(name), html, re.S):
        out[m.group(1)] = re.findall(r'<option value="([^"]*)"', m.group(2))
    return out


def selected(html, select_name):
    m = re.search(r'name="%s"[^>]*>(.*?)</select>' % re.escape(select_name), html, re.S)
    s = re.search(r'<option value="([^"]*)" selected', m.group(1)) if m else None
    return s.group(1) if s else None


def test_registration_picks_a_township_one_step_at_a_time(server):
    c = Client(server)
    page = c.get("/register").text
    assert list(selects(page, "region")) == ["region__1"], selects(page, "region")   # provinces only
    assert 'name="region__next"' in page
    email = unique_email("picker")
    form = {"name": "分步选择", "email": email, "password": "picker pw 1 long", "role": "scientist",
            "org_name": "", "region__1": "510000"}
    # Each "next" comes back 200 with the typed fields kept and one more select.
    for step, (sel, code, expect) in enumerate((("region__1", "510000", "region__2"),
                                               ("region__2", "510600", "region__3"),
                                               ("region__3", "510603", "region__4"))):
        form[sel] = code
        r = c.post_form("/register", dict(form, region__next="1"))
        assert r.status == 200, (step, r.status)
        assert 'value="分步选择"' in r.text and email in r.text, step
        assert expect in selects(r.text, "region"), (step, selects(r.text, "region"))
        assert selected(r.text, sel) == code, (step, sel)
        assert "field-error" not in r.text, step
    town = selects(r.text, "region")["region__4"][1]
    assert town.startswith("510603") and len(town) == 9
    # A stale lower level (another province chosen without JavaScript) is dropped, not saved.
    r = c.post_form("/register", dict(form, region__1="630000", region__next="1"))
    assert r.status == 200 and selected(r.text, "region__1") == "630000"
    assert selected(r.text, "region__2") is None and "region__3" not in selects(r.text, "region")
    # The final submit saves the deepest level chosen.
    r = c.post_form("/register", dict(form, region__4=town))
    assert r.status == 303, r
    verify_email(server, email)
    u = Client(server)
    u.login(email, "picker pw 1 long")
    assert u.api("GET", "/api/v1/me").json["region"] == town


def test_listing_form_picks_a_township_keeping_every_field(server):
    owner = user(server, "scientist")
    title = utitle("分步地区")
    form = {"kind": "achievement", "title": title, "summary": "一句话摘要", "domain": "D0101", "trl": "5",
            "coop_modes": "transfer", "price_kind": "negotiable", "action": "save", "region__1": "510000"}
    r = owner.post_form("/listings", dict(form, region__next="1"))
    assert r.status == 200 and title in r.text and "一句话摘要" in r.text, r.status
    assert "region__2" in selects(r.text, "region")
    form.update(region__2="511100", region__3="511102")
    r = owner.post_form("/listings", dict(form, region__next="1"))
    assert r.status == 200 and "region__4" in selects(r.text, "region")
    assert "乐山市市中区" in r.text          # the choice so far, by its full name
    town = selects(r.text, "region")["region__4"][1]
    r = owner.post_form("/listings", dict(form, region__4=town))
    assert r.status == 303, (r.status, r.text[-1500:])
    lid = re.search(r"/listings/([0-9A-Z]{26})", r.header("Location")).group(1)
    assert owner.api("GET", "/api/v1/listings/" + lid).json["region"] == town
    # A bad code in a level is a clear field error, not a crash or a silent drop.
    r = owner.post_form("/listings", dict(form, region__4="511102999"))
    assert r.status == 422 and re.search(r'class="field-error"[^>]*>[^<]*地区', r.text), r.status


def test_browse_filter_takes_the_picker_levels(server):
    r = Client(server).get("/achievements?region__1=510000&region__2=510100")
    assert r.status == 200
    assert selected(r.text, "region__2") == "510100" and "region__3" in selects(r.text, "region")
