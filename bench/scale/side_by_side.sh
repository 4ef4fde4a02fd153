# bench/scale/side_by_side.sh — sourced by bench/scale/run for
# `--db postgresql` (issue 16): the scale run on SQLite, then on
# PostgreSQL, from the same CSV and binary, one after the other in this
# session; then one table of both. Each half is bench/scale/run itself
# (SCALE_BACKEND=sqlite|postgresql), writing its usual summary and a file
# of figures (SCALE_RESULTS) that the table is made from. The PostgreSQL
# half runs inside tests/pg/cluster.py (a throw-away cluster in a temp
# directory, removed after).
# Uses from run: N, ROOT, HERE, BENCH_DIR. Exit status: non-zero when a
# half broke.

SBS_STAMP=$(date +%Y%m%d-%H%M%S)
SBS_OUT=$BENCH_DIR/out
mkdir -p "$SBS_OUT"
SBS_TABLE=$SBS_OUT/scale-$N-db-$SBS_STAMP.txt
SBS_SQ=$SBS_OUT/scale-$N-db-$SBS_STAMP.sqlite.res
SBS_PG=$SBS_OUT/scale-$N-db-$SBS_STAMP.postgresql.res

command -v psql >/dev/null 2>&1 || { echo "scale: --db postgresql needs psql (postgresql-15: bash scripts/deps.sh --test)" >&2; exit 2; }
python3 -c "import sys; sys.path.insert(0, '$ROOT/tests/pg'); import cluster; sys.exit(0 if cluster.available() else 1)" \
  || { echo "scale: --db postgresql needs PostgreSQL 15 (bash scripts/deps.sh --test)" >&2; exit 2; }

echo "scale: side by side at N=$N: SQLite first, then PostgreSQL (load average $(cut -d' ' -f1-3 /proc/loadavg))"
SCALE_BACKEND=sqlite SCALE_RESULTS=$SBS_SQ KEJIYUN_BENCH_SESSION=${KEJIYUN_BENCH_SESSION:-} bash "$HERE/run" "$N" \
  || { echo "scale: the SQLite half failed" >&2; exit 1; }
KEJIYUN_PG_DURABLE=1 python3 "$ROOT/tests/pg/cluster.py" run -- env SCALE_BACKEND=postgresql SCALE_RESULTS="$SBS_PG" \
    KEJIYUN_BENCH_SESSION="${KEJIYUN_BENCH_SESSION:-}" bash "$HERE/run" "$N" \
  || { echo "scale: the PostgreSQL half failed" >&2; exit 1; }

# The table: one row per figure, SQLite | PostgreSQL | target (on PostgreSQL).
python3 - "$SBS_SQ" "$SBS_PG" "$N" >"$SBS_TABLE.tmp" <<'PY'
import sys

def load(path):
    out = {}
    with open(path) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("=")
            out[k] = v
    return out

sq, pg, n = load(sys.argv[1]), load(sys.argv[2]), int(sys.argv[3])

def wrk(r, key):
    v = r.get("wrk_" + key)
    if not v:
        return None
    rps, p50, p99, other = v.split()
    return float(rps), float(p50), float(p99), other

def seq(r, key):
    p50, p99, other = r["seq_" + key].split()
    return float(p50), float(p99), other

rows = []
def row(name, a, b, target=""):
    rows.append((name, a, b, target))

def fmt_wrk(w):
    return "%s req/s, p50 %.1f ms, p99 %.1f ms" % (format(int(w[0]), ","), w[1], w[2]) if w else "-"

def verdict(ok):
    return "PASS" if ok else "FAIL"

ir_s, ir_p = float(sq["import_rate"]), float(pg["import_rate"])
row("import (kejiyun import, one transaction)", "%s listings/s (%s s)" % (format(int(ir_s), ","), sq["import_seconds"]),
    "%s listings/s (%s s)" % (format(int(ir_p), ","), pg["import_seconds"]), "%s >= 2,000/s" % verdict(ir_p >= 2000))
for key, name in (("list_html", "browse, cached, wrk 64 conns"), ("list_html_fresh", "browse, computed (no-cache), wrk 64 conns")):
    row(name, fmt_wrk(wrk(sq, key)), fmt_wrk(wrk(pg, key)))
ws, wp = wrk(sq, "list_html_signed"), wrk(pg, "list_html_signed")
# Issue 16's latency targets are a visitor's wait for one page, measured
# as the search target is: sequential, over one keep-alive connection. At
# 64 connections on this 2-core box p50 is about 64 / throughput (Little's
# law), so that row measures throughput; issue 13's targets for it (set
# for SQLite) are shown beside the PostgreSQL figure for comparison.
row("browse, signed-in, two filters, page 50, wrk 64 conns", fmt_wrk(ws), fmt_wrk(wp),
    "issue 13's (SQLite): %s p99 <= 50 ms, %s >= 2,000 req/s" % (verdict(wp and wp[2] <= 50), verdict(wp and wp[0] >= 2000)))
a, b = seq(sq, "list_html_signed"), seq(pg, "list_html_signed")
row("browse, signed-in, sequential", "p50 %.2f ms, p99 %.2f ms" % a[:2], "p50 %.2f ms, p99 %.2f ms" % b[:2],
    "%s p99 <= 50 ms" % verdict(b[1] <= 50))
a, b = seq(sq, "search"), seq(pg, "search")
row("search, sequential (2-4 words + a filter)", "p50 %.2f ms, p99 %.2f ms" % a[:2], "p50 %.2f ms, p99 %.2f ms" % b[:2],
    "%s p99 <= 50 ms" % verdict(b[1] <= 50))
row("search, wrk 64 conns (rotating)", fmt_wrk(wrk(sq, "search")), fmt_wrk(wrk(pg, "search")))
def match(r):
    c50, c99 = r["match_compute"].split()
    t50, t99 = r["match_total"].split()
    return "matching p50 %s / p99 %s ms; approve+GET p99 %s ms; %s matches avg" % (c50, c99, t99, r.get("matches_mean", "?"))
row("new demand: matches (inside approve)", match(sq), match(pg))
row("statements per signed-in page", sq.get("statements_signed", "?"), pg.get("statements_signed", "?"))
cb = pg.get("copy_build", "").split()
cbb = pg.get("copy_build_b", "").split()
row("search copy built at a node's start (docs, s)", "- (no copy: the index is in the database file)",
    "node A %s in %s s; node B %s in %s s" % (cb[0] if cb else "?", cb[1] if len(cb) > 1 else "?",
                                             cbb[0] if cbb else "?", cbb[1] if len(cbb) > 1 else "?"))
l1, l2 = wrk(pg, "lb1_signed"), wrk(pg, "lb2_signed")
row("2 nodes vs 1 (haproxy), signed-in browse", "-", "1 node %s; 2 nodes %s" % (fmt_wrk(l1), fmt_wrk(l2)))
s1, s2 = wrk(pg, "lb1_search"), wrk(pg, "lb2_search")
if s1 and s2:
    row("2 nodes vs 1 (haproxy), search", "-", "1 node %s; 2 nodes %s" % (fmt_wrk(s1), fmt_wrk(s2)))

print("kejiyun scale benchmark, SQLite and PostgreSQL side by side, N=%d" % n)
print("  load average: SQLite half %s -> %s; PostgreSQL half %s -> %s" % (sq["load_start"], sq["load_end"], pg["load_start"], pg["load_end"]))
print("  filter: %s (SQLite), %s (PostgreSQL)" % (sq["filter"], pg["filter"]))
print("  summaries: %s, %s" % (sq["summary"], pg["summary"]))
print()
w0 = max(len(r[0]) for r in rows)
w1 = max(len("SQLite"), max(len(r[1]) for r in rows))
w2 = max(len("PostgreSQL"), max(len(r[2]) for r in rows))
print("  %-*s | %-*s | %-*s | %s" % (w0, "measurement", w1, "SQLite", w2, "PostgreSQL", "target (PostgreSQL)"))
print("  %s-+-%s-+-%s-+-%s" % ("-" * w0, "-" * w1, "-" * w2, "-" * 20))
for r in rows:
    print("  %-*s | %-*s | %-*s | %s" % (w0, r[0], w1, r[1], w2, r[2], r[3]))
PY
[ -s "$SBS_TABLE.tmp" ] || { echo "scale: cannot make the side-by-side table" >&2; exit 1; }
mv "$SBS_TABLE.tmp" "$SBS_TABLE"
echo
cat "$SBS_TABLE"
echo "side-by-side table written to ${SBS_TABLE#$ROOT/}"
