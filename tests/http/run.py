"""run.py — runs every tests/http/test_*.py against real servers.

One shared server (demo data) serves the tests that do not need special
settings; a test module may define SERVER_ARGS to get its own server.
Prints one line per test and ends with "http: N passed, N failed".
"""
import importlib.util
import glob
import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402


def load_modules(pattern):
    mods = []
    for path in sorted(glob.glob(os.path.join(os.path.dirname(__file__), "test_*.py"))):
        name = os.path.splitext(os.path.basename(path))[0]
        if pattern and pattern not in name:
            continue
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        mods.append(mod)
    return mods


def main():
    pattern = sys.argv[1] if len(sys.argv) > 1 else None
    passed = failed = 0
    shared = None
    started = time.time()
    for mod in load_modules(pattern):
        args = getattr(mod, "SERVER_ARGS", None)
        if args is None:
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
                passed += 1
                print("ok - %s.%s (%.2fs)" % (mod.__name__, name, time.time() - t0), flush=True)
            except Exception as e:  # a failed assertion or an unexpected error
                failed += 1
                print("not ok - %s.%s: %s" % (mod.__name__, name, e), flush=True)
                traceback.print_exc()
        if own:
            code, log = server.stop()
            server.cleanup()
            if "ERROR: AddressSanitizer" in log or "runtime error:" in log:
                failed += 1
                print("not ok - %s: sanitizer report in server log\n%s" % (mod.__name__, log[-4000:]))
    if shared:
        code, log = shared.stop()
        if "ERROR: AddressSanitizer" in log or "runtime error:" in log or "LeakSanitizer" in log:
            failed += 1
            print("not ok - shared server: sanitizer report in server log\n" + log[-4000:])
        elif code != 0:
            failed += 1
            print("not ok - shared server exited with %s\n%s" % (code, log[-2000:]))
        else:
            passed += 1
            print("ok - shared server stopped cleanly on SIGTERM")
        shared.cleanup()
    print("http: took %.1fs" % (time.time() - started))
    print("http: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
