"""Listing content in several languages (issue 17 §1): a listing's title and
summary may be given in the instance's other offered languages, through the
form and the API (translations: {tag: {title, summary}}); readers see their
language's text where there is one (with lang attributes on the element)
and the original otherwise, on the listing page, in browse lists, search
results and home cards; search finds a listing by its translation; an
alert e-mail carries the English title; and a change to a published
listing's translation waits for review like a change to its text.

The server offers zh-CN, en and bo (the Tibetan catalog), original zh-CN."""
import html as htmllib
import re
import urllib.parse

from harness import Client, register, mail_queue
from test_market_lifecycle import (RUN, utitle, user, listing_body, ok_act, get_listing, field_errors, _history)

SERVER_ARGS = ["--languages", "zh-CN,en,bo", "--page-cache-ms", "0"]

EN = {"Accept-Language": "en"}
BO = {"Accept-Language": "bo"}


def word(prefix):
    """An English word no other listing holds (search finds exactly ours)."""
    return "%s%s" % (prefix, RUN)


def scientist(server):
    c, _ = register(server, role="scientist", name="译者")
    return c


def published(server, owner, translations, **over):
    body = dict(listing_body("achievement", **over), submit=True)
    if translations is not None:
        body["translations"] = translations
    r = owner.api("POST", "/api/v1/listings", body)
    assert r.status == 201, r
    return ok_act(user(server, "admin"), r.json["id"], "approve")


def test_api_takes_and_returns_translations_and_pages_show_the_readers_language(server):
    owner = scientist(server)
    en_title = "Drone vision for power lines " + word("Zorb")
    l = published(server, owner, {"en": {"title": en_title, "summary": "Finds faults on power lines from the air."}})
    lid, zh_title = l["id"], l["title"]
    assert l["translations"] == {"en": {"title": en_title, "summary": "Finds faults on power lines from the air."}}, l
    # Anyone reading the API gets the original and every translation.
    anon = Client(server)
    j = get_listing(anon, lid).json
    assert j["title"] == zh_title and j["translations"]["en"]["title"] == en_title
    # The page in English: the translation, marked as English, the original beside it marked as Chinese.
    page = anon.get("/listings/" + lid, headers=EN).text
    h1 = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)
    assert h1 and 'lang="en"' in h1.group(0) and htmllib.escape(en_title) in h1.group(1), h1 and h1.group(0)
    assert re.search(r'<p class="lead" lang="en">Finds faults on power lines from the air.</p>', page), page[:3000]
    assert re.search(r'id="original-title">[^<]*<span lang="zh-CN">%s</span>' % re.escape(zh_title), page)
    # In Chinese: the original, marked as Chinese; no translation shown.
    zh = anon.get("/listings/" + lid).text
    h1 = re.search(r"<h1[^>]*>(.*?)</h1>", zh, re.S)
    assert 'lang="zh-CN"' in h1.group(0) and zh_title in h1.group(1) and en_title not in zh
    # In Tibetan, which has no translation here: the original, marked as Chinese (fallback).
    bo = anon.get("/listings/" + lid, headers=BO).text
    h1 = re.search(r"<h1[^>]*>(.*?)</h1>", bo, re.S)
    assert 'lang="zh-CN"' in h1.group(0) and zh_title in h1.group(1), h1.group(0)
    assert 'id="original-title"' not in bo
    # Browse cards follow the reader too.
    lst = anon.get("/achievements?q=" + urllib.parse.quote(zh_title), headers=EN).text
    card = re.search(r'<h3 lang="([^"]+)"><a href="/listings/%s">(.*?)</a>' % lid, lst)
    assert card and card.group(1) == "en" and card.group(2) == htmllib.escape(en_title), lst[:2000]
    lst = anon.get("/achievements?q=" + urllib.parse.quote(zh_title)).text
    card = re.search(r'<h3 lang="([^"]+)"><a href="/listings/%s">(.*?)</a>' % lid, lst)
    assert card and card.group(1) == "zh-CN" and card.group(2) == zh_title
    # Home cards (the newest achievements) likewise.
    home = anon.get("/", headers=EN).text
    card = re.search(r'<h3 lang="([^"]+)"><a href="/listings/%s">(.*?)</a>' % lid, home)
    assert card and card.group(1) == "en" and card.group(2) == htmllib.escape(en_title), "not on the English home page"
    # Browse API items carry the translations.
    items = anon.api("GET", "/api/v1/listings?q=" + urllib.parse.quote(zh_title)).json["items"]
    assert [x["translations"] for x in items if x["id"] == lid] == [{"en": {"title": en_title,
                                                                           "summary": "Finds faults on power lines from the air."}}]


def test_search_finds_a_listing_by_its_translation(server):
    owner = scientist(server)
    w = word("Quixel")
    l = published(server, owner, {"en": {"title": "Saline lake lithium " + w, "summary": "Extraction of lithium from brine."}},
                  summary="盐湖卤水提锂的吸附工艺。")
    anon = Client(server)
    r = anon.api("GET", "/api/v1/search?q=" + w)
    assert r.status == 200, r
    hits = [h for h in r.json["items"] if h["id"] == l["id"]]
    assert hits and hits[0]["translations"]["en"]["title"].endswith(w), r.json
    # The English results page shows the English title, marked as English.
    page = anon.get("/search?q=" + w, headers=EN).text
    assert re.search(r'<h3 lang="en"><a href="/listings/%s">Saline lake lithium %s</a>' % (l["id"], w), page), page[:3000]
    # The original still finds it, and a word of no listing finds nothing.
    assert l["id"] in [h["id"] for h in anon.api("GET", "/api/v1/search?q=" + urllib.parse.quote(l["title"])).json["items"]]
    assert anon.api("GET", "/api/v1/search?q=" + word("Nothere")).json["total"] == 0


def test_bad_translations_are_refused_with_the_field(server):
    owner = scientist(server)
    cases = [
        ({"fr": {"title": "Un titre", "summary": ""}}, "translations", "err.listing.translation_lang"),
        ({"zh-CN": {"title": "中文标题重复", "summary": ""}}, "translations", "err.listing.translation_original"),
        ({"en": {"title": "abc", "summary": ""}}, "translations.en.title", "err.field.too_short"),
        ({"en": {"title": "x" * 101, "summary": ""}}, "translations.en.title", "err.field.too_long"),
        ({"en": {"title": "", "summary": "Only a summary"}}, "translations.en.title", "err.field.required"),
        ({"en": {"title": "A good title", "summary": "y" * 301}}, "translations.en.summary", "err.field.too_long"),
        ({"en": {"title": "Bad\u0007title", "summary": ""}}, "translations.en.title", "err.field.control"),
        ({"en": "Just a string"}, "translations", "err.listing.translation_shape"),
        ("en: title", "translations", "err.listing.translation_shape"),
        ([{"lang": "en", "title": "First title"}, {"lang": "en", "title": "Second title"}], "translations",
         "err.listing.translation_dup"),
        ({"en": {"title": 42}}, "translations", "err.listing.translation_shape"),
    ]
    for tr, field, code in cases:
        r = owner.api("POST", "/api/v1/listings", dict(listing_body("achievement"), translations=tr))
        errs = field_errors(r)
        assert errs.get(field) == code, (tr, errs)
    # English problem text for an English client.
    r = owner.api("POST", "/api/v1/listings", dict(listing_body("achievement"), translations={"fr": {"title": "Un titre"}}),
                  headers=EN)
    assert r.status == 422 and "not one this platform offers" in r.text, r.text
    # Nothing was stored by any of them.
    assert owner.api("GET", "/api/v1/my/listings").json["total"] == 0
    # The array shape and a null entry are fine; an empty group is none.
    r = owner.api("POST", "/api/v1/listings", dict(listing_body("achievement"), translations=[
        {"lang": "en", "title": "  Trimmed English title  ", "summary": ""}, {"lang": "bo", "title": "", "summary": ""}]))
    assert r.status == 201, r
    assert r.json["translations"] == {"en": {"title": "Trimmed English title", "summary": ""}}, r.json
    r = owner.api("PATCH", "/api/v1/listings/" + r.json["id"], {"translations": {"en": None}})
    assert r.status == 200 and r.json["translations"] == {}, r.json


def test_a_changed_translation_of_a_published_listing_waits_for_review(server):
    owner = scientist(server)
    admin = user(server, "admin")
    anon = Client(server)
    l = published(server, owner, {"en": {"title": "The first English title", "summary": "First."}})
    lid = l["id"]
    r = owner.api("PATCH", "/api/v1/listings/" + lid, {"translations": {"en": {"title": "The second English title",
                                                                              "summary": "Second."}}})
    assert r.status == 200 and r.json["pending_revision"], r.json
    # Still the approved translation for everyone until a reviewer approves.
    assert get_listing(anon, lid).json["translations"]["en"]["title"] == "The first English title"
    page = anon.get("/listings/" + lid, headers=EN).text
    assert "The first English title" in page and "The second English title" not in page
    # The reviewer reads the pending translation in the history.
    hist = admin.get("/listings/%s/history" % lid).text
    assert 'lang="en" class="revision-translation">The second English title' in hist, hist
    assert _history(owner, lid)["revisions"][-1]["data"]["translations"]["en"]["title"] == "The second English title"
    # The edit form continues from the pending translation.
    assert 'value="The second English title"' in owner.get("/listings/%s/edit" % lid).text
    # Approved: live. Rejected edits keep the old one (the same rule as the text).
    ok_act(admin, lid, "approve_edit")
    assert get_listing(anon, lid).json["translations"]["en"]["title"] == "The second English title"
    assert "The second English title" in anon.get("/listings/" + lid, headers=EN).text
    r = owner.api("PATCH", "/api/v1/listings/" + lid, {"translations": {}})
    assert r.status == 200
    ok_act(admin, lid, "reject_edit", "译文应保留")
    assert get_listing(anon, lid).json["translations"]["en"]["title"] == "The second English title"
    # A submitted listing's reviewer reads every translation on its page (what approving publishes); the public does not get the list.
    body = dict(listing_body("achievement"), submit=True, translations={"en": {"title": "Submitted English title", "summary": ""}})
    sub = owner.api("POST", "/api/v1/listings", body).json
    page = admin.get("/listings/" + sub["id"]).text
    assert re.search(r'id="listing-translations".*<span lang="en" class="translation-title">Submitted English title</span>', page, re.S)
    assert 'id="listing-translations"' in owner.get("/listings/" + sub["id"]).text
    assert 'id="listing-translations"' not in anon.get("/listings/" + lid).text
    # A draft's translation changes in place, no review.
    d = owner.api("POST", "/api/v1/listings", dict(listing_body("achievement"), translations={"en": {"title": "Draft title"}})).json
    r = owner.api("PATCH", "/api/v1/listings/" + d["id"], {"translations": {"en": {"title": "Draft title two"}}})
    assert r.status == 200 and r.json["translations"]["en"]["title"] == "Draft title two" and not r.json.get("pending_revision")


def form_fields(title, **extra):
    f = {"kind": "demand", "title": title, "summary": "需要一套长航时无人机电源方案。", "domain": "D0401", "region": "510100",
         "coop_modes": "joint_dev", "indicators": "续航 | ≥ 60 | 分钟", "action": "save"}
    f.update(extra)
    return f


def test_the_form_asks_each_other_language_and_keeps_what_was_typed(server):
    owner = scientist(server)
    page = owner.get("/listings/new?kind=achievement").text
    # One optional group per offered language but the original's, each input marked with its language.
    assert re.search(r'<details class="translation" data-lang="en"', page) and re.search(r'data-lang="bo"', page)
    assert 'data-lang="zh-CN"' not in page
    assert re.search(r'<input id="tr-title-en" name="tr_title" lang="en"', page)
    assert re.search(r'<textarea id="tr-summary-bo" name="tr_summary" lang="bo"', page)
    # A bad translation: refused, everything typed kept, the error next to its field.
    title = utitle("表单成果")
    base = {"kind": "achievement", "title": title, "summary": "面向输电线路巡检的无人机视觉识别成果。", "domain": "D0101",
            "region": "510107", "trl": "5", "coop_modes": "transfer", "action": "save",
            "tr_lang": ["en", "bo"], "tr_title": ["Abc", ""], "tr_summary": ["Kept summary", ""]}
    r = owner.post_form("/listings", base)
    assert r.status == 422, r
    assert 'value="Abc"' in r.text and ">Kept summary</textarea>" in r.text
    seg = r.text[r.text.find('id="tr-title-en"'):]
    assert seg.find("field-error") >= 0 and seg.find("field-error") < seg.find('id="tr-summary-en"'), seg[:600]
    assert re.search(r'<details class="translation" data-lang="en" open', r.text)
    # Right: saved with the translation; the edit form shows it.
    base["tr_title"] = ["Drone vision by form", ""]
    r = owner.post_form("/listings", base)
    assert r.status == 303, r
    lid = re.search(r"/listings/([0-9A-Z]{26})", r.header("Location")).group(1)
    j = get_listing(owner, lid).json
    assert j["translations"] == {"en": {"title": "Drone vision by form", "summary": "Kept summary"}}, j
    edit = owner.get("/listings/%s/edit" % lid).text
    assert 'value="Drone vision by form"' in edit and re.search(r'data-lang="en" open', edit)
    # Editing through the form replaces them; emptying a group removes that language.
    base.update({"tr_title": ["", "བོད་ཡིག་གི་ཁ་བྱང་།"], "tr_summary": ["", ""]})
    r = owner.post_form("/listings/%s/edit" % lid, base)
    assert r.status == 303, r
    assert get_listing(owner, lid).json["translations"] == {"bo": {"title": "བོད་ཡིག་གི་ཁ་བྱང་།", "summary": ""}}
    # The same language twice in one form (a crafted post) is refused, not stored twice.
    base.update({"tr_lang": ["en", "en"], "tr_title": ["One English", "Two English"], "tr_summary": ["", ""]})
    r = owner.post_form("/listings/%s/edit" % lid, base)
    assert r.status == 422 and "同一种语言只能有一份译文" in r.text, r.status


def test_an_alert_for_an_english_search_mails_the_english_title(server):
    w = word("Brinex")
    reader, me = register(server, role="scientist", name="订阅者")
    r = reader.api("POST", "/api/v1/subscriptions", {"type": "search", "q": w})
    assert r.status == 201, r
    owner = scientist(server)
    l = published(server, owner, {"en": {"title": "Brine lithium adsorbent " + w, "summary": ""}})
    mails = [m for m in mail_queue(server, "user_id = ? AND category = 'alert'", me["id"])]
    assert mails, "no alert e-mail"
    body = mails[-1]["body"]
    assert "有新的发布符合你的订阅：" + l["title"] in body, body
    assert "New listing for your alert: Brine lithium adsorbent " + w in body, body


def test_no_home_region_no_default(server):
    """The default server (no home region): lists are not narrowed, pickers open empty (issue 17 §1)."""
    anon = Client(server)
    j = anon.api("GET", "/api/v1/listings").json
    assert "region_default" not in j
    page = anon.get("/achievements").text
    assert 'id="region-default"' not in page
    owner = scientist(server)
    form = owner.get("/listings/new?kind=achievement").text
    top = re.search(r'<select id="region" name="region__1"[^>]*>(.*?)</select>', form, re.S).group(1)
    assert "selected" not in top and 'id="region__2"' not in form
    assert "region_default" not in anon.api("GET", "/api/v1/service-centers").json
