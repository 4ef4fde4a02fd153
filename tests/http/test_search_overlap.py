"""Overlapping terms of the bilingual list, and saying what English was
searched (issue 15, query side).

表面缺陷检测 holds two terms of data/text/terms-en-zh.tsv that overlap:
表面缺陷 (surface defect) and 缺陷检测 (defect detection, defect
inspection). The query searches the English forms of each, not only of the
longest at each place; each form keeps its weight (tied to the Chinese words
of its own term) and the caps stay. The search page says which English forms
were searched, in Chinese and English; the API lists them in `terms` and,
per Chinese term, in `english`."""
import re
import time
import urllib.parse

from harness import Client
from test_search import offer, publish, search

TAG = "V" + str(int(time.time() * 1000) % 1000000)

SURFACE = offer("Surface defect grading of cold-rolled steel coils %s" % TAG,
                "Grades surface defect severity on cold-rolled coils from line images.",
                ["surface defect", "cold-rolled steel"], domain="D0201", region="510107")
DETECTION = offer("Weld defect detection by phased-array ultrasound %s" % TAG,
                  "Automated defect detection in pipeline girth welds with phased-array probes.",
                  ["defect detection", "ultrasound"], domain="D0201", region="510107")
CHINESE = offer("冷轧钢卷表面缺陷检测系统%s" % TAG, "线阵相机拍摄钢卷表面，自动检测划伤、辊印等表面缺陷",
                ["表面缺陷", "缺陷检测"], domain="D0201", region="510107")


def listings(server):
    if not hasattr(listings, "ids"):
        admin = Client(server)
        admin.login_as("admin")
        listings.ids = tuple(publish(server, "scientist", body, admin) for body in (SURFACE, DETECTION, CHINESE))
    return listings.ids


def ids_of(r):
    return [h["id"] for h in r["items"]]


def test_overlapping_terms_search_the_english_forms_of_each(server):
    surface, detection, zh = listings(server)
    r = search(server, "表面缺陷检测", per_page="100")
    # both terms' forms are searched (before: 表面缺陷's only, the longest at its place)
    assert "surface defect" in r["terms"] and "defect detection" in r["terms"], r["terms"]
    assert [e["for"] for e in r["english"]] == ["表面缺陷", "缺陷检测"], r["english"]
    assert r["english"][0]["forms"] == ["surface defect"] and "defect detection" in r["english"][1]["forms"], r["english"]
    ids = ids_of(r)
    assert surface in ids and detection in ids, [h["title"] for h in r["items"]]
    # the Chinese listing holding the query's own words ranks above both English ones
    assert zh in ids and ids.index(zh) < ids.index(surface) and ids.index(zh) < ids.index(detection), [h["title"] for h in r["items"]]
    # no flood: the three Chinese words, at most four forms per Chinese term
    chinese = [t for t in r["terms"] if re.match(r"[\u4e00-\u9fff]", t)]
    assert chinese == ["表面", "缺陷", "检测"], r["terms"]
    assert len(r["terms"]) - len(chinese) <= 4 * len(r["english"]), r["terms"]
    # a query with the English words of only one term finds only that one
    r = search(server, "表面缺陷", per_page="100")
    assert surface in ids_of(r) and detection not in ids_of(r), [h["title"] for h in r["items"]]
    assert [e["for"] for e in r["english"]] == ["表面缺陷"], r["english"]


def test_nested_term_forms_are_searched_too(server):
    surface, detection, zh = listings(server)
    # 缺陷检测 inside a longer text of the list's terms: each once, in query order
    r = search(server, "钢卷表面缺陷检测", per_page="100")
    assert detection in ids_of(r) and surface in ids_of(r), [h["title"] for h in r["items"]]
    forms = [f for e in r["english"] for f in e["forms"]]
    assert len(forms) == len(set(forms)), forms


def test_the_page_says_which_english_forms_were_searched(server):
    listings(server)
    url = "/search?" + urllib.parse.urlencode({"q": "表面缺陷检测"})
    html = Client(server).get(url).text
    m = re.search(r'<p class="alert search-english" id="search-english" role="status">(.*?)</p>', html, re.S)
    assert m, html[:4000]
    line = m.group(1)
    assert line.startswith("同时按英文说法搜索："), line
    assert '<span lang="zh-CN">表面缺陷</span> → <q lang="en">surface defect</q>' in line, line
    assert re.search(r'<span lang="zh-CN">缺陷检测</span> → <q lang="en">defect detection</q>', line), line
    assert "；" in line, line
    en = Client(server).get(url, headers={"Accept-Language": "en"}).text
    m = re.search(r'id="search-english" role="status">(.*?)</p>', en, re.S)
    assert m and m.group(1).startswith("Also searched in English:") and "; " in m.group(1), m and m.group(1)
    # a query without a list term says nothing about English
    html = Client(server).get("/search?" + urllib.parse.urlencode({"q": "钢卷 " + TAG})).text
    assert 'id="search-english"' not in html
