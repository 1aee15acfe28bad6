"""The certificate verification matrix against real OpenSSL peers, and
against Python 3.11 (tests/reliability/peer_matrix.py).

Only what the rest of the suite leaves open is here.  In memory, the
conformance suite (tests/conformance/sc_verify.py) already compares every
row with 3.11, and test_interop.py already checks the peer's alert for an
untrusted CA, a wrong host name and an expired certificate with s_server,
and a missing client certificate with s_server judging ours.  This module
adds, each for TLS 1.2 and (where OpenSSL has it) 1.3:

* as a client against ``openssl s_server``: not-yet-valid, IP address
  mismatch and match, IP-only certificate for a DNS name, wildcard
  non-matches and a match, a NUL byte in a subjectAltName, CERT_OPTIONAL,
  check_hostname off (wrong host accepted, untrusted CA still refused);
* as a server against ``openssl s_client``: a client certificate required
  and missing or untrusted, CERT_OPTIONAL with none and with an untrusted
  one, while s_client has application data waiting to be sent;

and for each row two tests: the security invariants (a failure is an
``SSLError`` carrying the expected ``verify_code``; no application data is
returned or accepted afterwards, nothing is written, and the peer reports
an alert), and, under 2.7, that everything observed equals what Python 3.11
observes running the same script.
"""

import json
import os
import sys

import pytest

from engine_cases.common import ON_ENGINE
from reliability.peer_matrix import CASES
from reliability import run_script
from support import openssl_binary
from support.interpreters import version_of
from support.openssl_release import VERSIONS

pytestmark = pytest.mark.skipif(
    openssl_binary() is None,
    reason="the openssl command-line tool is not installed")

NAMES = sorted(CASES)
# Python 3.6 raises plain SSLError, without verify_code, for these.
HAS_VERIFY_CODE = sys.version_info[0] == 2 or sys.version_info >= (3, 7)
# X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH
HOST_CODES = (62, 64)
# The portable engine's documented limits (docs/portable-engine.md): chain
# failures carry no verify_code, and a TLS 1.3 host name mismatch sends no
# alert (the client's last flight is withheld instead).
PORTABLE = os.environ.get("SSLBIO_ENGINE") == "portable"
# Timing, not behaviour: whether the peer's bytes were already in the BIO.
NOT_COMPARED = ("seconds", "unread_peer_bytes")


def _run_matrix(executable=None):
    result = run_script("peer_matrix.py", [], executable=executable,
                        timeout=600)
    result.check_clean()
    rows = {}
    for line in result.out.splitlines():
        if line.startswith("{"):
            row = json.loads(line)
            rows[row["case"]] = row
    assert sorted(rows) == NAMES, result.describe()
    return rows


@pytest.fixture(scope="module")
def observed():
    if openssl_binary() is None:
        pytest.skip("the openssl command-line tool is not installed")
    return _run_matrix()


@pytest.fixture(scope="module")
def reference(reference_python):
    if not ON_ENGINE:
        pytest.skip("the differential runs under 2.7 with sslbio; here the "
                    "standard library is itself the reference")
    matrix = _run_matrix(reference_python)
    if version_of(reference_python) in ("3.6", "3.7", "3.8", "3.9"):
        for row in matrix.values():
            _as_python310(row)
    return matrix


def _as_python310(row):
    """A Python 3.9 row as 3.10+ would have it: 3.10 moved read() and write()
    to SSL_read_ex()/SSL_write_ex(), so a connection that failed and then
    meets the end of its input raises SSLEOFError there, where 3.9 raised
    SSLSyscallError (tests/conformance/README.md).  Only that is rewritten:
    any other difference still fails."""
    for key in ("read_after_failure", "write_after_failure"):
        outcome = row.get(key)
        if outcome and outcome[0] == "raised" and \
                outcome[1].get("class") == "SSLSyscallError":
            outcome[1]["class"] = "SSLEOFError"


def _is_failure(value):
    return value[0] == "raised" and value[1]["ssl_error"]


@pytest.mark.parametrize("name", NAMES)
def test_invariants(observed, name):
    case, row = CASES[name], observed[name]
    if case.expect[-1] in HOST_CODES and not HAS_VERIFY_CODE:
        pytest.skip("Python 3.6 checks host names after the handshake, in "
                    "Python: the peer gets no alert and the object stays "
                    "writable (the weakness sslbio does not copy)")
    assert "harness_error" not in row, row
    if case.expect == ("ok",):
        assert row["handshake"] == "ok", row
        assert row["received"] is True
        assert row["peer_got_application_data"] is True
        if case.side == "server":
            assert row["peer_certificate"] is (case.client_cert is not None)
        return

    failure = row["handshake"]
    assert failure != "ok", "handshake completed: %r" % (row,)
    assert failure["ssl_error"], row
    code = case.expect[1]
    if code is None:
        assert failure["verify_code"] is None
        assert failure["reason"] == "PEER_DID_NOT_RETURN_A_CERTIFICATE"
    elif HAS_VERIFY_CODE:
        assert failure["class"] == "SSLCertVerificationError", row
        if PORTABLE and code not in HOST_CODES:
            assert failure["verify_code"] is None, row
        else:
            assert failure["verify_code"] == code, row
        assert failure["reason"] == "CERTIFICATE_VERIFY_FAILED"
    # Nothing comes out and nothing goes in once verification has failed,
    # even with the peer's application data waiting in the incoming BIO.
    assert _is_failure(row["read_after_failure"]), row
    assert _is_failure(row["write_after_failure"]), row
    assert row["bytes_written_after_failure"] == 0
    assert row["peer_got_application_data"] is False
    if case.side == "client":
        assert row["peer_completed_handshake"] is False
    # ... and the peer was told why.
    if PORTABLE and code in HOST_CODES and case.version == "1.3":
        assert row["peer_alert"] is None, row
        return
    assert row["peer_alert"] is not None, row


def _as_portable_reports(name, row):
    """``row`` (the reference's) as the portable engine reports it, by its
    documented limitations (tests/test_invariants checks that it does): chain
    failures without verify_code/verify_message, and a TLS 1.3 host name
    mismatch that sends the peer no alert."""
    case = CASES[name]
    code = case.expect[1] if len(case.expect) > 1 else None
    row = dict(row)
    if isinstance(row.get("handshake"), dict) and code is not None and \
            code not in HOST_CODES:
        row["handshake"] = dict(row["handshake"], verify_code=None,
                                verify_message=None)
    if code in HOST_CODES and case.version == "1.3":
        row["peer_alert"] = None
    return row


@pytest.mark.parametrize("name", NAMES)
def test_same_as_python311(observed, reference, name):
    if PORTABLE:
        reference = dict(reference, **{name: _as_portable_reports(
            name, reference[name])})
    ours = dict((k, v) for k, v in observed[name].items()
                if k not in NOT_COMPARED)
    theirs = dict((k, v) for k, v in reference[name].items()
                  if k not in NOT_COMPARED)
    differences = dict((k, {"2.7": ours.get(k), "3.11": theirs.get(k)})
                       for k in set(ours) | set(theirs)
                       if ours.get(k) != theirs.get(k))
    assert not differences, differences


def test_matrix_covers_both_versions_and_sides():
    sides = set((c.side, c.version) for c in CASES.values())
    assert sides == set((side, version) for side in ("client", "server")
                        for version in VERSIONS)
