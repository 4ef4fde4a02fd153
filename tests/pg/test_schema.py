"""test_schema.py — the SQLite and PostgreSQL schemas stay equivalent.

Applies migrations/sqlite (kejiyun migrate on a fresh data directory) and
migrations/postgresql (kejiyun migrate --db on a fresh database of the
cluster named by KEJIYUN_TEST_PG, see cluster.py), through the migration
runner itself, then compares what both catalogs tell:

  - the same tables (SQLite's FTS5 tables, search_fts*/search_vocab, have
    no PostgreSQL counterpart: the PostgreSQL search keeps its own);
  - per table the same columns, with comparable types (INTEGER ~ bigint or
    integer, TEXT ~ text, REAL ~ double precision, BLOB ~ bytea), the same
    NOT NULL and the same presence of a default;
  - the same primary key, the same unique constraints and unique indexes
    (by columns, and whether partial), the same foreign keys (columns,
    referenced table and columns, ON DELETE action);
  - the same CHECK constraints as far as both catalogs tell: per table,
    the number of CHECKs and the set of literals they name (the allowed
    values of every status column);
  - the same non-unique indexes, by name and columns.

Run: python3 tests/pg/cluster.py run -- python3 tests/pg/test_schema.py
Prints one line per check and "pgschema: N passed, N failed".
"""
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import cluster  # noqa: E402

BIN = os.environ.get("KEJIYUN_BIN", os.path.join(ROOT, "build", "san", "kejiyun"))
SQLITE_ONLY = re.compile(r"^(search_fts|search_vocab)")


def type_class(t):
    t = (t or "").lower()
    if "int" in t:
        return "integer"
    if "char" in t or "text" in t or "clob" in t:
        return "text"
    if "real" in t or "floa" in t or "doub" in t:
        return "real"
    if "blob" in t or "bytea" in t:
        return "blob"
    return t or "none"


ON_DELETE = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


def literals(text):
    return sorted(set(re.findall(r"'((?:[^']|'')*)'", text)))


def sqlite_checks(create_sql):
    """The CHECK expressions of a CREATE TABLE statement (balanced parens)."""
    out = []
    for m in re.finditer(r"\bCHECK\s*\(", create_sql, re.I):
        depth, i = 1, m.end()
        while i < len(create_sql) and depth:
            c = create_sql[i]
            if c == "'":
                i = create_sql.index("'", i + 1)
            elif c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
            i += 1
        out.append(create_sql[m.end():i - 1])
    return out


def sqlite_schema(path):
    db = sqlite3.connect(path)
    tables = {}
    for name, sql in db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' "
                                "AND name NOT LIKE 'sqlite_%' ORDER BY name"):
        if SQLITE_ONLY.match(name):
            continue
        cols = {}
        pk = []
        for cid, cname, ctype, notnull, dflt, pkpos in db.execute("PRAGMA table_info(%s)" % name):
            # An INTEGER PRIMARY KEY is the rowid: NOT NULL by nature, and
            # given a number when none is written (PostgreSQL: identity).
            is_rowid = pkpos and ctype.upper() == "INTEGER" and sum(
                1 for r in db.execute("PRAGMA table_info(%s)" % name) if r[5]) == 1
            cols[cname] = (type_class(ctype), bool(notnull or pkpos and not is_rowid or is_rowid),
                           dflt is not None or bool(is_rowid))
            if pkpos:
                pk.append((pkpos, cname))
        uniques = set()
        indexes = set()
        for _, iname, unique, origin, partial in db.execute("PRAGMA index_list(%s)" % name):
            if origin == "pk":
                continue
            icols = tuple(r[2] or "<expr>" for r in db.execute("PRAGMA index_xinfo(%s)" % iname) if r[5])
            if unique:
                uniques.add((icols, bool(partial)))
            else:
                indexes.add((iname, icols))
        fks = set()
        groups = {}
        for fid, seq, ref, frm, to, on_update, on_delete, match in db.execute("PRAGMA foreign_key_list(%s)" % name):
            g = groups.setdefault(fid, [ref, [], [], on_delete])
            g[1].append(frm)
            g[2].append(to)
        for ref, frm, to, on_delete in groups.values():
            fks.add((tuple(frm), ref, tuple(to), on_delete))
        checks = sqlite_checks(sql)
        tables[name] = {
            "columns": cols, "pk": tuple(c for _, c in sorted(pk)), "unique": uniques, "fk": fks,
            "checks": (len(checks), literals(" ".join(checks))), "indexes": indexes,
        }
    return tables


PG_QUERY = r"""
SELECT json_build_object(
 'columns', (SELECT json_agg(json_build_array(table_name, column_name, data_type, is_nullable, column_default,
                                              is_identity))
             FROM information_schema.columns c WHERE table_schema = 'public'),
 'tables', (SELECT json_agg(table_name) FROM information_schema.tables
            WHERE table_schema = 'public' AND table_type = 'BASE TABLE'),
 'constraints', (SELECT json_agg(json_build_array(t.relname, c.contype, pg_get_constraintdef(c.oid),
        (SELECT json_agg(a.attname ORDER BY k.i) FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
           JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n),
        (SELECT json_agg(a.attname ORDER BY k.i) FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
           JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n),
        rt.relname, c.confdeltype))
     FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
     JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public'
     LEFT JOIN pg_class rt ON rt.oid = c.confrelid),
 'indexes', (SELECT json_agg(json_build_array(t.relname, i.relname, x.indisunique, x.indisprimary,
        x.indpred IS NOT NULL,
        (SELECT json_agg(CASE WHEN k.n = 0 THEN '<expr>' ELSE a.attname END ORDER BY k.i)
           FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(n, i)
           LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.n
          WHERE k.i <= x.indnkeyatts),
        EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)))
     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
     JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public')
)
"""


def pg_schema(url):
    out = subprocess.run(["psql", "-X", "-q", "-A", "-t", url, "-c", PG_QUERY], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    cat = json.loads(out)
    tables = {}
    for t in cat["tables"]:
        tables[t] = {"columns": {}, "pk": (), "unique": set(), "fk": set(), "checks": [], "indexes": set()}
    for t, col, dtype, nullable, dflt, identity in cat["columns"]:
        if t in tables:
            tables[t]["columns"][col] = (type_class(dtype), nullable == "NO",
                                         dflt is not None or identity == "YES")
    for t, kind, definition, cols, fcols, ref, deltype in cat["constraints"] or []:
        if t not in tables:
            continue
        if kind == "p":
            tables[t]["pk"] = tuple(cols)
        elif kind == "u":
            tables[t]["unique"].add((tuple(cols), False))
        elif kind == "f":
            tables[t]["fk"].add((tuple(cols), ref, tuple(fcols), ON_DELETE[deltype]))
        elif kind == "c":
            tables[t]["checks"].append(definition)
    for t, iname, unique, primary, partial, cols, backs_constraint in cat["indexes"] or []:
        if t not in tables or primary or backs_constraint:
            continue
        if unique:
            tables[t]["unique"].add((tuple(cols), partial))
        else:
            tables[t]["indexes"].add((iname, tuple(cols)))
    for t in tables.values():
        t["checks"] = (len(t["checks"]), literals(" ".join(t["checks"])))
    return tables


RESULTS = [0, 0]


def check(name, ok, detail=""):
    if ok:
        RESULTS[0] += 1
        print("ok - %s" % name)
    else:
        RESULTS[1] += 1
        print("not ok - %s%s" % (name, (": " + detail) if detail else ""))


def compare(lite, pg):
    check("same tables", set(lite) == set(pg),
          "only in SQLite: %s; only in PostgreSQL: %s" % (sorted(set(lite) - set(pg)), sorted(set(pg) - set(lite))))
    both = sorted(set(lite) & set(pg))
    for aspect in ("columns", "pk", "unique", "fk", "checks", "indexes"):
        bad = []
        for t in both:
            a, b = lite[t][aspect], pg[t][aspect]
            if aspect == "columns" and t == "schema_migrations":
                # The runner's own table (store.c): version is SQLite's
                # rowid there, a plain key here; the runner always writes it.
                a = {k: v[:2] for k, v in a.items()}
                b = {k: v[:2] for k, v in b.items()}
            if a != b:
                if isinstance(a, dict):
                    diff = {k: (a.get(k), b.get(k)) for k in set(a) | set(b) if a.get(k) != b.get(k)}
                    bad.append("%s %s" % (t, diff))
                elif isinstance(a, set):
                    bad.append("%s: SQLite only %s, PostgreSQL only %s" % (t, sorted(a - b), sorted(b - a)))
                else:
                    bad.append("%s: SQLite %s, PostgreSQL %s" % (t, a, b))
        check("same %s in every table" % aspect, not bad, "\n    " + "\n    ".join(bad))


def main():
    base = os.environ.get("KEJIYUN_TEST_PG")
    if not base:
        print("test_schema.py: KEJIYUN_TEST_PG is not set (run it through tests/pg/cluster.py run --)",
              file=sys.stderr)
        print("pgschema: 0 passed, 1 failed")
        return 1
    tmp = tempfile.mkdtemp(prefix="kejiyun-schema-")
    url = cluster.create_database(base, "schema")
    try:
        env = dict(os.environ)
        env.pop("KEJIYUN_DB", None)
        lite = subprocess.run([BIN, "migrate", "--data", tmp], env=env, cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        check("SQLite migrations apply", lite.returncode == 0, lite.stdout[-2000:])
        pgm = subprocess.run([BIN, "migrate", "--data", tmp, "--db", url], env=env, cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        check("PostgreSQL migrations apply", pgm.returncode == 0, pgm.stdout[-2000:])
        names = lambda d: sorted(f for f in os.listdir(os.path.join(ROOT, "migrations", d)) if f.endswith(".sql"))
        check("one PostgreSQL migration per SQLite migration, same number and name",
              names("sqlite") == names("postgresql"),
              "only SQLite: %s; only PostgreSQL: %s" % (sorted(set(names("sqlite")) - set(names("postgresql"))),
                                                       sorted(set(names("postgresql")) - set(names("sqlite")))))
        if lite.returncode == 0 and pgm.returncode == 0:
            compare(sqlite_schema(os.path.join(tmp, "kejiyun.db")), pg_schema(url))
    finally:
        cluster.drop_database(url)
        shutil.rmtree(tmp, ignore_errors=True)
    print("pgschema: %d passed, %d failed" % tuple(RESULTS))
    return 1 if RESULTS[1] else 0


if __name__ == "__main__":
    sys.exit(main())
