"""CPython's own test_ssl, unchanged and with sslbio's socket substituted:
a test that passes unchanged must pass substituted, unless ``excepted.py``
names it with the reason no wrapper can pass it.

Not collected by a plain ``pytest tests`` (the name does not start with
``test_``): scripts/test-all runs it in rows of its own (``test_ssl-X.Y``),
naming this file.  See README.md.
"""

import json
import os
import subprocess
import sys
import threading

import pytest

from support import subproc

try:
    import queue
except ImportError:  # Python 2.7
    import Queue as queue

import excepted

HERE = os.path.dirname(os.path.abspath(__file__))
RUNNER = os.path.join(HERE, "runner.py")
# Seconds a single test may take before it counts as hung; the slowest of
# 3.13's tests passes in under 10 s unchanged.
DEADLINE = float(os.environ.get("SSLBIO_TEST_SSL_DEADLINE", "60"))
# SSLBIO_TEST_SSL_SECLEVEL=0: OpenSSL at security level 0 (TLS 1.0/1.1 and
# SHA-1 allowed), so that 2.7's tests written for them run on OpenSSL 3.
SECLEVEL0 = os.environ.get("SSLBIO_TEST_SSL_SECLEVEL") == "0"
VERSION = "%d.%d" % sys.version_info[:2]


def _child_env():
    extra = {}
    if SECLEVEL0:
        extra["OPENSSL_CONF"] = os.path.join(HERE, "seclevel0.cnf")
    return subproc.child_env(subproc.sslbio_src(), extra, path=[HERE])


def _names():
    result = subproc.run([sys.executable, RUNNER, "list"], timeout=120,
                         env=_child_env()).check()
    return [line for line in result.out.splitlines() if line.strip()]


NAMES = _names()


class _Child(object):
    """One ``runner.py run`` process and the event lines it writes, read in
    a thread so that the parent can wait for each with a deadline."""

    def __init__(self, mode, names, log):
        self.process = subprocess.Popen(
            [sys.executable, RUNNER, "run", mode] + list(names),
            stdout=subprocess.PIPE, stderr=log, env=_child_env())
        self.lines = queue.Queue()
        reader = threading.Thread(target=self._read)
        reader.daemon = True
        reader.start()

    def _read(self):
        for line in iter(self.process.stdout.readline, b""):
            self.lines.put(line)
        self.lines.put(None)

    def next_event(self):
        """The next event, None at the end, or "hung" after DEADLINE."""
        try:
            line = self.lines.get(timeout=DEADLINE)
        except queue.Empty:
            return "hung"
        return None if line is None else json.loads(line.decode("utf-8"))

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.process.stdout.close()


def run_mode(mode, names, log):
    """``{name: (outcome, detail)}`` for every test in ``names`` run in
    ``mode``; a test that passes the deadline is "hung" and the rest run in
    a new process, as do the tests after one that crashed its process."""
    results = {}
    remaining = list(names)
    while remaining:
        child = _Child(mode, remaining, log)
        current = None
        try:
            while True:
                event = child.next_event()
                if event == "hung":
                    results[current or "(between tests)"] = (
                        "hung", "no result after %.0f s" % DEADLINE)
                    break
                if event is None:
                    if current is not None:
                        results[current] = ("crash", "the process ended "
                                            "during the test (exit status "
                                            "%s)" % child.process.wait())
                    break
                if "start" in event:
                    current = event["start"]
                elif "name" in event:
                    results[event["name"]] = (event["outcome"],
                                              event["detail"])
                    current = None
        finally:
            child.stop()
        left = [name for name in remaining if name not in results]
        if len(left) == len(remaining):
            for name in left:  # no progress: the process cannot start
                results[name] = ("error", "not run: the runner made no "
                                 "progress (see %s)" % log.name)
            break
        remaining = left
    return results


@pytest.fixture(scope="module")
def outcomes(tmpdir_factory):
    directory = tmpdir_factory.mktemp("test_ssl")
    found = {}
    for mode in ("native", "sslbio"):
        with open(str(directory.join(mode + ".log")), "wb") as log:
            found[mode] = run_mode(mode, NAMES, log)
    return found


EXCEPTED = excepted.for_interpreter(VERSION, SECLEVEL0)


@pytest.mark.parametrize("name", NAMES)
def test_passes_as_unchanged(outcomes, name):
    native, detail = outcomes["native"].get(name, ("missing", ""))
    if native != "pass":
        pytest.skip("%s unchanged: %s" % (native, detail.splitlines()[-1:]))
    outcome, detail = outcomes["sslbio"].get(name, ("missing", ""))
    reason = EXCEPTED.get(name)
    if reason is not None:
        assert outcome != "pass", (
            "passes with sslbio's socket: take it off excepted.py")
        pytest.xfail(reason)
    assert outcome == "pass", "%s with sslbio's socket:\n%s" % (outcome,
                                                                 detail)


def test_fixtures_fail_only_as_unchanged(outcomes):
    """Errors in class or module fixtures are reported under their own
    names: none may appear with the substitution that is not there
    unchanged."""
    extra = dict((name, result) for name, result in outcomes["sslbio"].items()
                 if name not in NAMES and result[0] != "pass" and
                 outcomes["native"].get(name, ("",))[0] != result[0])
    assert not extra


def test_every_exception_names_a_test():
    unknown = sorted(set(EXCEPTED) - set(NAMES))
    assert not unknown, "excepted.py names tests this test_ssl lacks"
