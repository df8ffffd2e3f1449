# SPDX-License-Identifier: MIT
"""The checks of the sweep and report tests: each failed check prints one line; the
closing line counts them ('N passed, N failed', as ctest's log shows)."""

import sys

_failures = []
_checks = [0]


def check(cond, what):
    _checks[0] += 1
    if not cond:
        _failures.append(what)
        print(f"FAIL: {what}", file=sys.stderr)


def finish(name):
    """Prints the closing line; returns the exit status."""
    print(f"{name}: {_checks[0] - len(_failures)} passed, {len(_failures)} failed")
    return 1 if _failures else 0
