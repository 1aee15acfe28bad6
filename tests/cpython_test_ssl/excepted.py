"""The tests of CPython's test_ssl that pass unchanged and cannot pass with
sslbio's socket substituted, one reason each.

Keys are ``Class.method``.  A test is listed only for one of these reasons:

* it asserts the class ``ssl.SSLSocket`` itself, which no wrapper is;
* it calls a private method of the C object behind ``ssl.SSLSocket``
  (``_sslobj``), which a socket over the public ``SSLObject`` has not;
* on 2.7: it asserts 2.7's own behaviour where sslbio gives Python 3's,
  which is sslbio's contract (docs/design.md).

Anything else that fails substituted is a difference to fix in sslbio.
``check_test_ssl.py`` fails when a listed test passes (the entry is stale)
or names no test of the interpreter's test_ssl.
"""

_IS_SSLSOCKET = ("asserts isinstance(..., ssl.SSLSocket); sslbio's socket is "
                 "its own class")

_PYTHON_27 = {
    "ThreadedTests.test_server_accept": _IS_SSLSOCKET,
    "ThreadedTests.test_handshake_timeout": (
        "asserts 2.7's ssl.SSLError for a handshake that times out; sslbio "
        "raises Python 3's socket.timeout('The handshake operation timed "
        "out')"),
}

# Passes unchanged only where 2.7's protocols and SHA-1 certificates are
# allowed (security level 0).
_PYTHON_27_SECLEVEL0 = {
    "ThreadedTests.test_check_hostname": (
        "asserts 2.7's host name check after the handshake (CertificateError "
        "\"hostname 'invalid' doesn't match ...\"); sslbio checks inside the "
        "handshake as Python 3 does (SSLCertVerificationError, also a "
        "CertificateError, with 3.x's message)"),
}

_PYTHON_3 = {
    "ThreadedTests.test_server_accept": _IS_SSLSOCKET,
    "TestSSLDebug.test_msg_callback_tls12": (
        "its message callback asserts isinstance(conn, ssl.SSLSocket); the "
        "callback does receive sslbio's socket"),
    "TestPostHandshakeAuth.test_internal_chain_client": (
        "calls s._sslobj.get_verified_chain(), the C object's private "
        "method returning _ssl.Certificate objects; sslbio's _sslobj is "
        "an ssl.SSLObject, whose method returns DER bytes"),
}

# Before 3.13 the SSLObject has no get_verified_chain() at all: the test
# server's own call through _sslobj fails too.
_PYTHON_3_BEFORE_313 = {
    "TestPostHandshakeAuth.test_internal_chain_server": (
        "its test server calls sslconn._sslobj.get_verified_chain(), a "
        "private method of the C object that ssl.SSLObject has only from "
        "3.13 on"),
}


def for_interpreter(version, seclevel0=False):
    """``{test: reason}`` for Python ``version`` ("2.7", "3.13", ...)."""
    if version == "2.7":
        found = dict(_PYTHON_27)
        if seclevel0:
            found.update(_PYTHON_27_SECLEVEL0)
        return found
    found = dict(_PYTHON_3)
    if tuple(int(x) for x in version.split(".")) < (3, 13):
        found.update(_PYTHON_3_BEFORE_313)
    return found
