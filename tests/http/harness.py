"""harness.py — start a real kejiyun server and talk HTTP to it.

Tests are plain functions named test_* taking a Server; run.py finds and
runs them. A Server is started on a free loopback port with a fresh data
directory (demo data loaded) and stopped with SIGTERM afterwards.
"""
import http.client
import json as jsonlib
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests"))
import timeline  # noqa: E402

# Set by run.py: the module (and lane) whose servers these are, for the
# suite's timeline (tests/timeline.py).
TIMELINE_MODULE = None
TIMELINE_LANE = None
TIMELINE_SUITE = "pg" if os.environ.get("KEJIYUN_TEST_PG") else "http"
# Every module registers its own users and searches from 127.0.0.1, on
# servers a lane shares or starts itself: no per-address limits on
# registration, reset requests and search there (test_security_limits sets
# its own with flags, which win over the environment). In os.environ, so
# that every kejiyun a test starts (nodes, installs) inherits it.
for _limit in ("KEJIYUN_REGISTER_MAX_IP", "KEJIYUN_RESET_MAX_IP", "KEJIYUN_SEARCH_MAX_IP"):
    os.environ.setdefault(_limit, "0")

BIN = os.environ.get("KEJIYUN_BIN", os.path.join(ROOT, "build", "san", "kejiyun"))

DEMO = {
    "admin": ("admin@demo.kejiyun.cn", "Admin-2026!"),
    "operator": ("operator@demo.kejiyun.cn", "Operator-2026!"),
    "scientist": ("zhang.wei@demo.kejiyun.cn", "Demo-2026!"),
    "scientist2": ("li.na@demo.kejiyun.cn", "Demo-2026!"),
    "org_member": ("liu.yang@demo.kejiyun.cn", "Demo-2026!"),
    "org_member2": ("wang.fang@demo.kejiyun.cn", "Demo-2026!"),
    # A plain member (not admin) of org_member's company, approved by its admin.
    "org_plain": ("zhou.qiang@demo.kejiyun.cn", "Demo-2026!"),
    # The operator of another service center (Xining, Qinghai).
    "operator2": ("operator.xining@demo.kejiyun.cn", "Operator-2026!"),
    # Staff (not heads) of the 德阳 and 旌阳区 centers (旌阳区 lies under 德阳).
    "center_staff": ("staff.deyang@demo.kejiyun.cn", "Operator-2026!"),
    "county_staff": ("staff.jingyang@demo.kejiyun.cn", "Operator-2026!"),
    # A resident (城乡群众) of 德阳市旌阳区 (issue 14 §6).
    "resident": ("chen.min@demo.kejiyun.cn", "Demo-2026!"),
}

# Credit codes of the demo organizations (src/demo/demo.c).
ORG_CODE = {"org_member": "91510100MA61RE0Q7E", "org_member2": "12630000MB1K7T2N9R"}

# Valid per GB 32100-2015 (check digit computed), belonging to no one.
VALID_CREDIT_CODE = "91510107MA6CFJ3P6C"


# The bearer token for /metrics that every test server is started with
# (--metrics-token); a module's SERVER_ARGS may override it.
METRICS_TOKEN = "test-metrics-token-0123456789"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def pg_database(data_dir):
    """On the PostgreSQL lane (KEJIYUN_TEST_PG: tests/pg/cluster.py), the
    database of the server whose data directory is data_dir: a new one
    for a new directory, the same one when a test starts a server again on
    the same directory (its name is kept in the directory). None on SQLite."""
    base = os.environ.get("KEJIYUN_TEST_PG")
    if not base:
        return None
    keep = os.path.join(data_dir, "pg-database-url")
    if os.path.exists(keep):
        with open(keep) as f:
            return f.read().strip()
    sys.path.insert(0, os.path.join(ROOT, "tests", "pg"))
    import cluster
    url = cluster.create_database(base)
    with open(keep, "w") as f:
        f.write(url)
    return url


def pg_demo_copy(data_dir, command, environment):
    """On the PostgreSQL lane, data_dir's database as a copy of a template
    (CREATE DATABASE … TEMPLATE) with the files the command left: the
    command (`kejiyun demo`, or `migrate` for a server without demo data,
    run with KEJIYUN_DB) runs once per cluster and binary into the
    template, which takes a second to copy where loading the demo through
    PostgreSQL takes about as long as a module's tests. Returns the URL,
    or None (not on that lane, or data_dir has its database already).
    Every copy has the template's instance id: two instances that must
    differ (federation) load their own demo (Server(fresh_demo=True))."""
    base, scratch = os.environ.get("KEJIYUN_TEST_PG"), os.environ.get("KEJIYUN_TEST_PG_DIR")
    if not base or not scratch or os.path.exists(os.path.join(data_dir, "pg-database-url")):
        return None
    import fcntl
    import hashlib
    sys.path.insert(0, os.path.join(ROOT, "tests", "pg"))
    import cluster
    st = os.stat(BIN)
    key = hashlib.sha1(repr((BIN, st.st_mtime_ns, st.st_size, command[1:])).encode()).hexdigest()[:12]
    tdir = os.path.join(scratch, "demo-" + key)
    marker = os.path.join(tdir, "template-database")
    # Lanes are processes: one makes the template, the others wait for it;
    # the copies too are made one at a time (a template must have no
    # other session while it is copied).
    with open(tdir + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.exists(marker):
            shutil.rmtree(tdir, ignore_errors=True)
            os.makedirs(tdir)
            url = cluster.create_database(base, prefix="tpl")
            if command[1] == "demo" and os.environ.get("KEJIYUN_TEST_PG_DEMO") != "load":
                # The demo loaded on SQLite and moved by migrate-data (rows
                # in batches, counts verified): 2-4 s, where loading it
                # through PostgreSQL, a round trip a row, took 30 s on a
                # busy machine and 190 s beside the whole suite. The demo
                # loader itself runs on PostgreSQL in test_multinode;
                # KEJIYUN_TEST_PG_DEMO=load loads it here too.
                sq = dict(environment)
                sq.pop("KEJIYUN_DB", None)
                subprocess.run([*command, "--data", tdir], check=True, stdout=subprocess.DEVNULL, env=sq, cwd=ROOT)
                subprocess.run([BIN, "migrate-data", "--from", "sqlite:%s/kejiyun.db" % tdir, "--to", url, "--data", tdir],
                               check=True, stdout=subprocess.DEVNULL, env=sq, cwd=ROOT)
                for name in os.listdir(tdir):
                    if name.startswith("kejiyun.db"):
                        os.remove(os.path.join(tdir, name))
            else:
                subprocess.run([*command, "--data", tdir], check=True, stdout=subprocess.DEVNULL,
                               env=dict(environment, KEJIYUN_DB=url), cwd=ROOT)
            with open(marker, "w") as f:
                f.write(url.rsplit("/", 1)[1])
        with open(marker) as f:
            template = f.read().strip()
        url = cluster.create_database(base, template=template)
    for name in os.listdir(tdir):
        src = os.path.join(tdir, name)
        if name == "template-database" or name.startswith("server-"):
            continue
        if os.path.isdir(src):
            shutil.copytree(src, os.path.join(data_dir, name), dirs_exist_ok=True)
        else:
            shutil.copy(src, os.path.join(data_dir, name))
    with open(os.path.join(data_dir, "pg-database-url"), "w") as f:
        f.write(url)
    return url


def sqlite_demo_copy(data_dir, command, environment):
    """On SQLite, data_dir gets a copy of the demo (the database file and
    the files it refers to) that `command` (`kejiyun demo [--profile P]`)
    made once per binary and profile in the run's scratch directory
    (KEJIYUN_TEST_SCRATCH, made by run.py): a copy takes milliseconds where
    loading the demo under ASan costs about 3 s of CPU, and a run starts
    some 80 servers. Returns True, or False where there is no scratch
    directory (or KEJIYUN_TEST_DEMO_COPY=0: every server loads its own).
    As on PostgreSQL (pg_demo_copy) every copy has the template's
    instance id: an instance that must differ loads its own
    (Server(fresh_demo=True))."""
    scratch = os.environ.get("KEJIYUN_TEST_SCRATCH")
    if not scratch or not os.path.isdir(scratch) or os.environ.get("KEJIYUN_TEST_DEMO_COPY") == "0":
        return False
    import fcntl
    import hashlib
    st = os.stat(BIN)
    key = hashlib.sha1(repr((BIN, st.st_mtime_ns, st.st_size, command[1:])).encode()).hexdigest()[:12]
    tdir = os.path.join(scratch, "demo-" + key)
    marker = os.path.join(scratch, "demo-" + key + ".done")
    # Lanes are processes: the first makes the template, the others wait.
    with open(tdir + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.exists(marker):
            shutil.rmtree(tdir, ignore_errors=True)
            subprocess.run([*command, "--data", tdir], check=True, stdout=subprocess.DEVNULL,
                           env=environment, cwd=ROOT)
            with open(marker, "w") as f:
                f.write(command[0])
    os.makedirs(data_dir, exist_ok=True)
    for name in os.listdir(tdir):
        src = os.path.join(tdir, name)
        if os.path.isdir(src):
            shutil.copytree(src, os.path.join(data_dir, name), dirs_exist_ok=True)
        else:
            shutil.copy(src, os.path.join(data_dir, name))
    return True


class Server:
    def __init__(self, extra_args=(), demo=True, env=None, data_dir=None, test_mode=True, fresh_demo=False):
        t_begin, cpu_begin = time.time(), timeline.children_cpu()
        self.dir = data_dir or tempfile.mkdtemp(prefix="kejiyun-test-")
        self.port = free_port()
        self.base = "127.0.0.1:%d" % self.port
        self.log = open(os.path.join(self.dir, "server-%d.log" % self.port), "w+")
        environment = dict(os.environ)
        environment.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        # A server started with --profile P loads that province's demo.
        args = list(extra_args)
        profile = ["--profile", args[args.index("--profile") + 1]] if "--profile" in args else []
        demo_command = [BIN, "demo", *profile]
        # On the PostgreSQL lane, a copy of a template: the demo, or an empty
        # migrated database (migrations through PostgreSQL take long too).
        copied = not fresh_demo and pg_demo_copy(self.dir, demo_command if demo else [BIN, "migrate"],
                                                 dict(environment, **(env or {})))
        self.db_url = pg_database(self.dir)
        if self.db_url:
            environment["KEJIYUN_DB"] = self.db_url
        environment.update(env or {})
        if demo and not copied and not self.db_url and not fresh_demo and not env:
            copied = sqlite_demo_copy(self.dir, demo_command, environment)
        if demo and not copied:
            subprocess.run([*demo_command, "--data", self.dir], check=True, stdout=subprocess.DEVNULL,
                           env=environment, cwd=ROOT)
        t_serve, cpu_serve = time.time(), timeline.children_cpu()
        # test_mode=False: a server as in production, without /__test routes.
        mode = ["--test-mode"] if test_mode else []

        def command():
            return [BIN, "serve", "--data", self.dir, "--listen", self.base, *mode,
                    "--metrics-token", METRICS_TOKEN, *extra_args]
        self.proc = subprocess.Popen(command(), stdout=self.log, stderr=self.log, env=environment, cwd=ROOT)
        # Generous: under ASan at load 25-30 a start on PostgreSQL took over
        # 30 s (nothing here measures start time).
        started = time.time()
        deadline = started + 90
        tries = 1
        while time.time() < deadline:
            if self.proc.poll() is not None:
                # Test lanes run in parallel: another lane's server may have
                # taken the port between free_port() and the bind. Retry.
                if "address in use" in self.read_log() and tries < 5 and "--listen" not in extra_args:
                    tries += 1
                    self.port = free_port()
                    self.base = "127.0.0.1:%d" % self.port
                    # The same command as the first try (it once lacked the
                    # metrics token: /metrics then answered 401 to the test).
                    self.proc = subprocess.Popen(command(), stdout=self.log, stderr=self.log, env=environment, cwd=ROOT)
                    continue
                raise RuntimeError("server exited early:\n" + self.read_log())
            try:
                r = Client(self).get("/healthz")
                if r.status == 200:
                    timeline.record("server", " ".join(extra_args)[:80], t_begin, time.time(),
                                    module=TIMELINE_MODULE, lane=TIMELINE_LANE, suite=TIMELINE_SUITE,
                                    demo=round(t_serve - t_begin, 2) if demo else 0,
                                    demo_cpu=round(cpu_serve - cpu_begin, 2) if demo else 0,
                                    up=round(time.time() - t_serve, 2), up_cpu=round(timeline.proc_cpu(self.proc.pid), 2),
                                    copied=bool(copied))
                    return
            except OSError:
                pass
            time.sleep(0.1)
        # Not left running when the test gives up on it.
        self.proc.kill()
        self.proc.wait()
        raise RuntimeError("server did not become healthy in %.0f s:\n%s" % (time.time() - started, self.read_log()[-2000:]))

    def read_log(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM):
        """Stops the server; returns (exit code, log)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode, self.read_log()

    def cleanup(self):
        self.stop()
        self.log.close()
        keep = os.environ.get("KEJIYUN_TEST_KEEP_LOGS")   # a directory: server logs kept there
        if keep:
            os.makedirs(keep, exist_ok=True)
            shutil.copy(self.log.name, os.path.join(keep, os.path.basename(self.dir) + "-" + os.path.basename(self.log.name)))
        if self.db_url:
            sys.path.insert(0, os.path.join(ROOT, "tests", "pg"))
            import cluster
            cluster.drop_database(self.db_url)
        shutil.rmtree(self.dir, ignore_errors=True)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers          # list of (name, value)
        self.body = body                # bytes

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def headers_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    @property
    def json(self):
        return jsonlib.loads(self.body)

    def __repr__(self):
        return "<%d %s>" % (self.status, self.text[:300])


# A request that took longer than this is recorded in the timeline.
SLOW_REQUEST_S = 3.0


def note_wait(what, started, limit):
    """Records in the timeline a test's wait for something to happen (an
    e-mail, a job's effect) that took over SLOW_REQUEST_S, with its limit:
    the waits that come close to their limits on a busy machine."""
    took = time.time() - started
    if took > SLOW_REQUEST_S:
        timeline.record("request", "wait: " + what, started, started + took, module=TIMELINE_MODULE,
                        lane=TIMELINE_LANE, suite=TIMELINE_SUITE, limit=limit)


class Client:
    """One browser-like user: keeps cookies, knows the CSRF token. source
    is the local address to connect from (another loopback address, such
    as 127.0.0.2, is another client address as the server sees it)."""

    def __init__(self, server, source=None):
        self.server = server
        self.cookies = {}
        self.token = None   # bearer token, when set
        self.source = source
        # Seconds per request: liveness, not speed (no test claims a latency
        # through it). On a busy machine an approval on PostgreSQL under ASan
        # took 26 s and a login 13 s (tests/timeline.py report lists the
        # requests over 3 s), so 30 s was too close.
        self.timeout = 120

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection(self.server.base, timeout=self.timeout,
                                          source_address=(self.source, 0) if self.source else None)
        h = {"Accept-Language": "zh-CN"}
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        h.update(headers or {})
        t0 = time.time()
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            resp = Response(r.status, r.getheaders(), r.read())
        except TimeoutError as e:
            # "timed out" alone names neither the request nor the limit:
            # a failure report must say which answer was late.
            raise TimeoutError("%s %s: no answer within the client's %s s (waited %.1f s)" % (
                method, path.split("?")[0], self.timeout, time.time() - t0)) from e
        finally:
            conn.close()
        took = time.time() - t0
        if took > SLOW_REQUEST_S:
            # Where requests come close to the client's limit under load
            # (tests/timeline.py report lists them).
            timeline.record("request", "%s %s" % (method, path.split("?")[0]), t0, t0 + took,
                            module=TIMELINE_MODULE, lane=TIMELINE_LANE, suite=TIMELINE_SUITE,
                            status=resp.status, limit=self.timeout)
        for v in resp.headers_all("Set-Cookie"):
            name, _, rest = v.partition("=")
            value = rest.split(";")[0]
            if "Max-Age=0" in v:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return resp

    def get(self, path, headers=None):
        return self.request("GET", path, headers=headers)

    def metrics(self):
        """The /metrics text, with the servers' metrics token."""
        r = self.request("GET", "/metrics", headers={"Authorization": "Bearer " + METRICS_TOKEN})
        assert r.status == 200, r
        return r.text

    def csrf(self):
        if "kj_csrf" not in self.cookies:
            self.get("/login")
        return self.cookies.get("kj_csrf")

    def post_form(self, path, fields, with_csrf=True, headers=None):
        fields = dict(fields)
        if with_csrf:
            fields.setdefault("_csrf", self.csrf())
        body = urllib.parse.urlencode(fields, doseq=True)
        h = {"Content-Type": "application/x-www-form-urlencoded"}
        h.update(headers or {})
        return self.request("POST", path, body=body, headers=h)

    def api(self, method, path, obj=None, headers=None, with_csrf=True):
        """A JSON API call. Like a page's script, a write signed in by the
        session cookie echoes the kj_csrf cookie in X-CSRF-Token (an API
        GET with the session cookie hands one out when missing)."""
        h = {"Accept": "application/json"}
        if with_csrf and method not in ("GET", "HEAD") and "kj_session" in self.cookies:
            if "kj_csrf" not in self.cookies:
                self.request("GET", "/api/v1/me", headers={"Accept": "application/json"})
            if "kj_csrf" in self.cookies:
                h["X-CSRF-Token"] = self.cookies["kj_csrf"]
        body = None
        if obj is not None:
            body = jsonlib.dumps(obj)
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        return self.request(method, path, body=body, headers=h)

    def login(self, email, password):
        r = self.post_form("/login", {"email": email, "password": password})
        assert r.status == 303, r
        return r

    def login_as(self, role):
        return self.login(*DEMO[role])


def multipart_body(fields, files):
    """A multipart/form-data body: fields [(name, value)], files [(name, (filename,
    content type, bytes))]. Returns (body, Content-Type header value)."""
    boundary = "----kj" + uuid.uuid4().hex
    out = b""
    for name, value in fields:
        out += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n" % (boundary, name, value)).encode()
    for name, (filename, ctype, data) in files:
        out += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\nContent-Type: %s\r\n\r\n"
                % (boundary, name, filename, ctype)).encode() + data + b"\r\n"
    out += ("--%s--\r\n" % boundary).encode()
    return out, "multipart/form-data; boundary=" + boundary


def raw_request(server, data, timeout=10):
    """Sends raw bytes and returns the raw response (for malformed requests)."""
    s = socket.create_connection(("127.0.0.1", server.port), timeout=timeout)
    s.sendall(data)
    chunks = []
    try:
        while True:
            c = s.recv(65536)
            if not c:
                break
            chunks.append(c)
            if b"\r\n\r\n" in b"".join(chunks) and len(b"".join(chunks)) > 0:
                # read until the server closes or the body is complete
                head, _, rest = b"".join(chunks).partition(b"\r\n\r\n")
                m = re.search(rb"Content-Length: (\d+)", head, re.I)
                if m and len(rest) >= int(m.group(1)):
                    break
    except socket.timeout:
        pass
    s.close()
    return b"".join(chunks)


def status_of(raw):
    m = re.match(rb"HTTP/1\.[01] (\d{3})", raw)
    return int(m.group(1)) if m else None


_counter = [0]


def unique_email(prefix="user"):
    _counter[0] += 1
    return "%s.%d.%d@example.cn" % (prefix, os.getpid(), _counter[0] + int(time.time() * 1000) % 1000000)


_CC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def credit_code(seq, division="510107"):
    """A fresh unified social credit code (GB 32100-2015 check digit) for tests."""
    org = "MA%07d" % seq
    body = "91" + division + org[:9]
    total = sum(_CC_CHARS.index(ch) * w for ch, w in zip(body, _CC_WEIGHTS))
    check = (31 - total % 31) % 31
    return body + _CC_CHARS[check]


# ---- registration: the answer never says whether the address was new;
# a verification link goes out through the mail queue (read here from the
# database, where it waits when no SMTP server is configured).

DEFAULT_PASSWORD = "Kj-Test-2026!"


def _sql_literal(v):
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, (int, float)):
        return repr(v)
    return "'" + str(v).replace("'", "''") + "'"


def db_rows(server, sql, *args):
    """Rows (dicts) of a read-only query on the server's database, for
    tests that look behind the API (the mail queue, say): SQLite through
    sqlite3, PostgreSQL (the PostgreSQL lane) through psql, with the '?'
    parameters written in as quoted literals (test-side only)."""
    if getattr(server, "db_url", None):
        parts = sql.split("?")
        assert len(parts) == len(args) + 1, "parameters do not match the '?' of " + sql
        text = parts[0] + "".join(_sql_literal(a) + p for a, p in zip(args, parts[1:]))
        out = subprocess.run(["psql", "-X", "-q", "-A", "-t", server.db_url, "-c",
                              "SELECT coalesce(json_agg(q), '[]') FROM (%s) q" % text],
                             check=True, stdout=subprocess.PIPE, text=True).stdout
        return jsonlib.loads(out)
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(server.dir, "kejiyun.db"), uri=True)
    db.row_factory = sqlite3.Row
    rows = [dict(r) for r in db.execute(sql, args)]
    db.close()
    return rows


class DbError(Exception):
    """A statement the database refused (db_exec): its message, from
    either backend (a trigger's "… is append-only", say)."""


def is_pg(server):
    """True on the PostgreSQL lane: the server's database is PostgreSQL."""
    return bool(getattr(server, "db_url", None))


def db_exec(server, *statements):
    """Writes behind the server's back, as an operator's SQL console would
    (tests of what kejiyun does about such writes: a stale cache, a broken
    hash chain, a missing migration). Each statement is (sql, args...) or a
    bare sql string; all run in one transaction, on SQLite through sqlite3,
    on PostgreSQL through psql (the '?' written in as quoted literals,
    test-side only). A refused statement raises DbError and nothing is
    kept. Portable SQL only: both backends run the same text."""
    stmts = [(s, ()) if isinstance(s, str) else (s[0], tuple(s[1:])) for s in statements]
    if is_pg(server):
        texts = []
        for sql, args in stmts:
            parts = sql.split("?")
            assert len(parts) == len(args) + 1, "parameters do not match the '?' of " + sql
            texts.append(parts[0] + "".join(_sql_literal(a) + p for a, p in zip(args, parts[1:])))
        # One -c string is one implicit transaction in PostgreSQL.
        out = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", server.db_url, "-c", ";\n".join(texts)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if out.returncode != 0:
            raise DbError(out.stderr.strip())
        return
    db = sqlite3.connect(os.path.join(server.dir, "kejiyun.db"), timeout=10)
    try:
        for sql, args in stmts:
            db.execute(sql, args)
        db.commit()
    except sqlite3.DatabaseError as e:
        db.rollback()
        raise DbError(str(e))
    finally:
        db.close()


def cli_env(data_dir):
    """The environment for a kejiyun command on data_dir's instance: on the
    PostgreSQL lane, KEJIYUN_DB names that directory's database (as for its
    server), so a command reaches the same data as the server does."""
    env = dict(os.environ)
    url = pg_database(data_dir)
    if url:
        env["KEJIYUN_DB"] = url
    return env


def cli(target, *args, check=False, **kw):
    """Runs `kejiyun ARGS...` (from the source tree, output captured as
    text) on target's database: target is a Server or a data directory.
    Pass --data in args where the command takes it."""
    data_dir = getattr(target, "dir", target)
    kw.setdefault("capture_output", True)
    return subprocess.run([BIN, *args], text=True, cwd=ROOT, env=cli_env(data_dir), check=check, **kw)


class Instance:
    """A data directory and its database without a server (a copy to
    tamper with): db_exec, db_rows and cli take it as they take a Server."""

    def __init__(self, data_dir, db_url=None):
        self.dir = data_dir
        self.db_url = db_url


def copy_database(server, dst_dir):
    """Copies the (stopped) server's database for dst_dir and returns that
    Instance: SQLite's files into the directory, or on PostgreSQL a new
    database made from the server's as its template (recorded in dst_dir
    as pg_database keeps it, so cli(dst_dir, ...) reaches it)."""
    if is_pg(server):
        sys.path.insert(0, os.path.join(ROOT, "tests", "pg"))
        import cluster
        url = cluster.create_database(os.environ["KEJIYUN_TEST_PG"], template=server.db_url.rsplit("/", 1)[1])
        with open(os.path.join(dst_dir, "pg-database-url"), "w") as f:
            f.write(url)
        return Instance(dst_dir, url)
    for name in os.listdir(server.dir):
        if name.startswith("kejiyun.db"):
            shutil.copy(os.path.join(server.dir, name), os.path.join(dst_dir, name))
    return Instance(dst_dir)


def drop_copy(instance):
    """Removes a copy made by copy_database (its directory, its database)."""
    if instance.db_url:
        sys.path.insert(0, os.path.join(ROOT, "tests", "pg"))
        import cluster
        cluster.drop_database(instance.db_url)
    shutil.rmtree(instance.dir, ignore_errors=True)


def mail_queue(server, where="1=1", *args):
    # Insertion order: SQLite's rowid; PostgreSQL has none, the ids (ULIDs) follow time.
    order = "id" if getattr(server, "db_url", None) else "rowid"
    return db_rows(server, "SELECT * FROM mail_queue WHERE " + where + " ORDER BY created_at, " + order, *args)


# SMTP sinks running now (test_deal_mail.Smtp adds itself): with one, the
# mail worker sends a one-time link at once and then removes it from the
# queue's copy, so the link is read from what the sink received.
SMTP_SINKS = []


def verification_token(server, email):
    """The token of the newest verification link sent to email."""
    rows = mail_queue(server, "to_addr = ? AND category = 'account.verify'", email.lower())
    assert rows, "no verification e-mail for %s" % email
    pattern = r"/verify-email\?token=([A-Za-z0-9_-]+)"
    m = re.search(pattern, rows[-1]["body"])
    if not m:
        for _ in range(120):
            sent = [x for sink in SMTP_SINKS for x in sink.messages()
                    if email.lower() in str(x["to"]).lower() and re.search(pattern, x["body"])]
            if sent:
                m = re.search(pattern, sent[-1]["body"])
                break
            time.sleep(0.5)
    assert m, rows[-1]["body"]
    return m.group(1)


def verify_email(server, email):
    r = Client(server).get("/verify-email?token=" + verification_token(server, email))
    assert r.status == 200, r
    return r


def register(server, email=None, password=DEFAULT_PASSWORD, name="测试用户", role="scientist", verify=True, **extra):
    """Registers through the API (202, nothing said about the account),
    follows the verification link unless verify is False, signs in (web
    session) and returns (client, /api/v1/me)."""
    email = email or unique_email(role)
    body = dict({"email": email, "password": password, "name": name, "role": role}, **extra)
    r = Client(server).api("POST", "/api/v1/register", body)
    assert r.status == 202, r
    if verify:
        verify_email(server, email)
    c = Client(server)
    c.login(email, password)
    return c, c.api("GET", "/api/v1/me").json
