"""Where each interpreter differs from Python 3.11, scenario by scenario.

    python tests/conformance/report.py [--details] [--only NAME ...]

Runs every scenario under 2.7 (sslbio) and every installed 3.6 ... 3.13
(stdlib) found through pyenv, and prints a table: one row per scenario, one
column per interpreter, ``.`` where the transcript equals 3.11's, the number
of differing observations where it does not, ``E`` where ``import sslbio``
failed, ``-`` where the interpreter is missing.  It documents where Python 3
itself changed as much as where sslbio differs.  ``--details`` lists every
differing observation as well.
"""

from __future__ import print_function

import argparse
import json
import os
import sys

if not __package__:
    # Run by path: make the ``conformance`` and ``support`` packages
    # importable.
    sys.path.insert(0, os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))

from conformance import compare, interpreters  # noqa: E402
from support.interpreters import find_python  # noqa: E402

REFERENCE = "3.11"


def collect(minors, only):
    runs = {}
    for minor in minors:
        path = find_python(minor)
        if path is None:
            continue
        sys.stderr.write("running %s (%s)\n" % (minor, path))
        runs[minor] = interpreters.transcript(path, only)[0]
    return runs


def table(runs, names, minors):
    ref = runs[REFERENCE]
    width = max(len(n) for n in names)
    head = "%-*s " % (width, "scenario") + " ".join("%5s" % m for m in minors)
    lines = [head, "-" * len(head)]
    totals = dict((m, 0) for m in minors)
    for name in names:
        cells = []
        for minor in minors:
            run = runs.get(minor)
            if run is None or name not in run:
                cells.append("%5s" % "-")
                continue
            if run[name][:1] and run[name][0][0] == "!setup":
                totals[minor] += 1  # sslbio itself did not import
                cells.append("%5s" % "E")
                continue
            n = len(compare.differences(run[name], ref[name]))
            totals[minor] += bool(n)
            cells.append("%5s" % ("." if n == 0 else n))
        lines.append("%-*s " % (width, name) + " ".join(cells))
    lines.append("-" * len(head))
    lines.append("%-*s " % (width, "scenarios differing") +
                 " ".join("%5s" % (totals[m] if m in runs else "-")
                          for m in minors))
    return "\n".join(lines)


def details(runs, names, minors):
    ref = runs[REFERENCE]
    out = []
    for minor in minors:
        if minor == REFERENCE or minor not in runs:
            continue
        for name in names:
            if name not in runs[minor]:
                continue
            for label, mine, theirs in compare.differences(runs[minor][name],
                                                           ref[name]):
                out.append("%s | %s | %s\n    %s: %s\n    %s: %s" % (
                    minor, name, label, minor, json.dumps(mine, sort_keys=True),
                    REFERENCE, json.dumps(theirs, sort_keys=True)))
    return "\n".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--details", action="store_true")
    parser.add_argument("--only", nargs="+", metavar="NAME")
    parser.add_argument("--minors", nargs="+", default=interpreters.REPORT_MINORS,
                        metavar="X.Y")
    args = parser.parse_args(argv)
    minors = list(args.minors)
    if REFERENCE not in minors:
        minors.append(REFERENCE)
    runs = collect(minors, args.only)
    if REFERENCE not in runs:
        raise SystemExit("Python %s is needed as the reference" % REFERENCE)
    names = args.only or list(runs[REFERENCE])
    print(table(runs, names, minors))
    if args.details:
        print()
        print(details(runs, names, minors))
    return 0


if __name__ == "__main__":
    sys.exit(main())
