"""Runs the interpreter's own ``test.test_ssl`` and reports every test as a
line of JSON, unchanged or with sslbio's socket substituted.

    python runner.py list                    # the test names, one a line
    python runner.py run native|sslbio NAME...

Names are ``Class.method`` (``ThreadedTests.test_echo``).  ``run`` writes
``{"start": name}`` when a test begins and ``{"name": ..., "outcome": ...,
"detail": ...}`` when it ends, on what was standard output; the tests' own
output goes to standard error.  The parent (``check_test_ssl.py``) reads the
lines as they come and stops a test that passes its deadline, so a hang
fails one test and the run goes on in a new process.

Network resources are off, as in a plain ``python -m test test_ssl``: the
tests reaching outside the machine are skipped.  On 2.7 the classes are
those 2.7's ``test_main()`` runs without the network resource.
"""

import json
import os
import sys
import traceback
import unittest

PY2 = sys.version_info[0] == 2
# 2.7's test_main() list, without NetworkedTests (network resource off).
_CLASSES_27 = ("ContextTests", "BasicTests", "BasicSocketTests",
               "SSLErrorTests", "ThreadedTests")
MODULE = "test.test_ssl"


def _load_module():
    if PY2:
        from test import test_support as support
    else:
        from test import support
    support.use_resources = []  # no network, as `python -m test` without -u
    support.verbose = False
    __import__(MODULE)
    return sys.modules[MODULE]


def _short(test):
    """``Class.method`` for a test (the module's name left out)."""
    name = test.id()
    prefix = MODULE + "."
    return name[len(prefix):] if name.startswith(prefix) else name


def _all_tests(module):
    loader = unittest.TestLoader()
    if PY2:
        suites = [loader.loadTestsFromTestCase(getattr(module, name))
                  for name in _CLASSES_27 if hasattr(module, name)]
        suite = unittest.TestSuite(suites)
    else:
        suite = loader.loadTestsFromModule(module)
    return list(_flatten(suite))


def _flatten(suite):
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            for inner in _flatten(test):
                yield inner
        else:
            yield test


class _Reporter(unittest.TestResult):
    """Writes one line per test: the worst of what happened to it (a
    failing subtest fails the test; an error in a class or module fixture
    is reported under that fixture's name)."""

    _RANK = {"pass": 0, "skip": 1, "fail": 2, "error": 3}

    def __init__(self, emit):
        unittest.TestResult.__init__(self)
        self._emit = emit
        self._current = None

    def startTest(self, test):
        unittest.TestResult.startTest(self, test)
        self._current = {"name": _short(test), "outcome": "pass",
                         "detail": ""}
        self._emit({"start": self._current["name"]})

    def _note(self, test, outcome, detail):
        current = self._current
        if current is None or current["name"] != _short(test):
            # A fixture (setUpClass, setUpModule): a line of its own.
            self._emit({"name": _short(test), "outcome": outcome,
                        "detail": detail})
            return
        if self._RANK[outcome] >= self._RANK[current["outcome"]]:
            current["outcome"] = outcome
            current["detail"] = detail

    def stopTest(self, test):
        unittest.TestResult.stopTest(self, test)
        if self._current is not None:
            self._emit(self._current)
        self._current = None

    def addError(self, test, err):
        self._note(test, "error", _describe(err))

    def addFailure(self, test, err):
        self._note(test, "fail", _describe(err))

    def addSkip(self, test, reason):
        self._note(test, "skip", str(reason))

    def addExpectedFailure(self, test, err):
        self._note(test, "pass", "expected failure")

    def addUnexpectedSuccess(self, test):
        self._note(test, "fail", "unexpected success")

    def addSubTest(self, test, subtest, err):
        if err is not None:
            failed = issubclass(err[0], test.failureException)
            self._note(test, "fail" if failed else "error",
                       "%s: %s" % (subtest, _describe(err)))


def _describe(err):
    """The exception's last lines: what a reviewer needs to see why."""
    lines = traceback.format_exception(*err)
    text = "".join(lines).strip().splitlines()
    return "\n".join(text[-40:])


def _event_writer():
    """A writer on what was standard output; standard output itself then
    goes to standard error, so the tests' prints cannot mix with events."""
    sys.stdout.flush()
    events = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)

    def emit(event):
        events.write(json.dumps(event) + "\n")
        events.flush()
    return emit


def main(argv):
    if argv[:1] == ["list"]:
        for test in _all_tests(_load_module()):
            print(_short(test))
        return 0
    if len(argv) < 2 or argv[0] != "run" or argv[1] not in ("native",
                                                              "sslbio"):
        sys.stderr.write(__doc__)
        return 2
    emit = _event_writer()
    if argv[1] == "sslbio":
        import substitute
        substitute.install()
    module = _load_module()
    wanted = set(argv[2:])
    tests = [t for t in _all_tests(module) if _short(t) in wanted]
    try:
        unittest.TestSuite(tests).run(_Reporter(emit))
    except BaseException:
        emit({"name": "(runner)", "outcome": "error",
              "detail": traceback.format_exc()})
        return 1
    emit({"finished": True})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
