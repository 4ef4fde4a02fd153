#!/usr/bin/env python3
"""client.py — the HTTP side of bench/scale/run that wrk cannot do.

Owns: the query list built from the generated CSV (`queries`), sequential
latency measurement over one keep-alive connection (`seq`), the count check
of a browse filter (`total`), and the create → approve → matches cycle for
new demands (`demands`). Every sub-command prints one machine-readable
line, `SCALE_RESULT key=value ...`, which bench/scale/run parses; anything
else on stdout is for humans. Latencies are wall-clock from sending the
request to having read the whole body (time.perf_counter), in milliseconds.

Standard library only, so it runs with whatever python3 the box has.
Percentiles are nearest-rank: the value at position ceil(p/100 * n) of the
sorted samples, so p99 of 200 samples is the second-largest.
"""
import argparse
import csv
import http.client
import json
import math
import os
import random
import re
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import gen_listings  # noqa: E402  (bench/gen_listings.py: the data's vocabulary)

FRISO_DICT = "/usr/share/friso/dict/UTF-8"
# Read with the friso lexicon the product's analyzer also uses, so query
# words are dictionary words; the server still segments them its own way.
FRISO_LEXICONS = ("lex-main.lex", "lex-lname.lex", "lex-cn-place.lex", "lex-company.lex")
MAX_WORD_CHARS = 8
CSV_SAMPLE_ROWS = 20000   # rows read for vocabulary: the generator is i.i.d.
FILTER_KINDS = ("domain", "region", "kind", "trl_min")


def result(**kv):
    """Prints the one line bench/scale/run reads."""
    print("SCALE_RESULT " + " ".join("%s=%s" % (k, v) for k, v in kv.items()), flush=True)


def percentile(sorted_values, p):
    if not sorted_values:
        return 0.0
    k = max(1, math.ceil(p / 100.0 * len(sorted_values)))
    return sorted_values[k - 1]


def stats(samples_ms):
    s = sorted(samples_ms)
    return {"n": len(s), "p50_ms": "%.2f" % percentile(s, 50), "p99_ms": "%.2f" % percentile(s, 99),
            "max_ms": "%.2f" % (s[-1] if s else 0), "mean_ms": "%.2f" % (sum(s) / len(s) if s else 0)}


class Conn:
    """One keep-alive connection; reconnects if the server closed it."""

    def __init__(self, base, timeout=120):
        u = urllib.parse.urlsplit(base)
        self.host, self.port, self.timeout = u.hostname, u.port, timeout
        self.c = None
        self.headers = {}   # of the last answer, names lower-cased

    def request(self, method, path, body=None, headers=None):
        """(status, body bytes, seconds) of one request; body is JSON if given."""
        hdrs = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        for attempt in (1, 2):
            if self.c is None:
                self.c = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            t0 = time.perf_counter()
            try:
                self.c.request(method, path, body=data, headers=hdrs)
                r = self.c.getresponse()
                payload = r.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.c.close()
                self.c = None
                if attempt == 2:
                    raise
                continue
            dt = time.perf_counter() - t0
            self.headers = dict((k.lower(), v) for k, v in r.getheaders())
            if r.getheader("Connection", "").lower() == "close":
                self.c.close()
                self.c = None
            return r.status, payload, dt
        raise RuntimeError("unreachable")


# ---------------------------------------------------------------- queries

def load_lexicon():
    words = set()
    for name in FRISO_LEXICONS:
        path = os.path.join(FRISO_DICT, name)
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8", errors="ignore") as f:
            for line in f:
                w = line.split("/", 1)[0].strip()
                if 2 <= len(w) <= MAX_WORD_CHARS:
                    words.add(w)
    return words


def segment(text, lexicon):
    """Forward maximum matching; keeps dictionary words of 2+ characters."""
    out, i = [], 0
    while i < len(text):
        for n in range(min(MAX_WORD_CHARS, len(text) - i), 1, -1):
            if text[i:i + n] in lexicon:
                out.append(text[i:i + n])
                i += n
                break
        else:
            i += 1
    return out


def read_rows(path, limit):
    with open(path, encoding="utf-8-sig", newline="") as f:
        for i, row in enumerate(csv.DictReader(f)):
            if i >= limit:
                break
            yield row


def row_words(row, lexicon):
    """Distinct words of a row: its keywords and the words of its title's
    subject (the generator's SUBJECTS; the phrase around it is template
    text such as 一种…方法, not what a user would type)."""
    words = [k for k in row["keywords"].split("|") if k]
    for subject in gen_listings.SUBJECTS:
        if subject in row["title"]:
            words += segment(subject, lexicon) if lexicon else [subject]
            break
    seen, out = set(), []
    for w in words:
        if w not in seen:
            seen.add(w)
            out.append(w)
    return out


def row_filter(row, which):
    """One browse filter the row itself satisfies, so no query is empty."""
    if which == "domain":
        return "domain", row["domain"][:3]
    if which == "region":
        return "region", row["region"][:2] + "0000"
    if which == "kind":
        return "kind", row["kind"]
    level = row["trl"] or row["trl_min"] or "1"
    return "trl_min", str(max(1, int(level) - 2))


def cmd_queries(a):
    rng = random.Random(a.seed)
    lexicon = load_lexicon()
    rows = list(read_rows(a.csv, CSV_SAMPLE_ROWS))
    paths, shown = [], []
    while len(paths) < a.n:
        row = rng.choice(rows)
        words = row_words(row, lexicon)
        if len(words) < 2:
            continue
        terms = rng.sample(words, rng.randint(2, min(4, len(words))))
        key, value = row_filter(row, FILTER_KINDS[len(paths) % len(FILTER_KINDS)])
        q = " ".join(terms)
        paths.append("/api/v1/search?" + urllib.parse.urlencode({"q": q, key: value}))
        shown.append("%s  [%s=%s]" % (q, key, value))
    with open(a.out, "w", encoding="utf-8") as f:
        f.write("\n".join(paths) + "\n")
    with open(a.out + ".txt", "w", encoding="utf-8") as f:
        f.write("\n".join(shown) + "\n")
    result(queries=len(paths), lexicon_words=len(lexicon), sample_rows=len(rows),
           example=urllib.parse.quote(shown[0]))


# ---------------------------------------------------------------- seq

def cmd_seq(a):
    """Warm-up requests (not counted), then a.count measured ones. With a
    budget in seconds, warm-up stops after a quarter of it and measurement
    when it is spent: a slow endpoint yields fewer samples (reported as n,
    with truncated=1) rather than a run of hours."""
    paths = [p.strip() for p in open(a.paths, encoding="utf-8") if p.strip()] if a.paths else [a.path]
    headers = dict(h.split(":", 1) for h in a.header)
    headers = {k.strip(): v.strip() for k, v in headers.items()}
    c = Conn(a.base, timeout=a.timeout)
    start = time.monotonic()
    spent = lambda: time.monotonic() - start  # noqa: E731
    errors, nbytes, samples = 0, 0, []
    for i in range(a.warmup):
        if a.budget and spent() > a.budget / 4:
            break
        c.request("GET", paths[i % len(paths)], headers=headers)
    truncated = 0
    statements, db_ms = [], []
    each = open(a.each, "w", encoding="utf-8") if a.each else None
    for i in range(a.count):
        if a.budget and samples and spent() > a.budget:
            truncated = 1
            break
        status, body, dt = c.request("GET", paths[i % len(paths)], headers=headers)
        # Server-Timing: db;desc="N statements";dur=MS (src/web/app.c)
        m = re.search(r'db;desc="(\d+) statements";dur=([0-9.]+)', c.headers.get("server-timing", ""))
        if m:
            statements.append(int(m.group(1)))
            db_ms.append(float(m.group(2)))
        if status != 200:
            errors += 1
            if errors <= 3:
                print("seq: %s -> %d %s" % (paths[i % len(paths)], status, body[:200]), file=sys.stderr)
        nbytes += len(body)
        samples.append(dt * 1000)
        if each:
            # one line a request: ms, the server's own account (Server-Timing), the path
            each.write("%.2f\t%s\t%s\n" % (dt * 1000, c.headers.get("server-timing", ""), paths[i % len(paths)]))
    if each:
        each.close()
    db = stats(db_ms) if db_ms else {"p50_ms": "-"}
    result(errors=errors, avg_bytes=nbytes // max(1, len(samples)), truncated=truncated,
           statements=max(statements) if statements else "-", db_p50_ms=db["p50_ms"], **stats(samples))


def cmd_slowest(a):
    """The a.n slowest requests of a `seq --each` file, one line each: wall
    ms, the query and its filter, and the server's own account of where the
    search's time went (Server-Timing: search, strict/relaxed matches, hits,
    db)."""
    rows = []
    for line in open(a.each, encoding="utf-8"):
        ms, timing, path = line.rstrip("\n").split("\t")
        rows.append((float(ms), timing, path))
    rows.sort(key=lambda r: -r[0])
    for ms, timing, path in rows[:a.n]:
        params = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
        text = params.pop("q", [""])[0]
        filt = "&".join("%s=%s" % (k, v[0]) for k, v in params.items())
        print("%8.2f ms  %s  [%s]  %s" % (ms, text, filt, timing))


# ---------------------------------------------------------------- total

def cmd_total(a):
    status, body, _ = Conn(a.base).request("GET", a.path)
    if status != 200:
        print("total: %s -> %d %s" % (a.path, status, body[:300]), file=sys.stderr)
        sys.exit(1)
    result(total=json.loads(body)["total"])


# ---------------------------------------------------------------- demands

def login(c, email, password):
    status, body, _ = c.request("POST", "/api/v1/login", {"email": email, "password": password})
    if status != 200:
        sys.exit("demands: login as %s failed: %d %s" % (email, status, body[:200]))
    return {"Authorization": "Bearer " + json.loads(body)["token"]}


def cmd_login(a):
    """A session token for a signed-in scenario (sent as the kj_session
    cookie, as a browser does)."""
    status, body, _ = Conn(a.base).request("POST", "/api/v1/login", {"email": a.email, "password": a.password})
    if status != 200:
        sys.exit("login as %s failed: %d %s" % (a.email, status, body[:200]))
    result(token=json.loads(body)["token"])


def demand_body(row, i, tag):
    """A new demand modelled on a generated one, with a title of its own."""
    title = re.sub(r"（\d+）$", "", row["title"])
    body = {"kind": "demand", "submit": True,
            "title": "%s（规模测试%s-%d）" % (title, tag, i + 1),
            "summary": row["summary"], "description": row["description"],
            "keywords": [k for k in row["keywords"].split("|") if k],
            "domain": row["domain"], "region": row["region"],
            "coop_modes": [m for m in row["coop_modes"].split("|") if m],
            "price_kind": row["price_kind"]}
    if row["trl_min"]:
        body["trl_min"] = int(row["trl_min"])
    for k in ("price_min", "price_max", "deadline"):
        if row[k]:
            body[k] = row[k]
    if row["indicators"]:
        body["indicators"] = [dict(zip(("name", "target", "unit"), ind.split(":", 2)))
                              for ind in row["indicators"].split("|")]
    return body


def cmd_demands(a):
    rng = random.Random(a.seed)
    rows = [r for r in read_rows(a.csv, CSV_SAMPLE_ROWS) if r["kind"] == "demand"]
    picked = rng.sample(rows, a.n + a.warmup)
    owner, admin, reader = Conn(a.base), Conn(a.base), Conn(a.base)
    owner_auth = login(owner, a.owner, a.owner_password)
    admin_auth = login(admin, a.admin, a.admin_password)
    tag = time.strftime("%H%M%S")
    approve_ms, matches_ms, total_ms, counts, match_ms = [], [], [], [], []
    start = time.monotonic()
    for i, row in enumerate(picked):
        if a.budget and approve_ms and time.monotonic() - start > a.budget:
            print("  time budget of %.0f s spent: stopping after %d demands" % (a.budget, len(approve_ms)), flush=True)
            break
        status, body, _ = owner.request("POST", "/api/v1/listings", demand_body(row, i, tag), owner_auth)
        if status != 201:
            sys.exit("demands: create failed: %d %s" % (status, body[:600].decode(errors="replace")))
        lid = json.loads(body)["id"]
        status, body, dt = admin.request("POST", "/api/v1/listings/%s/actions" % lid, {"action": "approve"}, admin_auth)
        if status != 200 or json.loads(body).get("status") != "published":
            sys.exit("demands: approve failed: %d %s" % (status, body[:600].decode(errors="replace")))
        if i < a.warmup:   # the first approves after a start read cold pages: not counted
            print("  warm-up demand %d: approve %.1f ms" % (i + 1, dt * 1000), flush=True)
            continue
        approve_ms.append(dt * 1000)
        # Server-Timing: match;dur=12.34 — the matching inside the approve
        m = re.search(r"match;dur=([0-9.]+)", admin.headers.get("server-timing", ""))
        match_ms.append(float(m.group(1)) if m else float("nan"))
        status, body, dt = reader.request("GET", "/api/v1/listings/%s/matches?limit=20" % lid)
        if status != 200:
            sys.exit("demands: matches failed: %d %s" % (status, body[:300]))
        matches_ms.append(dt * 1000)
        counts.append(len(json.loads(body)["items"]))
        total_ms.append(approve_ms[-1] + matches_ms[-1])
        print("  demand %2d: approve %8.1f ms (matching %6.1f ms), matches GET %6.1f ms, %2d matches  %s"
              % (i + 1 - a.warmup, approve_ms[-1], match_ms[-1], matches_ms[-1], counts[-1], row["title"][:30]), flush=True)
    ap, mg, tt = stats(approve_ms), stats(matches_ms), stats(total_ms)
    mc = stats([x for x in match_ms if x == x])   # NaN: the server sent no timing
    result(n=len(approve_ms), total_p50_ms=tt["p50_ms"], total_p99_ms=tt["p99_ms"], approve_p50_ms=ap["p50_ms"], approve_p99_ms=ap["p99_ms"], approve_max_ms=ap["max_ms"],
           matches_p50_ms=mg["p50_ms"], matches_p99_ms=mg["p99_ms"], matches_max_ms=mg["max_ms"],
           compute_n=mc["n"], compute_p50_ms=mc["p50_ms"], compute_p99_ms=mc["p99_ms"], compute_max_ms=mc["max_ms"],
           min_matches=min(counts), avg_matches="%.1f" % (sum(counts) / len(counts)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    q = sub.add_parser("queries", help="build the search query list from the CSV")
    q.add_argument("csv")
    q.add_argument("--n", type=int, default=100)
    q.add_argument("--seed", type=int, default=1)
    q.add_argument("--out", required=True, help="paths, one a line (FILE.txt gets a readable copy)")
    s = sub.add_parser("seq", help="sequential GETs over one keep-alive connection")
    s.add_argument("base")
    s.add_argument("--path")
    s.add_argument("--paths", help="file of paths, used in turn")
    s.add_argument("--count", type=int, default=200)
    s.add_argument("--warmup", type=int, default=10)
    s.add_argument("--budget", type=float, default=0, help="seconds; 0 = no limit")
    s.add_argument("--timeout", type=float, default=300, help="per-request socket timeout, seconds")
    s.add_argument("--header", action="append", default=[], help="'Name: value' sent with every request")
    s.add_argument("--each", help="FILE: one line per measured request (ms, Server-Timing, path)")
    w = sub.add_parser("slowest", help="the slowest requests of a seq --each file")
    w.add_argument("each")
    w.add_argument("--n", type=int, default=5)
    t = sub.add_parser("total", help="the 'total' of an API browse answer")
    t.add_argument("base")
    t.add_argument("path")
    g = sub.add_parser("login", help="log in; prints the session token")
    g.add_argument("base")
    g.add_argument("--email", default="zhang.wei@demo.kejiyun.cn", help="a demo scientist")
    g.add_argument("--password", default="Demo-2026!")
    d = sub.add_parser("demands", help="create, approve and read matches of new demands")
    d.add_argument("base")
    d.add_argument("csv")
    d.add_argument("--n", type=int, default=20)
    d.add_argument("--seed", type=int, default=1)
    d.add_argument("--warmup", type=int, default=2, help="demands approved first and not counted")
    d.add_argument("--budget", type=float, default=0, help="seconds; 0 = no limit")
    d.add_argument("--owner", default="liu.yang@demo.kejiyun.cn", help="an org member: demands are posted by organisations")
    d.add_argument("--owner-password", default="Demo-2026!")
    d.add_argument("--admin", default="admin@demo.kejiyun.cn")
    d.add_argument("--admin-password", default="Admin-2026!")
    a = ap.parse_args()
    {"queries": cmd_queries, "seq": cmd_seq, "slowest": cmd_slowest, "total": cmd_total, "login": cmd_login, "demands": cmd_demands}[a.cmd](a)


if __name__ == "__main__":
    main()
