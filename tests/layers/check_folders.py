#!/usr/bin/env python3
"""tests/layers/check_folders.py — the include graph between the folders of src/ stays a
layered graph (issue 13).

Reads every `#include "folder/..."` line under src/ and fails (exit 1),
printing the offending edges with the files that make them, when
  - two folders reach each other (a cycle between folders), or
  - a folder below the HTTP surface (every folder but web/, api/, demo/ and
    main.c) includes web/ or api/: the surface sits on top of the domains,
    never under them.
With --graph it prints the folder graph (folder -> folders it includes).
Ends with "folders: N passed, N failed" for tests/run.
"""
import os, re, sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src")
SURFACE = {"web", "api"}
# Above the HTTP surface: the commands (main.c), the demo loader and the
# route tables (routes/: they name handlers of web/ and api/). Every
# other folder (account, market, search, challenge, deal, popsci, notify,
# mail, media, text, ref, store, core, authz, http, ops and any new one) is
# below it and must not include web/ or api/.
TOP = {"(main)", "demo", "routes"}
# Known edges that close a cycle, each with why it is tolerated for now:
# (from folder, to folder, file prefix) -> why. Only includes from files
# under that prefix are tolerated; each is printed on every run.
# Empty is the goal.
ALLOWED = {}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_0-9]+)/[^"]+"')

def graph(root):
    edges = {}   # (from, to) -> [files]
    for dirpath, _, files in os.walk(root):
        for f in files:
            if not f.endswith((".c", ".h")):
                continue
            path = os.path.join(dirpath, f)
            rel = os.path.relpath(path, root)
            src = rel.split(os.sep)[0] if os.sep in rel else "(main)"
            with open(path, encoding="utf-8", errors="replace") as fh:
                for line in fh:
                    m = INCLUDE.match(line)
                    if m and m.group(1) != src:
                        edges.setdefault((src, m.group(1)), []).append(rel)
    return edges

def cycles(edges):
    """The strongly connected components with more than one folder."""
    adj = {}
    for a, b in edges:
        adj.setdefault(a, set()).add(b)
        adj.setdefault(b, set())
    index, low, on, stack, out, n = {}, {}, set(), [], [], [0]
    def visit(v):
        index[v] = low[v] = n[0]; n[0] += 1
        stack.append(v); on.add(v)
        for w in sorted(adj[v]):
            if w not in index:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v: break
            if len(comp) > 1: out.append(sorted(comp))
    sys.setrecursionlimit(10000)
    for v in sorted(adj):
        if v not in index: visit(v)
    return out

def main():
    root = sys.argv[sys.argv.index("--root") + 1] if "--root" in sys.argv else ROOT
    edges = graph(root)
    if "--graph" in sys.argv:
        froms = sorted({a for a, _ in edges})
        for a in froms:
            print("%-10s -> %s" % (a, " ".join(sorted(b for x, b in edges if x == a))))
    failed = 0
    checked = {}
    for (a, b), files in edges.items():
        rest = [f for f in files if not any(a == x and b == y and f.startswith(pre) for x, y, pre in ALLOWED)]
        if len(rest) < len(files):
            why = next(w for (x, y, pre), w in ALLOWED.items() if a == x and b == y)
            print("folders: tolerated %s -> %s from %s: %s" % (a, b, " ".join(sorted(set(files) - set(rest))), why))
        if rest:
            checked[(a, b)] = rest
    for comp in cycles(checked):
        failed += 1
        print("folders: cycle between folders %s:" % " ".join(comp))
        for (a, b), files in sorted(checked.items()):
            if a in comp and b in comp:
                print("  %s -> %s  (%s)" % (a, b, ", ".join(sorted(set(files)))))
    for (a, b), files in sorted(edges.items()):
        if a not in SURFACE and a not in TOP and b in SURFACE:
            failed += 1
            print("folders: domain folder %s includes %s/ (%s)" % (a, b, ", ".join(sorted(set(files)))))
    print("folders: %d passed, %d failed" % (0 if failed else 1, failed))
    return 1 if failed else 0

if __name__ == "__main__":
    sys.exit(main())
