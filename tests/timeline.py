"""timeline.py — where the suite's time goes.

tests/run sets KEJIYUN_TIMELINE to tests/artifacts/timeline.jsonl; every
part, HTTP module (per lane), test server start, demo load and browser test
appends one JSON line there: what it was, wall start and end (unix
seconds) and, where it is known, the CPU seconds (user + sys) it cost.
Appends are single small O_APPEND writes, so lanes (processes) never
interleave within a line.

  python3 tests/timeline.py run NAME [--lane L] -- COMMAND...
      runs COMMAND and records it as part NAME, with the CPU of COMMAND
      and everything it waited for (getrusage of the children).
  python3 tests/timeline.py report [FILE] [--top N]
      the timeline of a run: parts and lanes as offsets from the start,
      CPU per part, the N slowest HTTP modules (with their server starts
      and demo loads) and browser tests.
"""
import json
import os
import resource
import subprocess
import sys
import time


def path():
    return os.environ.get("KEJIYUN_TIMELINE") or None


def record(kind, name, start, end, cpu=None, **extra):
    """Appends one event; does nothing when no timeline is kept."""
    p = path()
    if not p:
        return
    ev = {"kind": kind, "name": name, "start": round(start, 3), "end": round(end, 3)}
    if cpu is not None:
        ev["cpu"] = round(cpu, 2)
    ev.update(extra)
    line = (json.dumps(ev, ensure_ascii=False) + "\n").encode()
    try:
        fd = os.open(p, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
    except OSError:
        pass


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def self_cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


_TICK = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid):
    """CPU seconds so far of a live process (0 when it is gone)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICK
    except (OSError, IndexError, ValueError):
        return 0.0


def run(argv):
    name, lane = argv.pop(0), None
    if argv and argv[0] == "--lane":
        argv.pop(0)
        lane = argv.pop(0)
    if argv and argv[0] == "--":
        argv.pop(0)
    # A subreaper: daemons the part starts (PostgreSQL's server, through
    # pg_ctl) become our children when their parent exits, so their CPU is
    # counted once they end and are reaped here.
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)   # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass
    t0 = time.time()
    code = subprocess.call(argv)
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            break
    record("part", name, t0, time.time(), children_cpu(), lane=lane, code=code)
    return code


def load(p):
    events = []
    with open(p, encoding="utf-8") as f:
        for line in f:
            try:
                events.append(json.loads(line))
            except ValueError:
                pass
    return events


def report(argv):
    top = 20
    p = None
    while argv:
        a = argv.pop(0)
        if a == "--top":
            top = int(argv.pop(0))
        else:
            p = a
    p = p or path() or os.path.join(os.path.dirname(os.path.abspath(__file__)), "artifacts", "timeline.jsonl")
    events = load(p)
    if not events:
        print("no events in %s" % p)
        return 1
    t0 = min(e["start"] for e in events)
    t1 = max(e["end"] for e in events)

    def off(t):
        return "%6.1f" % (t - t0)

    print("timeline of %s: %.1f s from the first event to the last" % (p, t1 - t0))
    print("\n== parts (offsets in s from the start; CPU = user+sys of the part and what it waited for)")
    parts = sorted((e for e in events if e["kind"] == "part"), key=lambda e: e["start"])
    total_cpu = 0.0
    for e in parts:
        cpu = e.get("cpu")
        total_cpu += cpu or 0
        print("%s → %s  %6.1f s wall  %7s CPU  %s%s" % (off(e["start"]), off(e["end"]), e["end"] - e["start"],
                                                     "%.1f s" % cpu if cpu is not None else "-", e["name"],
                                                     "" if not e.get("code") else "  (exit %s)" % e["code"]))
    print("sum of the parts' CPU: %.1f s over %.1f s = %.2f cores on average" % (total_cpu, t1 - t0, total_cpu / max(1e-9, t1 - t0)))

    lanes = {}
    for e in events:
        if e["kind"] == "module":
            lanes.setdefault((e.get("suite", "http"), e.get("lane", "?")), []).append(e)
    if lanes:
        print("\n== HTTP lanes")
        for key in sorted(lanes):
            mods = sorted(lanes[key], key=lambda e: e["start"])
            cpu = sum(m.get("cpu", 0) for m in mods)
            print("%s lane %s: %s → %s, %d modules, %.1f s CPU" % (key[0], key[1], off(mods[0]["start"]), off(mods[-1]["end"]),
                                                                   len(mods), cpu))
        starts = [e for e in events if e["kind"] == "server"]
        by_mod = {}
        for s in starts:
            by_mod.setdefault((s.get("suite", "http"), s.get("module")), []).append(s)
        print("\n== the %d slowest HTTP modules (wall; CPU of tests, servers and commands; server starts: demo load + start to healthy)" % top)
        mods = sorted((e for e in events if e["kind"] == "module"), key=lambda e: -(e["end"] - e["start"]))
        for m in mods[:top]:
            ss = by_mod.get((m.get("suite", "http"), m["name"]), [])
            demo = sum(s.get("demo", 0) for s in ss)
            up = sum(s.get("up", 0) for s in ss)
            print("%6.1f s  %6.1f CPU  %-28s %s lane %s  %d tests  %d servers (demo %.1f s, start %.1f s)  slowest: %s" % (
                m["end"] - m["start"], m.get("cpu", 0), m["name"], m.get("suite", "http"), m.get("lane", "?"), m.get("tests", 0),
                len(ss), demo, up, ", ".join("%s %.1f" % (n, t) for n, t in m.get("slowest", []))))
        all_demo = sum(s.get("demo", 0) for s in starts)
        all_demo_cpu = sum(s.get("demo_cpu", 0) for s in starts)
        all_up = sum(s.get("up", 0) for s in starts)
        print("servers started: %d (%d on a demo copy); demo loads and copies %.1f s wall, %.1f s CPU; start to healthy %.1f s wall, %.1f s CPU" % (
            len(starts), sum(1 for s in starts if s.get("copied")), all_demo, all_demo_cpu, all_up,
            sum(s.get("up_cpu", 0) for s in starts)))
    slow = sorted((e for e in events if e["kind"] == "request"), key=lambda e: -(e["end"] - e["start"]))
    if slow:
        # Requests of HTTP tests that took over harness.SLOW_REQUEST_S: the
        # ones near their client's limit fail first on a busy machine.
        print("\n== the %d slowest requests of HTTP tests (of %d over 3 s; the client's limit)" % (min(top, len(slow)), len(slow)))
        for e in slow[:top]:
            print("%6.1f s of %4s s  %-6s %-24s %s" % (e["end"] - e["start"], e.get("limit", "?"), e.get("suite", "http"),
                                                    e.get("module") or "?", e["name"][:70]))
    tests = sorted((e for e in events if e["kind"] == "browser"), key=lambda e: -(e["end"] - e["start"]))
    if tests:
        print("\n== the %d slowest browser tests (wall; the server's CPU during the test)" % min(10, len(tests)))
        for e in tests[:10]:
            print("%6.1f s  %5.1f server CPU  %s" % (e["end"] - e["start"], e.get("server_cpu", 0), e["name"][:110]))
    return 0


def main():
    argv = sys.argv[1:]
    if not argv:
        print(__doc__)
        return 2
    cmd = argv.pop(0)
    if cmd == "run":
        return run(argv)
    if cmd == "report":
        return report(argv)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
