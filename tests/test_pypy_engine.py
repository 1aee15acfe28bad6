"""The pypy engine: what it does on PyPy 2.7 that the shared suites do not
single out.

The conformance, interoperability and thread suites run under PyPy as they
do under CPython 2.7 (scripts/test-all's Debian chroot row); these tests pin
what is particular to serving PyPy through its own cffi binding.  Each runs
in a subprocess with a deadline, so a crash in the binding fails one test.
"""

import platform
import sys

import pytest

from engine_cases.common import last_json, run_clean
from support.interpreters import find_python

pytestmark = pytest.mark.skipif(
    platform.python_implementation() != "PyPy" or sys.version_info[0] != 2,
    reason="the pypy engine serves PyPy 2.7 only")


def run(code):
    return last_json(run_clean(code, timeout=120))


def python27_beside():
    """CPython 2.7 on the same machine (the chroot's own beside PyPy)."""
    python27 = find_python("2.7")
    if python27 is None:
        pytest.skip("no CPython 2.7 to compare with")
    return python27


def test_pypy_is_served_by_the_pypy_engine():
    got = run("""
        import json, sslbio
        from sslbio import _engine
        print(json.dumps([sslbio.ENGINE, dict(_engine.describe())]))
        """)
    engine, described = got
    assert engine == "pypy"
    assert described["cffi binding"].endswith(".so")
    # sslbio's own declarations, checked to reach the same libraries.
    assert "same libcrypto and libssl" in described["sslbio's binding"]
    assert "ClientHello" in described["self-test"]


def test_server_name_too_long_for_sni_is_refused_as_python3():
    """PyPy declares SSL_set_tlsext_host_name() as returning nothing; Python
    3 raises OpenSSL's error when it refuses the name (over 255 bytes)."""
    got = run("""
        import json, ssl, sslbio
        context = ssl.SSLContext(ssl.PROTOCOL_SSLv23)
        name = ".".join(["a" * 60] * 5)
        try:
            sslbio.wrap_bio(context, sslbio.MemoryBIO(), sslbio.MemoryBIO(),
                            server_hostname=name)
            print(json.dumps(None))
        except ssl.SSLError as exc:
            print(json.dumps([type(exc).__name__, exc.library, exc.reason]))
        """)
    assert got == ["SSLError", "SSL", "SSL3_EXT_INVALID_SERVERNAME"]


def test_client_and_server_bios_are_distinct():
    """Each direction has its own BIO (PyPy's own _wrap_bio() would give
    both the incoming one): the ClientHello lands in ``outgoing`` only."""
    got = run("""
        import json, ssl, sslbio
        context = ssl.SSLContext(ssl.PROTOCOL_SSLv23)
        incoming, outgoing = sslbio.MemoryBIO(), sslbio.MemoryBIO()
        client = sslbio.wrap_bio(context, incoming, outgoing)
        try:
            client.do_handshake()
        except ssl.SSLWantReadError:
            pass
        print(json.dumps([incoming.pending, outgoing.read(5)[:2] ==
                          b"\\x16\\x03"]))
        """)
    assert got == [0, True]


_PEER_CERTIFICATES = """
    import json, ssl, sslbio
    from engine_cases.common import Pair, cert
    client_ctx = sslbio.SSLContext(ssl.PROTOCOL_SSLv23)
    client_ctx.verify_mode = ssl.CERT_REQUIRED
    client_ctx.load_verify_locations(cert("intl-ca.pem"))
    client_ctx.load_cert_chain(cert("intl.pem"), cert("intl.key"))
    server_ctx = sslbio.SSLContext(ssl.PROTOCOL_SSLv23)
    server_ctx.load_cert_chain(cert("intl.pem"), cert("intl.key"))
    server_ctx.verify_mode = ssl.CERT_REQUIRED
    server_ctx.load_verify_locations(cert("intl-ca.pem"))
    pair = Pair(client_ctx, server_ctx).handshake()
    # Items sorted: the two interpreters order dictionaries differently.
    print(json.dumps([sslbio.ENGINE,
                      repr(sorted(pair.client.getpeercert().items())),
                      repr(sorted(pair.server.getpeercert().items()))]))
    """


def test_certificate_dictionaries_are_cpython27s():
    """getpeercert() on both sides gives what CPython 2.7 with sslbio gives
    for the same certificates, types included (repr shows u'' and 3L):
    text beyond ASCII in subject and issuer, every kind of alternative
    name, the URIs.  CPython 2.7 is the chroot's own, on the same
    OpenSSL."""
    python27 = python27_beside()
    ours = run(_PEER_CERTIFICATES)
    theirs = last_json(run_clean(_PEER_CERTIFICATES, executable=python27,
                                 timeout=120))
    assert (ours[0], theirs[0]) == ("pypy", "ctypes")
    assert ours[1:] == theirs[1:]
    assert "u'B\\xe4den'" in ours[1] and "u'B\\xe4den'" in ours[2]
