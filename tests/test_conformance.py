"""Differential conformance: sslbio on 2.7 against the stdlib on 3.11/3.13.

Under Python 2.7 every scenario of ``tests/conformance`` runs in a subprocess
of this interpreter (with sslbio) and of the reference interpreters (stdlib),
and each scenario is one test: 2.7's transcript must equal 3.11's, or 3.13's
for scenarios tagged ``py313``.  A scenario tagged ``deviation`` must show the
deliberate difference instead.  Where 3.11 and 3.13 themselves disagree the
difference is printed, not failed.

Reference interpreters: ``SSLBIO_REFERENCE_PYTHONS`` (os.pathsep-separated
paths), else pyenv's newest 3.11.x and 3.13.x.

Under Python 3 there is nothing to compare against: the scenarios run in
process against the stdlib, as a check that they themselves are sound.
"""

from __future__ import print_function

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "conformance"))

import compare  # noqa: E402
import interpreters  # noqa: E402
import older_reference  # noqa: E402
import scenarios  # noqa: E402

REGISTRY = scenarios.load()
NAMES = list(REGISTRY)
PY2 = sys.version_info[0] == 2

# 3.11 vs 3.13 differences met during this session, printed at the end.
_REFERENCE_DIFFERENCES = []


class Run(object):
    """One interpreter's transcripts (with a short repr: pytest prints test
    arguments on failure, and a transcript is thousands of lines)."""

    def __init__(self, python, add_src=True):
        self.python = python
        self.transcripts, self.stderr = interpreters.transcript(python,
                                                               add_src=add_src)

    def __getitem__(self, name):
        return self.transcripts[name]

    def __repr__(self):
        return "<Run %s: %d scenarios>" % (self.python, len(self.transcripts))


class References(dict):
    def __repr__(self):
        return "<References %s>" % ", ".join(sorted(self))


@pytest.fixture(scope="module")
def references():
    found = interpreters.reference_pythons()
    # SSLBIO_REFERENCE_PYTHONS may name an older Python 3 instead of 3.11
    # (scripts/test-all: Debian bullseye's 3.9 on the chroot's OpenSSL).
    if "3.11" not in found and not (
            found and os.environ.get("SSLBIO_REFERENCE_PYTHONS")):
        pytest.skip("no Python 3.11 reference interpreter (set "
                    "SSLBIO_REFERENCE_PYTHONS or install one with pyenv)")
    return References((minor, Run(path)) for minor, path in found.items())


def _main_reference(references):
    """3.11, or the older Python 3 SSLBIO_REFERENCE_PYTHONS named."""
    return "3.11" if "3.11" in references else min(references)


@pytest.fixture(scope="module")
def observed():
    # The installed sslbio when there is one (scripts/test-all), else src/.
    return Run(sys.executable, add_src=not interpreters.sslbio_installed())


def _first(observations, label):
    for item in observations:
        if item[0] == label:
            return item[1]
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
    if "py313" not in entry.tags:
        _note_reference_difference(name, references)

    if entry.deviation:
        label, exception = entry.deviation
        outcome = _first(mine, label)
        assert outcome is not None, "no observation %r" % label
        assert outcome.get("raises") == exception, (
            "deliberate deviation: %s should raise %s, got %r"
            % (label, exception, outcome))
        return

    diffs = compare.differences(mine, references[reference_minor][name])
    if reference_minor != "3.11" and "py313" not in entry.tags:
        # Python 3's own changes between the older reference and 3.11.
        diffs = older_reference.unexplained(diffs)
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
                    "reference (DESIGN.md section 3): its ssl predates "
                    "SSLCertVerificationError and OpenSSL 3")
@ON_3
def test_scenario_runs_on_stdlib(name):
    """Every scenario runs cleanly against this interpreter's stdlib."""
    try:
        import sslbio  # noqa: F401  (the installed one, if any)
    except ImportError:
        sys.path.insert(0, os.path.join(os.path.dirname(HERE), "src"))
    from runner import run_one, setup
    observations = run_one(REGISTRY[name], setup())
    bad = [item for item in observations if item[0].startswith("!")]
    assert not bad, bad
    assert observations, "scenario recorded nothing"
