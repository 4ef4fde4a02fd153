#!/usr/bin/env python3
"""tests/layers/check_sql.py — SQL lives in the domain, never in pages or API
handlers (issue 13, item 2; the rule in README "All SQL goes through the
storage layer ... and lives in domain modules").

Fails when a file under src/web/, src/api/ or src/routes/ (.c and .h)
  - calls a storage function kj_db_*(...), or
  - holds SQL in a string literal (SELECT, INSERT INTO, UPDATE x SET,
    DELETE FROM, WITH [RECURSIVE] x AS, FROM/JOIN/WHERE x, ORDER BY, GROUP BY,
    VALUES (...)).
Handlers validate, call a domain function, and render or answer JSON.

Documented exceptions (nothing else is allowed):
  - src/web/app.c may call kj_db_failed and kj_db_take_faults: the request
    life cycle (the composition root owns each request's connection) asks
    whether the storage layer saw a failure, to turn the answer into a 500
    and to keep a failed page out of the response cache, and arms the test
    faults; and kj_db_statements, to state each request's statement count
    and database time in its Server-Timing header; none runs SQL.

Usage: check_sql.py [ROOT]   (ROOT defaults to the repository). Prints each
finding as FILE:LINE: why, and ends with "layers: N passed, N failed".
"""
import os
import re
import sys

ALLOWED_CALLS = {"src/web/app.c": {"kj_db_failed", "kj_db_take_faults", "kj_db_statements"}}

SQL = re.compile(r"\b(SELECT\b|INSERT\s+INTO\b|UPDATE\s+\w+\s+SET\b|DELETE\s+FROM\b|WITH\s+(RECURSIVE\s+)?\w+"
                 r"(\s*\([^)]*\))?\s+AS\b|FROM\s+\w+|JOIN\s+\w+|WHERE\s+\w+|ORDER\s+BY\b|GROUP\s+BY\b|VALUES\s*\()")
CALL = re.compile(r"\b(kj_db_\w+)\s*\(")
TOKEN = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)


def findings(path, rel, text):
    """(line, why) for every forbidden call or SQL literal in text."""
    out = []
    code = []          # text with comments and literals blanked (lines kept)
    pos = 0
    for m in TOKEN.finditer(text):
        code.append(text[pos:m.start()])
        tok = m.group(0)
        line = text.count("\n", 0, m.start()) + 1
        if tok.startswith('"') and SQL.search(tok):
            out.append((line, "SQL in a string literal: " + tok[:70]))
        code.append(re.sub(r"[^\n]", " ", tok))
        pos = m.end()
    code.append(text[pos:])
    code = "".join(code)
    allowed = ALLOWED_CALLS.get(rel, set())
    for m in CALL.finditer(code):
        if m.group(1) in allowed:
            continue
        out.append((code.count("\n", 0, m.start()) + 1, "storage call " + m.group(1) + "()"))
    return out


def self_test():
    """The detector must catch what it is for (a check that cannot fail is a defect)."""
    bad = ['x = kj_db_rows(db, "SELECT 1", "");', 'const char *q = "UPDATE t SET a = ?";',
           '"SELECT count(*) " "FROM users"', 'kj_db_int (db, 0, q, "")', '"DELETE FROM x WHERE id = ?"',
           '"WITH RECURSIVE tree(code) AS (SELECT 1)"']
    good = ['{ KJ_DELETE, "DELETE" }', '/* SELECT FROM users */ int a;', 'kj_tr(req, "nav.select")',
            '"Order by date"', 'my_kj_db_x(1);']
    errors = 0
    for s in bad:
        if not findings("t.c", "t.c", s):
            print("self-test: not caught:", s)
            errors += 1
    for s in good:
        if findings("t.c", "t.c", s):
            print("self-test: false alarm:", s)
            errors += 1
    return errors


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    passed = failed = 0
    if self_test():
        failed += 1
    else:
        passed += 1
    for d in ("src/web", "src/api", "src/routes"):
        for name in sorted(os.listdir(os.path.join(root, d))):
            if not name.endswith((".c", ".h")):
                continue
            rel = d + "/" + name
            with open(os.path.join(root, rel), encoding="utf-8") as f:
                found = findings(os.path.join(root, rel), rel, f.read())
            for line, why in found:
                print(f"{rel}:{line}: {why}")
            if found:
                failed += 1
            else:
                passed += 1
    print(f"layers: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
