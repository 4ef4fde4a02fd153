#!/usr/bin/env python3
"""bench/search/xcheck.py — independent cross-check of eval.c's baselines.

Owns nothing the benchmark needs; it re-derives the unicode61 and trigram
rows of the report with Python's csv module and Python's own sqlite3 (same
corpus, same blanking per query, same metrics), so that a disagreement
points at parsing, judgments or metrics in eval.c.

usage: python3 bench/search/xcheck.py [DATA_DIR] [WEIGHTS]
       defaults: ../shared/data (from the repo root), "15.0, 12.0, 10.0, 1.0"
Prints: tokenizer task n nDCG@10 MRR recall@100 — compare with the report.
Takes ~10 s.
"""
import csv
import math
import os
import sqlite3
import sys
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "data")
WEIGHTS = sys.argv[2] if len(sys.argv) > 2 else "15.0, 12.0, 10.0, 1.0"


def read(name):
    path = os.path.join(DATA, "csl", name)
    if not os.path.exists(path):
        sys.exit("xcheck: %s is missing (see ../shared/data/README.md)" % path)
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def ideal_dcg(disc_size):
    return 3 + sum(1 / math.log2(r + 1) for r in range(2, 11) if r - 1 < disc_size)


def run(tok, papers, titles):
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(title, keywords, summary, body, tokenize='%s')" % tok)
    for i, p in enumerate(papers):
        db.execute("INSERT INTO docs(rowid, title, keywords, summary, body) VALUES (?,?,?,?,'')",
                   (i + 1, p["title"], p["keywords"].replace("|", " "), p["abstract"]))
    for j, t in enumerate(titles):
        db.execute("INSERT INTO docs(rowid, title, keywords, summary, body) VALUES (?,?,'','','')",
                   (len(papers) + 1 + j, t["title"]))
    db.commit()
    db.execute("INSERT INTO docs(docs) VALUES('optimize')")
    db.commit()
    disc = Counter(p["discipline"] for p in papers)
    sql = "SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, %s), rowid LIMIT 100" % WEIGHTS
    for task, column in (("K", "keywords"), ("P", "title")):
        ndcg = rr = found = n = 0
        for i, p in enumerate(papers):
            kws = [k.strip(" ") for k in p["keywords"].split("|") if k.strip(" ")]
            if task == "K" and len(kws) < 3:
                continue
            text = " ".join(kws[:3]) if task == "K" else p["title"]
            expr = " OR ".join('"%s"' % piece.replace('"', '""') for piece in text.split())
            db.execute("BEGIN")
            db.execute("UPDATE docs SET %s = '' WHERE rowid = ?" % column, (i + 1,))
            rows = [r[0] for r in db.execute(sql, (expr,))] if expr else []
            db.execute("ROLLBACK")

            def gain(r):
                if r == i + 1:
                    return 3
                return 1 if r <= len(papers) and papers[r - 1]["discipline"] == p["discipline"] else 0
            ndcg += sum(gain(r) / math.log2(k + 2) for k, r in enumerate(rows[:10])) / ideal_dcg(disc[p["discipline"]])
            if i + 1 in rows:
                rr += 1 / (rows.index(i + 1) + 1)
                found += 1
            n += 1
        print("%-9s %s n=%d nDCG@10 %.4f MRR %.4f R@100 %.4f" % (tok, task, n, ndcg / n, rr / n, found / n))


def main():
    papers, titles = read("papers.tsv"), read("titles.tsv")
    for tok in ("unicode61", "trigram"):
        run(tok, papers, titles)


if __name__ == "__main__":
    main()
