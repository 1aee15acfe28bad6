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
"""

import ssl

__all__ = ["SSLCertVerificationError", "error_from_code", "error_from_result",
           "LIBRARY_NAMES"]


class SSLCertVerificationError(ssl.SSLError, ssl.CertificateError):
    """A certificate could not be verified (Python 3.7+).

    Like Python 3's class of the same name it is both an ``ssl.SSLError``
    and a ``ValueError`` (through 2.7's ``ssl.CertificateError``), and
    carries ``verify_code`` and ``verify_message``.
    """


# SSL_get_error() results and the extra codes Python's _ssl adds; these are
# the ``errno`` values of the exceptions (``ssl.SSL_ERROR_*``).
SSL_ERROR_NONE = 0
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
}

# X509_V_ERR_* codes whose verify_message names the peer Python 3 expected.
_X509_V_ERR_HOSTNAME_MISMATCH = 62
_X509_V_ERR_IP_ADDRESS_MISMATCH = 64

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


def _text(value):
    if value is None:
        return None
    return value.decode("ascii", "replace")


def _names(lib, code):
    """(library, reason, reason string) for a packed error code."""
    if not code:
        return None, None, None
    lib_num = lib.err_get_lib(code)
    library = LIBRARY_NAMES.get(lib_num)
    text = _text(lib.ERR_reason_error_string(code))
    reason = None
    if library is not None and lib_num != 2 and text:
        # ERR_LIB_SYS reasons are errno values: Python 3 has no names.
        reason = _REASON_EXCEPTIONS.get((library, text)) or \
            text.upper().replace(" ", "_")
    if library is not None:
        library = str(library)
    if reason is not None:
        reason = str(reason)
    return library, reason, text


def _build(cls, errno, message, library, reason, text):
    if library and reason:
        full = "[%s: %s] %s" % (library, reason, message or text)
    elif library:
        full = "[%s] %s" % (library, message or text)
    else:
        full = message or text or "unknown error"
    exc = cls(errno, full)
    exc.library = library
    exc.reason = reason
    return exc


def error_from_code(lib, code=None, cls=ssl.SSLError):
    """Python 3's ``_setSSLError(NULL, 0)``: the last queued error, with
    its reason number as ``errno``; then the queue is cleared."""
    if code is None:
        code = lib.ERR_peek_last_error()
    library, reason, text = _names(lib, code)
    exc = _build(cls, lib.err_get_reason(code) if code else 0, None,
                 library, reason, text)
    lib.ERR_clear_error()
    return exc


def error_from_result(lib, ssl_ptr, result, ssl_error, server_hostname):
    """The exception Python 3.11 raises when an SSL_* call fails.

    ``result`` is the call's return value as Python 3 passes it (0 for the
    ``*_ex`` read and write calls), ``ssl_error`` is ``SSL_get_error()``
    taken right after the call.  Clears OpenSSL's error queue.
    """
    code = lib.ERR_peek_last_error()
    cls = ssl.SSLError
    message = None
    if ssl_error in _WANT_MESSAGES:
        cls, message = _WANT_MESSAGES[ssl_error]
        errno = ssl_error
    elif ssl_error == SSL_ERROR_SYSCALL:
        if code == 0:
            if result == 0:
                # An in-memory object has no socket: OpenSSL saw the BIO
                # report end of file before the protocol said so.
                cls, errno = ssl.SSLEOFError, SSL_ERROR_EOF
                message = "EOF occurred in violation of protocol"
            else:
                cls, errno = ssl.SSLSyscallError, SSL_ERROR_SYSCALL
                message = "Some I/O error occurred"
        else:
            errno = SSL_ERROR_SYSCALL
            if _is_ssl_reason(lib, code, "UNEXPECTED_EOF_WHILE_READING"):
                cls = ssl.SSLEOFError
    elif ssl_error == SSL_ERROR_SSL:
        errno = SSL_ERROR_SSL
        if code == 0:
            message = "A failure in the SSL library occurred"
        if _is_ssl_reason(lib, code, "CERTIFICATE_VERIFY_FAILED"):
            cls = SSLCertVerificationError
        elif _is_ssl_reason(lib, code, "UNEXPECTED_EOF_WHILE_READING"):
            # OpenSSL 3 reports a stream cut short this way; Python 3 keeps
            # the errno and message of the older releases' syscall EOF.
            cls, errno = ssl.SSLEOFError, SSL_ERROR_EOF
            message = "EOF occurred in violation of protocol"
    else:
        errno = SSL_ERROR_INVALID_ERROR_CODE
        message = "Invalid error code"

    library, reason, text = _names(lib, code)
    if cls is SSLCertVerificationError:
        exc = _verification_error(lib, ssl_ptr, library, reason, text,
                                  server_hostname)
    else:
        exc = _build(cls, errno, message, library, reason, text)
    lib.ERR_clear_error()
    return exc


def _is_ssl_reason(lib, code, name):
    return (code and lib.err_get_lib(code) == 20
            and lib.err_get_reason(code) == lib.ssl_reason_code(name))


def _verification_error(lib, ssl_ptr, library, reason, text,
                        server_hostname):
    verify_code = lib.SSL_get_verify_result(ssl_ptr)
    if verify_code == _X509_V_ERR_HOSTNAME_MISMATCH:
        verify_message = ("Hostname mismatch, certificate is not valid for "
                          "'%s'." % (server_hostname,))
    elif verify_code == _X509_V_ERR_IP_ADDRESS_MISMATCH:
        verify_message = ("IP address mismatch, certificate is not valid "
                          "for '%s'." % (server_hostname,))
    else:
        verify_message = _text(
            lib.X509_verify_cert_error_string(verify_code))
    exc = _build(SSLCertVerificationError, SSL_ERROR_SSL,
                 "%s: %s" % (text, verify_message), library, reason, text)
    exc.verify_code = verify_code
    exc.verify_message = str(verify_message) if verify_message else \
        verify_message
    return exc
