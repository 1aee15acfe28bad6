"""After ``inject_into_ssl()`` the ``ssl`` namespace is Python 3.11's, name
for name, except what docs/python3-names.md lists; extraction restores it.

The names come from a real Python 3.11's ``dir()`` and from this 2.7's own
before injection, so the page and the code cannot drift apart.  (Values are
the conformance suite's business: tests/conformance/sc_wrap.py.)
"""

import platform
import re
import ssl
import sys

import pytest

import sslbio
from conformance.engine_limits import current as current_limits
from support import subproc
from support.documents import document, section
from support.interpreters import find_python

pytestmark = pytest.mark.skipif(
    sys.version_info[0] >= 3, reason="injection is for Python 2.7; on "
    "Python 3 sslbio's names are the standard library's")

PAGE = document("docs/python3-names.md")
# The objects whose public names are compared, by their name in ssl.
OWNERS = ("ssl", "SSLContext", "MemoryBIO", "SSLObject", "SSLSession")
NAMES = r"""
import json, ssl
owners = {"ssl": ssl}
for name in %r[1:]:
    owners[name] = getattr(ssl, name)
print(json.dumps(dict((key, sorted(n for n in dir(value) if not n.startswith("_")))
                      for key, value in owners.items())))
""" % (OWNERS,)


def public_names():
    """``{owner: set of public names}`` as ``ssl`` shows them now."""
    owners = dict((name, getattr(ssl, name, None)) for name in OWNERS[1:])
    owners["ssl"] = ssl
    return dict((key, set(n for n in dir(value) if not n.startswith("_"))
                     if value is not None else set())
                for key, value in owners.items())


def listed(title):
    """The names in the first column of the table under ``title``."""
    text = section(PAGE, title)
    rows = re.findall(r"^\| ([^|]+) \|", text, re.M)
    return set(re.findall(r"`(\w+)`", " ".join(rows[1:])))


def release_names():
    """The names the page says follow the OpenSSL release, ``OP_*`` spelled
    out: every Options member any release sslbio knows has."""
    from sslbio._releases import option_constants
    return listed("Names that follow the OpenSSL release") | \
        set(dict(option_constants(0xFFFFFFFF)))


@pytest.fixture(scope="module")
def python311_names():
    # Whatever reference the run compares behaviour with, the page is
    # about 3.11.
    python = find_python("3.11")
    if python is None:
        pytest.skip("no Python 3.11")
    result = subproc.run([python, "-I", "-c", NAMES], timeout=60)
    assert result.returncode == 0, result.describe()
    return dict((key, set(value)) for key, value in result.json().items())


@pytest.fixture
def before_and_after():
    before = public_names()
    sslbio.inject_into_ssl()
    try:
        yield before, public_names()
    finally:
        sslbio.extract_from_ssl()
    assert public_names() == before


def test_injection_adds_only_python311_names(python311_names, before_and_after):
    before, after = before_and_after
    assert after["ssl"] - before["ssl"] and after["SSLContext"] - before["SSLContext"]
    for owner in OWNERS:
        added = after[owner] - before[owner]
        assert not added - python311_names[owner], \
            (owner, sorted(added - python311_names[owner]))
        assert before[owner] <= after[owner], owner  # removes nothing


def test_the_names_missing_are_those_the_page_lists(python311_names,
                                                   before_and_after):
    _, after = before_and_after
    missing = dict((owner, python311_names[owner] - after[owner])
                   for owner in OWNERS)
    missing["ssl"] -= release_names()
    assert missing["ssl"] == set() and "None." in section(PAGE, "Module `ssl`")
    assert missing["SSLContext"] == listed("`SSLContext`")
    for owner in ("MemoryBIO", "SSLObject", "SSLSession"):
        if owner == "SSLSession" and \
                not current_limits().resumes_sessions:
            continue  # an engine that makes no sessions: the page says so
        assert missing[owner] == set(), owner


@pytest.mark.skipif(platform.python_implementation() != "CPython",
                    reason="the page lists CPython 2.7's own names")
def test_the_names_2_7_keeps_are_those_the_page_lists(python311_names,
                                                      before_and_after):
    _, after = before_and_after
    extra = after["ssl"] - python311_names["ssl"] - release_names()
    assert extra == listed("Names 2.7's `ssl` has and Python 3.11's does not")
    for owner in OWNERS[1:]:
        assert after[owner] - python311_names[owner] == set(), owner
