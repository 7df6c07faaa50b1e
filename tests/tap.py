"""Result lines shared by the Python test scripts: `ok - name` or
`FAIL - name: detail`, and a closing `N passed, M failed`."""

COUNTS = {"passed": 0, "failed": 0}


def ok(name):
    COUNTS["passed"] += 1
    print("ok - %s" % name)


def fail(name, detail):
    COUNTS["failed"] += 1
    print("FAIL - %s: %s" % (name, detail))


def check(name, cond, detail=""):
    """Record one result; return cond, so that later checks can depend on it."""
    if cond:
        ok(name)
    else:
        fail(name, detail)
    return cond


def summary():
    """Print the closing line; return the exit status (1 if anything failed)."""
    print("%d passed, %d failed" % (COUNTS["passed"], COUNTS["failed"]))
    return 1 if COUNTS["failed"] else 0
