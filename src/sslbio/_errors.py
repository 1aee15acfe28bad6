"""Python 3's TLS exceptions, built from OpenSSL's error state.

This is the one place that maps OpenSSL errors to Python exceptions.  It
follows Python 3.11's ``_ssl.c`` (``PySSL_SetError`` and
``fill_and_set_sslerror``): the exception class from ``SSL_get_error()`` and
the last queued error, ``errno`` from the same decision, ``library`` and
``reason`` as the names of OpenSSL's ``ERR_LIB_*`` and ``*_R_*`` macros, and
``verify_code``/``verify_message`` on certificate failures.

Python 2.7's ``_ssl`` carries a reason table frozen before OpenSSL 1.1, whose
numbers OpenSSL later reused; sslbio derives reason names from the running
library instead: OpenSSL's reason string, upper-cased with underscores, is the
macro name for all but a handful of codes, listed in ``_REASON_EXCEPTIONS``.

Every text an exception carries (message, ``args``, ``library``, ``reason``,
``verify_message``) is the native ``str``, as on Python 3: on 2.7 a byte
string, so that ``isinstance(exc.reason, str)`` holds and ``repr(exc)`` reads
``SSLError(1, '[SSL: ...] ...')`` as Python 3's does.  (2.7's own ``_ssl``
gives ``unicode`` there; sslbio rebuilds what it raises.)
"""

import re
import ssl

from . import _shared
from ._args import TEXT_TYPES

__all__ = ["SSLCertVerificationError", "error_from_code", "error_from_result",
           "error_from_native", "hostname_mismatch_error",
           "invalid_server_name_error", "want_read_error", "want_write_error",
           "pre_handshake_data_error", "transport_eof_error",
           "native_str", "plain_error", "LIBRARY_NAMES"]


def _define_cert_verification_error():
    # Python 3.7+ has it; on 2.7 ssl has it only when a copy of sslbio that
    # predates the shared class has injected its own.
    if hasattr(ssl, "SSLCertVerificationError"):
        return ssl.SSLCertVerificationError

    class SSLCertVerificationError(ssl.SSLError, ssl.CertificateError):
        """A certificate could not be verified (Python 3.7+).

        Like Python 3's class of the same name it is both an
        ``ssl.SSLError`` and a ``ValueError`` (through 2.7's
        ``ssl.CertificateError``), and carries ``verify_code`` and
        ``verify_message``.  Every copy of sslbio in a process raises this
        one class.
        """

        def __str__(self):
            """The message alone, as ``str()`` of any ``SSLError`` reads.

            ``SSLError`` gets that from a C-level ``__str__`` that a class
            written in Python does not inherit: it would get
            ``EnvironmentError``'s, "[Errno 1] message".  Python 3's rule:
            ``strerror`` when it is a string, else ``str(args)``.
            """
            strerror = self.strerror
            if isinstance(strerror, TEXT_TYPES):
                return strerror
            return str(self.args)

    return SSLCertVerificationError


SSLCertVerificationError = _shared.shared_class(
    "SSLCertVerificationError", _define_cert_verification_error)


# SSL_get_error() results and the extra codes Python's _ssl adds; these are
# the ``errno`` values of the exceptions (``ssl.SSL_ERROR_*``).
SSL_ERROR_SSL = 1
SSL_ERROR_WANT_READ = 2
SSL_ERROR_WANT_WRITE = 3
SSL_ERROR_WANT_X509_LOOKUP = 4
SSL_ERROR_SYSCALL = 5
SSL_ERROR_ZERO_RETURN = 6
SSL_ERROR_WANT_CONNECT = 7
SSL_ERROR_EOF = 8
SSL_ERROR_INVALID_ERROR_CODE = 10

# The names of OpenSSL's ERR_LIB_* codes (stable since they were assigned).
LIBRARY_NAMES = {
    1: "NONE", 2: "SYS", 3: "BN", 4: "RSA", 5: "DH", 6: "EVP", 7: "BUF",
    8: "OBJ", 9: "PEM", 10: "DSA", 11: "X509", 13: "ASN1", 14: "CONF",
    15: "CRYPTO", 16: "EC", 20: "SSL", 32: "BIO", 33: "PKCS7", 34: "X509V3",
    35: "PKCS12", 36: "RAND", 37: "DSO", 38: "ENGINE", 39: "OCSP", 40: "UI",
    41: "COMP", 42: "ECDSA", 43: "ECDH", 44: "OSSL_STORE", 45: "FIPS",
    46: "CMS", 47: "TS", 48: "HMAC", 50: "CT", 51: "ASYNC", 52: "KDF",
    53: "SM2", 54: "ESS", 55: "PROP", 56: "CRMF", 57: "PROV", 58: "CMP",
    59: "OSSL_ENCODER", 60: "OSSL_DECODER", 61: "HTTP", 128: "USER",
}

# Reason strings whose macro name is not the string upper-cased with
# underscores, keyed by (library, reason string).
_REASON_EXCEPTIONS = {
    ("SSL", "at least (D)TLS 1.2 needed in Suite B mode"):
        "AT_LEAST_TLS_1_2_NEEDED_IN_SUITEB_MODE",
    ("SSL", "illegal Suite B digest"): "ILLEGAL_SUITEB_DIGEST",
    ("SSL", "can't find SRP server param"): "MISSING_SRP_PARAM",
    ("SSL", "Peer haven't sent GOST certificate, required for selected "
            "ciphersuite"): "NO_GOST_CERTIFICATE_SENT_BY_PEER",
    ("SSL", "error with the srp params"): "SRP_A_CALC",
    ("RAND", "Function not implemented"): "FUNC_NOT_IMPLEMENTED",
    ("RAND", "Error writing file"): "FWRITE_ERROR",
    ("RSA", "salt length check failed"): "SLEN_CHECK_FAILED",
    ("RSA", "salt length recovery failed"): "SLEN_RECOVERY_FAILED",
    ("DH", "invalid public key"): "INVALID_PUBKEY",
    ("EVP", "expecting an ecx key"): "EXPECTING_A_ECX_KEY",
    ("EVP", "expecting an ec key"): "EXPECTING_A_EC_KEY",
    ("EVP", "partially overlapping buffers"): "PARTIALLY_OVERLAPPING",
    ("DSA", "seed_len is less than the length of q"): "SEED_LEN_SMALL",
    ("ENGINE", "engine is not in the list"): "ENGINE_IS_NOT_IN_LIST",
    ("ENGINE", "'id' or 'name' missing"): "ID_OR_NAME_MISSING",
    ("DSO", "control command failed"): "CTRL_FAILED",
    ("DSO", "cleanup method function failed"): "FINISH_FAILED",
    ("DSO", "could not load the shared library"): "LOAD_FAILED",
    ("DSO", "a null shared library handle was used"): "NULL_HANDLE",
    ("DSO", "the meth_data stack is corrupt"): "STACK_ERROR",
    ("DSO", "could not bind to the requested symbol name"): "SYM_FAILURE",
    ("DSO", "could not unload the shared library"): "UNLOAD_FAILED",
    ("DSO", "functionality not supported"): "UNSUPPORTED",
    ("TS", "cannot find config variable"): "VAR_LOOKUP_FAILURE",
    ("TS", "cannot load certificate"): "CANNOT_LOAD_CERT",
    ("TS", "cannot load private key"): "CANNOT_LOAD_KEY",
    ("UI", "sys$assign error"): "SYSASSIGN_ERROR",
    ("UI", "sys$dassgn error"): "SYSDASSGN_ERROR",
    ("UI", "sys$qiow error"): "SYSQIOW_ERROR",
}

# The SSL reasons Python 3 picks an exception class by.  Recognised by
# number where the queued code is at hand, so the class does not depend on
# error strings being loaded; the numbers are the same in every release
# that has the reason (UNEXPECTED_EOF_WHILE_READING is 3.0+).
_CLASS_DECIDING_SSL_REASONS = {
    134: "CERTIFICATE_VERIFY_FAILED",
    294: "UNEXPECTED_EOF_WHILE_READING",
}
_ERR_LIB_SSL = 20

# X509_V_ERR_* codes whose verify_message names the peer Python 3 expected.
_X509_V_ERR_HOSTNAME_MISMATCH = 62
_X509_V_ERR_IP_ADDRESS_MISMATCH = 64
_MISMATCH_MESSAGES = {
    _X509_V_ERR_HOSTNAME_MISMATCH:
        "Hostname mismatch, certificate is not valid for '%s'.",
    _X509_V_ERR_IP_ADDRESS_MISMATCH:
        "IP address mismatch, certificate is not valid for '%s'.",
}

_WANT_MESSAGES = {
    SSL_ERROR_ZERO_RETURN: (ssl.SSLZeroReturnError,
                            "TLS/SSL connection has been closed (EOF)"),
    SSL_ERROR_WANT_READ: (ssl.SSLWantReadError,
                          "The operation did not complete (read)"),
    SSL_ERROR_WANT_WRITE: (ssl.SSLWantWriteError,
                           "The operation did not complete (write)"),
    SSL_ERROR_WANT_X509_LOOKUP: (ssl.SSLError,
                                 "The operation did not complete "
                                 "(X509 lookup)"),
    SSL_ERROR_WANT_CONNECT: (ssl.SSLError,
                             "The operation did not complete (connect)"),
}


def native_str(value):
    """``value`` (bytes from OpenSSL, or 2.7's unicode) as the native str:
    what Python 3's exception texts are."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bytes):  # Python 3
        return value.decode("ascii", "backslashreplace")
    return value.encode("ascii", "backslashreplace")  # 2.7's unicode


def _names(lib, code):
    """(library, reason, reason string) for a packed error code."""
    if not code:
        return None, None, None
    lib_number = lib.err_get_lib(code)
    library = LIBRARY_NAMES.get(lib_number)
    text = native_str(lib.ERR_reason_error_string(code))
    if lib.err_reason_is_common(code):
        # ERR_R_* reasons shared by all libraries ("ASN1 lib", "malloc
        # failure") are not *_R_* macros: Python 3 names none of them.
        return library, None, text
    reason = None
    if lib_number == _ERR_LIB_SSL:
        reason = _CLASS_DECIDING_SSL_REASONS.get(lib.err_get_reason(code))
    return library, reason or _reason_name(library, text), text


def _reason_name(library, text):
    """The ``*_R_*`` macro name for a reason string of a library."""
    if library is None or library == "SYS" or not text:
        # ERR_LIB_SYS reasons are errno values: Python 3 has no names.
        return None
    return _REASON_EXCEPTIONS.get((library, text)) or \
        text.upper().replace(" ", "_")


# Python's own text (2.7's and 3.x's _ssl alike) for an error whose reason
# OpenSSL has no string for, e.g. an alert with an undefined description.
_UNKNOWN_ERROR = "unknown error"


def _build(cls, errno, message, library, reason, text):
    if library and reason:
        full = "[%s: %s] %s" % (library, reason, message or text)
    elif library:
        full = "[%s] %s" % (library, message or text or _UNKNOWN_ERROR)
    else:
        full = message or text or _UNKNOWN_ERROR
    exc = cls(errno, full)
    exc.library = library
    exc.reason = reason
    return exc


def plain_error(cls, message):
    """An error Python 3's ``_ssl`` raises with its own message and no
    OpenSSL error behind it: ``cls(0, message)``."""
    return _build(cls, 0, message, None, None, None)


def error_from_code(lib, code=None, cls=ssl.SSLError):
    """Python 3's ``_setSSLError(NULL, 0)``: the last queued error, with
    its reason number as ``errno``; then the queue is cleared."""
    if code is None:
        code = lib.ERR_peek_last_error()
    library, reason, text = _names(lib, code)
    # int(): the reason of an unsigned long code is a long on 2.7, whose
    # repr would read "SSLError(116L, ...)".
    errno = int(lib.err_get_reason(code)) if code else 0
    exc = _build(cls, errno, None, library, reason, text)
    lib.ERR_clear_error()
    return exc


def error_from_result(lib, ssl_ptr, result, ssl_error, server_hostname):
    """The exception Python 3.11 raises when an SSL_* call fails.

    ``result`` is the call's return value as Python 3 passes it (0 for the
    ``*_ex`` read and write calls), ``ssl_error`` is ``SSL_get_error()``
    taken right after the call.  Clears OpenSSL's error queue.
    """
    code = lib.ERR_peek_last_error()
    library, reason, text = _names(lib, code)
    exc = _make(lib, ssl_ptr, ssl_error, result, bool(code), library, reason,
                text, server_hostname)
    lib.ERR_clear_error()
    return exc


# 2.7's message: "[LIB: REASON] reason string (_ssl.c:LINE)", where only the
# reason string is sure to be right on OpenSSL releases newer than 2.7.
_NATIVE_MESSAGE = re.compile(r"^(?:\[[^\]]*\] )?(.*?)(?: \(_ssl\.c:\d+\))?$",
                             re.S)
_KNOWN_LIBRARIES = frozenset(LIBRARY_NAMES.values())


def error_from_native(lib, ssl_ptr, exc, server_hostname, result=0):
    """Python 3.11's exception for one raised by 2.7's native read/write.

    2.7's ``_ssl`` has already consumed OpenSSL's error queue, but what it
    raised still carries everything 3.11 decides on: the ``SSL_get_error()``
    result as ``errno``, the library name and the live reason string.  A
    bare ``socket.error`` is its report of a syscall error with an empty
    queue, which 3.11's ``*_ex`` calls report as a protocol EOF.  Even what
    2.7 decided as 3.11 does is built anew: its texts are ``unicode``.
    ``lib`` and ``ssl_ptr`` may be None (no ctypes binding): certificate
    failures then carry no verify code (see ``_make``).
    ``result`` is what the failed call returned as Python 3 sees it: 0 for
    the ``*_ex`` reads and writes, -1 for a handshake or shutdown, which
    Python 3 reports as ``SSLSyscallError`` when nothing is queued.
    """
    if not isinstance(exc, ssl.SSLError):
        return _make(lib, ssl_ptr, SSL_ERROR_SYSCALL, result, False, None,
                     None, None, server_hostname)
    ssl_error = exc.errno
    if exc.reason is None and ssl_error in _UNCODED_NATIVE_ERRORS:
        return _make(lib, ssl_ptr, _UNCODED_NATIVE_ERRORS[ssl_error], 0,
                     False, None, None, None, server_hostname)
    message = exc.args[1] if len(exc.args) > 1 else ""
    text = native_str(_NATIVE_MESSAGE.match(message).group(1)) or None
    library = native_str(exc.library) \
        if exc.library in _KNOWN_LIBRARIES else None
    if _is_common_reason(lib, text) or text == _UNKNOWN_ERROR:
        # No name: a common reason, or one OpenSSL has no string for.
        reason = None
    else:
        reason = _reason_name(library, text)
    # 2.7 raises SSL and syscall errors with an empty queue under the
    # messages 3.11 would use, so treating them as coded changes nothing.
    return _make(lib, ssl_ptr, ssl_error, 0, True, library, reason, text,
                 server_hostname)


# What 2.7 raises exactly as 3.11 does when no queued error is involved, and
# the SSL_get_error() value 3.11 decides that on (its EOF is the syscall
# error of an in-memory object that has no queued error).
_UNCODED_NATIVE_ERRORS = {
    SSL_ERROR_WANT_READ: SSL_ERROR_WANT_READ,
    SSL_ERROR_WANT_WRITE: SSL_ERROR_WANT_WRITE,
    SSL_ERROR_ZERO_RETURN: SSL_ERROR_ZERO_RETURN,
    SSL_ERROR_EOF: SSL_ERROR_SYSCALL,
}


def _is_common_reason(lib, text):
    """Whether a reason string is one of OpenSSL's ``ERR_R_*`` reasons,
    which Python 3 leaves unnamed (``_names`` tells them by number).

    2.7's message gives the string only, which is enough: on OpenSSL 3.0
    only two reasons of other libraries read like a common one (EVP's
    "invalid provider functions", RAND's "internal error"), and neither
    comes out of a record-layer call.  Without a binding (``lib`` None: an
    engine that reaches OpenSSL only through 2.7's ``_ssl``) the strings
    are the ones OpenSSL releases spell, listed below.
    """
    if text is None:
        return False
    if not isinstance(text, bytes):
        text = text.encode("ascii", "backslashreplace")  # Python 3
    if lib is None:
        return text in _COMMON_REASON_STRINGS
    return text in lib.common_reason_strings()


# The ERR_R_* reason strings of OpenSSL 1.0.2 to 3.x: "<LIB> lib" for every
# library, then the shared reasons (for when, see _is_common_reason).
_COMMON_REASON_STRINGS = frozenset(
    [(name + " lib").encode("ascii") for name in
     ("system", "BN", "RSA", "DH", "EVP", "BUF", "OBJ", "PEM", "DSA", "X509",
      "ASN1", "CONF", "CRYPTO", "EC", "SSL", "BIO", "PKCS7", "X509V3",
      "PKCS12", "RAND", "DSO", "ENGINE", "OCSP", "UI", "COMP", "ECDSA",
      "ECDH", "OSSL_STORE", "CMS", "TS", "CT", "ASYNC", "KDF", "SM2",
      "OSSL_ENCODER", "OSSL_DECODER", "PROP", "PROV", "HTTP")] +
    [b"fatal", b"malloc failure", b"called a function you should not call",
     b"passed a null parameter", b"internal error", b"disabled for FIPS",
     b"init fail", b"passed invalid argument", b"operation fail",
     b"invalid provider functions", b"interrupted or cancelled",
     b"nested asn1 error", b"missing asn1 eos", b"unsupported",
     b"fetch failed", b"invalid property definition",
     b"unable to get read lock", b"unable to get write lock",
     b"should not have been called",
     b"function not implemented"])


def want_read_error():
    """``ssl.SSLWantReadError`` as Python 3.11 raises it: the usual end of
    a non-blocking read, so built without ``_make``'s decisions."""
    cls, message = _WANT_MESSAGES[SSL_ERROR_WANT_READ]
    return _build(cls, SSL_ERROR_WANT_READ, message, None, None, None)


def want_write_error():
    """``ssl.SSLWantWriteError`` as Python 3.11 raises it."""
    cls, message = _WANT_MESSAGES[SSL_ERROR_WANT_WRITE]
    return _build(cls, SSL_ERROR_WANT_WRITE, message, None, None, None)


def _make(lib, ssl_ptr, ssl_error, result, has_code, library, reason, text,
          server_hostname):
    """Python 3.11's ``PySSL_SetError`` decision, given the error's names."""
    cls = ssl.SSLError
    message = None
    errno = ssl_error
    if ssl_error in _WANT_MESSAGES:
        cls, message = _WANT_MESSAGES[ssl_error]
    elif ssl_error == SSL_ERROR_SYSCALL:
        if has_code:
            if library == "SSL" and reason == "UNEXPECTED_EOF_WHILE_READING":
                cls = ssl.SSLEOFError
        elif result == 0:
            # An in-memory object has no socket: OpenSSL saw the BIO report
            # end of file before the protocol said so.
            return transport_eof_error()
        else:
            cls, message = ssl.SSLSyscallError, "Some I/O error occurred"
    elif ssl_error == SSL_ERROR_SSL:
        if not has_code:
            message = "A failure in the SSL library occurred"
        if library == "SSL" and reason == "CERTIFICATE_VERIFY_FAILED":
            # No binding (lib None): the SSL*'s verify result cannot be read,
            # so the exception says only what the handshake's error said.
            verify_code = None if lib is None else \
                lib.SSL_get_verify_result(ssl_ptr)
            return _verification_failure(lib, verify_code, server_hostname,
                                         library, reason, text)
        if library == "SSL" and reason == "UNEXPECTED_EOF_WHILE_READING":
            # OpenSSL 3 reports a stream cut short this way; Python 3 keeps
            # the errno and message of the older releases' syscall EOF.
            cls, errno = ssl.SSLEOFError, SSL_ERROR_EOF
            message = "EOF occurred in violation of protocol"
    else:
        errno = SSL_ERROR_INVALID_ERROR_CODE
        message = "Invalid error code"
    return _build(cls, errno, message, library, reason, text)


def _verification_failure(lib, verify_code, server_hostname, library, reason,
                          text):
    if verify_code is None:
        verify_message = None
    elif verify_code in _MISMATCH_MESSAGES:
        verify_message = _MISMATCH_MESSAGES[verify_code] % (server_hostname,)
    else:
        verify_message = native_str(
            lib.X509_verify_cert_error_string(verify_code))
    message = text if verify_code is None else \
        "%s: %s" % (text, verify_message)
    exc = _build(SSLCertVerificationError, SSL_ERROR_SSL, message, library,
                 reason, text)
    exc.verify_code = verify_code
    exc.verify_message = verify_message
    return exc


# SSL_R_SSL3_EXT_INVALID_SERVERNAME, the same number in every release.
_SSL3_EXT_INVALID_SERVERNAME = 319


def invalid_server_name_error():
    """What Python 3 raises when OpenSSL refuses ``server_hostname`` as SNI
    (longer than 255 bytes), for an engine whose ``_ssl`` ignores that
    refusal: the error ``SSL_set_tlsext_host_name()`` queues."""
    return _build(ssl.SSLError, _SSL3_EXT_INVALID_SERVERNAME, None,
                  LIBRARY_NAMES[_ERR_LIB_SSL], "SSL3_EXT_INVALID_SERVERNAME",
                  "ssl3 ext invalid servername")


# CVE-2023-40217: what Python 3 (3.8.18+, 3.9.18+, 3.10.13+, 3.11.5+, 3.12)
# says when it is asked to wrap a socket whose peer sent bytes and then went
# away before any TLS.
_PRE_HANDSHAKE_DATA = "Closed before TLS handshake with data in recv buffer."


def pre_handshake_data_error(errno):
    """The ``SSLError`` Python 3 raises from ``wrap_socket()`` when the
    socket has no peer any more (``getpeername()`` failed with ``errno``)
    but bytes are waiting in it: clear text the caller would otherwise take
    for TLS data.  No OpenSSL error behind it: ``library`` is None and
    ``reason`` the message, as 3.x sets them."""
    exc = _build(ssl.SSLError, errno, _PRE_HANDSHAKE_DATA, None, None, None)
    exc.reason = _PRE_HANDSHAKE_DATA
    return exc


def transport_eof_error():
    """What Python 3.11's socket raises when its transport fails under a
    read or a write (a reset, a broken pipe): its ``SSL_read_ex()`` and
    ``SSL_write_ex()`` return 0 on any failure, which its error mapping
    takes for an end of file before close_notify, the errno lost (3.10 to
    3.12; 3.9 and 3.13 raise the ``OSError``).  Also what its socket raises
    on OpenSSL before 3.0 when the stream ends before the protocol does
    (an I/O error with errno 0)."""
    return _build(ssl.SSLEOFError, SSL_ERROR_EOF,
                  "EOF occurred in violation of protocol", None, None, None)


def hostname_mismatch_error(server_hostname, is_ip_address):
    """What Python 3.11 raises when the peer's certificate does not match
    ``server_hostname`` (OpenSSL's X509_V_ERR_HOSTNAME_MISMATCH, or
    X509_V_ERR_IP_ADDRESS_MISMATCH for an IP address literal), for an
    engine that checks the name itself instead of inside OpenSSL."""
    code = _X509_V_ERR_IP_ADDRESS_MISMATCH if is_ip_address else \
        _X509_V_ERR_HOSTNAME_MISMATCH
    return _verification_failure(
        None, code, server_hostname, LIBRARY_NAMES[_ERR_LIB_SSL],
        _CLASS_DECIDING_SSL_REASONS[134], "certificate verify failed")
