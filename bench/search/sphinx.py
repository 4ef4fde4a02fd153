#!/usr/bin/env python3
"""bench/search/sphinx.py — Sphinx 2.2 (Debian's sphinxsearch) as a ranker on
the CSL tasks of bench-search, so that kejiyun's relevance is compared with
the peer an outside measurement found ahead of it.

Setup, as that measurement describes it: Chinese indexed as single-character
n-grams (ngram_len = 1, ngram_chars = the CJK blocks), ranking BM25F with
kejiyun's field weights (title 15, keywords 12, summary 10; k1 1.2, b 0.75)
through the expression ranker. Sphinx's own searchd runs on a free loopback
port with a private config in a temp dir; we talk SphinxQL (MySQL protocol)
with python3-pymysql. The index is a real-time index (the same n-gram
settings) so that, exactly as eval.c does with its savepoints, the queried
paper alone loses its keywords (task K) or title (task P) while it is
queried: REPLACE without the field, query, REPLACE back.

Queries: the text as typed, Sphinx-escaped, in one of two match modes —
  all:  Sphinx's default (every character of every piece must occur);
  any:  the quorum operator "text"/1 (any character; BM25F orders).
Both are run; the report gives each, and the better one is the peer's figure.
Same judgments and metrics as eval.c (gain 3 the paper, 1 a same-discipline
paper; nDCG@10, MRR and recall over the top 100).
Usage: sphinx.py --csl DIR [--out FILE]. Exit 2 when sphinxsearch or pymysql
is missing (scripts/deps.sh --bench installs both), 1 when something broke.
"""
import argparse
import csv
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

WEIGHTS = {"title": 15, "keywords": 12, "summary": 10}
TOP_K = 100
# CJK unified ideographs (+ extension A), CJK punctuation-free; full-width forms folded
NGRAM_CHARS = "U+3400..U+4DBF, U+4E00..U+9FFF, U+F900..U+FAFF"
CHARSET = ("0..9, A..Z->a..z, a..z, U+FF10..U+FF19->0..9, U+FF21..U+FF3A->a..z, U+FF41..U+FF5A->a..z, "
           + NGRAM_CHARS)


def read(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def ideal_dcg(disc_size):
    d = 3.0
    r = 2
    while r <= 10 and r - 1 < disc_size:
        d += 1.0 / math.log2(r + 1.0)
        r += 1
    return d


def escape(text):
    out = []
    for ch in text:
        if ch in '\\()|-!@~"&/^$=<>[]*:\'':
            out.append(" ")
        else:
            out.append(ch)
    return " ".join("".join(out).split())


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--csl", required=True)
    ap.add_argument("--out")
    a = ap.parse_args()
    if not shutil.which("searchd"):
        print("sphinx: searchd missing (apt-get install sphinxsearch, or scripts/deps.sh --bench)", file=sys.stderr)
        return 2
    try:
        import pymysql
    except ImportError:
        print("sphinx: python3-pymysql missing (scripts/deps.sh --bench)", file=sys.stderr)
        return 2
    papers = read(os.path.join(a.csl, "papers.tsv"))
    titles = read(os.path.join(a.csl, "titles.tsv"))
    np_ = len(papers)
    disc = {}
    for p in papers:
        disc[p["discipline"]] = disc.get(p["discipline"], 0) + 1
    docs = []
    for i, p in enumerate(papers):
        kws = [k.strip(" ") for k in p["keywords"].split("|") if k.strip(" ")]
        docs.append((i + 1, p["title"], " ".join(kws), p["abstract"]))
    for j, t in enumerate(titles):
        docs.append((np_ + 1 + j, t["title"], "", ""))

    tmp = tempfile.mkdtemp(prefix="kj-sphinx-")
    port = free_port()
    conf = os.path.join(tmp, "sphinx.conf")
    with open(conf, "w") as f:
        f.write("""index csl {
    type = rt
    path = %(tmp)s/csl
    rt_field = title
    rt_field = keywords
    rt_field = summary
    rt_attr_uint = dummy
    rt_mem_limit = 256M
    charset_table = %(charset)s
    ngram_len = 1
    ngram_chars = %(ngram)s
}
searchd {
    listen = 127.0.0.1:%(port)d:mysql41
    log = %(tmp)s/searchd.log
    query_log = %(tmp)s/query.log
    pid_file = %(tmp)s/searchd.pid
    binlog_path =
    workers = threads
    max_matches = 1000
}
""" % {"tmp": tmp, "charset": CHARSET, "ngram": NGRAM_CHARS, "port": port})
    proc = subprocess.Popen(["searchd", "--config", conf, "--nodetach"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lines = []
    try:
        db = None
        for _ in range(100):
            try:
                db = pymysql.connect(host="127.0.0.1", port=port, user="", autocommit=True)
                break
            except Exception:
                time.sleep(0.1)
        if db is None:
            print("sphinx: searchd did not answer", file=sys.stderr)
            return 1
        cur = db.cursor()
        t0 = time.time()
        for k in range(0, len(docs), 500):
            chunk = docs[k:k + 500]
            cur.execute("INSERT INTO csl (id, title, keywords, summary, dummy) VALUES " +
                        ",".join(["(%s,%s,%s,%s,0)"] * len(chunk)), [x for d in chunk for x in d])
        build = time.time() - t0
        ranker = "expr('10000*bm25f(1.2,0.75,{title=%d,keywords=%d,summary=%d})')" % (
            WEIGHTS["title"], WEIGHTS["keywords"], WEIGHTS["summary"])

        def query(text, mode):
            q = escape(text)
            if not q:
                return []
            if mode == "any":
                q = '"%s"/1' % q
            cur.execute("SELECT id FROM csl WHERE MATCH(%s) LIMIT " + str(TOP_K) +
                        " OPTION ranker=" + ranker + ", max_matches=" + str(TOP_K), (q,))
            return [r[0] for r in cur.fetchall()]

        lines.append("Sphinx 2.2 (sphinxsearch), ngram_len = 1 over CJK, ranker bm25f(1.2, 0.75, title 15, keywords 12, "
                     "summary 10); RT index, queried paper blanked as in eval.c (build %.1f s)" % build)
        lines.append("%-16s %8s %7s %7s %7s %8s %8s" % ("task/mode", "nDCG@10", "MRR", "R@10", "R@100", "p50 ms", "p99 ms"))
        for task, col in (("K", "keywords"), ("P", "title")):
            for mode in ("all", "any"):
                n = 0
                ndcg = rr = r10 = r100 = 0.0
                lat = []
                for i, p in enumerate(papers):
                    kws = [k.strip(" ") for k in p["keywords"].split("|") if k.strip(" ")]
                    if task == "K" and len(kws) < 3:
                        continue
                    text = " ".join(kws[:3]) if task == "K" else p["title"]
                    d = docs[i]
                    blank = (d[0], d[1], "", d[3]) if task == "K" else (d[0], "", d[2], d[3])
                    cur.execute("REPLACE INTO csl (id, title, keywords, summary, dummy) VALUES (%s,%s,%s,%s,0)", blank)
                    t1 = time.time()
                    rows = query(text, mode)
                    lat.append((time.time() - t1) * 1e3)
                    cur.execute("REPLACE INTO csl (id, title, keywords, summary, dummy) VALUES (%s,%s,%s,%s,0)", d)
                    n += 1
                    dcg = 0.0
                    for r, rid in enumerate(rows[:10], 1):
                        g = 3 if rid == i + 1 else (1 if rid <= np_ and papers[rid - 1]["discipline"] == p["discipline"] else 0)
                        dcg += g / math.log2(r + 1.0)
                    ndcg += dcg / ideal_dcg(disc[p["discipline"]])
                    if i + 1 in rows:
                        rank = rows.index(i + 1) + 1
                        rr += 1.0 / rank
                        r100 += 1
                        r10 += rank <= 10
                lat.sort()
                p50 = lat[len(lat) // 2] if lat else 0
                p99 = lat[min(len(lat) - 1, int(math.ceil(len(lat) * 0.99)) - 1)] if lat else 0
                lines.append("%-16s %8.4f %7.4f %7.4f %7.4f %8.2f %8.2f" % (
                    "%s (%d) %s" % (task, n, mode), ndcg / n, rr / n, r10 / n, r100 / n, p50, p99))
                lines.append("  RESULT sphinx-%s %s n=%d ndcg10=%.4f mrr=%.4f r10=%.4f r100=%.4f p50=%.3f" % (
                    mode, task, n, ndcg / n, rr / n, r10 / n, r100 / n, p50))
        db.close()
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    text = "\n".join(lines)
    print(text)
    if a.out:
        with open(a.out, "a", encoding="utf-8") as f:
            f.write("\n" + text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
