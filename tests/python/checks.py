"""The little check runner the scripts in this folder share: one line per check, then
`N passed, M failed`; stops at the first failure."""

import sys
import traceback


class CheckFailed(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise CheckFailed(message)


def expect_eq(actual, expected, what):
    if actual != expected:
        raise CheckFailed(f"{what}: expected {expected!r}, got {actual!r}")


def registry():
    """(checks, check): a list of (title, function) pairs and a decorator, `@check(title)`,
    that appends the function it decorates to it."""
    checks = []

    def check(title):
        def register(function):
            checks.append((title, function))
            return function

        return register

    return checks, check


def run_checks(checks):
    """Runs (title, function) pairs in order; returns the exit code (0 when all passed)."""
    passed = 0
    for title, function in checks:
        try:
            function()
        except CheckFailed as e:
            print(f"FAIL {title}: {e}", flush=True)
            print(f"{passed} passed, 1 failed", flush=True)
            return 1
        except Exception as e:  # a client raised something unexpected: show where
            print(f"FAIL {title}: {type(e).__name__}: {e}", flush=True)
            traceback.print_exc(file=sys.stdout)
            print(f"{passed} passed, 1 failed", flush=True)
            return 1
        passed += 1
        print(f"ok   {title}", flush=True)
    print(f"{passed} passed, 0 failed", flush=True)
    return 0
