"""Several nodes on one PostgreSQL behind haproxy (issue 16), on loopback:
two kejiyun nodes (A, B) on one database and one shared data directory,
haproxy in front checking /readyz. A user registers through A and signs in
through B; a listing approved on A shows on B at once although B's page
cache would keep its browse list for a minute (the change signal); a
write load through haproxy while A is killed with kill -9 loses no
acknowledged write; the job leader moves to B within seconds and the mail
queue keeps draining, each e-mail once. Search: each node keeps its own
copy of the index (--search-dir); a listing approved on A is found by
search on B within 2 s, and a node started with an empty search_dir builds
its copy and finds everything.

Runs when PostgreSQL 15 and haproxy are installed (scripts/deps.sh --test
installs both); otherwise says so and checks nothing. Uses the PostgreSQL
lane's cluster when there is one (KEJIYUN_TEST_PG), else makes its own
(tests/pg/cluster.py). The tests run in order and share the setup below."""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

import harness
from harness import BIN, ROOT, Client, DEMO, DEFAULT_PASSWORD, free_port, unique_email
from test_deal_mail import SMTP_PORT, Smtp
from test_market_lifecycle import create, listing_body, ok_act

sys.path.insert(0, os.path.join(ROOT, "tests", "pg"))
try:
    import cluster  # noqa: E402  (tests/pg: the PostgreSQL lane's throw-away cluster)
except ImportError:
    cluster = None

W = {}   # the setup, shared by the tests of this module (in file order)
NODE_ARGS = ["--test-mode", "--smtp-host", "127.0.0.1", "--smtp-port", str(SMTP_PORT), "--smtp-tls", "none",
             "--mail-from", "noreply@kejiyun.test", "--public-url", "http://kejiyun.test",
             "--page-cache-ms", "60000", "--trust-proxy", "--metrics-token", harness.METRICS_TOKEN]


class Addr:
    """What Client needs of a server: its address."""
    def __init__(self, port):
        self.port = port
        self.base = "127.0.0.1:%d" % port


class Node(Addr):
    def __init__(self, name, url, data):
        super().__init__(free_port())
        self.name = name
        self.log = open(os.path.join(W["dir"], "node-%s.log" % name), "w+")
        env = dict(os.environ, KEJIYUN_DB=url)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=0:abort_on_error=0")
        # Each node its own copy of the search index, on its own disk (not
        # in the shared data directory): search/local.h.
        search_dir = os.path.join(W["dir"], "search-%s" % name)
        self.proc = subprocess.Popen([BIN, "serve", "--data", data, "--listen", self.base, "--search-dir", search_dir] + NODE_ARGS,
                                     stdout=self.log, stderr=self.log, env=env, cwd=ROOT)
        # Before it listens a node opens its pool and builds its copy of the
        # search index (~1 s alone; at load 30+ with ASan a start took over
        # 60 s): a generous bound, since no test here is about start time.
        t0 = time.time()
        while time.time() < t0 + 240:
            assert self.proc.poll() is None, "node %s exited:\n%s" % (name, self.read_log())
            try:
                if Client(self).get("/readyz").status == 200:
                    if time.time() - t0 > 20:
                        print("NOTE: node %s was ready after %.1f s (load %s)" % (name, time.time() - t0, os.getloadavg()[0]))
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.proc.kill()   # not left running: the teardown knows only the nodes that started
        self.proc.wait()
        raise AssertionError("node %s not ready after %.0f s:\n%s" % (name, time.time() - t0, self.read_log()))

    def ready(self):
        return Client(self).get("/readyz").json

    def read_log(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()


def skipped():
    if W.get("skip"):
        print("NOTE: test_multinode: %s; nothing checked" % W["skip"])
        return True
    return False


def psql(sql):
    out = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", W["url"], "-c", sql],
                         check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return out.stdout.strip()


def wait(fn, timeout, step=0.1):
    """Seconds until fn() was true (AssertionError after timeout)."""
    t0 = time.time()
    while time.time() - t0 < timeout:
        try:
            if fn():
                return time.time() - t0
        except OSError:   # not listening yet
            pass
        time.sleep(step)
    raise AssertionError("not within %.0f s" % timeout)


HAPROXY_CFG = """global
    maxconn 512
    # One line per request on haproxy's stdout (its log file here): the
    # termination state says who ended a failed request (SH: the server
    # closed before answering), for the kill test's message.
    log stdout format raw local0
defaults
    mode http
    log global
    option httplog
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    retries 2
    option redispatch
    # Only a request that never reached a node is sent to the other: one
    # that reached it may have been written there.
    retry-on conn-failure
frontend web
    bind 127.0.0.1:%(port)d
    default_backend nodes
backend nodes
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 500ms fall 2 rise 2
    server a 127.0.0.1:%(a)d check
    server b 127.0.0.1:%(b)d check
"""


def test_setup(server):
    if cluster is None:
        W["skip"] = "tests/pg/cluster.py is missing"
    elif not cluster.available():
        W["skip"] = "PostgreSQL 15 is not installed"
    elif not shutil.which("haproxy"):
        W["skip"] = "haproxy is not installed"
    elif "--db " not in subprocess.run([BIN, "help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout:
        W["skip"] = "this build has no PostgreSQL backend (--db)"
    if skipped():
        return
    W["dir"] = tempfile.mkdtemp(prefix="kejiyun-multinode-")
    base = os.environ.get("KEJIYUN_TEST_PG")
    if not base:
        W["cluster"] = cluster.Cluster().start()
        base = W["cluster"].url
    W["url"] = cluster.create_database(base)
    # The directory every node mounts (uploads, media): here one directory.
    data = os.path.join(W["dir"], "shared")
    os.mkdir(data)
    subprocess.run([BIN, "demo", "--data", data], check=True, stdout=subprocess.DEVNULL,
                   env=dict(os.environ, KEJIYUN_DB=W["url"]), cwd=ROOT)
    W["smtp"] = Smtp()
    W["a"] = Node("a", W["url"], data)
    wait(lambda: W["a"].ready()["leader"], 5)   # A starts first: A leads
    W["b"] = Node("b", W["url"], data)
    assert W["b"].ready()["leader"] is False and W["a"].ready()["leader"] is True
    assert W["a"].ready()["node"] != W["b"].ready()["node"]
    W["lb"] = Addr(free_port())
    cfg = os.path.join(W["dir"], "haproxy.cfg")
    with open(cfg, "w") as f:
        f.write(HAPROXY_CFG % {"port": W["lb"].port, "a": W["a"].port, "b": W["b"].port})
    W["haproxy_log"] = open(os.path.join(W["dir"], "haproxy.log"), "w+")
    W["haproxy"] = subprocess.Popen(["haproxy", "-db", "-f", cfg], stdout=W["haproxy_log"], stderr=W["haproxy_log"])
    wait(lambda: Client(W["lb"]).get("/readyz").status == 200, 10)


def verification_token(email):
    """From the e-mail, as the user gets it (sent by the job leader)."""
    got = W["smtp"].wait_for(lambda m: email.lower() in [t.lower() for t in m["to"]])
    m = re.search(r"/verify-email\?token=([A-Za-z0-9_-]+)", got[-1]["body"])
    assert m, got[-1]["body"]
    return m.group(1)


def test_register_on_a_sign_in_on_b(server):
    if skipped():
        return
    a, b = W["a"], W["b"]
    email = unique_email("multinode")
    r = Client(a).api("POST", "/api/v1/register", {"email": email, "password": DEFAULT_PASSWORD, "name": "两节点用户",
                                                   "role": "scientist"})
    assert r.status == 202, r
    assert Client(b).get("/verify-email?token=" + verification_token(email)).status == 200
    c = Client(b)
    c.login(email, DEFAULT_PASSWORD)                  # session made on B ...
    me = c.api("GET", "/api/v1/me")
    assert me.status == 200 and me.json["email"] == email, me
    c.server = a                                     # ... serves on A, CSRF included
    assert c.api("GET", "/api/v1/me").json["email"] == email
    assert c.api("PATCH", "/api/v1/me", {"name": "两节点用户甲"}).status == 200
    c.server = b
    assert c.api("GET", "/api/v1/me").json["name"] == "两节点用户甲"


def test_listing_approved_on_a_shows_on_b_at_once(server):
    if skipped():
        return
    a, b = W["a"], W["b"]
    owner, admin = Client(a), Client(a)
    owner.login_as("scientist")
    admin.login_as("admin")
    browse = "/api/v1/listings?kind=achievement"
    def hits(node):
        m = re.search(r'kejiyun_page_cache_requests_total\{result="hit"\} (\d+)', Client(node).metrics())
        return int(m.group(1))
    # B's page cache keeps this list for 60 s: without the change signal
    # B would serve it without the listing for that long. (The sign-ins
    # above wrote on A: their signals may still end B's first entry.)
    def cached():
        assert Client(b).get(browse).status == 200
        h = hits(b)
        return Client(b).get(browse).status == 200 and hits(b) == h + 1
    wait(cached, 5, step=0.2)
    lid = create(owner, "achievement", submit=True)["id"]
    ok_act(admin, lid, "approve")                    # on A
    t = wait(lambda: lid in Client(b).get(browse).text, 2, step=0.05)
    print("NOTE: listing approved on A in B's cached browse list after %.2f s" % t)
    r = Client(b).get("/api/v1/listings/" + lid)
    assert r.status == 200 and r.json["status"] == "published", r


def search_json(node, q):
    r = Client(node).api("GET", "/api/v1/search?q=" + urllib.parse.quote(q))
    assert r.status == 200, r
    return r.json


def search_ids(node, q):
    return [h["id"] for h in search_json(node, q)["items"]]


def same_answer(n1, n2, q):
    """Two nodes answer q alike: the same total and the same scores (equal
    scores may come in another order: each copy numbers its documents)."""
    r1, r2 = search_json(n1, q), search_json(n2, q)
    assert r1["total"] == r2["total"] and r1["total"] > 0, (q, r1["total"], r2["total"])
    s1 = sorted(round(h["score"], 9) for h in r1["items"])
    s2 = sorted(round(h["score"], 9) for h in r2["items"])
    assert s1 == s2, (q, s1, s2)
    both = {h["id"]: h["score"] for h in r1["items"]}
    for h in r2["items"]:
        if h["id"] in both:
            assert abs(both[h["id"]] - h["score"]) < 1e-9, (q, h["id"])


def test_listing_approved_on_a_is_found_by_search_on_b(server):
    """Each node searches its own copy of the index (search/local.h), fed
    from the search outbox: B finds what A approved within 2 s, and both
    rank it the same."""
    if skipped():
        return
    a, b = W["a"], W["b"]
    assert a.ready()["search"] == "ready" and b.ready()["search"] == "ready"
    owner, admin = Client(a), Client(a)
    owner.login_as("scientist")
    admin.login_as("admin")
    word = "xnode%d" % (int(time.time() * 1000) % 10 ** 9)
    lid = create(owner, "achievement", submit=True, title="跨节点检索的巡检无人机 %s" % word)["id"]
    assert lid not in search_ids(b, word)            # submitted, not published: in no index
    ok_act(admin, lid, "approve")                    # on A
    assert search_ids(a, word) == [lid]              # the writer's own copy: at once
    t = wait(lambda: lid in search_ids(b, word), 2, step=0.02)
    print("NOTE: listing approved on A found by search on B after %.3f s" % t)
    W["searched"] = (word, lid)
    # Withdrawn on A: gone from B's search too.
    ok_act(owner, lid, "withdraw")
    t = wait(lambda: lid not in search_ids(b, word), 2, step=0.02)
    print("NOTE: withdrawn on A, gone from search on B after %.3f s" % t)
    # The same ranking on both nodes, over the demo's documents.
    for q in ("无人机", "巡检 视觉", "电池"):
        same_answer(a, b, q)


def test_a_fresh_node_builds_its_index_and_finds_everything(server):
    """A node started with an empty search_dir builds its copy from the
    database before it serves, then answers as the others do."""
    if skipped():
        return
    data = os.path.join(W["dir"], "shared")
    c = Node("c", W["url"], data)
    try:
        log = c.read_log()
        m = re.search(r"search: local index \S+ built from the database: (\d+) documents in ([0-9.]+) s", log)
        assert m, log
        print("NOTE: a fresh node built its copy of the index: %s documents in %s s" % (m.group(1), m.group(2)))
        assert int(m.group(1)) > 0
        assert c.ready()["search"] == "ready"
        for q in ("无人机", "巡检 视觉", "电池", "检测"):
            same_answer(c, W["b"], q)
        # And it follows new writes as the others do.
        owner, admin = Client(W["a"]), Client(W["a"])
        owner.login_as("scientist")
        admin.login_as("admin")
        word = "fresh%d" % (int(time.time() * 1000) % 10 ** 9)
        lid = create(owner, "achievement", submit=True, title="新节点检索 %s" % word)["id"]
        ok_act(admin, lid, "approve")
        t = wait(lambda: lid in search_ids(c, word), 2, step=0.02)
        print("NOTE: the fresh node found a listing approved on A after %.3f s" % t)
    finally:
        c.proc.send_signal(signal.SIGTERM)
        c.proc.wait(30)
        log = c.read_log()
        assert "ERROR: AddressSanitizer" not in log and "runtime error:" not in log, log[-3000:]


def test_kill_a_under_write_load(server):
    if skipped():
        return
    a, b, lb = W["a"], W["b"], W["lb"]
    assert a.ready()["leader"] is True
    writers = []
    for role in ("scientist", "scientist2"):
        c = Client(lb)
        c.login_as(role)
        writers.append(c)
    # errors: (sent, answered, what, path), times from time.time().
    acked, acked_at, registered, errors = [], [], [], []
    stop = threading.Event()
    lock = threading.Lock()

    def write(c):
        while not stop.is_set():
            t = time.time()
            try:
                r = c.api("POST", "/api/v1/listings", dict(listing_body("achievement"), submit=False))
                with lock:
                    if r.status == 201:
                        acked.append(r.json["id"])
                        acked_at.append(time.time())
                    else:
                        errors.append((t, time.time(), r.status, "listing"))
            except Exception as e:  # a connection cut by the kill
                with lock:
                    errors.append((t, time.time(), type(e).__name__, "listing"))

    def register():
        while not stop.is_set():
            t = time.time()
            email = unique_email("load")
            try:
                r = Client(lb).api("POST", "/api/v1/register", {"email": email, "password": DEFAULT_PASSWORD,
                                                                "name": "负载用户", "role": "scientist"})
                with lock:
                    (registered.append(email) if r.status == 202 else errors.append((t, time.time(), r.status, "register")))
            except Exception as e:
                with lock:
                    errors.append((t, time.time(), type(e).__name__, "register"))
            time.sleep(0.05)

    threads = [threading.Thread(target=write, args=(c,)) for c in writers] + [threading.Thread(target=register)]
    for t in threads:
        t.start()
    # A few seconds of load, and some registrations (a registration hashes
    # a password: 4 in 8 s at load 25 with ASan) whose mail the next
    # leader must send.
    t0 = time.time()
    while time.time() - t0 < 60 and (time.time() - t0 < 3 or len(registered) < 3):
        time.sleep(0.1)
    killed_at = time.time()
    a.proc.send_signal(signal.SIGKILL)
    a.proc.wait()
    dead_at = time.time()
    took = wait(lambda: b.ready()["leader"], 10)
    W["leader_moved_s"] = took
    time.sleep(max(0, 5 - took))
    t0 = time.time()
    while time.time() - t0 < 60 and len([t for t in acked_at if t > dead_at]) < 10:
        time.sleep(0.1)
    stop.set()
    for t in threads:
        t.join(60)
    # The only requests allowed to fail are those A held when it died: sent
    # before it was gone and answered after the kill (haproxy answers 502
    # for a request a node took and never answered: it may have been
    # written, so it is not retried). One sent before the kill is slow to
    # answer under load (a registration hashes a password: over a second
    # at load 17 with ASan) and fails with the kill; one answered before
    # the kill, or sent after A was gone, must not fail: haproxy resends a
    # refused connection to B (retry-on conn-failure, redispatch).
    in_flight = [e for e in errors if e[0] <= dead_at and e[1] >= killed_at and e[2] in (502, "RemoteDisconnected", "ConnectionResetError")]
    wrong = [e for e in errors if e not in in_flight]
    print("NOTE: %d listings and %d registrations acknowledged; %d errors, each a request A held when killed (sent %s s "
          "before the kill); B led %.2f s after the kill" % (len(acked), len(registered), len(in_flight),
                                                            ", ".join("%.2f" % (killed_at - e[0]) for e in in_flight) or "-", took))
    assert not wrong, ("failed requests A did not hold when it died (times from the kill)",
                       [(round(e[0] - killed_at, 3), round(e[1] - killed_at, 3), e[2], e[3]) for e in wrong],
                       [line for line in open(W["haproxy_log"].name).read().splitlines() if " 50" in line][-20:])
    # Writes on both sides of the kill: B took over.
    after_kill = len([t for t in acked_at if t > dead_at])
    assert len(acked) > 20 and after_kill >= 10 and len(registered) >= 3, (len(acked), after_kill, len(registered))
    # Every acknowledged write is there.
    ids = ",".join("'%s'" % i for i in acked)
    assert int(psql("SELECT count(*) FROM listings WHERE id IN (%s)" % ids)) == len(acked)
    emails = ",".join("'%s'" % e.lower() for e in registered)
    assert int(psql("SELECT count(*) FROM users WHERE email IN (%s)" % emails)) == len(registered)
    assert took < 5, "the job leader moved after %.1f s" % took
    # The mail queue drains on B: each verification e-mail once. One that
    # A had claimed when it died waits for its claim to end (60 s): end it.
    held = psql("SELECT count(*) FROM mail_queue WHERE status = 'queued' AND claimed_by IS NOT NULL")
    assert int(held) <= 1, held
    psql("UPDATE mail_queue SET claimed_until = 0 WHERE status = 'queued' AND claimed_by IS NOT NULL")
    smtp = W["smtp"]
    want = set(e.lower() for e in registered)

    def delivered():
        got = {}
        for m in smtp.messages():
            for rcpt in m["to"]:
                got[rcpt.lower()] = got.get(rcpt.lower(), 0) + 1
        return got
    wait(lambda: want <= set(delivered()), 60, step=0.5)
    time.sleep(2)
    got = delivered()
    twice = {e: n for e, n in got.items() if e in want and n > 1}
    assert not twice, twice
    assert psql("SELECT count(*) FROM mail_queue WHERE status = 'queued' AND to_addr IN (%s)" % emails) == "0"


def test_teardown(server):
    if W.get("skip"):
        return
    problems = []
    if "haproxy" in W:
        W["haproxy"].terminate()
        W["haproxy"].wait(10)
    for n in ("a", "b"):
        node = W.get(n)
        if node and node.proc.poll() is None:
            node.proc.send_signal(signal.SIGTERM)
            node.proc.wait(30)
            if node.proc.returncode != 0:
                problems.append("node %s exited with %s" % (n, node.proc.returncode))
        if node:
            log = node.read_log()
            if "ERROR: AddressSanitizer" in log or "runtime error:" in log:
                problems.append("node %s: sanitizer report\n%s" % (n, log[-3000:]))
    if "smtp" in W:
        W["smtp"].stop()
    if "url" in W:
        cluster.drop_database(W["url"])
    if "cluster" in W:
        W["cluster"].stop()
    shutil.rmtree(W["dir"], ignore_errors=True)
    assert not problems, problems
