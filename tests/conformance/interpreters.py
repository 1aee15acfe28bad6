"""Finding interpreters and running the scenario runner under them.

Each run is a subprocess, so a crash of the engine under test costs one
scenario, not the test session: when a run dies, the scenarios it did not
report are run again one by one, and the one that kills the interpreter is
recorded as ``["!crashed", returncode]``.
"""

from __future__ import print_function

import json
import os
import sys

from support import subproc
from support.interpreters import reference_pythons  # noqa: F401 (re-exported)

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)

TIMEOUT = 300  # seconds for one runner process

REPORT_MINORS = ("2.7", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12",
                 "3.13")


def _runner(python):
    return [python, "-m", "conformance.runner"]


def _environment(src):
    """Environment for a runner process, with ``src`` (the directory holding
    the sslbio to import) first on PYTHONPATH: the checkout's for reference
    interpreters (nothing is installed there), the one this interpreter
    finds for the interpreter under test."""
    return subproc.child_env(src, perturb=False)


def list_scenarios(python=None):
    """Registered scenarios as ``[{"name", "tags", "deviation"}]``."""
    result = subproc.run(_runner(python or sys.executable) + ["--list"],
                         timeout=TIMEOUT, env=_environment(None)).check()
    return json.loads(result.out)


def sslbio_location():
    """The ``sys.path`` entry this interpreter imports sslbio from, found
    without importing it (the import itself is what the subprocesses are
    there to contain), or None."""
    for entry in sys.path:
        entry = os.path.abspath(entry or os.curdir)
        if os.path.isfile(os.path.join(entry, "sslbio", "__init__.py")):
            return entry
    return None


def _run(python, names, src):
    cmd = _runner(python) + ["--jsonl"]
    if names:
        cmd += ["--only"] + list(names)
    # A hung run is killed at the deadline, and then counts as a crash of
    # the scenarios it had not finished.
    result = subproc.run(cmd, timeout=TIMEOUT, env=_environment(src))
    results = {}
    for line in result.out.splitlines():
        if line.startswith("{"):
            try:
                item = json.loads(line)
            except ValueError:  # a line cut short by a crash
                continue
            results[item["name"]] = item["observations"]
    return results, result.returncode, result.err


def transcript(python, names=None, src=subproc.CHECKOUT_SRC):
    """``({name: observations}, stderr)`` of ``python`` running the scenarios.

    A scenario missing from the output (the interpreter died) is rerun alone;
    if it dies again its transcript is ``[["!crashed", returncode]]``."""
    results, code, err = _run(python, names, src)
    wanted = names or [s["name"] for s in list_scenarios(python)]
    missing = [n for n in wanted if n not in results]
    if code != 0 and not missing:
        err += "\nrunner exited with %s after reporting every scenario" % code
    for name in missing:
        single, code, single_err = _run(python, [name], src)
        if name in single:
            results[name] = single[name]
        else:
            results[name] = [["!crashed", code]]
            err += "\n--- %s crashed (exit %s):\n%s" % (name, code, single_err)
    return results, err
