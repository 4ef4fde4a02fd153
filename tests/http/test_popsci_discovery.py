"""Visitors find the 科普 they need (issue 15 item 7): site search covers
科普 content and questions, visitors see an "ask an expert" button that
leads to sign-in, and the expert directory is public — only experts who
chose it, with what they chose to show."""
import urllib.parse

from harness import Client, register

RICE = urllib.parse.quote("水稻")


def test_search_finds_rice_articles_and_questions(server):
    anon = Client(server)
    page = anon.get("/search?q=" + RICE)
    assert page.status == 200 and 'id="search-popsci"' in page.text, page
    j = anon.api("GET", "/api/v1/search?q=" + RICE).json
    hits = j["popsci"]["items"]
    assert hits and all("水稻" in h["title"] or "水稻" in h.get("summary", "") for h in hits[:1]), hits
    assert any(h["kind"] == "popsci" and "水稻" in h["title"] for h in hits), hits
    for h in hits:
        path = "/popsci/questions/" + h["id"] if h["kind"] == "question" else "/popsci/" + h["id"]
        assert anon.get(path).status == 200, path
    # Nothing about rice for a query about something else.
    other = anon.api("GET", "/api/v1/search?q=" + urllib.parse.quote("石墨烯 导热膜")).json["popsci"]["items"]
    assert not any("水稻" in h["title"] for h in other), other


def test_ask_an_expert_leads_visitors_to_sign_in(server):
    anon = Client(server)
    for path in ("/popsci", "/popsci/questions", "/experts"):
        page = anon.get(path)
        assert page.status == 200 and 'id="ask-expert"' in page.text and 'href="/popsci/questions/new"' in page.text, path
    r = anon.get("/popsci/questions/new")
    assert r.status == 303 and r.header("Location").startswith("/login?next="), r


def test_expert_directory_only_lists_who_chose_it(server):
    anon = Client(server)
    listed = anon.api("GET", "/api/v1/experts").json["items"]
    assert listed, "the demo's experts are listed"
    assert {"id", "name", "title", "org_name", "topics", "regions"} <= set(listed[0]), listed[0]
    assert "email" not in listed[0] and "phone" not in listed[0]
    # A new expert appears only after choosing to, and only with topics.
    c, _me = register(server, name="公开专家测试")
    r = c.api("PUT", "/api/v1/popsci/experts", {"topics": [], "regions": [], "public": True})
    assert r.status == 422 and "public" in str(r.json), r
    r = c.api("PUT", "/api/v1/popsci/experts", {"topics": ["rice"], "regions": ["510000"]})
    assert r.status == 200 and r.json["public"] is False, r
    names = [e["name"] for e in anon.api("GET", "/api/v1/experts").json["items"]]
    assert "公开专家测试" not in names
    r = c.api("PUT", "/api/v1/popsci/experts", {"topics": ["rice"], "regions": ["510000"], "public": True})
    assert r.status == 200 and r.json["public"] is True, r
    rice = anon.api("GET", "/api/v1/experts?topic=rice").json["items"]
    assert "公开专家测试" in [e["name"] for e in rice]
    assert "公开专家测试" in anon.get("/experts").text
    # Withdrawn through the settings form.
    page = c.get("/popsci/experts")
    assert 'id="expert-public"' in page.text and "checked" in page.text.split('id="expert-public"')[1][:40]
    r = c.post_form("/popsci/experts", {"topics": "rice", "regions": "510000"})
    assert r.status == 303, r
    assert "公开专家测试" not in [e["name"] for e in anon.api("GET", "/api/v1/experts").json["items"]]
