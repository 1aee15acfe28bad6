"""What the OpenSSL release under test changes in what tests expect.

Where a test compares with a reference interpreter, both run on the same
library and need nothing from here.  Where a test spells an expectation out
(a TLS version, a message flow, an exception class), or pins a TLS version,
it asks here: OpenSSL 1.0.2 (RHEL/CentOS 7's line, scripts/test-all's row
``2.7-openssl-1.0.2``) has no TLS 1.3 and reports some things as Python 3
built against it shows them.  Standard library only: the conformance and
fuzz children import it too.
"""

import ssl

_RELEASE = ssl.OPENSSL_VERSION_INFO[:3]

# TLS 1.3 came with OpenSSL 1.1.1.  Without it a connection negotiates TLS
# 1.2, and what a test writes for TLS 1.3's message flow (the client
# finishing first, tickets after the handshake, post-handshake
# authentication) does not happen.
HAS_TLS13 = _RELEASE >= (1, 1, 1)
NO_TLS13 = "%s has no TLS 1.3 (OpenSSL 1.1.1 added it)" % ssl.OPENSSL_VERSION
# The versions a test can pin ("1.2", "1.3"), and the one a connection
# between two default contexts negotiates.
VERSIONS = ("1.2", "1.3") if HAS_TLS13 else ("1.2",)
BEST_VERSION = "TLSv1.3" if HAS_TLS13 else "TLSv1.2"

# A stream that ends during the handshake, with OpenSSL's error queue empty
# (before 3.0, which queues UNEXPECTED_EOF_WHILE_READING): 1.1.x's
# SSL_do_handshake() returns -1, which Python 3 reports as SSLSyscallError;
# 1.0.2's returns 0, an EOF (SSLEOFError), as Python 3.9 on it shows.
HANDSHAKE_CUT_SHORT = "SSLSyscallError" if (1, 1) <= _RELEASE < (3,) \
    else "SSLEOFError"
# ... and the handshake called again after that: 1.1.0 and later have
# recorded the failure (SSLSyscallError), 1.0.2 meets the end again.
HANDSHAKE_AFTER_CUT_SHORT = "SSLSyscallError" if _RELEASE >= (1, 1) \
    else "SSLEOFError"


# The message of a read whose stream ends before close_notify: OpenSSL 3
# queues UNEXPECTED_EOF_WHILE_READING, which names it; older releases report
# an I/O error with no errno, which Python 3 calls an EOF as well.
READ_CUT_SHORT = "EOF occurred in violation of protocol"
if _RELEASE >= (3,):
    READ_CUT_SHORT = "[SSL: UNEXPECTED_EOF_WHILE_READING] " + READ_CUT_SHORT

# Reads and writes on a connection whose handshake failed: an EOF from 1.1.0
# on; OpenSSL 1.0.2 reports its failed state (SSL_R_UNKNOWN_STATE).
AFTER_FAILED_HANDSHAKE = ("SSLEOFError", None) if _RELEASE >= (1, 1) \
    else ("SSLError", "UNKNOWN_STATE")


def cipher_protocol(version):
    """``cipher()[1]`` for a connection that negotiated ``version``
    ("TLSv1.2"): the cipher's own protocol, which OpenSSL 1.0.2 names
    "TLSv1/SSLv3" for every TLS cipher (``SSL_CIPHER_get_version``)."""
    return version if _RELEASE >= (1, 1) else "TLSv1/SSLv3"


def tls13_case(*values):
    """A pytest parameter set about TLS 1.3: skipped where there is none.
    (pytest is imported here only: the children importing this module may
    have none.)"""
    import pytest
    return pytest.param(*values, marks=pytest.mark.skipif(
        not HAS_TLS13, reason=NO_TLS13))
