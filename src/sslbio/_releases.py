"""What Python 3's ``ssl`` surface has on each OpenSSL release, as plain data.

Python 3 built against an older OpenSSL lacks what that release lacks: no
``minimum_version`` before 1.1.0g, no ``security_level`` before 1.1.0, no
``num_tickets`` before 1.1.1 (the attribute does not exist), no Options
member for a flag the release does not know.  sslbio reproduces that from the
release number the interpreter's ``ssl`` reports.  The ctypes binding reads
these tables for the library it loaded; the engines without ctypes
(portable, pypy) read them for ``ssl.OPENSSL_VERSION_NUMBER``.
"""

__all__ = ["FEATURES", "OPTION_NAMES", "RELEASE_CONTEXT_FEATURES",
           "context_features", "option_constants"]

# Release numbers as OPENSSL_VERSION_NUMBER has them.
V102 = 0x10002000
V110 = 0x10100000
V110G = 0x1010007f  # SSL_CTRL_GET_{MIN,MAX}_PROTO_VERSION
V111 = 0x10101000
V300 = 0x30000000

# Python 3.11's SSLContext features sslbio knows of: the names an engine
# backend reports (``features``).  Here, in a module that imports nothing,
# for sslbio on Python 3 too.
FEATURES = ("protocol_tls_client_server", "sni_callback", "get_ciphers",
            "minimum_version", "maximum_version", "security_level",
            "hostname_checks_common_name", "num_tickets", "keylog_filename",
            "post_handshake_auth")

# Those that depend on the release: the first release able to serve each.
_CONTEXT_FEATURES_SINCE = {
    "minimum_version": V110G,
    "maximum_version": V110G,
    "security_level": V110,
    "hostname_checks_common_name": V110,
    "num_tickets": V111,
    "keylog_filename": V111,
    "post_handshake_auth": V111,
}
RELEASE_CONTEXT_FEATURES = tuple(sorted(_CONTEXT_FEATURES_SINCE))


def context_features(version_number):
    """The names of ``RELEASE_CONTEXT_FEATURES`` that OpenSSL
    ``version_number`` (``OPENSSL_VERSION_NUMBER``) has."""
    return frozenset(name for name, since in _CONTEXT_FEATURES_SINCE.items()
                     if version_number >= since)


# Options members of Python 3.11 that 2.7's _ssl may not export: (name,
# SSL_OP_* value, first OpenSSL release with it or None).  3.11 defines
# OP_NO_TLSv1_3 as 0 where OpenSSL lacks it; the others are then absent.
_OPTIONS_SINCE = [
    ("OP_NO_TICKET", 0x00004000, None),
    ("OP_NO_TLSv1_3", 0x20000000, V111),
    ("OP_ENABLE_MIDDLEBOX_COMPAT", 0x00100000, V111),
    ("OP_NO_RENEGOTIATION", 0x40000000, 0x1010008f),
    ("OP_IGNORE_UNEXPECTED_EOF", 0x00000080, V300),
]
_OPTIONS_ZERO_WHEN_ABSENT = ("OP_NO_TLSv1_3",)
# Every Options member Python 3.11 has.  An interpreter's _ssl may export
# more OP_* names (PyPy's exports OpenSSL's DTLS and workaround options,
# OP_NO_DTLSv1 sharing OP_NO_TLSv1's bit): 3.11's enum has none of them.
OPTION_NAMES = frozenset([
    "OP_ALL", "OP_NO_SSLv2", "OP_NO_SSLv3", "OP_NO_TLSv1", "OP_NO_TLSv1_1",
    "OP_NO_TLSv1_2", "OP_CIPHER_SERVER_PREFERENCE", "OP_SINGLE_DH_USE",
    "OP_SINGLE_ECDH_USE", "OP_NO_COMPRESSION"] +
    [name for name, _, _ in _OPTIONS_SINCE])


def option_constants(version_number):
    """``[(name, value)]``: the Options members above that OpenSSL
    ``version_number`` has."""
    return [(name, value if since is None or version_number >= since else 0)
            for name, value, since in _OPTIONS_SINCE
            if since is None or version_number >= since
            or name in _OPTIONS_ZERO_WHEN_ABSENT]
