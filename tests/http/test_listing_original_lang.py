"""The language a listing is written in (issue 17 §1, migration 051).

A listing names the BCP-47 tag of its title and summary as written: field
`lang` in the API (one of the instance's offered languages, else 400
problem+json; the instance's default when not given) and a menu in the form
(the offered languages, preset to the author's page language). Its
translations may be in any other offered language but never in its own;
pages mark the original text with its tag.

The server offers zh-CN, en and bo (the Tibetan catalog), default zh-CN."""
import re

from harness import Client, register
from test_market_lifecycle import (utitle, user, listing_body, ok_act, get_listing, field_errors, problem)

SERVER_ARGS = ["--languages", "zh-CN,en,bo", "--page-cache-ms", "0"]

EN = {"Accept-Language": "en"}


def scientist(server):
    c, _ = register(server, role="scientist", name="原文作者")
    return c


def english_body(**over):
    body = dict(listing_body("achievement"), lang="en", title="Lithium from brine " + utitle("en"),
                summary="Adsorbs lithium from salt-lake brine at low cost.")
    body.update(over)
    return body


def test_api_names_the_language_and_keeps_it(server):
    owner = scientist(server)
    # Not named: the instance's default language.
    r = owner.api("POST", "/api/v1/listings", listing_body("achievement"))
    assert r.status == 201 and r.json["lang"] == "zh-CN", r
    # Named: kept, and a translation into the default language is fine.
    r = owner.api("POST", "/api/v1/listings", english_body(
        translations={"zh-CN": {"title": "盐湖卤水提锂吸附剂", "summary": "低成本从盐湖卤水中吸附锂。"}}))
    assert r.status == 201, r
    l = r.json
    assert l["lang"] == "en" and l["translations"]["zh-CN"]["title"] == "盐湖卤水提锂吸附剂", l
    assert get_listing(Client(server), l["id"]).status in (200, 404)   # a draft is its owner's only
    assert get_listing(owner, l["id"]).json["lang"] == "en"
    # A PATCH that does not name it keeps it; one that does changes it.
    r = owner.api("PATCH", "/api/v1/listings/" + l["id"], {"summary": "Adsorbs lithium from brine."})
    assert r.status == 200 and r.json["lang"] == "en", r.json
    r = owner.api("PATCH", "/api/v1/listings/" + l["id"], {"lang": "bo", "translations": {}})
    assert r.status == 200 and r.json["lang"] == "bo", r.json
    # In the browse list of the API too.
    items = owner.api("GET", "/api/v1/my/listings").json["items"]
    assert {i["id"]: i.get("lang") for i in items}.get(l["id"]) == "bo", items


def test_a_tag_not_offered_is_a_400_problem(server):
    owner = scientist(server)
    for bad in ("fr", "EN", "zh", "", 42, ["en"], "x" * 40):
        if bad == "":
            continue   # empty: not named (the default)
        r = owner.api("POST", "/api/v1/listings", english_body(lang=bad))
        j = problem(r, 400)
        assert {e["field"]: e["code"] for e in j["errors"]} == {"lang": "err.listing.lang"}, (bad, j)
    r = owner.api("POST", "/api/v1/listings", english_body(lang="fr"), headers=EN)
    assert r.status == 400 and "does not offer that language" in r.text, r.text
    l = owner.api("POST", "/api/v1/listings", english_body()).json
    problem(owner.api("PATCH", "/api/v1/listings/" + l["id"], {"lang": "de"}), 400)
    assert get_listing(owner, l["id"]).json["lang"] == "en"
    # Nothing stored by the refused ones.
    assert owner.api("GET", "/api/v1/my/listings").json["total"] == 1


def test_a_translation_in_the_originals_own_language_is_refused(server):
    owner = scientist(server)
    r = owner.api("POST", "/api/v1/listings", english_body(translations={"en": {"title": "The same language again"}}))
    assert field_errors(r).get("translations") == "err.listing.translation_original", r.json
    # The default language is a translation like any other for an English original; bo too.
    r = owner.api("POST", "/api/v1/listings", english_body(translations={"bo": {"title": "བོད་ཡིག་གི་ཁ་བྱང་།"}}))
    assert r.status == 201, r
    # Changing the original's language to one a translation is in: refused, the translation named.
    r = owner.api("PATCH", "/api/v1/listings/" + r.json["id"], {"lang": "bo"})
    assert field_errors(r).get("translations") == "err.listing.translation_original", r.json


def test_pages_mark_the_original_with_its_language(server):
    owner = scientist(server)
    admin = user(server, "admin")
    en_title = "Salt-lake lithium adsorbent " + utitle("pg")
    zh_title = "盐湖提锂吸附剂" + utitle("页")
    body = dict(english_body(title=en_title, translations={"zh-CN": {"title": zh_title, "summary": "低成本提锂。"}}), submit=True)
    lid = owner.api("POST", "/api/v1/listings", body).json["id"]
    ok_act(admin, lid, "approve")
    anon = Client(server)
    # An English reader reads the original, marked English (no "original" note: nothing was translated).
    page = anon.get("/listings/" + lid, headers=EN).text
    h1 = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)
    assert h1 and 'lang="en"' in h1.group(0) and en_title in h1.group(1), h1 and h1.group(0)
    assert 'id="original-title"' not in page
    # A Chinese reader reads the Chinese translation, the English original beside it marked English.
    page = anon.get("/listings/" + lid).text
    h1 = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)
    assert h1 and 'lang="zh-CN"' in h1.group(0) and zh_title in h1.group(1), h1 and h1.group(0)
    assert re.search(r'id="original-title">[^<]*<span lang="en">%s</span>' % re.escape(en_title), page), page[:4000]
    # A Tibetan reader (no translation in bo): the original, marked English.
    page = anon.get("/listings/" + lid, headers={"Accept-Language": "bo"}).text
    h1 = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)
    assert h1 and 'lang="en"' in h1.group(0) and en_title in h1.group(1), h1 and h1.group(0)
    # Browse and search lists mark the title of each card likewise.
    for path in ("/achievements?q=" + en_title.split()[-1], "/search?q=" + en_title.split()[-1]):
        html = anon.get(path, headers={"Accept-Language": "bo"}).text
        assert re.search(r'lang="en"[^>]*>\s*(<a[^>]*>)?\s*%s' % re.escape(en_title), html) or \
            re.search(r'<a[^>]*lang="en"[^>]*>%s' % re.escape(en_title), html), (path, html[:3000])


def form(title, **extra):
    f = {"kind": "achievement", "title": title, "summary": "Adsorbs lithium from salt-lake brine.", "domain": "D0101",
         "region": "510107", "trl": "5", "coop_modes": "transfer", "action": "save"}
    f.update(extra)
    return f


def test_the_form_offers_the_languages_preset_to_the_authors(server):
    owner = scientist(server)
    page = owner.get("/listings/new?kind=achievement").text
    sel = re.search(r'<select id="lang" name="lang"[^>]*>(.*?)</select>', page, re.S)
    assert sel, page[:3000]
    assert re.findall(r'<option value="([^"]+)"', sel.group(1)) == ["zh-CN", "en", "bo"], sel.group(1)
    assert re.search(r'<option value="zh-CN" selected>', sel.group(1)), sel.group(1)
    assert 'data-lang="zh-CN"' not in page and 'data-lang="en"' in page
    # Read in English: English preset, and the translation groups are the others (Chinese among them).
    page = owner.get("/listings/new?kind=achievement", headers=EN).text
    assert re.search(r'<option value="en" selected>', page), page[:3000]
    assert 'data-lang="zh-CN"' in page and 'data-lang="en"' not in page
    # Saved in English with a Chinese translation.
    title = "Brine lithium by form " + utitle("f")
    r = owner.post_form("/listings", form(title, lang="en", tr_lang=["zh-CN", "bo"], tr_title=["表单提交的提锂成果", ""],
                                          tr_summary=["", ""]))
    assert r.status == 303, r
    lid = re.search(r"/listings/([0-9A-Z]{26})", r.header("Location")).group(1)
    j = get_listing(owner, lid).json
    assert j["lang"] == "en" and j["translations"] == {"zh-CN": {"title": "表单提交的提锂成果", "summary": ""}}, j
    # The edit form keeps the listing's language whatever the page's.
    edit = owner.get("/listings/%s/edit" % lid).text
    assert re.search(r'<option value="en" selected>', edit) and 'data-lang="en"' not in edit, edit[:3000]
    # A language not offered: the form again, with the message by the menu and what was typed kept.
    r = owner.post_form("/listings", form(title + "x", lang="fr"))
    assert r.status == 422 and "本平台不提供这种语言" in r.text and 'value="%sx"' % title in r.text, r.status
    # A translation in the language chosen for the original (a crafted post): refused with its message.
    r = owner.post_form("/listings", form(title + "y", lang="en", tr_lang=["en"], tr_title=["Same language"], tr_summary=[""]))
    assert r.status == 422 and "原文已经是这种语言" in r.text, r.status
