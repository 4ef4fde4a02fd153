"""The home page and the page frame for a first visit (issue 15 §2–4, §8):
an anonymous visitor sees the newest achievements and demands, open 揭榜挂帅
lists with their deadlines in words, 科普 picks and live figures, each a
link, for a handful of statements; posting buttons follow the visitor's
role; submitting a listing says it waits for review; list pages fold their
filters into removable chips; the phone tab bar marks the current section;
the site names itself "科技云 (demo)" unless configured (test_site_name.py);
the icons are served."""
import datetime
import html as htmllib
import re
import struct

from harness import Client
from test_challenge import act as challenge_act, entry_body, login as challenge_login, new_list
from test_market_lifecycle import create, publish, user, utitle
from test_server_timing import db_timing


def section(page, ident):
    """The HTML of the element with id ident up to the end of its block."""
    at = page.index('id="%s"' % ident)
    return page[at:page.index("</section>", at)]


def figure(page, name):
    m = re.search(r'id="fig-%s"><strong>(\d+)</strong>' % name, page)
    assert m, "figure %s not on the page" % name
    return int(m.group(1))


def fresh_home(c, **headers):
    """The home page made afresh (not from the response cache)."""
    r = c.get("/", headers=dict({"Cache-Control": "no-cache"}, **headers))
    assert r.status == 200, r
    return r


def test_anonymous_home_shows_the_newest_listings_and_live_figures(server):
    anon = Client(server)
    before = figure(fresh_home(anon).text, "listings")
    sci, org, op = user(server, "scientist"), user(server, "org_member"), user(server, "admin")
    ach = publish(sci, op, title=utitle("首页成果"))
    dem = publish(org, op, "demand", title=utitle("首页需求"))
    page = fresh_home(anon).text
    achievements, demands = section(page, "new-achievements"), section(page, "new-demands")
    assert '<a href="/listings/%s">%s</a>' % (ach["id"], ach["title"]) in achievements, "newest achievement first"
    assert '<a href="/listings/%s">%s</a>' % (dem["id"], dem["title"]) in demands, "newest demand first"
    assert dem["title"] not in achievements and ach["title"] not in demands, "each kind in its own block"
    assert figure(page, "listings") == before + 2, "published listings counted afresh after a write"
    for name, href in (("listings", "/achievements"), ("matches", "/demands"), ("deals", "/deals"), ("readers", "/popsci")):
        assert '<a href="%s" id="fig-%s">' % (href, name) in page, "figure %s is a link" % name
    # 科普 picks: the newest published items, each a link.
    assert re.search(r'id="home-popsci">\s*<li><a href="/popsci/[0-9A-Z]{26}">', page), "科普 picks link to their items"
    # The search box suggests as one types.
    assert 'data-suggest="/api/v1/suggest"' in page and 'action="/search"' in section(page, "home-title")
    # A withdrawn listing leaves the page.
    r = sci.api("POST", "/api/v1/listings/%s/actions" % ach["id"], {"action": "withdraw"})
    assert r.status == 200, r
    assert ach["title"] not in fresh_home(anon).text


def test_open_challenge_lists_with_deadlines_in_words(server):
    lid = new_list(server)
    org = challenge_login(server, "org_member")
    deadline = (datetime.datetime.utcnow() + datetime.timedelta(hours=8, days=10)).date()
    r = org.api("POST", "/api/v1/challenge-lists/%s/challenges" % lid, entry_body(deadline=deadline.isoformat()))
    assert r.status == 201, r
    assert challenge_act(challenge_login(server, "admin"), r.json["id"], "approve").status == 200
    title = htmllib.escape(Client(server).api("GET", "/api/v1/challenge-lists/%s" % lid).json["title"], quote=False)
    page = fresh_home(Client(server)).text
    block = section(page, "open-challenges")
    at = block.index('<a href="/challenge-lists/%s">%s</a>' % (lid, title))
    item = block[at:block.index("</li>", at)]
    assert "%d年%d月%d日截止" % (deadline.year, deadline.month, deadline.day) in item, item
    # The applications close at the end of that day, China time: 10 days and a part.
    assert "还剩 11 天" in item, item
    assert "1 个项目在揭榜" in item, item
    en = fresh_home(Client(server), **{"Accept-Language": "en"}).text
    assert "11 days left" in en and "closes %d %s %d" % (deadline.day, deadline.strftime("%b"), deadline.year) in en


def test_home_page_costs_a_handful_of_statements(server):
    anon = Client(server)
    n, _ = db_timing(fresh_home(anon))
    assert n <= 5, "anonymous home page ran %d statements" % n
    # Again, without asking for a fresh page: from the response cache or made anew, never more.
    n2, _ = db_timing(anon.get("/"))
    assert n2 <= n
    org = user(server, "org_member")
    n, _ = db_timing(fresh_home(org))
    assert n <= 8, "signed-in home page ran %d statements" % n


def test_posting_buttons_follow_the_role(server):
    page = fresh_home(Client(server)).text
    assert 'href="/login?next=%2Flistings%2Fnew%3Fkind%3Ddemand" id="post-demand"' in page, "anonymous: sign in, then the form"
    assert 'href="/login?next=%2Flistings%2Fnew%3Fkind%3Dachievement" id="post-offer"' in page
    sci = fresh_home(user(server, "scientist")).text
    assert 'id="post-demand"' not in sci and 'href="/listings/new?kind=achievement" id="post-offer"' in sci
    org = fresh_home(user(server, "org_member")).text
    assert 'href="/listings/new?kind=demand" id="post-demand"' in org and 'id="post-offer"' in org
    op = fresh_home(user(server, "operator")).text
    assert 'id="post-demand"' not in op and 'id="post-offer"' not in op, "operators review, they do not post"
    # List pages and the dashboard too.
    assert 'href="/listings/new?kind=demand" id="post-listing"' in user(server, "org_member").get("/demands").text
    assert 'id="post-listing"' not in user(server, "scientist").get("/demands").text
    assert 'href="/listings/new?kind=service" id="post-listing"' in user(server, "scientist").get("/services").text
    assert 'id="post-demand"' in user(server, "org_member").get("/dashboard").text


def test_submitting_says_waiting_for_review_and_withdraw_is_secondary(server):
    org = user(server, "org_member")
    form = {"kind": "demand", "title": utitle("待审需求"), "summary": "需要注塑件外观缺陷在线检测。", "domain": "D0401",
            "region": "510100", "coop_modes": "joint_dev", "indicators": "检出率 | ≥ 99 | %", "action": "submit"}
    r = org.post_form("/listings", form)
    assert r.status == 303 and re.match(r"^/listings/[0-9A-Z]{26}\?submitted=1$", r.header("Location")), r
    page = org.get(r.header("Location")).text
    assert "已提交，等待审核" in page and "已保存" not in page
    m = re.search(r'<button type="submit" class="([^"]*)" data-action="withdraw">', page)
    assert m and "btn-ghost" in m.group(1), "withdraw is a secondary button"
    # Saving a draft still says saved; submitting it later says it waits.
    r = org.post_form("/listings", dict(form, title=utitle("草稿需求"), action="save"))
    assert r.status == 303 and r.header("Location").endswith("?saved=1"), r
    lid = r.header("Location").split("/")[2].split("?")[0]
    r = org.post_form("/listings/%s/act" % lid, {"action": "submit"})
    assert r.status == 303 and r.header("Location") == "/listings/%s?submitted=1" % lid, r
    assert "已提交，等待审核" in org.get(r.header("Location")).text


def test_list_filters_fold_into_removable_chips(server):
    page = Client(server).get("/demands?region=510000&trl_min=3&sort=deadline").text
    assert '<details class="filters-box" id="filters">' in page, "folded, even with filters on"
    assert "筛选（2 项）" in page
    chips = re.findall(r'<li><a href="([^"]*)" aria-label="移除筛选：([^"]*)">', page)
    assert chips == [("/demands?trl_min=3&amp;sort=deadline", "地区：四川省"),
                     ("/demands?region=510000&amp;sort=deadline", "技术成熟度不低于 3 级")], chips
    plain = Client(server).get("/demands").text
    assert "filter-chips" not in plain and "筛选（" not in plain
    # One h1, and the count is the h2 above the cards' h3.
    assert plain.count("<h1") == 1 and '<h2 class="count" id="result-count">' in plain
    s = Client(server).get("/search?q=%E6%97%A0%E4%BA%BA%E6%9C%BA&domain=D0101").text
    chips = re.findall(r'<li><a href="([^"]*)" aria-label="移除筛选：([^"]*)">', s)
    assert len(chips) == 1 and chips[0][0] == "/search?q=%E6%97%A0%E4%BA%BA%E6%9C%BA", chips


def test_tab_bar_marks_the_current_section(server):
    c = Client(server)
    for path, tab in (("/", "/"), ("/achievements", "/achievements"), ("/search?q=x", "/achievements"),
                      ("/demands", "/demands"), ("/challenge-lists", "/demands"), ("/popsci", "/popsci"), ("/login", "/dashboard")):
        page = c.get(path).text
        bar = page[page.index('<nav class="tabbar"'):]
        assert re.findall(r'<a href="([^"]*)" aria-current="page">', bar) == [tab], (path, tab)
    bar = c.get("/help/roles").text
    assert 'aria-current' not in bar[bar.index('<nav class="tabbar"'):], "no tab for other pages"


def test_site_name_defaults_to_a_demo_name(server):
    page = fresh_home(Client(server)).text
    assert "<title>科技云 (demo)</title>" in page and '<a class="brand" href="/">科技云 (demo)</a>' in page
    assert "天府科技云" not in page, "the demo does not claim to be the government platform"
    en = Client(server).get("/login", headers={"Accept-Language": "en"}).text
    assert "Kejiyun (demo)</title>" in en


def test_icons_are_served(server):
    c = Client(server)
    page = c.get("/login").text
    assert '<link rel="icon" href="/static/img/icon.svg" type="image/svg+xml">' in page
    assert '<link rel="apple-touch-icon" href="/static/img/apple-touch-icon.png">' in page
    svg = c.get("/static/img/icon.svg")
    assert svg.status == 200 and svg.header("Content-Type").startswith("image/svg+xml") and b"<svg" in svg.body
    png = c.get("/static/img/apple-touch-icon.png")
    assert png.status == 200 and png.header("Content-Type") == "image/png"
    assert png.body[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png.body[16:24]) == (180, 180)


def test_service_centers_for_the_visitors_region(server):
    anon = Client(server)
    page = anon.get("/").text
    block = section(page, "centers-title")
    assert "各省服务中心" in block, "no region known: the province centers"
    provinces = re.findall(r'<li><a href="/centers/([0-9A-Z]{26})">([^<]+)</a>', block)
    assert len(provinces) >= 2 and all("省" in name for _, name in provinces), provinces
    # A visitor picks 旌阳区 (德阳市): the lowest center covering it, remembered in a cookie.
    r = anon.get("/region?code=510603&next=/")
    assert r.status == 303 and r.header("Location") == "/" and anon.cookies.get("kj_region") == "510603", r
    block = section(anon.get("/").text, "centers-title")
    assert "旌阳区的服务中心" in block, block
    chosen = re.findall(r'<li><a href="/centers/([0-9A-Z]{26})">([^<]+)</a>', block)
    assert len(chosen) == 1 and "旌阳" in chosen[0][1], chosen
    assert "电话：" in block
    # Another visitor (no cookie) still gets the province centers, not this page from the cache.
    assert "各省服务中心" in section(Client(server).get("/").text, "centers-title")
    # A region without a center of its own: the nearest one above it (成都市 for 武侯区).
    other = Client(server)
    other.get("/region?code=510107")
    block = section(other.get("/").text, "centers-title")
    assert "武侯区的服务中心" in block and "成都" in block, block
    # Unknown codes are refused; a forged cookie is ignored.
    assert anon.get("/region?code=999999").status == 400
    forged = Client(server)
    forged.cookies["kj_region"] = "<script>"
    assert "各省服务中心" in section(forged.get("/").text, "centers-title")
    # Signed in: the profile's region decides (the org member's company is in 成都).
    org = user(server, "org_member")
    region = org.api("GET", "/api/v1/me").json.get("region")
    if region:
        assert "的服务中心" in section(fresh_home(org).text, "centers-title")
    # Forgetting the choice.
    r = anon.get("/region?code=&next=/")
    assert r.status == 303 and not anon.cookies.get("kj_region")
