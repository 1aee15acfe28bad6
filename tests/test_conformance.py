"""Differential conformance: sslbio on 2.7 against the stdlib on 3.11/3.13.

Under Python 2.7 every scenario of ``tests/conformance`` runs in a subprocess
of this interpreter (with sslbio) and of the reference interpreters (stdlib),
and each scenario is one test: 2.7's transcript must equal 3.11's, or 3.13's
for scenarios tagged ``py313``.  A scenario tagged ``deviation`` must match up to
the deliberate difference and show it there.  Where 3.11 and 3.13 themselves disagree the
difference is printed, not failed.

Reference interpreters: ``SSLBIO_REFERENCE_PYTHONS`` (os.pathsep-separated
paths, the main reference first), else the newest 3.11.x and 3.13.x.  A main
reference older than 3.11 (bullseye's 3.9, for OpenSSL 1.1.1) is compared
with Python 3's own changes since then set aside by name
(``conformance/older_reference.py``).  Under PyPy 2.7 the one difference
PyPy itself makes (every object can be weakly referenced) is set aside
(``conformance/pypy_language.py``); where no reference can judge a scenario
(one tagged ``py311`` beside bullseye's 3.9, or ``py313`` without a 3.13),
PyPy's transcript must equal CPython 2.7's with sslbio on the same machine
and OpenSSL, which the CPython rows hold to 3.11 and 3.13.

Under Python 3 there is nothing to compare against: the scenarios run in
process against the stdlib, as a check that they themselves are sound.
"""

from __future__ import print_function

import os
import platform
import sys

import pytest

from conformance import (compare, engine_limits, interpreters,
                         older_reference, pypy_language, scenarios)
from support import subproc
from support.interpreters import NO_REFERENCE, find_python
from support.openssl_release import HAS_TLS13, NO_TLS13

REGISTRY = scenarios.load()
NAMES = list(REGISTRY)
PY2 = sys.version_info[0] == 2
ON_PYPY = platform.python_implementation() == "PyPy"

# 3.11 vs 3.13 differences met during this session, printed at the end.
_REFERENCE_DIFFERENCES = []


class Run(object):
    """One interpreter's transcripts (with a short repr: pytest prints test
    arguments on failure, and a transcript is thousands of lines)."""

    def __init__(self, python, src=subproc.CHECKOUT_SRC):
        self.python = python
        self.transcripts, self.stderr = interpreters.transcript(python, src=src)

    def __getitem__(self, name):
        return self.transcripts[name]

    def __repr__(self):
        return "<Run %s: %d scenarios>" % (self.python, len(self.transcripts))


class References(dict):
    def __repr__(self):
        return "<References %s>" % ", ".join(sorted(self))


@pytest.fixture(scope="module")
def references():
    # The first is the main reference: 3.11 by default; scripts/test-all
    # names an older Python 3 on the OpenSSL under test where that is the
    # one there is (Debian bullseye's 3.9 in the chroots).
    found = interpreters.reference_pythons()
    if not found:
        pytest.skip(NO_REFERENCE)
    references = References((minor, Run(path)) for minor, path in found)
    references.main = found[0][0]
    return references


def _main_reference(references):
    """The minor version of the first reference interpreter."""
    return references.main


@pytest.fixture(scope="module")
def observed():
    # The installed sslbio when there is one (scripts/test-all), else src/.
    return Run(sys.executable, src=interpreters.sslbio_location())


@pytest.fixture(scope="module")
def cpython27_beside():
    """CPython 2.7 with the checkout's sslbio (its ctypes engine), on the
    machine and OpenSSL PyPy runs on."""
    python27 = find_python("2.7")
    if python27 is None:
        pytest.skip("no CPython 2.7 beside PyPy")
    return Run(python27)


def _index(observations, label):
    for i, item in enumerate(observations):
        if item[0] == label:
            return i
    return None


def _note_reference_difference(name, references):
    if "3.13" not in references:
        return
    diffs = compare.differences(references["3.13"][name],
                                references["3.11"][name])
    if diffs:
        text = "%s: 3.13 differs from 3.11\n%s" % (
            name, compare.render(diffs, "3.13", "3.11"))
        _REFERENCE_DIFFERENCES.append(text)
        print(text)


# Only the tests of this interpreter's line are generated (one per scenario);
# the other line's show up as a single skip that says why.
ON_2 = pytest.mark.parametrize("name", NAMES if PY2 else [])
ON_3 = pytest.mark.parametrize("name", [] if PY2 else NAMES)
# Scenarios only a newer reference can judge, compared under PyPy with
# CPython 2.7 as well.
NEWER_SURFACE = [name for name in NAMES
                 if set(REGISTRY[name].tags) & set(["py311", "py313"])]
ON_PYPY_NEWER = pytest.mark.parametrize("name", NEWER_SURFACE if ON_PYPY
                                        else [])


@pytest.mark.skipif(PY2, reason="runs only under Python 3")
def test_differential_runs_under_python27():
    pytest.skip("the differential comparison runs when pytest runs on Python "
                "2.7; Python 3 only checks that the scenarios run cleanly")


@ON_2
def test_matches_python3(name, observed, references):
    entry = REGISTRY[name]
    mine = observed[name]
    reference_minor = "3.13" if "py313" in entry.tags else \
        _main_reference(references)
    if reference_minor not in references:
        pytest.skip("no Python %s reference interpreter" % reference_minor)
    if "py311" in entry.tags and reference_minor not in ("3.11", "3.13"):
        pytest.skip("the %s reference predates what %s checks"
                    % (reference_minor, name))
    if "tls13" in entry.tags and not HAS_TLS13:
        pytest.skip(NO_TLS13)
    if "py313" not in entry.tags:
        _note_reference_difference(name, references)

    reference = references[reference_minor][name]
    if entry.deviation:
        # Identical to the reference up to the deviating observation.
        label, exception = entry.deviation
        at = _index(mine, label)
        assert at is not None, "no observation %r" % label
        outcome = mine[at][1]
        assert outcome.get("raises") == exception, (
            "deliberate deviation: %s should raise %s, got %r"
            % (label, exception, outcome))
        mine, reference = mine[:at], reference[:at]

    diffs = compare.differences(mine, reference)
    if reference_minor != "3.11" and "py313" not in entry.tags:
        # Python 3's own changes between the older reference and 3.11.
        diffs = older_reference.unexplained(diffs)
    if ON_PYPY:
        diffs = compare.set_aside(diffs, pypy_language.RULES)
    # An engine's documented limitations (SSLBIO_ENGINE=portable) explain
    # some differences; anything else still fails.
    engine = os.environ.get("SSLBIO_ENGINE") or (
        "pypy" if platform.python_implementation() == "PyPy" else None)
    diffs = engine_limits.unexplained(engine, name, diffs)
    assert not diffs, "2.7 differs from %s:\n%s\n%s" % (
        reference_minor, compare.render(diffs, "2.7", reference_minor),
        _stderr_excerpt(observed.stderr, name))


def _stderr_excerpt(stderr, name):
    marker = "scenario %s raised" % name
    start = stderr.find(marker)
    if start < 0:
        start = stderr.find("--- %s crashed" % name)
    if start < 0:
        return ""
    return "runner stderr:\n" + stderr[start:start + 3000]


@ON_PYPY_NEWER
def test_pypy_matches_cpython27(name, observed, references, cpython27_beside):
    """What no reference here can judge, PyPy must answer as CPython 2.7
    with sslbio does on the same OpenSSL (held to 3.11 and 3.13 by the
    CPython rows), less what PyPy itself allows (weak references)."""
    if "py313" in REGISTRY[name].tags and "3.13" in references or \
            "py311" in REGISTRY[name].tags and references.main in ("3.11",
                                                                   "3.13"):
        pytest.skip("judged against the reference itself")
    diffs = compare.differences(observed[name], cpython27_beside[name])
    diffs = compare.set_aside(diffs, pypy_language.RULES)
    assert not diffs, "PyPy differs from CPython 2.7:\n%s\n%s" % (
        compare.render(diffs, "pypy", "2.7"),
        _stderr_excerpt(observed.stderr, name))


@pytest.mark.skipif(not PY2, reason="differential run needs Python 2.7")
def test_zz_reference_differences_summary(references):
    """Not a check: prints where 3.11 and 3.13 disagree (run with -s)."""
    if "3.13" not in references:
        pytest.skip("no Python 3.13 reference interpreter")
    for name in NAMES:
        if not any(text.startswith(name + ":") for text in _REFERENCE_DIFFERENCES):
            _note_reference_difference(name, references)
    print("\n%d scenario(s) where 3.13 differs from 3.11"
          % len(_REFERENCE_DIFFERENCES))


@pytest.mark.skipif(sys.version_info[:2] == (3, 6), reason="3.6 is not a "
                    "reference (see the README, Behaviour): its ssl predates "
                    "SSLCertVerificationError and OpenSSL 3")
@ON_3
def test_scenario_runs_on_stdlib(name):
    """Every scenario runs cleanly against this interpreter's stdlib."""
    try:
        import sslbio  # noqa: F401  (the installed one, if any)
    except ImportError:
        sys.path.insert(0, subproc.CHECKOUT_SRC)
    if "py311" in REGISTRY[name].tags and sys.version_info < (3, 8):
        pytest.skip("Python 3.8 added part of the context surface this "
                    "scenario uses (keylog_filename, post_handshake_auth)")
    from conformance.runner import run_one, setup
    observations = run_one(REGISTRY[name], setup())
    bad = [item for item in observations if item[0].startswith("!")]
    assert not bad, bad
    assert observations, "scenario recorded nothing"


def test_older_reference_rules_for_openssl_102(monkeypatch):
    """What 3.9 on OpenSSL 1.0.2 shows by its own making is set aside, and
    nothing more: a session it handed out uncopied (and what a scenario
    then does with it), the cipher of a copied session, a reason named by
    its 1.1.1 table."""
    monkeypatch.setattr(older_reference, "_ON_102", True)
    monkeypatch.setattr(older_reference, "_REASON_NAMES", [frozenset(
        ["BAD_MESSAGE_TYPE", "WRONG_MESSAGE_TYPE"])])

    def error(reason, cls="SSLError"):
        return {"raises": cls, "errno": 1, "library": "SSL", "reason": reason}

    refused = {"raises": "ValueError"}
    explained = [
        ("client session type", refused, {"returns": "Session"}),
        ("session after failure", refused, {"returns": {"object": "Session"}}),
        ("battery client.cipher", {"returns": None},
         {"returns": ["AES128-SHA", "TLSv1/SSLv3", 128]}),
        ("4 client.handshake", error("BAD_MESSAGE_TYPE"),
         error("BAD_PSK_IDENTITY")),
    ]
    for entry in explained:
        assert older_reference.unexplained([entry]) == [], entry
    kept = [
        # a name the release has, another class, a cipher against none
        ("4 client.handshake", error("BAD_MESSAGE_TYPE"),
         error("WRONG_MESSAGE_TYPE")),
        ("4 client.handshake", error("BAD_MESSAGE_TYPE", "SSLEOFError"),
         error("BAD_PSK_IDENTITY")),
        ("client cipher", {"returns": ["AES128-SHA", "TLSv1/SSLv3", 128]},
         {"returns": None}),
    ]
    for entry in kept:
        assert older_reference.unexplained([entry]) == [entry], entry
    # A scenario that stops where 3.9 goes on with its session: only after
    # a refused copy.
    tail = ("<sequence diverges at #6>", None, {"label": "has_ticket"})
    assert older_reference.unexplained([explained[1], tail]) == []
    assert older_reference.unexplained([tail]) == [tail]
    # On any other release the 1.0.2 rules do not apply.
    monkeypatch.setattr(older_reference, "_ON_102", False)
    assert older_reference.unexplained(explained[2:]) == explained[2:]
