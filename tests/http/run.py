"""run.py — runs every tests/http/test_*.py against real servers.

One shared server (demo data) serves the tests that do not need special
settings; a test module may define SERVER_ARGS to get its own server.
Prints one line per test and ends with "http: N passed, N failed".

Modules run in parallel lanes (--jobs N, or KEJIYUN_HTTP_JOBS; default 3):
each lane is a child process with its own shared server, so modules never
share state across lanes. The tests mostly wait on the ASan server and the
network, so three lanes on two cores finish well before one lane does.
Lanes are balanced by the module times of the previous run
(tests/artifacts/http-times.json), or by test count on a first run. Each
lane's output is printed whole when it ends, so lines never interleave.

Usage: run.py [PATTERN] [--jobs N] [--only NAME,NAME...]
  PATTERN: a substring of module names; --only: exactly these modules.
"""
import importlib.util
import glob
import json
import os
import re
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
import timeline  # noqa: E402  (tests/timeline.py, on the path through harness)


HERE = os.path.dirname(os.path.abspath(__file__))
# Where the test modules are (a self-test runs throw-away ones from
# elsewhere: test_suite_report.py) and where failures are kept.
MODULES = os.environ.get("KEJIYUN_HTTP_MODULES") or HERE
ARTIFACTS = os.environ.get("KEJIYUN_ARTIFACTS") or os.path.join(HERE, "..", "artifacts")
BACKEND = "pg" if os.environ.get("KEJIYUN_TEST_PG") else "sqlite"
# Module times of the previous run, per lane kind (the PostgreSQL lane,
# tests/pg/run, keeps its own: its modules take other times).
TIMES = os.environ.get("KEJIYUN_HTTP_TIMES") or os.path.join(HERE, "..", "artifacts", "http-times.json")


def module_names(pattern):
    names = []
    for path in sorted(glob.glob(os.path.join(MODULES, "test_*.py"))):
        name = os.path.splitext(os.path.basename(path))[0]
        if not pattern or pattern in name:
            names.append(name)
    return names


def load_modules(names):
    mods = []
    for name in names:
        path = os.path.join(MODULES, name + ".py")
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        mods.append(mod)
    return mods


# Module times measured on a whole run (a fresh clone has no artifacts):
# where tests/artifacts/http-times*.json does not know a module yet.
# Section "sqlite" for these lanes, "pg" for the PostgreSQL lane.
KNOWN_TIMES = os.path.join(HERE, "module-times.json")


def load_times():
    times = {}
    try:
        with open(KNOWN_TIMES, encoding="utf-8") as f:
            times.update(json.load(f).get("pg" if os.environ.get("KEJIYUN_TEST_PG") else "sqlite", {}))
    except (OSError, ValueError, AttributeError):
        pass
    try:
        with open(TIMES, encoding="utf-8") as f:
            times.update(json.load(f))
    except (OSError, ValueError):
        pass
    return times


def weight(name, times):
    if name in times:
        return times[name]
    with open(os.path.join(MODULES, name + ".py"), encoding="utf-8") as f:
        return 2.0 * len(re.findall(r"^def test_", f.read(), re.M))


def take_next(queue):
    """The next module name from the queue file (one per line, longest
    first), removed under a lock: lanes are processes. None when empty."""
    import fcntl
    with open(queue, "r+", encoding="utf-8") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        names = [n for n in f.read().split("\n") if n]
        if not names:
            return None
        f.seek(0)
        f.truncate()
        f.write("\n".join(names[1:]))
        return names[0]


def parallel(names, jobs):
    """Runs names in `jobs` child lanes; returns the exit code.

    Lanes take modules from one queue, longest first (the last run's
    times, else tests/http/module-times.json, else 2 s a test): a lane
    that is done takes the next module, so the lanes end within about one
    short module of each other whatever the estimates' errors, and any
    list of modules is balanced, not only the one the times were
    measured on."""
    times = load_times()
    order = sorted(names, key=lambda n: -weight(n, times))
    queue = os.path.join(os.environ["KEJIYUN_TEST_SCRATCH"], "queue-%d" % os.getpid())
    with open(queue, "w", encoding="utf-8") as f:
        f.write("\n".join(order))
    started = time.time()
    procs = []
    for i in range(jobs):
        procs.append(subprocess.Popen([sys.executable, os.path.abspath(__file__), "--queue", queue],
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                      env=dict(os.environ, KEJIYUN_HTTP_LANE=str(i + 1))))
    passed = failed = 0
    failed_lines = []
    for i, p in enumerate(procs):
        out, _ = p.communicate()
        sys.stdout.write(out)
        sys.stdout.flush()
        failed_lines += re.findall(r"^lane-failed: (FAILED .*)$", out, re.M)
        m = re.search(r"^lane: (\d+) passed, (\d+) failed$", out, re.M)
        if m:
            passed += int(m.group(1))
            failed += int(m.group(2))
        else:
            failed += 1
            last = re.findall(r"^(?:ok|not ok) - (\S+?)[.:( ]", out, re.M)
            what = "a test lane ended without a summary (exit %s; its last module: %s)" % (
                p.returncode, last[-1] if last else "none")
            print("not ok - " + what)
            failed_lines.append("FAILED %s lane%d: %s" % (BACKEND, i + 1, what))
        for name, secs in re.findall(r"^lane-time: (\S+) ([0-9.]+)$", out, re.M):
            times[name] = float(secs)
    left = take_next(queue)
    if left:
        failed += 1
        print("not ok - modules never run (every lane ended): %s ..." % left)
        failed_lines.append("FAILED %s modules never run (every lane ended): %s ..." % (BACKEND, left))
    try:
        os.makedirs(os.path.dirname(TIMES), exist_ok=True)
        with open(TIMES, "w", encoding="utf-8") as f:
            json.dump(times, f, indent=1, sort_keys=True)
    except OSError:
        pass
    print("http: took %.1fs in %d lanes" % (time.time() - started, len(procs)))
    print_failures(failed_lines)
    print("http: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


def failure_reason(e):
    """The first line of a failure, and where it happened: the innermost
    line of a test module (the assert, or the helper's raise) and, if
    another, the test's own line. A bare assert has no message: the
    exception's type and the asserted source line stand for it."""
    frames = [f for f in traceback.extract_tb(e.__traceback__)
              if os.path.basename(f.filename).startswith("test_")]
    text = str(e).strip()
    first = text.split("\n", 1)[0].strip()
    if not first:
        first = type(e).__name__ + (": " + frames[-1].line if frames and frames[-1].line else "")
    elif not isinstance(e, AssertionError):
        first = "%s: %s" % (type(e).__name__, first)
    if len(first) > 200:    # a reason that is a whole log: its start, and still where
        first = first[:199] + "…"
    where = ""
    if frames:
        inner, outer = frames[-1], frames[0]
        where = " [%s:%d" % (os.path.basename(inner.filename), inner.lineno)
        if (inner.filename, inner.lineno) != (outer.filename, outer.lineno):
            where += " from %s:%d" % (os.path.basename(outer.filename), outer.lineno)
        where += "]"
    return first + where


def short(text, limit=300):
    """One line of at most limit characters (a reason may be a whole log)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def keep_failure(name, headline, detail, server):
    """tests/artifacts/failed/BACKEND-MODULE.TEST.txt: the test's whole
    output (the part's log interleaves lanes and is printed whole only at
    the end) with the load at the time and the tail of its server's log."""
    try:
        d = os.path.join(ARTIFACTS, "failed")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, re.sub(r"[^A-Za-z0-9_.-]+", "-", "%s-%s" % (BACKEND, name)) + ".txt"), "w",
                  encoding="utf-8") as f:
            f.write("%s\n" % headline)
            with open("/proc/loadavg") as la:
                f.write("at %s UTC, load %s\n\n" % (time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
                                                     " ".join(la.read().split()[:3])))
            f.write(detail)
            if server is not None:
                try:
                    log = server.read_log().splitlines()[-400:]
                    f.write("\n--- the server's log (%s, last %d lines)\n" % (server.log.name, len(log)))
                    f.write("\n".join(log) + "\n")
                except (OSError, ValueError):
                    pass
    except OSError:
        pass


def print_failures(lines):
    """The FAILED lines (tests/failures.py) right before the closing line,
    where a cut excerpt of the output's tail still shows them."""
    sys.path.insert(0, os.path.join(HERE, ".."))
    import failures
    failures.print_listing(lines, "tests/artifacts/failed/")


def main():
    # The demo templates that servers copy (harness.sqlite_demo_copy): one
    # scratch directory for the whole run, shared by its lanes.
    if os.environ.get("KEJIYUN_TEST_SCRATCH"):
        return run(sys.argv[1:])
    import shutil
    import tempfile
    scratch = tempfile.mkdtemp(prefix="kejiyun-test-scratch-")
    os.environ["KEJIYUN_TEST_SCRATCH"] = scratch
    try:
        return run(sys.argv[1:])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def run(argv):
    jobs = int(os.environ.get("KEJIYUN_HTTP_JOBS", "3"))
    lane = None
    pattern = None
    only = None
    while argv:
        a = argv.pop(0)
        if a == "--jobs":
            jobs = int(argv.pop(0))
        elif a == "--only":
            only = [n for n in argv.pop(0).split(",") if n]
        elif a == "--lane":
            lane = argv.pop(0).split(",")
        elif a == "--queue":
            lane = argv.pop(0)
        else:
            pattern = a
    if lane is None:
        names = module_names(pattern)
        if only is not None:
            missing = sorted(set(only) - set(names))
            if missing:
                print("not ok - no such test module: %s" % ", ".join(missing))
                print("http: 0 passed, 1 failed")
                return 1
            names = [n for n in names if n in only]
        if jobs > 1 and len(names) > 1:
            return parallel(names, min(jobs, len(names)))
        lane_names, tag = names, "http"
    else:
        lane_names, tag = lane, "lane"
    passed = failed = 0
    failed_lines = []   # FAILED lines (tests/failures.py): the lane prints them, the parent gathers them
    shared = None
    started = time.time()
    lane_id = os.environ.get("KEJIYUN_HTTP_LANE", "0")
    harness.TIMELINE_LANE = lane_id
    def modules():
        if isinstance(lane_names, str):     # a queue file shared by the lanes
            while True:
                name = take_next(lane_names)
                if name is None:
                    return
                yield load_modules([name])[0]
        else:
            yield from load_modules(lane_names)

    for mod in modules():
        mod_started = time.time()
        harness.TIMELINE_MODULE = mod.__name__
        cpu0 = timeline.self_cpu() + timeline.children_cpu() + (timeline.proc_cpu(shared.proc.pid) if shared else 0)
        took = []
        args = getattr(mod, "SERVER_ARGS", None)
        if getattr(mod, "NO_SERVER", False):      # tests of the harness itself
            server, own = None, False
        elif args is None:
            if shared is None:
                shared = harness.Server()
            server, own = shared, False
        else:
            server, own = harness.Server(args), True
        tests = [(n, f) for n, f in vars(mod).items() if n.startswith("test_") and callable(f)]
        tests.sort(key=lambda t: t[1].__code__.co_firstlineno)
        for name, fn in tests:
            t0 = time.time()
            try:
                fn(server)
                took.append((name, time.time() - t0))
                passed += 1
                print("ok - %s.%s (%.2fs)" % (mod.__name__, name, time.time() - t0), flush=True)
            except Exception as e:  # a failed assertion or an unexpected error
                failed += 1
                test = "%s.%s" % (mod.__name__, name)
                headline = "%s: %s" % (test, failure_reason(e))
                rest = str(e).strip().split("\n", 1)[1:]   # a long message's other lines, as before
                detail = "".join(rest) + ("\n" if rest else "") + traceback.format_exc()
                print("not ok - " + headline, flush=True)
                sys.stdout.write(detail)
                sys.stdout.flush()
                keep_failure(test, "not ok - %s (after %.1f s)" % (headline, time.time() - t0), detail, server)
                failed_lines.append("FAILED %s %s" % (BACKEND, short(headline)))
        if own:
            code, log = server.stop()
            server.cleanup()
            if "ERROR: AddressSanitizer" in log or "runtime error:" in log:
                failed += 1
                print("not ok - %s: sanitizer report in server log\n%s" % (mod.__name__, log[-4000:]))
                failed_lines.append("FAILED %s %s: sanitizer report in its server's log" % (BACKEND, mod.__name__))
        print("lane-time: %s %.1f" % (mod.__name__, time.time() - mod_started), flush=True)
        cpu1 = timeline.self_cpu() + timeline.children_cpu() + (timeline.proc_cpu(shared.proc.pid) if shared else 0)
        took.sort(key=lambda t: -t[1])
        timeline.record("module", mod.__name__, mod_started, time.time(), cpu1 - cpu0, lane=lane_id,
                        suite=harness.TIMELINE_SUITE, tests=len(tests), own_server=own,
                        slowest=[(n, round(t, 1)) for n, t in took[:3]])
    if shared:
        code, log = shared.stop()
        if "ERROR: AddressSanitizer" in log or "runtime error:" in log or "LeakSanitizer" in log:
            failed += 1
            print("not ok - shared server: sanitizer report in server log\n" + log[-4000:])
            failed_lines.append("FAILED %s shared server of lane %s: sanitizer report in its log" % (BACKEND, lane_id))
        elif code != 0:
            failed += 1
            print("not ok - shared server exited with %s\n%s" % (code, log[-2000:]))
            failed_lines.append("FAILED %s shared server of lane %s: exited with %s on SIGTERM" % (BACKEND, lane_id, code))
        else:
            passed += 1
            print("ok - shared server stopped cleanly on SIGTERM")
        shared.cleanup()
    print("%s: took %.1fs" % (tag, time.time() - started))
    if tag == "lane":
        for ln in failed_lines:      # gathered by the parent (parallel)
            print("lane-failed: " + ln)
    else:
        print_failures(failed_lines)
    print("%s: %d passed, %d failed" % (tag, passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
