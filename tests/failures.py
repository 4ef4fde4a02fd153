"""failures.py — the failed tests of a run, named in the last lines.

CI shows only a cut excerpt of a run's output, its tail: a failure named
only where it happened (a "not ok" line among a thousand, or inside a
part's log printed whole) may be cut away, leaving "1 failed" and no name.
So every runner ends with the list of what failed, one line each, right
before its closing "N passed, N failed" line:

    FAILED <backend> <name>: <first line of the reason>

backend: sqlite / pg (HTTP modules by database), browser, unit, fuzz,
layers, folders. The lines say FAILED, not "not ok", so a runner that
collects the failures of the parts it ran never counts one twice.
The full output of each failed HTTP test (its traceback and its server's
log) is kept in tests/artifacts/failed/ (run.py); the parts' whole logs
in tests/artifacts/PART.log.

  python3 tests/failures.py list BACKEND[:PART,...]=LOG... [--missing PART]...
      prints the FAILED lines of the named logs (tests/run, tests/pg/run):
      every "not ok - " line (HTTP, browser, schema and migrate-data
      tests), every "FAIL " line of the unit and fuzz runners, and, for a
      log whose closing lines ("PART: N passed, N failed", PART defaulting
      to BACKEND) count more failures than it names, one line saying so.
      --missing: a part that printed no closing line.
"""
import os
import re
import sys

# At most this many lines: CI's excerpt is the tail; a run with hundreds of
# failures (no database, no browser) says how many more and where.
MAX_LINES = 40
REASON_MAX = 240

_BROWSER = re.compile(r"^not ok - (.*?) \(([0-9.]+) ?s\): (.*)$")
_NOT_OK = re.compile(r"^not ok - (.*)$")
_UNIT = re.compile(r"^FAIL (\S+) \((.*)\)$")
_FUZZ = re.compile(r"^FAIL (fuzz/\S+)(.*)$")
_SUMMARY = re.compile(r"^([a-z0-9]+): (\d+) passed, (\d+) failed")
_NO_SUMMARY = re.compile(r"^tests/pg/run: (\S+) printed no summary.*$")


def short(reason):
    reason = " ".join(reason.split())
    return reason if len(reason) <= REASON_MAX else reason[:REASON_MAX - 1] + "…"


def line(backend, name, reason):
    """One FAILED line (the format every runner prints)."""
    return "FAILED %s %s%s" % (backend, name, (": " + short(reason)) if reason.strip() else "")


def from_text(text):
    """[(name, reason)] of the failures a runner's output names, in order."""
    out = []
    lines = text.splitlines()
    for i, raw in enumerate(lines):
        m = _BROWSER.match(raw)
        if m:
            out.append((m.group(1), m.group(3)))
            continue
        m = _NOT_OK.match(raw)
        if m:
            rest = m.group(1)
            name, sep, reason = rest.partition(": ")
            if not sep:                  # "not ok - shared server exited with -9"
                name, reason = rest, ""
            out.append((name.strip(), reason))
            continue
        m = _FUZZ.match(raw)
        if m:
            out.append((m.group(1), m.group(2).strip()))
            continue
        m = _UNIT.match(raw)
        if m:
            # The unit runner prints each failed check before the FAIL line.
            checks = []
            j = i - 1
            while j >= 0 and lines[j].startswith("  ") and len(checks) < 3:
                checks.insert(0, lines[j].strip())
                j -= 1
            out.append((m.group(1), "; ".join(checks) or m.group(2)))
            continue
        m = _NO_SUMMARY.match(raw)
        if m:
            out.append((m.group(1), "printed no summary (crashed?)"))
    return out


def counted(text, parts):
    """The failures that the closing lines of the given parts count in a
    log (each part's last closing line); None when none is there."""
    last = {}
    for raw in text.splitlines():
        m = _SUMMARY.match(raw)
        if m and m.group(1) in parts:
            last[m.group(1)] = int(m.group(3))
    return sum(last.values()) if last else None


def listing(logs, missing=()):
    """The FAILED lines for [(backend, parts, log path)] (parts: the names
    of the closing lines that count the log's failures) and for the parts
    that printed no closing line."""
    out = []
    for backend, parts, path in logs:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError:
            continue
        found = from_text(text)
        for name, reason in found:
            out.append(line(backend, name, reason))
        n = counted(text, parts)
        if n is not None and n > len(found):
            out.append(line(backend, "(%d more)" % (n - len(found)),
                            "counted as failed but not named; see %s" % os.path.relpath(path)))
    for part in missing:
        out.append(line(part, "(the part)", "printed no closing line (crashed?); see tests/artifacts/%s.log" % part))
    return out


def print_listing(lines, where="tests/artifacts/"):
    if not lines:
        return
    print("failed (%d; full output in %s):" % (len(lines), where))
    for ln in lines[:MAX_LINES]:
        print(ln)
    if len(lines) > MAX_LINES:
        print("FAILED ... and %d more (see the logs above)" % (len(lines) - MAX_LINES))


def main(argv):
    if not argv or argv[0] != "list":
        print(__doc__)
        return 2
    argv = argv[1:]
    logs, missing = [], []
    while argv:
        a = argv.pop(0)
        if a == "--missing":
            missing.append(argv.pop(0))
        elif "=" in a:
            what, path = a.split("=", 1)
            backend, _, parts = what.partition(":")
            logs.append((backend, (parts or backend).split(","), path))
    print_listing(listing(logs, missing))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
