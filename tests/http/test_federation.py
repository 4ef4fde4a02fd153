"""Federation between two instances on loopback (issue 17 §2).

The module's own server is 四川 (A); a second server, 青海 (B), is started
here with its own data directory. Both harvest their peers every 0.5 s
(--fed-sync-ms), so that what takes at most a minute in production takes
seconds here. The tests run in order: peering, a listing of A found in
B's search with its origin, an EOI from B's enterprise reaching A's owner
and the acceptance coming back, the withdrawal propagating; then refusals
seen from a fake peer (this module, with its own Ed25519 key): unsigned,
unknown key, wrong key, tampered request, replayed and stale requests,
and a feed serving a tampered item and an item claiming another origin.
"""
import atexit
import base64
import hashlib
import http.server
import json
import os
import re
import threading
import time
import urllib.parse

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives import serialization

from harness import Client, Server, cli, db_exec, db_rows
from test_market_lifecycle import ok_act, publish, user
from test_popsci import create as popsci_create, publish as popsci_publish
from test_challenge import act, published_entry
from test_server_timing import db_timing

KINDS = ["listing", "studio", "popsci", "challenge"]

# A is the 四川 demo profile, B the 青海 one (kejiyun demo --profile, issue 17 §1).
SERVER_ARGS = ["--profile", "sichuan", "--fed-sync-ms", "500", "--site-name", "四川科技云", "--site-name-en", "Sichuan Kejiyun"]
B_ARGS = ["--profile", "qinghai", "--fed-sync-ms", "500", "--site-name", "青海科创云", "--site-name-en", "Qinghai Kechuangyun"]
RUN = "%x" % ((int(time.time() * 1000) ^ os.getpid()) & 0xffffff)

state = {}


def other(server):
    """B, started once for the module (and stopped at exit)."""
    if "b" not in state:
        state["b"] = Server(B_ARGS, fresh_demo=True)   # an instance id of its own (harness.pg_demo_copy)
        atexit.register(state["b"].cleanup)
    return state["b"]


def wait_for(what, fn, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.25)
    raise AssertionError("timed out waiting for " + what)


def public_key_bytes(b64):
    return base64.b64decode(b64)


def canonical(obj):
    o = {k: v for k, v in obj.items() if k != "signature"}
    return ("kejiyun-item-v1\n" + json.dumps(o, sort_keys=True, separators=(",", ":"), ensure_ascii=False)).encode()


def verify_signed(obj, pk_b64):
    Ed25519PublicKey.from_public_bytes(public_key_bytes(pk_b64)).verify(base64.b64decode(obj["signature"]), canonical(obj))


def sign_obj(obj, key):
    obj = dict(obj)
    obj.pop("signature", None)
    obj["signature"] = base64.b64encode(key.sign(canonical(obj))).decode()
    return obj


def pk_of(key):
    return base64.b64encode(key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()


def signed_headers(key, keyid, method, uri, body=None, created=None, expires=None, nonce=None):
    """RFC 9421 headers as a peer sends them."""
    created = int(time.time()) if created is None else created
    expires = created + 60 if expires is None else expires
    nonce = nonce or base64.urlsafe_b64encode(os.urandom(12)).decode().rstrip("=")
    comps = '"@method" "@target-uri"'
    lines = ['"@method": %s' % method, '"@target-uri": %s' % uri]
    h = {}
    if body:
        digest = "sha-256=:%s:" % base64.b64encode(hashlib.sha256(body).digest()).decode()
        h["Content-Digest"] = digest
        comps += ' "content-digest"'
        lines.append('"content-digest": %s' % digest)
    params = '(%s);created=%d;expires=%d;nonce="%s";keyid="%s";alg="ed25519"' % (comps, created, expires, nonce, keyid)
    lines.append('"@signature-params": %s' % params)
    sig = base64.b64encode(key.sign("\n".join(lines).encode())).decode()
    h["Signature-Input"] = "kj=" + params
    h["Signature"] = "kj=:%s:" % sig
    return h


def admin_of(server):
    return user(server, "admin")


def peer_row(admin, key):
    r = admin.api("GET", "/api/v1/federation/peers")
    assert r.status == 200, r
    return next((p for p in r.json["items"] if p["public_key"] == key), None)


def test_instance_documents_are_signed(server):
    b = other(server)
    for s, name in ((server, "四川科技云"), (b, "青海科创云")):
        doc = Client(s).api("GET", "/api/v1/federation/instance").json
        assert doc["name"]["zh-CN"] == name and doc["algorithm"] == "ed25519", doc
        assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{26}", doc["instance_id"]), doc
        assert len(base64.b64decode(doc["public_key"])) == 32 and doc["shares"] == KINDS, doc
        verify_signed(doc, doc["public_key"])
        state.setdefault("docs", {})[s.port] = doc
    # The key pair is kept in the data directory, readable by the server's user only.
    mode = os.stat(os.path.join(server.dir, "federation.key")).st_mode & 0o777
    assert mode == 0o600, oct(mode)


def test_peering_needs_both_operators(server):
    b = other(server)
    da, db_ = state["docs"][server.port], state["docs"][b.port]
    a_admin, b_admin = admin_of(server), admin_of(b)
    # A adds B first: pending (B refuses A's harvest until B adds A).
    r = a_admin.api("POST", "/api/v1/federation/peers", {"url": "http://%s" % b.base, "public_key": db_["public_key"],
                                                          "reason": "川青互联"})
    assert r.status == 201 and r.json["state"] == "pending", r
    assert a_admin.api("POST", "/api/v1/federation/peers", {"url": "http://%s" % b.base, "public_key": db_["public_key"]}).status == 409
    assert a_admin.api("POST", "/api/v1/federation/peers", {"url": "http://x", "public_key": da["public_key"]}).status == 409
    bad = a_admin.api("POST", "/api/v1/federation/peers", {"url": "ftp://x", "public_key": "abc"})
    assert bad.status == 422, bad
    time.sleep(1.5)
    p = peer_row(a_admin, db_["public_key"])
    assert p["state"] == "pending" and p["instance_id"] == db_["instance_id"], p
    assert "403" in (p["last_error"] or ""), p
    # B adds A (by the command line's twin, the admin page): both become active.
    r = b_admin.post_form("/admin/federation/peers", {"url": "http://%s" % server.base, "public_key": da["public_key"]})
    assert r.status == 303, r
    wait_for("A to see B active", lambda: peer_row(a_admin, db_["public_key"])["state"] == "active", 30)
    wait_for("B to see A active", lambda: peer_row(b_admin, da["public_key"])["state"] == "active", 30)
    page = b_admin.get("/admin/federation").text
    assert "四川科技云" in page and "已互联" in page, page[:2000]
    audit = a_admin.api("GET", "/api/v1/admin/audit-log?action=fed.").json["items"]
    assert any(e["action"] == "fed.peer.add" and e["reason"] == "川青互联" for e in audit), audit


def test_listing_reaches_peer_search_with_origin(server):
    b = other(server)
    da = state["docs"][server.port]
    owner, a_admin = user(server, "scientist"), admin_of(server)
    title = "跨省共享高原光伏运维成果%s" % RUN
    started = time.time()
    listing = publish(owner, a_admin, title=title, keywords=["光伏", "运维" + RUN])
    state["listing"] = listing
    anon_b = Client(b)

    def found():
        r = anon_b.api("GET", "/api/v1/search?" + urllib.parse.urlencode({"q": title, "origin": "remote"}))
        assert r.status == 200, r
        return next((h for h in r.json["items"] if h["id"] == listing["id"]), None)
    hit = wait_for("the listing in B's search", found, 60)
    print("  listing reached the peer's search in %.1f s" % (time.time() - started))
    assert hit["origin"]["instance_id"] == da["instance_id"] and hit["origin"]["name"] == "四川科技云", hit
    assert hit["origin"]["url"] == "http://%s" % server.base and hit["origin"]["local"] is False, hit
    # Private fields never cross.
    got = anon_b.api("GET", "/api/v1/listings/" + listing["id"]).json
    assert got["title"] == title and got["origin"]["local"] is False and got["is_remote"] is True, got
    assert "contact_email" not in got and "contact_phone" not in got, got
    # The origin filter, on search and on browse lists.
    assert not [h for h in anon_b.api("GET", "/api/v1/search?" + urllib.parse.urlencode({"q": title, "origin": "local"})).json["items"]
                if h["id"] == listing["id"]]
    ids = lambda q: [x["id"] for x in anon_b.api("GET", "/api/v1/listings?" + urllib.parse.urlencode(q)).json["items"]]
    assert listing["id"] in ids({"kind": "achievement", "origin": da["instance_id"], "per_page": 100})
    assert listing["id"] not in ids({"kind": "achievement", "origin": "local", "per_page": 100})
    bad = anon_b.api("GET", "/api/v1/listings?origin=nowhere")
    assert bad.status == 422, bad
    # Labelled on the pages.
    html = anon_b.get("/listings/" + listing["id"]).text
    assert "来自 四川科技云" in html and 'id="listing-origin"' in html, html[:3000]
    html = anon_b.get("/search?" + urllib.parse.urlencode({"q": title})).text
    assert "来自 四川科技云" in html
    # A's own copy is not labelled remote.
    assert Client(server).api("GET", "/api/v1/listings/" + listing["id"]).json["origin"]["local"] is True


def test_translations_travel_with_the_listing(server):
    """A listing's English title and summary (issue 17 §1) reach the peer, which shows them to its English readers
    and finds the listing by them."""
    b = other(server)
    owner, a_admin = user(server, "scientist"), admin_of(server)
    word = "Lithoquartz%s" % RUN
    listing = publish(owner, a_admin, title="跨省双语成果%s" % RUN,
                      translations={"en": {"title": "Bilingual shared achievement " + word, "summary": "Shared in English."}})
    anon_b = Client(b)

    def found():
        r = anon_b.api("GET", "/api/v1/search?" + urllib.parse.urlencode({"q": word}))
        return next((h for h in r.json["items"] if h["id"] == listing["id"]), None)
    hit = wait_for("the English title in B's search", found, 60)
    assert hit["translations"]["en"]["title"] == "Bilingual shared achievement " + word, hit
    page = anon_b.get("/listings/" + listing["id"], headers={"Accept-Language": "en"}).text
    assert re.search(r'<h1 lang="en">Bilingual shared achievement %s</h1>' % word, page), page[:3000]


def test_original_language_travels_with_the_listing(server):
    """The language a listing is written in (issue 17 §1, `lang`) reaches the peer: its copy keeps it, its pages mark
    the original with it, and a reader there gets the translation into their language."""
    b = other(server)
    owner, a_admin = user(server, "scientist"), admin_of(server)
    word = "Brineolith%s" % RUN
    listing = publish(owner, a_admin, title="Salt-lake lithium sorbent " + word, lang="en",
                      summary="Takes lithium out of salt-lake brine.",
                      translations={"zh-CN": {"title": "盐湖提锂吸附剂%s" % RUN, "summary": "从盐湖卤水中提锂。"}})
    assert listing["lang"] == "en", listing
    anon_b = Client(b)

    def found():
        r = anon_b.api("GET", "/api/v1/listings/" + listing["id"])
        return r.json if r.status == 200 else None
    got = wait_for("the English listing on B", found, 60)
    assert got["lang"] == "en" and got["translations"]["zh-CN"]["title"] == "盐湖提锂吸附剂%s" % RUN, got
    # B's Chinese reader: the translation, the English original beside it marked English.
    page = anon_b.get("/listings/" + listing["id"]).text
    assert re.search(r'<h1 lang="zh-CN">盐湖提锂吸附剂%s</h1>' % RUN, page), page[:3000]
    assert re.search(r'id="original-title">[^<]*<span lang="en">Salt-lake lithium sorbent %s</span>' % word, page), page[:4000]
    # B's English reader: the original, marked English.
    page = anon_b.get("/listings/" + listing["id"], headers={"Accept-Language": "en"}).text
    assert re.search(r'<h1 lang="en">Salt-lake lithium sorbent %s</h1>' % word, page), page[:3000]


def test_eoi_round_trip(server):
    b = other(server)
    listing = state["listing"]
    asker = user(b, "org_member2")          # 王芳, an institute of 青海 on B
    r = asker.api("POST", "/api/v1/listings/%s/interest" % listing["id"], {"message": "我们在青海有高原光伏电站，希望合作运维。"})
    assert r.status == 201, r
    eid = r.json["id"]
    owner = user(server, "scientist")       # 张伟 owns it on A

    def received():
        items = owner.api("GET", "/api/v1/eois").json["received"]
        return next((e for e in items if e["id"] == eid), None)
    e = wait_for("the EOI at the listing's origin", received, 30)
    assert "王芳" in e["sender_name"] and e["message"].startswith("我们在青海"), e
    notes = owner.api("GET", "/api/v1/notifications").json
    notes = notes["items"] if isinstance(notes, dict) else notes
    assert any(n["kind"] == "eoi_received" and n["subject"] == listing["title"] for n in notes), notes
    # Before acceptance the owner sees no contact of the asker.
    one = owner.api("GET", "/api/v1/eois/" + eid).json
    assert "email" not in (one.get("counterpart") or {}), one
    r = owner.api("POST", "/api/v1/eois/%s/decision" % eid, {"decision": "accept"})
    assert r.status == 200, r

    def accepted():
        x = asker.api("GET", "/api/v1/eois/" + eid)
        return x.json if x.status == 200 and x.json["status"] == "accepted" else None
    got = wait_for("the acceptance back at the asker's instance", accepted, 30)
    assert got["remote"]["reveal"]["owner_name"] == "张伟", got
    notes = asker.api("GET", "/api/v1/notifications").json
    notes = notes["items"] if isinstance(notes, dict) else notes
    assert any(n["kind"] == "eoi_accepted" for n in notes), notes
    html = asker.get("/eois/" + eid).text
    assert "张伟" in html and "四川科技云" in html, html[:3000]


def test_flows_between_instances_in_the_statistics(server):
    """Issue 18: the statistics count, by peer, the listings received from
    it and shared with it and the expressions of interest sent and received
    (and accepted), on the province page, the public page (k = 5), the API
    and the workbook. By hand, after the round trip above: A served its
    listings to B and B holds them; one EOI went from B's enterprise to A's
    listing and was accepted; nothing went the other way."""
    import io
    import zipfile
    b = other(server)
    da, db_ = state["docs"][server.port], state["docs"][b.port]
    a_admin, b_admin = admin_of(server), admin_of(b)
    for s in (server, b):
        r = Client(s).api("POST", "/__test/tick", {"stats": True})
        assert r.status == 200 and r.json["stats_facts"] > 0, r
    b_on_a = peer_row(a_admin, db_["public_key"])["id"]
    a_on_b = peer_row(b_admin, da["public_key"])["id"]

    def flows(c, peer, path="/api/v1/stats"):
        r = c.api("GET", path)
        assert r.status == 200, r
        return next(p for p in r.json["federation"]["peers"] if p["id"] == peer)
    at_a, at_b = flows(a_admin, b_on_a), flows(b_admin, a_on_b)
    assert at_a["name_zh"] == "青海科创云" and at_b["name_zh"] == "四川科技云", (at_a, at_b)
    assert (at_a["eoi_received"], at_a["eoi_received_accepted"], at_a["eoi_sent"], at_a["eoi_sent_accepted"]) == (1, 1, 0, 0), at_a
    assert (at_b["eoi_sent"], at_b["eoi_sent_accepted"], at_b["eoi_received"], at_b["eoi_received_accepted"]) == (1, 1, 0, 0), at_b
    # What A shared with B is what B received from A (B shares nothing A took: B's demo
    # listings reached A too, the other way).
    assert at_a["shared"] == at_b["received"] and at_a["shared"] >= 1, (at_a, at_b)
    assert at_b["shared"] == at_a["received"], (at_a, at_b)
    # The region of the listing concerned: the EOI counts in 四川 (A's listing), not in 青海.
    listing = Client(server).api("GET", "/api/v1/listings/" + state["listing"]["id"]).json
    prov = (listing.get("region") or "")[:2] + "0000"
    assert flows(a_admin, b_on_a, "/api/v1/stats?region=" + prov)["eoi_received"] == 1
    assert flows(a_admin, b_on_a, "/api/v1/stats?region=630000")["eoi_received"] == 0
    # The public figures: a count under k is null (one EOI), larger counts show.
    pub = flows(Client(server), b_on_a, "/api/v1/stats/public")
    assert pub["eoi_received"] is None and pub["eoi_received_accepted"] is None, pub
    assert pub["shared"] == (at_a["shared"] if at_a["shared"] >= 5 else None), pub
    # The province page and the public page show the table; the workbook has the sheet.
    page = a_admin.get("/stats")
    assert page.status == 200 and 'id="table-federation"' in page.text and "青海科创云" in page.text
    assert 'id="table-federation"' in Client(server).get("/data").text
    book = a_admin.get("/api/v1/stats.xlsx")
    assert book.status == 200
    z = zipfile.ZipFile(io.BytesIO(book.body))
    assert "青海科创云" in z.read("xl/sharedStrings.xml").decode() and "实例间流动" in z.read("xl/workbook.xml").decode()


def test_withdrawal_propagates(server):
    b = other(server)
    listing = state["listing"]
    owner = user(server, "scientist")
    ok_act(owner, listing["id"], "withdraw")
    anon_b = Client(b)

    def gone():
        r = anon_b.api("GET", "/api/v1/search?" + urllib.parse.urlencode({"q": listing["title"]}))
        return listing["id"] not in [h["id"] for h in r.json["items"]]
    wait_for("the withdrawal at the peer", gone, 60)
    assert anon_b.api("GET", "/api/v1/listings/" + listing["id"]).status == 404


def test_studio_popsci_and_challenge_reach_peer(server):
    """A studio's public profile, published 科普 content and a 揭榜 taking
    applications at A reach B with their origin: labelled on pages and in
    the API, 科普 in B's site search and under the origin filter; a closed
    揭榜 is withdrawn at B; B's operator hides and shows a 科普 item."""
    b = other(server)
    da = state["docs"][server.port]
    sci = user(server, "scientist")
    name = "高原储能运维工作室" + RUN
    r = sci.api("POST", "/api/v1/studios", {"name": name, "intro": "高原储能与光伏运维。", "region": "510107"})
    assert r.status == 201, r
    sid = r.json["id"]
    ptitle = "高原冬小麦越冬管理要点" + RUN
    cid = popsci_publish(server, popsci_create(sci, title=ptitle, summary="越冬管理", body="冬灌与镇压。" + RUN, regions=["510100"]))
    state["popsci"] = cid
    lid, chid, _ = published_entry(server)
    anon_b = Client(b)

    def at_b(path):
        r = anon_b.api("GET", path)
        return r.json if r.status == 200 else None
    started = time.time()
    got = wait_for("the 科普 item at B", lambda: at_b("/api/v1/popsci/" + cid), 60)
    print("  科普 item reached the peer in %.1f s" % (time.time() - started))
    assert got["title"] == ptitle and got["is_remote"] is True, got
    assert got["origin"]["instance_id"] == da["instance_id"] and got["origin"]["name"] == "四川科技云", got
    assert got["origin"]["local"] is False and got["origin"]["url"] == "http://%s" % server.base, got
    html = anon_b.get("/popsci/" + cid).text
    assert 'id="popsci-origin"' in html and "来自 四川科技云" in html, html[:3000]
    # B's site search covers it, labelled, and the origin filter holds on search and lists.
    s = anon_b.api("GET", "/api/v1/search?" + urllib.parse.urlencode({"q": ptitle})).json
    hit = next((h for h in s["popsci"]["items"] if h["id"] == cid), None)
    assert hit and hit["origin"]["local"] is False and hit["origin"]["instance_id"] == da["instance_id"], s.get("popsci")
    s = anon_b.api("GET", "/api/v1/search?" + urllib.parse.urlencode({"q": ptitle, "origin": "local"})).json
    assert not [h for h in s.get("popsci", {}).get("items", []) if h["id"] == cid], s.get("popsci")
    assert "来自 四川科技云" in anon_b.get("/search?" + urllib.parse.urlencode({"q": ptitle})).text

    def popsci_ids(origin):
        r = anon_b.api("GET", "/api/v1/popsci?per_page=100&origin=" + origin)
        assert r.status == 200, r
        return [x["id"] for x in r.json["items"]]
    assert cid in popsci_ids(da["instance_id"]) and cid in popsci_ids("remote") and cid not in popsci_ids("local")
    assert anon_b.api("GET", "/api/v1/popsci?origin=nowhere").status == 422
    # The 科普 page takes the same filter (one reader of origin= for every list), with the "来自 X" label.
    page = anon_b.get("/popsci?origin=" + da["instance_id"])
    assert page.status == 200 and cid in page.text and "来自 四川科技云" in page.text, page.text[:3000]
    assert cid not in anon_b.get("/popsci?origin=local").text
    bad = anon_b.get("/popsci?origin=nowhere")
    assert bad.status == 422 and 'id="origin-error"' in bad.text, bad
    # The studio: its public profile, labelled; never its members.
    st = wait_for("the studio at B", lambda: at_b("/api/v1/studios/" + sid), 30)
    assert st["name"] == name and st["origin"]["local"] is False and st["is_remote"] is True, st
    html = anon_b.get("/studios/" + sid).text
    assert 'id="studio-origin"' in html and "来自 四川科技云" in html, html[:3000]
    state["studio"] = sid

    # The studio list (page and API) and studio hits in site search take origin=local|remote|<instance id>.
    def studio_ids(origin):
        r = anon_b.api("GET", "/api/v1/studios?per_page=100&origin=" + origin)
        assert r.status == 200, r
        return {x["id"]: x for x in r.json["items"]}
    listed = studio_ids(da["instance_id"])
    assert sid in listed and listed[sid]["origin"]["local"] is False and listed[sid]["origin"]["name"] == "四川科技云", listed.get(sid)
    assert sid in studio_ids("remote") and sid not in studio_ids("local")
    assert all(x["origin"]["local"] for x in studio_ids("local").values())
    bad = anon_b.api("GET", "/api/v1/studios?origin=nowhere")
    assert bad.status == 422 and bad.json["errors"][0]["field"] == "origin", bad
    page = anon_b.get("/studios?origin=remote")
    assert page.status == 200 and sid in page.text and 'data-origin="%s"' % da["instance_id"] in page.text, page.text[:3000]
    assert "来自 四川科技云" in page.text and 'id="origin-filter"' in page.text, page.text[:3000]
    assert sid not in anon_b.get("/studios?origin=local").text
    assert anon_b.get("/studios?origin=nowhere").status == 422

    def studio_hit(origin):
        q = {"q": name}
        if origin:
            q["origin"] = origin
        r = anon_b.api("GET", "/api/v1/search?" + urllib.parse.urlencode(q))
        assert r.status == 200, r
        return next((h for h in r.json["items"] if h["id"] == sid), None)
    hit = wait_for("the studio in B's search", lambda: studio_hit(None), 30)
    assert hit["kind"] == "studio" and hit["origin"]["instance_id"] == da["instance_id"] and hit["origin"]["local"] is False, hit
    assert studio_hit("remote") and studio_hit(da["instance_id"]) and not studio_hit("local")
    html = anon_b.get("/search?" + urllib.parse.urlencode({"q": name, "origin": "remote"})).text
    assert sid in html and "来自 四川科技云" in html, html[:3000]

    # The 揭榜: listed with its origin and a link to apply there, no contact.
    def challenge():
        r = anon_b.api("GET", "/api/v1/federation/challenges?origin=" + da["instance_id"])
        assert r.status == 200, r
        return next((i for i in r.json["items"] if i["id"] == chid), None)
    ch = wait_for("the 揭榜 at B", challenge, 30)
    assert ch["origin"]["name"] == "四川科技云" and ch["apply_url"] == "http://%s/challenges/%s" % (server.base, chid), ch
    assert "contact" not in ch["data"] and ch["data"]["title"], ch
    assert anon_b.api("GET", "/api/v1/federation/challenges?origin=nowhere").status == 422
    # In B's 揭榜 list (page and API) beside B's own lists, grouped by A's list, labelled, read-only, applied for at A.
    grp, entry = remote_challenge(anon_b, chid, da["instance_id"])
    assert grp["is_remote"] is True and grp["id"] == lid and grp["origin"]["name"] == "四川科技云", grp
    assert grp["url"] == "http://%s/challenge-lists/%s" % (server.base, lid), grp
    assert entry["apply_url"] == "http://%s/challenges/%s" % (server.base, chid) and "contact" not in entry, entry
    assert remote_challenge(anon_b, chid, "remote") and not remote_challenge(anon_b, chid, "local")
    every = anon_b.api("GET", "/api/v1/challenge-lists").json["items"]
    assert any(x["origin"]["local"] for x in every) and any(not x["origin"]["local"] for x in every), every
    assert all(x["origin"]["local"] for x in anon_b.api("GET", "/api/v1/challenge-lists?origin=local").json["items"])
    assert anon_b.api("GET", "/api/v1/challenge-lists?origin=nowhere").status == 422
    html = anon_b.get("/challenge-lists").text
    assert 'data-list="%s"' % lid in html and "来自 四川科技云" in html and 'href="http://%s/challenges/%s"' % (server.base, chid) in html, html[:4000]
    assert anon_b.get("/challenge-lists?origin=nowhere").status == 422
    # The former separate page is the origin=remote view of the 揭榜 list.
    r = anon_b.get("/federation/challenges")
    assert r.status == 303 and r.header("Location").endswith("/challenge-lists?origin=remote"), r
    # (A closed 揭榜 is served as deleted: unit test fed_feed_serves_closed_challenge_as_deleted;
    # closing needs the deadline passed, and moving A's clock would make its signatures stale here.)
    # B's operator hides the 揭榜 and the 科普 item, then shows the 科普 item again (from the data kept).
    b_admin = admin_of(b)
    assert b_admin.api("POST", "/api/v1/federation/items/%s/hide" % chid, {"reason": "待核实"}).status == 200
    assert challenge() is None
    assert b_admin.api("POST", "/api/v1/federation/items/%s/hide" % cid, {"reason": "待核实"}).status == 200
    assert anon_b.api("GET", "/api/v1/popsci/" + cid).status == 404
    assert b_admin.api("POST", "/api/v1/federation/items/%s/show" % cid, {"reason": "已核实"}).status == 200
    assert at_b("/api/v1/popsci/" + cid)["title"] == ptitle


def test_remote_items_named_with_one_query_per_page(server):
    """B's studio and 科普 lists, pages and API, name every remote item's
    origin, and finding the names costs one query per page, not one per
    item (Server-Timing's statement count: a page of 12 remote items runs
    as many statements as a page of 1; the remote page at most one more
    (the peers' names) than the local one). Signed in, so that no cached page answers; one
    statement of slack for the session's last-seen write (once a minute),
    where one query per item made 11 more for 12 items than for 1."""
    b = other(server)
    reader = admin_of(b)
    assert reader.api("GET", "/api/v1/me").status == 200   # the session's first last-seen write, out of the way
    for path in ("/api/v1/studios?origin=remote", "/api/v1/popsci?origin=remote"):
        one, many = reader.api("GET", path + "&per_page=1"), reader.api("GET", path + "&per_page=12")
        assert one.status == 200 and many.status == 200, (one, many)
        items = many.json["items"]
        assert len(items) >= 5, (path, len(items))   # A's demo studios and 科普 items, and this module's
        assert all(x["origin"]["name"] == "四川科技云" and x["origin"]["local"] is False for x in items), items
        assert db_timing(many)[0] <= db_timing(one)[0] + 1, (path, db_timing(one), db_timing(many))
    for path in ("/studios?origin=remote", "/popsci?origin=remote"):
        page, local = reader.get(path), reader.get(path.replace("remote", "local"))
        assert page.status == 200 and local.status == 200, (page, local)
        assert page.text.count("来自 四川科技云") >= 5, path
        assert db_timing(page)[0] <= db_timing(local)[0] + 2, (path, db_timing(page), db_timing(local))


def remote_challenge(client, chid, origin):
    """(list, entry) of a peer's 揭榜 chid in client's 揭榜 list under origin=, or None."""
    r = client.api("GET", "/api/v1/challenge-lists?origin=" + origin)
    assert r.status == 200, r
    for grp in r.json["items"]:
        for c in grp.get("challenges") or []:
            if c["id"] == chid:
                return grp, c
    return None


def test_closing_a_challenge_at_the_origin_removes_it_at_the_peer(server):
    """A 揭榜 whose applications close at A (its deadline passed, the issuer
    or staff closes it) is served as deleted and leaves B's 揭榜 list within
    a minute."""
    b = other(server)
    da = state["docs"][server.port]
    _, chid, _ = published_entry(server)
    anon_b = Client(b)
    wait_for("the 揭榜 at B", lambda: remote_challenge(anon_b, chid, da["instance_id"]), 60)
    # Its deadline passes at A (written behind A's back: moving A's clock would make its signatures stale).
    yesterday = time.strftime("%Y-%m-%d", time.localtime(time.time() - 86400))
    db_exec(server, ("UPDATE challenges SET deadline = ?, deadline_ms = ? WHERE id = ?", yesterday, int(time.time() * 1000) - 60000, chid))
    r = act(admin_of(server), chid, "close_applications")
    assert r.status == 200 and r.json["status"] == "reviewing", r
    started = time.time()
    wait_for("the closed 揭榜 gone at B", lambda: not remote_challenge(anon_b, chid, "remote"), 60)
    print("  the closed 揭榜 left the peer in %.1f s" % (time.time() - started))
    assert chid not in anon_b.get("/challenge-lists").text


def test_course_travels_with_its_items(server):
    """A 科普 course (a list of the origin's articles and videos) reaches B
    with its items' ids; the items come on the same feed, and B's course
    page links those it holds."""
    b = other(server)
    da = state["docs"][server.port]
    sci = user(server, "scientist")
    atitle = "高原温室番茄栽培要点" + RUN
    art = popsci_publish(server, popsci_create(sci, title=atitle, summary="温室番茄", body="通风与补光。" + RUN))
    ctitle = "高原设施农业入门课程" + RUN
    course = popsci_publish(server, popsci_create(sci, kind="course", title=ctitle, body="", items=[art]))
    anon_b = Client(b)

    def at_b():
        r = anon_b.api("GET", "/api/v1/popsci/" + course)
        return r.json if r.status == 200 else None
    got = wait_for("the course at B", at_b, 60)
    assert got["kind"] == "course" and got["title"] == ctitle and got["items"] == [art], got
    assert got["origin"]["instance_id"] == da["instance_id"] and got["is_remote"] is True, got

    def linked():
        html = anon_b.get("/popsci/" + course).text
        return html if 'href="/popsci/%s"' % art in html else None
    html = wait_for("the course's item linked at B", linked, 30)
    assert atitle in html and "来自 四川科技云" in html, html[:3000]


def test_question_to_remote_expert_round_trip(server):
    """On A's 科普 item held at B, B's user asks A's experts: the question
    reaches A (its experts are told), an expert answers there, and the
    answer comes back to the question at B (the asker is told). Only the
    title, text and the asker's name cross."""
    b = other(server)
    cid = state["popsci"]
    expert = user(server, "scientist2")
    r = expert.api("PUT", "/api/v1/popsci/experts", {"topics": ["rice"], "regions": ["510100"]})
    assert r.status == 200, r
    asker = user(b, "org_member2")          # 王芳 on B
    title = "高原水稻育秧怎样防低温" + RUN
    bad = asker.api("POST", "/api/v1/popsci/%s/ask-origin" % cid, {"title": "短", "body": "青海的早春育秧常遇低温，怎么办？"})
    assert bad.status == 422, bad
    local = popsci_publish(b, popsci_create(asker, title="本地科普" + RUN))
    assert asker.api("POST", "/api/v1/popsci/%s/ask-origin" % local, {"title": title, "body": "青海的早春育秧常遇低温。"}).status == 404
    assert Client(b).api("POST", "/api/v1/popsci/%s/ask-origin" % cid, {"title": title, "body": "x" * 20}).status in (401, 403)
    r = asker.api("POST", "/api/v1/popsci/%s/ask-origin" % cid, {"title": title, "body": "青海东部早春育秧常遇倒春寒，秧苗发黄，怎么办？"})
    assert r.status == 201 and r.json["remote"]["direction"] == "out" and r.json["remote"]["name"] == "四川科技云", r
    qid = r.json["id"]
    html = asker.get("/popsci/questions/" + qid).text
    assert 'id="question-remote"' in html and "四川科技云" in html, html[:3000]

    def at_a():
        x = Client(server).api("GET", "/api/v1/questions/" + qid)
        return x.json if x.status == 200 else None
    q = wait_for("the question at A", at_a, 30)
    assert "王芳" in q["author_name"] and "青海科创云" in q["author_name"] and q["remote"]["direction"] == "in", q
    assert "wang.fang" not in json.dumps(q), q   # no address crosses

    def told(c, kind, subject):
        notes = c.api("GET", "/api/v1/notifications").json
        notes = notes["items"] if isinstance(notes, dict) else notes
        return any(n["kind"] == kind and n["subject"] == subject for n in notes)
    wait_for("A's expert told", lambda: told(expert, "popsci_question", title), 10)
    r = expert.api("POST", "/api/v1/questions/%s/answers" % qid, {"body": "育秧棚夜间覆膜保温，秧苗发黄时追施少量速效氮肥。"})
    assert r.status == 201, r

    def answered():
        x = asker.api("GET", "/api/v1/questions/" + qid).json
        return next((a for a in x.get("answers", []) if a["body"].startswith("育秧棚夜间覆膜")), None)
    a = wait_for("the answer back at B", answered, 30)
    assert "四川科技云" in a["author_name"], a
    wait_for("the asker told", lambda: told(asker, "popsci_answered", title), 10)


def test_kinds_taken_are_chosen_per_peer(server):
    b = other(server)
    db_ = state["docs"][b.port]
    a_admin = admin_of(server)
    p = peer_row(a_admin, db_["public_key"])
    assert p["accepted_kinds"] == KINDS, p
    r = a_admin.api("POST", "/api/v1/federation/peers/%s/kinds" % p["id"], {"kinds": ["listing", "bogus"]})
    assert r.status == 422, r
    r = a_admin.post_form("/admin/federation/peers/%s/kinds" % p["id"], {"kind_listing": "1", "kind_popsci": "1"})
    assert r.status == 303, r
    assert peer_row(a_admin, db_["public_key"])["accepted_kinds"] == ["listing", "popsci"]
    page = a_admin.get("/admin/federation").text
    assert 'name="kind_studio" value="1">' in page and 'name="kind_popsci" value="1" checked>' in page, page[:4000]
    r = a_admin.api("POST", "/api/v1/federation/peers/%s/kinds" % p["id"], {"kinds": KINDS})
    assert r.status == 200 and r.json["accepted_kinds"] == KINDS, r
    audit = a_admin.api("GET", "/api/v1/admin/audit-log?action=fed.peer.kinds").json["items"]
    assert audit, audit
    # A feed of an unknown kind is refused (a signed request from B's side is not needed to see the validator).
    assert Client(server).api("GET", "/api/v1/federation/feed?type=bogus").status in (403, 422)


def test_what_is_shared_is_chosen_and_peers_drop_the_rest(server):
    """A's operator stops sharing studios (API): A's signed instance
    document says so, a signed request for A's studio feed is refused
    (404 err.fed.not_shared), and B drops the copy of A's studio it held
    within a minute (page, API and search). Shared again from the admin
    page, it comes back. The command line reads and sets the same list.
    Administrators only; audited."""
    b = other(server)
    da = state["docs"][server.port]
    a_admin, anon_b = admin_of(server), Client(b)
    sid = state["studio"]
    assert anon_b.api("GET", "/api/v1/studios/" + sid).status == 200
    r = a_admin.api("POST", "/api/v1/federation/shares", {"kinds": ["listing", "bogus"]})
    assert r.status == 422 and r.json["errors"][0]["field"] == "kinds", r
    assert Client(server).api("POST", "/api/v1/federation/shares", {"kinds": ["listing"]}).status in (401, 403)
    assert user(server, "scientist").api("POST", "/api/v1/federation/shares", {"kinds": ["listing"]}).status == 403
    r = a_admin.api("POST", "/api/v1/federation/shares", {"kinds": ["popsci", "listing", "challenge"], "reason": "工作室资料待核"})
    assert r.status == 200 and r.json["shares"] == ["listing", "popsci", "challenge"], r
    started = time.time()
    doc = Client(server).api("GET", "/api/v1/federation/instance").json
    assert doc["shares"] == ["listing", "popsci", "challenge"], doc
    verify_signed(doc, da["public_key"])
    fake = FakePeer()
    try:
        r = a_admin.api("POST", "/api/v1/federation/peers", {"url": "http://127.0.0.1:%d" % fake.port, "public_key": fake.pk})
        assert r.status == 201, r
        anon = Client(server)

        def feed(kind):
            path = "/api/v1/federation/feed?cursor=&limit=10&type=" + kind
            return anon.api("GET", path, headers=signed_headers(fake.key, fake.pk, "GET", "http://%s%s" % (server.base, path)))
        r = feed("studio")
        assert r.status == 404 and r.json["errors"][0]["code"] == "err.fed.not_shared" and r.json["errors"][0]["field"] == "type", r
        assert feed("popsci").status == 200
        pid = peer_row(a_admin, fake.pk)["id"]
        assert a_admin.api("POST", "/api/v1/federation/peers/%s/suspend" % pid, {"reason": "测试结束"}).status == 200
    finally:
        fake.close()
    wait_for("B to drop A's studio", lambda: anon_b.api("GET", "/api/v1/studios/" + sid).status == 404, 60)
    print("  B dropped the studio A no longer shares in %.1f s" % (time.time() - started))
    # While A keeps studios off, B's next rounds find nothing left to drop and
    # write nothing: its dropped copies stay as they are (each round used to
    # rewrite every one of them, in a write transaction, for as long as the
    # kind stayed off).
    b_admin = admin_of(b)

    def copies():
        return db_rows(b, "SELECT item_id, origin_status, version, received_at FROM fed_items WHERE type = 'studio' AND origin = ? "
                          "ORDER BY item_id", da["instance_id"])
    before = copies()
    assert sid in [r["item_id"] for r in before], before
    assert all(r["origin_status"] == "withdrawn" and r["version"] == 0 for r in before), before
    t0 = peer_row(b_admin, da["public_key"])["last_sync_at"]
    wait_for("three more rounds at B", lambda: peer_row(b_admin, da["public_key"])["last_sync_at"] >= t0 + 1500, 30)
    assert copies() == before
    assert sid not in [x["id"] for x in anon_b.api("GET", "/api/v1/studios?per_page=100&origin=remote").json["items"]]
    hits = anon_b.api("GET", "/api/v1/search?" + urllib.parse.urlencode({"q": "高原储能运维工作室" + RUN})).json["items"]
    assert sid not in [h["id"] for h in hits], hits
    assert peer_row(admin_of(b), da["public_key"])["state"] == "active"   # not an error: the origin chose
    # The admin page: one box per kind, studios unticked; shared again from it.
    page = a_admin.get("/admin/federation").text
    form = page[page.index('id="fed-shares"'):]
    form = form[:form.index("</form>")]
    assert 'name="kind_studio" value="1">' in form and 'name="kind_popsci" value="1" checked>' in form, form
    r = a_admin.post_form("/admin/federation/shares", {"kind_listing": "1", "kind_studio": "1", "kind_popsci": "1",
                                                       "kind_challenge": "1", "reason": "已核实"})
    assert r.status == 303, r
    assert Client(server).api("GET", "/api/v1/federation/instance").json["shares"] == KINDS
    wait_for("B to take A's studio again", lambda: anon_b.api("GET", "/api/v1/studios/" + sid).status == 200, 60)
    # The command line: what is shared, and setting it (an unknown kind refused).
    out = cli(server, "peer", "shares", "--data", server.dir)
    assert out.returncode == 0 and out.stdout.strip() == ",".join(KINDS), out
    assert cli(server, "peer", "shares", "listing,bogus", "--data", server.dir).returncode == 1
    out = cli(server, "peer", "shares", ",".join(KINDS), "--data", server.dir)
    assert out.returncode == 0 and out.stdout.strip() == ",".join(KINDS), out
    audit = a_admin.api("GET", "/api/v1/admin/audit-log?action=fed.offer").json["items"]
    assert any(e["reason"] == "工作室资料待核" for e in audit) and any(e["reason"] == "已核实" for e in audit), audit


class FakePeer:
    """A peer run by this test: its own key, an instance document, and a
    feed serving whatever items the test sets."""

    def __init__(self):
        self.key = Ed25519PrivateKey.generate()
        self.pk = pk_of(self.key)
        self.instance_id = "01J" + "".join("0123456789ABCDEFGHJKMNPQRSTVWXYZ"[b % 32] for b in os.urandom(23))
        self.items = []
        self.feed_delay = 0     # seconds every feed request hangs before answering (a slow peer)
        self.closing = threading.Event()   # ends a hang at close()
        self.given_up = 0       # answers the requester no longer waited for
        peer = self

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                if self.path.startswith("/api/v1/federation/instance"):
                    body = sign_obj({"instance_id": peer.instance_id, "name": {"zh-CN": "伪造平台", "en": "Fake"},
                                     "url": "http://127.0.0.1:%d" % peer.port, "public_key": peer.pk, "algorithm": "ed25519",
                                     "shares": ["listing"], "protocol": "kejiyun-federation-1", "feed": "/api/v1/federation/feed"},
                                    peer.key)
                elif self.path.startswith("/api/v1/federation/feed"):
                    if peer.feed_delay and peer.closing.wait(peer.feed_delay):
                        return          # the test is over: no answer, no write to a closed socket
                    body = {"instance_id": peer.instance_id, "items": peer.items, "next_cursor": "1:" + "0" * 26, "more": False}
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                data = json.dumps(body, ensure_ascii=False).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    # The instance gave up on a slow answer (its feed timeout)
                    # and closed the connection: expected of a slow peer, and
                    # counted, not printed as a traceback into the lane's log.
                    peer.given_up += 1

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.block_on_close = False     # a hanging feed request does not hold close()
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def item(self, origin=None, title="伪造条目"):
        lid = "01J" + "".join("0123456789ABCDEFGHJKMNPQRSTVWXYZ"[b % 32] for b in os.urandom(23))
        data = {"kind": "achievement", "subtype": "", "title": title, "summary": "测试", "description": "", "domain": "D0101",
                "keywords": [], "region": "630100", "valid_until": "2099-01-01", "trl": 5, "trl_min": None, "ip_type": None,
                "coop_modes": [], "price_kind": "negotiable", "price_min_fen": None, "price_max_fen": None,
                "delivery_mode": "", "duration": "", "indicators": [], "deadline": None, "open_for_interest": 1,
                "published_at": 1, "org_name": None}
        return sign_obj({"type": "listing", "origin": origin or self.instance_id, "id": lid, "version": 1, "deleted": False,
                         "data": data}, self.key)

    def close(self):
        self.closing.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def test_signed_requests_refused_and_logged(server):
    fake = FakePeer()
    try:
        admin = admin_of(server)
        anon = Client(server)
        uri = "http://%s/api/v1/federation/feed?cursor=&limit=10" % server.base
        path = "/api/v1/federation/feed?cursor=&limit=10"
        # Unsigned, and signed by a key that is no peer's.
        assert anon.api("GET", path).status == 403
        assert anon.api("GET", path, headers=signed_headers(fake.key, fake.pk, "GET", uri)).status == 403
        r = admin.api("POST", "/api/v1/federation/peers", {"url": "http://127.0.0.1:%d" % fake.port, "public_key": fake.pk})
        assert r.status == 201, r
        # Now a good request passes ...
        h = signed_headers(fake.key, fake.pk, "GET", uri)
        ok = anon.api("GET", path, headers=h)
        assert ok.status == 200 and "items" in ok.json, ok
        # ... and every feed item is signed by A.
        da = state["docs"][server.port]
        for it in ok.json["items"]:
            verify_signed(it, da["public_key"])
            assert it["origin"] == da["instance_id"]
            assert "contact_email" not in (it.get("data") or {})
        # Replayed: the same request again.
        assert anon.api("GET", path, headers=h).status == 409
        # Wrong key: signed by another key under the peer's keyid.
        assert anon.api("GET", path, headers=signed_headers(Ed25519PrivateKey.generate(), fake.pk, "GET", uri)).status == 403
        # Tampered: signed for another URI.
        assert anon.api("GET", path, headers=signed_headers(fake.key, fake.pk, "GET", uri.replace("limit=10", "limit=11"))).status == 403
        # Stale: made ten minutes ago.
        old = int(time.time()) - 600
        assert anon.api("GET", path, headers=signed_headers(fake.key, fake.pk, "GET", uri, created=old, expires=old + 60)).status == 400
        # A body that does not match its digest (the inbox).
        body = json.dumps({"type": "eoi"}).encode()
        hh = signed_headers(fake.key, fake.pk, "POST", "http://%s/api/v1/federation/inbox" % server.base, body)
        hh["Content-Type"] = "application/json"
        r = anon.request("POST", "/api/v1/federation/inbox", body=body + b" ", headers=hh)
        assert r.status == 403, r
        p = peer_row(admin, fake.pk)
        kinds = {e["kind"] for e in p["errors"]}
        assert {"replayed", "forged_signature", "stale", "bad_digest"} <= kinds, p["errors"]
    finally:
        fake.close()


def test_tampered_and_misattributed_items_refused(server):
    fake = FakePeer()
    try:
        admin = admin_of(server)
        assert admin.api("POST", "/api/v1/federation/peers", {"url": "http://127.0.0.1:%d" % fake.port,
                                                              "public_key": fake.pk}).status == 201
        tampered = fake.item(title="被篡改的条目" + RUN)
        tampered["data"]["title"] = "篡改后的标题" + RUN
        fake.items = [tampered]

        def refused(kind):
            p = peer_row(admin, fake.pk)
            return p and any(e["kind"] == kind for e in p["errors"])
        try:
            wait_for("the tampered item refused", lambda: refused("forged_item"), 20)
        except AssertionError:
            raise AssertionError("no forged_item refusal: %r" % peer_row(admin, fake.pk))
        fake.items = [fake.item(origin=state["docs"][server.port]["instance_id"], title="冒充来源的条目" + RUN)]
        wait_for("the misattributed item refused", lambda: refused("wrong_origin"), 20)
        anon = Client(server)
        for t in ("篡改后的标题" + RUN, "冒充来源的条目" + RUN):
            hits = anon.api("GET", "/api/v1/search?" + urllib.parse.urlencode({"q": t})).json["items"]
            assert not [h for h in hits if h["title"] in (t, "被篡改的条目" + RUN)], hits
        # A good item is taken; the operator suspends the peer and hides it.
        good = fake.item(title="合法的远程条目" + RUN)
        fake.items = [good]
        wait_for("the good item", lambda: anon.api("GET", "/api/v1/listings/" + good["id"]).status == 200, 20)
        r = admin.api("POST", "/api/v1/federation/items/%s/hide" % good["id"], {"reason": "内容不当"})
        assert r.status == 200, r
        assert anon.api("GET", "/api/v1/listings/" + good["id"]).status == 404
        pid = peer_row(admin, fake.pk)["id"]
        r = admin.api("POST", "/api/v1/federation/peers/%s/suspend" % pid, {"reason": "测试暂停"})
        assert r.status == 200 and r.json["state"] == "suspended", r
        audit = admin.api("GET", "/api/v1/admin/audit-log?action=fed.").json["items"]
        assert {"fed.item.hide", "fed.peer.suspend"} <= {e["action"] for e in audit}, audit
    finally:
        fake.close()


def test_slow_peer_delays_no_other(server):
    """A peer whose feed hangs (60 s a request) holds no other peer: B
    keeps being harvested every round, a listing published at B reaches
    A's search as quickly as before, and the slow peer's round ends at the
    request timeout (fed_timeout_ms, 10 s) and is backed off."""
    b = other(server)
    db_ = state["docs"][b.port]
    slow = FakePeer()
    slow.feed_delay = 60
    admin = admin_of(server)
    try:
        r = admin.api("POST", "/api/v1/federation/peers", {"url": "http://127.0.0.1:%d" % slow.port, "public_key": slow.pk})
        assert r.status == 201, r
        wait_for("the slow peer's instance document", lambda: peer_row(admin, slow.pk)["instance_id"], 20)
        time.sleep(1)   # its first feed request now hangs
        seen, until = set(), time.time() + 6
        while time.time() < until:
            seen.add(peer_row(admin, db_["public_key"])["last_ok_at"])
            time.sleep(0.3)
        assert len(seen) >= 3, "B was harvested %d times in 6 s while the slow peer hung" % len(seen)
        owner, b_admin = Client(b), admin_of(b)
        owner.login("zhuoma@demo.kejiyun.cn", "Demo-2026!")   # a scientist of B's 青海 demo profile
        title = "慢速对端不影响的青海盐湖提锂成果%s" % RUN
        started = time.time()
        listing = publish(owner, b_admin, title=title, keywords=["盐湖", "提锂" + RUN])
        anon = Client(server)

        def found():
            r = anon.api("GET", "/api/v1/search?" + urllib.parse.urlencode({"q": title, "origin": db_["instance_id"]}))
            return any(h["id"] == listing["id"] for h in r.json["items"])
        wait_for("B's listing at A while the slow peer hangs", found, 20)
        print("  B's listing reached A in %.1f s with a hanging peer" % (time.time() - started))

        def timed_out():
            p = peer_row(admin, slow.pk)
            return p if "timed out" in (p["last_error"] or "").lower() or "timeout" in (p["last_error"] or "").lower() else None
        p = wait_for("the slow peer's round to time out", timed_out, 40)
        assert p["failures"] >= 1 and p["next_sync_at"] > p["last_sync_at"], p
        assert p["state"] == "active" or p["state"] == "pending", p
        r = admin.api("POST", "/api/v1/federation/peers/%s/suspend" % p["id"], {"reason": "太慢"})
        assert r.status == 200, r
    finally:
        slow.close()


def test_peer_stops_cleanly(server):
    b = state.get("b")
    if not b:
        return
    code, log = b.stop()
    assert "ERROR: AddressSanitizer" not in log and "runtime error:" not in log, log[-3000:]
    assert code == 0, log[-2000:]
