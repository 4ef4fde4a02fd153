"""The instance's home region as the default of pickers and lists (issue 17
§1): a server whose home region is 青海 (630000) opens its region pickers on
青海 (not on 北京/天津…), filters browse lists, the 科普 list, studios and the
service-center directory to 青海's subtree when the request names no region
(pages and API, which says so in region_default), offers 全国 (region=all)
to see everything, and shows the home page's service centers for 青海 to a
visitor who has no region. Search is not narrowed (a typed query, and
where a peer's items are found). The default server (no home region) is
checked in test_listing_lang.test_no_home_region_no_default."""
import re
import urllib.parse

from harness import Client, register
from test_market_lifecycle import listing_body, ok_act, user

SERVER_ARGS = ["--home-region", "630000", "--page-cache-ms", "0"]


def first_select(page, name="region"):
    m = re.search(r'<select id="%s" name="%s__1"[^>]*>(.*?)</select>' % (name, name), page, re.S)
    assert m, "no picker %s" % name
    return m.group(1)


def published(server, region, title):
    c, _ = register(server, role="scientist", name="地区测试")
    r = c.api("POST", "/api/v1/listings", dict(listing_body("achievement", region=region, title=title), submit=True))
    assert r.status == 201, r
    return ok_act(user(server, "admin"), r.json["id"], "approve")["id"]


def test_form_pickers_open_at_the_home_region(server):
    c, _ = register(server, role="scientist", name="青海用户")
    page = c.get("/listings/new?kind=achievement").text
    top = first_select(page)
    # 青海 is chosen and listed first (after the prompt); its cities are the next choice.
    options = re.findall(r'<option value="([^"]*)"\s*(selected)?', top)
    assert options[0][0] == "" and options[1] == ("630000", "selected"), options[:3]
    assert re.search(r'<select id="region__2" name="region__2"[^>]*>.*?<option value="630100"', page, re.S), "no 西宁 level"
    # A form left at the province saves the province (the default the picker showed).
    f = {"kind": "achievement", "title": "青海默认地区成果一", "summary": "盐湖提锂吸附材料。", "domain": "D0101",
         "trl": "5", "coop_modes": "transfer", "action": "save", "region__1": "630000", "region__2": ""}
    r = c.post_form("/listings", f)
    assert r.status == 303, r
    lid = re.search(r"/listings/([0-9A-Z]{26})", r.header("Location")).group(1)
    assert c.api("GET", "/api/v1/listings/" + lid).json["region"] == "630000"
    # A value already chosen stays (another province's).
    edit = c.get("/listings/%s/edit" % lid).text
    assert re.search(r'<option value="630000"\s*selected', first_select(edit))


def test_browse_defaults_to_the_home_region_and_all_shows_everything(server):
    anon = Client(server)
    qh = published(server, "630102", "青海城东区默认成果")
    sc = published(server, "510107", "四川武侯区全国成果")
    j = anon.api("GET", "/api/v1/listings?per_page=100").json
    assert j["region_default"] == "630000", j.keys()
    ids = [x["id"] for x in j["items"]]
    assert qh in ids and sc not in ids
    assert all(x["region"].startswith("63") for x in j["items"]), [x["region"] for x in j["items"]]
    every = anon.api("GET", "/api/v1/listings?region=all&per_page=100").json
    assert "region_default" not in every and sc in [x["id"] for x in every["items"]] and every["total"] > j["total"]
    # A region named is that region; an origin asked for (peers' items) is not narrowed either.
    named = anon.api("GET", "/api/v1/listings?region=510000&per_page=100").json
    assert "region_default" not in named and sc in [x["id"] for x in named["items"]] and qh not in [x["id"] for x in named["items"]]
    assert "region_default" not in anon.api("GET", "/api/v1/listings?origin=local").json
    r = anon.api("GET", "/api/v1/listings?origin=local&region=all")
    assert r.status == 200 and "region_default" not in r.json, r
    # The page says so, and links to 全国.
    page = anon.get("/achievements").text
    assert 'id="region-default"' in page and "默认显示本平台服务的地区（青海省）" in page
    assert 'href="/achievements?region=all" id="region-show-all"' in page
    assert qh in page and sc not in page
    # The filter picker shows the region in force; its blank choice reads 全国.
    top = first_select(page)
    assert '<option value="">全国</option>' in top and re.search(r'<option value="630000"\s*selected', top)
    page = anon.get("/achievements?region=all").text
    assert 'id="region-default"' not in page and sc in page
    # The pager keeps region=all (page 2 is not narrowed again).
    if 'rel="next"' in page:
        assert re.search(r'href="[^"]*region=all[^"]*page=2|href="[^"]*page=2[^"]*region=all', page)
    # English.
    en = anon.get("/achievements", headers={"Accept-Language": "en"}).text
    assert "Showing this platform&#39;s region (Qinghai" in en or "Showing this platform's region (Qinghai" in en, \
        re.search(r'id="region-default"[^<]*', en)
    assert "Show all of China" in en


def test_popsci_studios_and_centers_default_to_the_home_region(server):
    anon = Client(server)
    for path in ("/api/v1/popsci", "/api/v1/studios", "/api/v1/service-centers"):
        j = anon.api("GET", path).json
        assert j.get("region_default") == "630000", (path, j.keys())
        assert "region_default" not in anon.api("GET", path + "?region=all").json, path
    centers = anon.api("GET", "/api/v1/service-centers").json["items"]
    assert centers and all(c["region"].startswith("63") for c in centers), [c["region"] for c in centers]
    every = anon.api("GET", "/api/v1/service-centers?region=all").json["items"]
    assert any(c["region"].startswith("51") for c in every)
    studios = anon.api("GET", "/api/v1/studios?per_page=100").json["items"]
    assert all(s["region"].startswith("63") for s in studios if s.get("region")), [s.get("region") for s in studios]
    for path in ("/popsci", "/studios", "/centers"):
        page = anon.get(path).text
        assert 'id="region-default"' in page and 'href="%s?region=all"' % path in page, path
        assert 'id="region-default"' not in anon.get(path + "?region=all").text, path
    # The Atom feed follows the same default (and region=all).
    assert anon.get("/feeds/popsci.atom").status == 200 and anon.get("/feeds/popsci.atom?region=all").status == 200


def test_home_page_centers_for_a_visitor_without_region(server):
    page = Client(server).get("/").text
    assert "青海省的服务中心" in page, re.search(r'id="centers-title">[^<]*', page)
    # A visitor who chose a region keeps theirs.
    c = Client(server)
    assert c.get("/region?code=510100").status in (302, 303)
    assert "成都市的服务中心" in c.get("/").text


def test_search_is_not_narrowed_to_the_home_region(server):
    sc = published(server, "510107", "四川锂电检测全国可搜")
    anon = Client(server)
    j = anon.api("GET", "/api/v1/search?q=" + urllib.parse.quote("四川锂电检测全国可搜")).json
    assert sc in [h["id"] for h in j["items"]] and "region_default" not in j
    page = anon.get("/search?q=" + urllib.parse.quote("四川锂电检测全国可搜")).text
    assert sc in page and 'id="region-default"' not in page
    # Its region filter lists 青海 first, nothing chosen, 全国 as the blank choice.
    top = first_select(page)
    options = re.findall(r'<option value="([^"]*)"', top)
    assert options[:2] == ["", "630000"] and "selected" not in top and '<option value="">全国</option>' in top
