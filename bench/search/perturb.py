#!/usr/bin/env python3
"""bench/search/perturb.py — the robustness query sets of bench-search.

Reads the CSL dev papers and writes, for each perturbation, a query file
that `eval --queries FILE` runs instead of the clean queries (tab separated:
task K or P, the paper's row in papers.tsv counting from 0, the query). The
clean queries are exactly eval.c's: task K = the paper's first 3 keywords
joined by spaces (papers with >= 3 keywords), task P = the title.

Perturbations (deterministic: random.Random(15) per set):
  typo         one Chinese character of the query, drawn uniformly among its
               Chinese characters, replaced by a homophone: another character
               with the same toneless reading, drawn among the 10 most frequent
               ones of that syllable (what an input method offers first) in
               data/text/pinyin-zh.tsv (friso-dict frequencies + ICU Han-Latin
               readings, scripts/gen_pinyin.py). Queries without a character
               that has a homophone stay clean. Both tasks.
  question     the query said as a spoken question: K queries are put in one
               of 6 templates (请问有没有{q}方面的技术？ …), drawn at random;
               P titles in one of 4 (请问有没有关于{q}的研究成果？ …). Both tasks.
  traditional  simplified -> traditional by OpenCC's s2t.json (libopencc, the
               library the analyzer already links), called through ctypes.
  fullwidth    every ASCII character 0x21-0x7E -> its full-width form
               (U+FF01-U+FF5E), spaces -> U+3000 (what a Chinese input method
               in full-width mode types). Queries without ASCII stay as they are.
  mixed        task K only: each keyword that is, or contains, the Chinese
               side of a line of data/text/terms-en-zh.tsv has that part
               written in English instead (the longest Chinese term first; a
               part only when 2+ other characters remain in the keyword);
               only queries with at least one such keyword are written, to
               mixed.tsv, and their Chinese originals to mixed-clean.tsv.
  en-docs      the other direction (Chinese query, documents in English):
               for each paper with >= 3 keywords whose task-K query has a
               keyword holding the Chinese side of a line of terms-en-zh.tsv
               (as in mixed) and whose title or abstract holds that Chinese
               term too, every occurrence of the term in its title, abstract
               and keywords is written as the (first listed) English term,
               spaced. The corpus with those papers changed goes to
               en-docs/papers.tsv (titles.tsv copied), and their clean
               Chinese K queries to en-docs.tsv: run on en-docs/ against the
               same queries on the clean corpus. en-terms.tsv: the same
               papers queried by the Chinese terms alone (those written in
               English in them), which no other word of theirs can find.
Usage: perturb.py --csl DIR --text DIR --out DIR
"""
import argparse
import csv
import ctypes
import ctypes.util
import os
import random
import shutil
import sys

QUESTION_K = ["请问有没有{q}方面的技术？", "我们需要{q}相关的技术", "哪里有{q}的成果？",
              "求{q}的技术", "能不能提供{q}的技术服务？", "有没有做{q}的团队"]
QUESTION_P = ["请问有没有关于{q}的研究成果？", "我们想找{q}的技术", "哪里有{q}方面的成果", "求：{q}"]


def is_han(c):
    return "\u4e00" <= c <= "\u9fff"


def load_papers(csl):
    with open(os.path.join(csl, "papers.tsv"), encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    out = []
    for i, r in enumerate(rows):
        kw = [k for k in (r.get("keywords") or "").split("|") if k.strip()]
        out.append((i, kw, r["title"]))
    return out


def clean_queries(papers):
    for i, kw, title in papers:
        if len(kw) >= 3:
            yield "K", i, " ".join(kw[:3])
        yield "P", i, title


def homophones(text_dir):
    table = {}
    with open(os.path.join(text_dir, "pinyin-zh.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or "\t" not in line:
                continue
            chars = line.rstrip("\n").split("\t")[1]
            top = chars[:10]
            for c in chars:
                table.setdefault(c, [h for h in top if h != c])
    return table


def typo(q, rng, table):
    pos = [i for i, c in enumerate(q) if is_han(c) and table.get(c)]
    if not pos:
        return q
    i = rng.choice(pos)
    return q[:i] + rng.choice(table[q[i]]) + q[i + 1:]


class OpenCC:
    def __init__(self):
        name = ctypes.util.find_library("opencc") or "libopencc.so.1.1"
        self.lib = ctypes.CDLL(name)
        self.lib.opencc_open.restype = ctypes.c_void_p
        self.lib.opencc_open.argtypes = [ctypes.c_char_p]
        self.lib.opencc_convert_utf8.restype = ctypes.c_void_p
        self.lib.opencc_convert_utf8.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
        self.lib.opencc_convert_utf8_free.argtypes = [ctypes.c_void_p]
        self.h = self.lib.opencc_open(b"s2t.json")
        if not self.h or self.h == ctypes.c_void_p(-1).value:
            sys.exit("perturb: OpenCC s2t.json cannot be opened")

    def __call__(self, s):
        b = s.encode("utf-8")
        p = self.lib.opencc_convert_utf8(self.h, b, len(b))
        out = ctypes.string_at(p).decode("utf-8")
        self.lib.opencc_convert_utf8_free(p)
        return out


def fullwidth(q):
    return "".join("\u3000" if c == " " else chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in q)


def english_terms(text_dir):
    zh2en = {}
    with open(os.path.join(text_dir, "terms-en-zh.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or "\t" not in line:
                continue
            en, zh = line.rstrip("\n").split("\t")[:2]
            if any(is_han(c) for c in zh):
                zh2en.setdefault(zh, en)   # the first English term listed for it
    return sorted(zh2en.items(), key=lambda kv: -len(kv[0]))


def mixed(kw, terms):
    out, changed = [], False
    for k in kw:
        for zh, en in terms:
            # the whole keyword, or a part leaving 2+ characters around it (not 畜牧业 -> "livestock 业")
            if zh in k and (k == zh or len(k) - len(zh) >= 2):
                k = k.replace(zh, " " + en + " ").strip()
                changed = True
                break
        out.append(k)
    return " ".join(out), changed


def english_docs(csl, papers, terms, out_dir):
    """The en-docs corpus (see the module's docstring); returns its queries."""
    with open(os.path.join(csl, "papers.tsv"), encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t")
        header, rows = reader.fieldnames, list(reader)
    queries, terms_only = [], []
    for i, kw, _ in papers:
        if len(kw) < 3:
            continue
        used = []
        for k in kw[:3]:
            for zh, en in terms:
                if zh in k and (k == zh or len(k) - len(zh) >= 2):
                    used.append((zh, en))
                    break
        r = rows[i]
        used = [(zh, en) for zh, en in used if zh in r["title"] or zh in r["abstract"]]
        if not used:
            continue
        for zh, en in sorted(set(used), key=lambda t: -len(t[0])):
            for col in ("title", "abstract", "keywords"):
                r[col] = r[col].replace(zh, " " + en + " ")
        queries.append(("K", i, " ".join(kw[:3])))
        terms_only.append(("K", i, " ".join(zh for zh, _ in used)))
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "papers.tsv"), "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=header, delimiter="\t", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    shutil.copy(os.path.join(csl, "titles.tsv"), os.path.join(out_dir, "titles.tsv"))
    return queries, terms_only


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--csl", required=True)
    ap.add_argument("--text", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    papers = load_papers(a.csl)
    clean = list(clean_queries(papers))
    table = homophones(a.text)
    t2 = OpenCC()
    sets = {}
    rng = random.Random(15)
    sets["typo"] = [(t, i, typo(q, rng, table)) for t, i, q in clean]
    rng = random.Random(15)
    sets["question"] = [(t, i, rng.choice(QUESTION_K if t == "K" else QUESTION_P).format(q=q)) for t, i, q in clean]
    sets["traditional"] = [(t, i, t2(q)) for t, i, q in clean]
    sets["fullwidth"] = [(t, i, fullwidth(q)) for t, i, q in clean]
    terms = english_terms(a.text)
    mix, mix_clean = [], []
    for i, kw, _ in papers:
        if len(kw) >= 3:
            q, changed = mixed(kw[:3], terms)
            if changed:
                mix.append(("K", i, q))
                mix_clean.append(("K", i, " ".join(kw[:3])))
    sets["mixed"] = mix
    sets["mixed-clean"] = mix_clean
    os.makedirs(a.out, exist_ok=True)
    sets["en-docs"], sets["en-terms"] = english_docs(a.csl, papers, terms, os.path.join(a.out, "en-docs"))
    for name, rows in sets.items():
        changed = sum(1 for r, c in zip(rows, clean) if r != c) if name not in ("mixed", "mixed-clean", "en-docs", "en-terms") else len(rows)
        with open(os.path.join(a.out, name + ".tsv"), "w", encoding="utf-8") as f:
            for t, i, q in rows:
                f.write("%s\t%d\t%s\n" % (t, i, q.replace("\t", " ").replace("\n", " ")))
        print("%-12s %5d queries, %5d changed" % (name, len(rows), changed))


if __name__ == "__main__":
    main()
