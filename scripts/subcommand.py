# SPDX-License-Identifier: MIT
"""What `shadowsel sweep` and `shadowsel report` share: bad input is one line on
stderr, `PROG: what is wrong`, and exit status 2 (usage mistakes included)."""

import argparse
import sys


def die(prog, line):
    print(f"{prog}: {line}", file=sys.stderr)
    sys.exit(2)


class Parser(argparse.ArgumentParser):
    """argparse whose usage errors are one line (and exit 2)."""

    def error(self, message):
        die(self.prog, f"{message} (see --help)")
