"""sslbio._errors: OpenSSL's error state -> the exception Python 3.11 raises.

Three layers:

* ``error_from_result``'s decisions, against a fake ``lib`` per
  ``SSL_get_error()`` value and queued error code, in both error-code
  packings (1.x and 3.0); ``error_from_code`` and ``error_from_native``
  likewise.  The expectations transcribe Python 3.11's ``PySSL_SetError``,
  ``_setSSLError`` and ``fill_and_set_sslerror`` (Modules/_ssl.c) for an
  ``SSLObject`` (no socket).
* reason and library naming against the real OpenSSL, compared with the
  tables Python 3.11 itself uses (``_ssl.err_codes_to_names``);
* real failing handshakes (tests/engine_cases/error_scenarios.py) whose
  exceptions must match, attribute for attribute, what Python 3.11 raises
  for the same scenario.
"""

import json
import socket
import ssl
import sys

import pytest

import sslbio

from engine_cases import error_scenarios
from engine_cases.common import (ON_ENGINE, PY2, Pair, connected_pair,
                                 run_clean, server_context)
from support.interpreters import find_python, not_minor
from support.openssl_release import (HANDSHAKE_CUT_SHORT, HAS_TLS13,
                                     NO_TLS13)

# The fakes below decode error codes with the shared binding's helpers; the
# real-library tests use the engine's binding (ctypes or cffi), or a ctypes
# one over the library of Python 3's _ssl.
from sslbio._engines import openssl_binding as binding
from engine_cases import real_library

_ERRORS_IMPORT_FAILURE = ""
try:
    from sslbio import _errors
except TypeError as exc:
    # On Python 3.7+ ssl.CertificateError already *is*
    # SSLCertVerificationError, so _errors' class statement has no
    # consistent MRO; the module only serves the 2.7 engine.
    _errors = None
    _ERRORS_IMPORT_FAILURE = "sslbio._errors does not import here: %s" % exc

needs_engine = pytest.mark.skipif(
    not ON_ENGINE, reason="sslbio.ENGINE is %r: the ctypes engine only runs "
    "on CPython 2.7" % sslbio.ENGINE)
needs_errors_module = pytest.mark.skipif(
    _errors is None,
    reason=_ERRORS_IMPORT_FAILURE)

# Real OpenSSL numbers, written out here rather than taken from sslbio.
ERR_LIB_SYS, ERR_LIB_PEM, ERR_LIB_X509, ERR_LIB_SSL = 2, 9, 11, 20
SSL_R_CERTIFICATE_VERIFY_FAILED = 134
SSL_R_HTTP_REQUEST = 156
SSL_R_UNEXPECTED_EOF_WHILE_READING = 294
X509_R_KEY_VALUES_MISMATCH = 116

# Python 3.11's SSL_ERROR_* errno values.
SSL_ERROR_SSL, WANT_READ, WANT_WRITE, WANT_X509_LOOKUP = 1, 2, 3, 4
SSL_ERROR_SYSCALL, ZERO_RETURN, WANT_CONNECT, SSL_ERROR_EOF = 5, 6, 7, 8
INVALID_ERROR_CODE = 10

PACKINGS = ["1.x", "3.0"]
ULONG = long if PY2 else int  # noqa: F821 (Python 2)


def pack(packing, lib, reason, func=0x1A5):
    """ERR_PACK of the release family; 1.x keeps a function code between
    library and reason (decoding must ignore it), 3.0 has none and flags
    system errors with the top bit."""
    if packing == "3.0":
        if lib == ERR_LIB_SYS:
            return 0x80000000 | reason
        return (lib << 23) | reason
    return (lib << 24) | (func << 12) | reason


class FakeLib(object):
    """Just what ``_errors`` asks of a ``Binding``; records queue clears."""

    STRINGS = {
        (ERR_LIB_SSL, SSL_R_CERTIFICATE_VERIFY_FAILED):
            b"certificate verify failed",
        (ERR_LIB_SSL, SSL_R_HTTP_REQUEST): b"http request",
        (ERR_LIB_SSL, SSL_R_UNEXPECTED_EOF_WHILE_READING):
            b"unexpected eof while reading",
        (ERR_LIB_X509, X509_R_KEY_VALUES_MISMATCH): b"key values mismatch",
        (ERR_LIB_X509, SSL_R_CERTIFICATE_VERIFY_FAILED): b"x509 reason 134",
        (ERR_LIB_SYS, 104): b"Connection reset by peer",
    }
    VERIFY_STRINGS = {
        0: b"ok",
        10: b"certificate has expired",
        20: b"unable to get local issuer certificate",
        62: b"hostname mismatch",
        64: b"IP address mismatch",
    }

    def __init__(self, packing, code=0, verify_result=0):
        self.code = code
        self.verify_result = verify_result
        self.cleared = 0
        if packing == "3.0":
            self.err_get_lib = binding._err_get_lib_300
            self.err_get_reason = binding._err_get_reason_300
            self.err_reason_is_common = binding._err_reason_is_common_300
        else:
            self.err_get_lib = binding._err_get_lib_1x
            self.err_get_reason = binding._err_get_reason_1x
            self.err_reason_is_common = binding._err_reason_is_common_1x

    def ERR_peek_last_error(self):
        # ctypes returns an unsigned long as a long on 2.7.
        return ULONG(self.code)

    def ERR_clear_error(self):
        self.cleared += 1
        self.code = 0

    def ERR_reason_error_string(self, code):
        return self.STRINGS.get((self.err_get_lib(code),
                                 self.err_get_reason(code)))

    def common_reason_strings(self):
        return frozenset([b"internal error", b"malloc failure"])

    def SSL_get_verify_result(self, ssl_ptr):
        assert ssl_ptr == 0x5511, "verify result asked of the wrong SSL*"
        return self.verify_result

    def X509_verify_cert_error_string(self, code):
        return self.VERIFY_STRINGS.get(code)

    def ssl_reason_code(self, name):
        # The SSL_R_* numbers, should an implementation ask for them.
        return {"CERTIFICATE_VERIFY_FAILED": SSL_R_CERTIFICATE_VERIFY_FAILED,
                "UNEXPECTED_EOF_WHILE_READING":
                    SSL_R_UNEXPECTED_EOF_WHILE_READING}[name]


def decide(packing, ssl_error, result=-1, lib=None, reason=None,
           verify_result=0, hostname="localhost"):
    code = pack(packing, lib, reason) if lib is not None else 0
    fake = FakeLib(packing, code, verify_result)
    exc = _errors.error_from_result(fake, 0x5511, result, ssl_error, hostname)
    # Python 3.11 clears the queue after every translated failure.
    assert fake.cleared == 1
    return exc


def check(exc, cls, errno, library=None, reason=None):
    assert type(exc) is cls, "%s is not %s" % (type(exc), cls)
    assert exc.errno == errno
    assert exc.args[0] == errno
    assert exc.library == library
    assert exc.reason == reason
    assert_reads_as_python3(exc)


def assert_reads_as_python3(exc):
    """``exc`` reads and is typed as Python 3.11's ssl exceptions are:
    ``SSLError(errno, message)`` whose texts are all the native ``str``,
    ``str()`` the message alone (no "[Errno 1] " prefix), ``repr()``
    ``Class(1, '...')`` (no ``u'...'``, no ``1L``).  On Python 3 the same
    holds of the stdlib's, message suffix "(_ssl.c:NNNN)" and all."""
    assert len(exc.args) == 2
    assert type(exc.errno) is int and exc.args[0] is exc.errno
    assert type(exc.strerror) is str and exc.args[1] is exc.strerror
    for attr in ("library", "reason", "verify_message"):
        value = getattr(exc, attr, None)
        assert value is None or type(value) is str, (attr, value)
    assert str(exc) == exc.strerror
    assert repr(exc) == "%s(%d, %r)" % (type(exc).__name__, exc.errno,
                                        exc.strerror)
    if PY2:
        assert unicode(exc) == exc.strerror  # noqa: F821 (Python 2)


# -- SSL_get_error() values without an error code ----------------------------

@needs_errors_module
@pytest.mark.parametrize("packing", PACKINGS)
@pytest.mark.parametrize("ssl_error,cls", [
    (WANT_READ, ssl.SSLWantReadError),
    (WANT_WRITE, ssl.SSLWantWriteError),
    (ZERO_RETURN, ssl.SSLZeroReturnError),
    (WANT_X509_LOOKUP, ssl.SSLError),
    (WANT_CONNECT, ssl.SSLError),
])
def test_want_and_zero_return(packing, ssl_error, cls):
    # errno is the SSL_get_error() value itself; nothing named.
    check(decide(packing, ssl_error), cls, ssl_error)


@needs_errors_module
@pytest.mark.parametrize("packing", PACKINGS)
def test_syscall_without_code_result_0_is_eof(packing):
    # 3.11: an SSLObject has no socket, so "ret == 0" decides EOF.
    exc = decide(packing, SSL_ERROR_SYSCALL, result=0)
    check(exc, ssl.SSLEOFError, SSL_ERROR_EOF)


@needs_errors_module
@pytest.mark.parametrize("packing", PACKINGS)
def test_syscall_without_code_result_minus_1_is_syscall_error(packing):
    exc = decide(packing, SSL_ERROR_SYSCALL, result=-1)
    check(exc, ssl.SSLSyscallError, SSL_ERROR_SYSCALL)


@needs_errors_module
@pytest.mark.parametrize("packing", PACKINGS)
def test_syscall_with_unexpected_eof_code(packing):
    # 3.11 picks SSLEOFError but keeps errno SSL_ERROR_SYSCALL here.
    exc = decide(packing, SSL_ERROR_SYSCALL, lib=ERR_LIB_SSL,
                 reason=SSL_R_UNEXPECTED_EOF_WHILE_READING)
    check(exc, ssl.SSLEOFError, SSL_ERROR_SYSCALL, "SSL",
          "UNEXPECTED_EOF_WHILE_READING")


@needs_errors_module
@pytest.mark.parametrize("packing", PACKINGS)
def test_syscall_with_system_error_code(packing):
    # ERR_LIB_SYS reasons are errno values: library SYS, no reason name.
    exc = decide(packing, SSL_ERROR_SYSCALL, lib=ERR_LIB_SYS, reason=104)
    check(exc, ssl.SSLError, SSL_ERROR_SYSCALL, "SYS", None)


# -- SSL_ERROR_SSL -----------------------------------------------------------

@needs_errors_module
@pytest.mark.parametrize("packing", PACKINGS)
def test_ssl_error_without_code(packing):
    exc = decide(packing, SSL_ERROR_SSL)
    check(exc, ssl.SSLError, SSL_ERROR_SSL)


@needs_errors_module
@pytest.mark.parametrize("packing", PACKINGS)
def test_ssl_error_named(packing):
    exc = decide(packing, SSL_ERROR_SSL, lib=ERR_LIB_SSL,
                 reason=SSL_R_HTTP_REQUEST)
    check(exc, ssl.SSLError, SSL_ERROR_SSL, "SSL", "HTTP_REQUEST")
    exc = decide(packing, SSL_ERROR_SSL, lib=ERR_LIB_X509,
                 reason=X509_R_KEY_VALUES_MISMATCH)
    check(exc, ssl.SSLError, SSL_ERROR_SSL, "X509", "KEY_VALUES_MISMATCH")


@needs_errors_module
@pytest.mark.parametrize("packing", PACKINGS)
@pytest.mark.parametrize("verify_result,hostname,message", [
    (20, "localhost", "unable to get local issuer certificate"),
    (10, "localhost", "certificate has expired"),
    (62, "wrong.example",
     "Hostname mismatch, certificate is not valid for 'wrong.example'."),
    (64, "10.0.0.1",
     "IP address mismatch, certificate is not valid for '10.0.0.1'."),
])
def test_certificate_verify_failed(packing, verify_result, hostname,
                                   message):
    exc = decide(packing, SSL_ERROR_SSL, lib=ERR_LIB_SSL,
                 reason=SSL_R_CERTIFICATE_VERIFY_FAILED,
                 verify_result=verify_result, hostname=hostname)
    check(exc, _errors.SSLCertVerificationError, SSL_ERROR_SSL, "SSL",
          "CERTIFICATE_VERIFY_FAILED")
    assert exc.verify_code == verify_result
    assert exc.verify_message == message
    assert type(exc.verify_message) is str


@needs_errors_module
@pytest.mark.parametrize("packing", PACKINGS)
def test_verify_failed_reason_number_of_another_library(packing):
    # Only SSL's reason 134 means a certificate failure.
    exc = decide(packing, SSL_ERROR_SSL, lib=ERR_LIB_X509,
                 reason=SSL_R_CERTIFICATE_VERIFY_FAILED)
    assert type(exc) is ssl.SSLError
    assert not hasattr(exc, "verify_code")


@needs_errors_module
@pytest.mark.parametrize("packing", PACKINGS)
def test_ssl_error_unexpected_eof(packing):
    # OpenSSL 3 reports a stream cut short as SSL_ERROR_SSL; 3.11 turns it
    # into SSLEOFError with errno SSL_ERROR_EOF.
    exc = decide(packing, SSL_ERROR_SSL, lib=ERR_LIB_SSL,
                 reason=SSL_R_UNEXPECTED_EOF_WHILE_READING)
    check(exc, ssl.SSLEOFError, SSL_ERROR_EOF, "SSL",
          "UNEXPECTED_EOF_WHILE_READING")


@needs_errors_module
@pytest.mark.parametrize("packing", PACKINGS)
@pytest.mark.parametrize("ssl_error", [0, 8, 9, 10, 11, 99])
def test_unknown_ssl_get_error_value(packing, ssl_error):
    # SSL_ERROR_NONE, WANT_ACCEPT, WANT_ASYNC, WANT_ASYNC_JOB,
    # WANT_CLIENT_HELLO_CB and nonsense: 3.11's "Invalid error code".
    exc = decide(packing, ssl_error)
    check(exc, ssl.SSLError, INVALID_ERROR_CODE)


@needs_errors_module
@pytest.mark.parametrize("packing", PACKINGS)
@pytest.mark.parametrize("library,reason,names", [
    (ERR_LIB_SSL, SSL_R_HTTP_REQUEST, ("SSL", "HTTP_REQUEST")),
    (ERR_LIB_X509, X509_R_KEY_VALUES_MISMATCH,
     ("X509", "KEY_VALUES_MISMATCH")),
    (ERR_LIB_SYS, 104, ("SYS", None)),
])
def test_error_from_code(packing, library, reason, names):
    """3.11's _setSSLError(NULL, 0): the last queued error, with
    ERR_GET_REASON(code) as errno (e.g. load_cert_chain() with the wrong
    key: SSLError(116, '[X509: KEY_VALUES_MISMATCH] ...') on 3.11)."""
    fake = FakeLib(packing, pack(packing, library, reason))
    exc = _errors.error_from_code(fake)
    assert type(exc) is ssl.SSLError
    assert exc.errno == reason
    assert (exc.library, exc.reason) == names
    assert fake.cleared == 1
    assert_reads_as_python3(exc)


@needs_errors_module
@pytest.mark.parametrize("packing", PACKINGS)
@pytest.mark.parametrize("reason,cls,errno", [
    (SSL_R_CERTIFICATE_VERIFY_FAILED,
     _errors.SSLCertVerificationError if _errors else None,
     SSL_ERROR_SSL),
    (SSL_R_UNEXPECTED_EOF_WHILE_READING, ssl.SSLEOFError, SSL_ERROR_EOF),
], ids=["certificate-verify-failed", "unexpected-eof"])
def test_class_is_decided_by_number_not_by_error_string(packing, reason,
                                                        cls, errno):
    """3.11 tests ERR_GET_LIB/ERR_GET_REASON of the code, not its text: the
    class must not depend on OpenSSL having its error strings: builds
    configured with no-err have none, and on 1.0.2 any library in the
    process may call ERR_free_strings()."""
    fake = FakeLib(packing, pack(packing, ERR_LIB_SSL, reason),
                   verify_result=20)
    fake.ERR_reason_error_string = lambda code: None
    exc = _errors.error_from_result(fake, 0x5511, -1, SSL_ERROR_SSL,
                                    "localhost")
    assert type(exc) is cls
    assert exc.errno == errno


def native_error(cls, errno, message, library=None, reason=None):
    """An exception as 2.7's own _ssl raises it (read(), write()): its
    reason names come from a table that predates OpenSSL 1.1."""
    exc = cls(errno, message)
    if issubclass(cls, ssl.SSLError):
        exc.library, exc.reason = library, reason
    return exc


# 2.7.18's native read()/write() on OpenSSL 3, as observed, and what
# Python 3.11 raises in the same situation (error_scenarios.py has the
# real ones).
NATIVE_CASES = {
    "ragged-eof": (
        native_error(ssl.SSLError, 1, u"[SSL: KRB5_S_TKT_NYV] unexpected "
                     u"eof while reading (_ssl.c:1946)", u"SSL",
                     u"KRB5_S_TKT_NYV"),
        (ssl.SSLEOFError, SSL_ERROR_EOF, "SSL",
         "UNEXPECTED_EOF_WHILE_READING")),
    "garbage": (
        native_error(ssl.SSLError, 1, u"[SSL: WRONG_VERSION_NUMBER] wrong "
                     u"version number (_ssl.c:1946)", u"SSL",
                     u"WRONG_VERSION_NUMBER"),
        (ssl.SSLError, SSL_ERROR_SSL, "SSL", "WRONG_VERSION_NUMBER")),
    "after-failure": (
        native_error(socket.error, 0, "Error"),
        (ssl.SSLEOFError, SSL_ERROR_EOF, None, None)),
    "want-read": (
        native_error(ssl.SSLWantReadError, 2, u"The operation did not "
                     u"complete (read) (_ssl.c:1946)"),
        (ssl.SSLWantReadError, WANT_READ, None, None)),
    "zero-return": (
        native_error(ssl.SSLZeroReturnError, 6, u"TLS/SSL connection has "
                     u"been closed (EOF) (_ssl.c:1946)"),
        (ssl.SSLZeroReturnError, ZERO_RETURN, None, None)),
    "eof": (
        native_error(ssl.SSLEOFError, 8, u"EOF occurred in violation of "
                     u"protocol (_ssl.c:1946)"),
        (ssl.SSLEOFError, SSL_ERROR_EOF, None, None)),
    # OpenSSL's common ERR_R_INTERNAL_ERROR: 2.7 has no name for it (3.0
    # numbers it beyond 2.7's table) and neither has 3.11.
    "common-reason": (
        native_error(ssl.SSLError, 1, u"[SSL] internal error "
                     u"(_ssl.c:1946)", u"SSL"),
        (ssl.SSLError, SSL_ERROR_SSL, "SSL", None)),
    # An alert with an undefined description: OpenSSL has no string for its
    # reason, and both lines' _ssl say "unknown error"; no name in 3.11.
    "undefined-reason": (
        native_error(ssl.SSLError, 1, u"[SSL] unknown error "
                     u"(_ssl.c:1946)", u"SSL"),
        (ssl.SSLError, SSL_ERROR_SSL, "SSL", None)),
}


@needs_errors_module
@pytest.mark.parametrize("case", sorted(NATIVE_CASES))
def test_error_from_native(case):
    native, (cls, errno, library, reason) = NATIVE_CASES[case]
    exc = _errors.error_from_native(FakeLib("3.0"), 0x5511, native,
                                    "localhost")
    check(exc, cls, errno, library, reason)


@needs_errors_module
def test_error_from_native_certificate_failure():
    native = native_error(ssl.SSLError, 1, u"[SSL: CERTIFICATE_VERIFY_FAILED]"
                          u" certificate verify failed (_ssl.c:1946)",
                          u"SSL", u"CERTIFICATE_VERIFY_FAILED")
    exc = _errors.error_from_native(FakeLib("3.0", verify_result=62),
                                    0x5511, native, "wrong.example")
    check(exc, _errors.SSLCertVerificationError, SSL_ERROR_SSL, "SSL",
          "CERTIFICATE_VERIFY_FAILED")
    assert exc.verify_code == 62
    assert exc.verify_message == ("Hostname mismatch, certificate is not "
                                  "valid for 'wrong.example'.")


@needs_errors_module
@pytest.mark.parametrize("case,message", [
    ("common-reason", "[SSL] internal error"),
    ("undefined-reason", "[SSL] unknown error")])
def test_error_from_native_message_of_unnamed_reason(case, message):
    native = NATIVE_CASES[case][0]
    exc = _errors.error_from_native(FakeLib("3.0"), 0x5511, native,
                                    "localhost")
    # Python 3.11: "[SSL] internal error (_ssl.c:2580)", "[SSL] unknown
    # error (_ssl.c:1006)", as for any reason without a name.
    assert str(exc) == message


@needs_errors_module
@pytest.mark.parametrize("packing", PACKINGS)
def test_queued_reason_without_string(packing):
    exc = decide(packing, SSL_ERROR_SSL, lib=ERR_LIB_SSL, reason=1255)
    check(exc, ssl.SSLError, SSL_ERROR_SSL, "SSL", None)
    assert str(exc).startswith("[SSL] unknown error")


@needs_errors_module
def test_error_from_native_names_what_is_not_common():
    # A reason string outside the common set keeps its derived name.
    native = native_error(ssl.SSLError, 1, u"[SSL] http request "
                          u"(_ssl.c:1946)", u"SSL")
    exc = _errors.error_from_native(FakeLib("3.0"), 0x5511, native,
                                    "localhost")
    check(exc, ssl.SSLError, SSL_ERROR_SSL, "SSL", "HTTP_REQUEST")
    assert str(exc) == "[SSL: HTTP_REQUEST] http request"


@needs_errors_module
def test_want_read_error():
    check(_errors.want_read_error(), ssl.SSLWantReadError, WANT_READ)


# -- the exception class -------------------------------------------------

@pytest.mark.skipif(
    sys.version_info[:2] == (3, 6),
    reason="Python 3.6 has no SSLCertVerificationError (sslbio exports its "
    "CertificateError there)")
def test_cert_verification_error_hierarchy():
    cls = sslbio.SSLCertVerificationError
    for base in (ssl.SSLError, ValueError, ssl.CertificateError,
                 socket.error, EnvironmentError):
        assert issubclass(cls, base), base
    if PY2:
        assert issubclass(cls, IOError)
    else:
        assert issubclass(cls, OSError)
        assert cls is ssl.SSLCertVerificationError


@pytest.mark.skipif(
    sys.version_info[:2] == (3, 6),
    reason="Python 3.6 has no SSLCertVerificationError")
@pytest.mark.parametrize("args", [
    (1, "msg"), (1, "msg", "file"), ("msg",), (1,), (),
], ids=repr)
def test_cert_verification_error_str_is_sslerror_str(args):
    """str() is SSLError's: the message alone when there is one, else
    str(args); never EnvironmentError's "[Errno 1] msg", which a class
    written in Python would inherit on 2.7."""
    exc = sslbio.SSLCertVerificationError(*args)
    assert str(exc) == str(ssl.SSLError(*args))
    assert str(exc) == ("msg" if len(args) > 1 else str(args))


@needs_errors_module
def test_cert_verification_error_caught_as_each_base():
    exc = decide("3.0", SSL_ERROR_SSL, lib=ERR_LIB_SSL,
                 reason=SSL_R_CERTIFICATE_VERIFY_FAILED, verify_result=20)
    for base in (ssl.SSLError, ValueError, ssl.CertificateError,
                 socket.error):
        try:
            raise exc
        except base as caught:
            assert caught is exc
    assert exc.strerror is not None


# -- names against the real library ---------------------------------------

def real_lib():
    lib = real_library.binding()
    if lib is None:
        pytest.skip("no OpenSSL bindable through _ssl on this interpreter")
    return lib


def packed(lib, library, reason):
    if lib.version_number >= binding.V300:
        return pack("3.0", library, reason)
    return pack("1.x", library, reason, func=0)


@needs_errors_module
@pytest.mark.parametrize("library,reason,name", [
    (ERR_LIB_SSL, SSL_R_CERTIFICATE_VERIFY_FAILED,
     "CERTIFICATE_VERIFY_FAILED"),
    (ERR_LIB_SSL, SSL_R_HTTP_REQUEST, "HTTP_REQUEST"),
    (ERR_LIB_SSL, 267, "WRONG_VERSION_NUMBER"),
    (ERR_LIB_SSL, 199, "PEER_DID_NOT_RETURN_A_CERTIFICATE"),
    (ERR_LIB_SSL, 1048, "TLSV1_ALERT_UNKNOWN_CA"),
    (ERR_LIB_SSL, 1042, "SSLV3_ALERT_BAD_CERTIFICATE"),
    (ERR_LIB_PEM, 108, "NO_START_LINE"),
    (ERR_LIB_X509, X509_R_KEY_VALUES_MISMATCH, "KEY_VALUES_MISMATCH"),
])
def test_reason_names_real_library(library, reason, name):
    lib = real_lib()
    names = _errors._names(lib, packed(lib, library, reason))
    assert names[:2] == (_errors.LIBRARY_NAMES[library], name)
    assert type(names[0]) is str and type(names[1]) is str


@needs_errors_module
def test_unexpected_eof_name_real_library():
    lib = real_lib()
    if lib.version < (3, 0, 0):
        pytest.skip("UNEXPECTED_EOF_WHILE_READING is new in OpenSSL 3.0")
    code = packed(lib, ERR_LIB_SSL, SSL_R_UNEXPECTED_EOF_WHILE_READING)
    assert _errors._names(lib, code)[:2] == (
        "SSL", "UNEXPECTED_EOF_WHILE_READING")


@needs_errors_module
def test_system_error_has_library_but_no_reason_real_library():
    lib = real_lib()
    code = packed(lib, ERR_LIB_SYS, 104)
    library, reason, text = _errors._names(lib, code)
    assert (library, reason) == ("SYS", None)


@needs_errors_module
def test_common_reason_strings_real_library():
    """The ERR_R_* reason strings come from the running library, once; no
    reason of the SSL library (what record-layer calls report) reads like
    one of them, so telling them apart by string is sound there."""
    lib = real_lib()
    strings = lib.common_reason_strings()
    assert b"internal error" in strings and b"malloc failure" in strings
    assert lib.common_reason_strings() is strings
    lookalikes = []
    for reason in range(1, 0x1000):
        code = packed(lib, ERR_LIB_SSL, reason)
        if not lib.err_reason_is_common(code) and \
                lib.ERR_reason_error_string(code) in strings:
            lookalikes.append(reason)
    assert not lookalikes


def _library_number(name):
    numbers = [n for n, v in _errors.LIBRARY_NAMES.items() if v == name]
    assert len(numbers) == 1, name
    return numbers[0]


@needs_errors_module
@pytest.mark.parametrize(
    "key", sorted(_errors._REASON_EXCEPTIONS) if _errors else [])
def test_each_reason_exception_is_live_and_right(key):
    """Every entry of the exceptions table names a reason string the real
    library really has, and naming a code with that string gives the
    entry's macro name (found by scanning the library's reason space, so
    this needs no reference interpreter)."""
    lib = real_lib()
    library, text = key
    number = _library_number(library)
    # Reasons of every library fit in 12 bits (SSL's alert reasons, the
    # largest, end below 1200), the 1.x field width.
    codes = [packed(lib, number, r) for r in range(1, 0x1000)
             if lib.ERR_reason_error_string(packed(lib, number, r)) ==
             text.encode("ascii")]
    if not codes and lib.version < (3, 0, 0):
        # e.g. 1.1.1 spells EVP's "expecting a ec key", which the upper-cased
        # fallback already names EXPECTING_A_EC_KEY, and has no ECX keys.
        pytest.skip("%s: %r is OpenSSL 3's text; %d.%d.%d has none such"
                    % ((library, text) + lib.version))
    assert codes, "no %s reason reads %r" % (library, text)
    for code in codes:
        assert _errors._names(lib, code)[1] == \
            _errors._REASON_EXCEPTIONS[key]


def reference_tables():
    """Python 3.11's own (library, reason) -> name and library tables."""
    if sys.version_info[:2] == (3, 11):
        import _ssl
        codes = [[l, r, n] for (l, r), n in _ssl.err_codes_to_names.items()]
        libs = dict((str(k), v) for k, v in _ssl.lib_codes_to_names.items())
        return {"codes": codes, "libs": libs}
    # This table is 3.11's own, whatever the reference of the run.
    python = find_python("3.11")
    if python is None:
        pytest.skip("no Python 3.11 found")
    out = run_clean("""
        import _ssl, json
        print(json.dumps({
            "codes": [[l, r, n] for (l, r), n in
                      _ssl.err_codes_to_names.items()],
            "libs": dict((str(k), v) for k, v in
                         _ssl.lib_codes_to_names.items())}))
        """, executable=python)
    return json.loads(out)


@needs_errors_module
def test_library_names_match_python311():
    table = reference_tables()
    reference = dict((int(k), v) for k, v in table["libs"].items())
    # 3.11's generated table also lists ERR_LIB_OFFSET (23) and
    # ERR_LIB_MASK (255), which are not libraries.
    reference.pop(23, None)
    reference.pop(255, None)
    assert _errors.LIBRARY_NAMES == reference


@needs_errors_module
def test_reason_names_match_python311():
    """For every code of 3.11's table that the running OpenSSL has a reason
    string for, sslbio derives 3.11's name."""
    lib = real_lib()
    if lib.version < (3, 0, 0):
        pytest.skip("3.11's table for this OpenSSL is _ssl_data_300.h")
    table = reference_tables()
    compared, wrong = 0, []
    for library, reason, name in table["codes"]:
        code = packed(lib, library, reason)
        if not lib.ERR_reason_error_string(code):
            continue  # not a reason this OpenSSL release can raise
        compared += 1
        derived = _errors._names(lib, code)[1]
        if derived != name:
            wrong.append("%s %d %s: derived %s" % (
                _errors.LIBRARY_NAMES.get(library), reason, name, derived))
    assert compared > 1000
    assert not wrong, "%d of %d names differ from 3.11's:\n%s" % (
        len(wrong), compared, "\n".join(sorted(wrong)))


# -- real failing handshakes, compared with Python 3.11 -------------------

# What Python 3.11 raises (checked on 3.11 itself by this very test; on an
# OpenSSL 3.11 does not support, by the comparison with 3.9 on it below).
EXPECTED = {
    "hostname_mismatch": ("SSLCertVerificationError", 1, "SSL",
                          "CERTIFICATE_VERIFY_FAILED", 62,
                          "Hostname mismatch, certificate is not valid for "
                          "'wrong.example'."),
    "ip_mismatch": ("SSLCertVerificationError", 1, "SSL",
                    "CERTIFICATE_VERIFY_FAILED", 64,
                    "IP address mismatch, certificate is not valid for "
                    "'10.0.0.1'."),
    "untrusted_issuer": ("SSLCertVerificationError", 1, "SSL",
                         "CERTIFICATE_VERIFY_FAILED", 20,
                         "unable to get local issuer certificate"),
    "expired": ("SSLCertVerificationError", 1, "SSL",
                "CERTIFICATE_VERIFY_FAILED", 10, "certificate has expired"),
    "want_read": ("SSLWantReadError", 2, None, None, None, None),
    "eof_during_handshake": ("SSLEOFError", 8, "SSL",
                             "UNEXPECTED_EOF_WHILE_READING", None, None),
    "eof_during_handshake_tls12": ("SSLEOFError", 8, "SSL",
                                   "UNEXPECTED_EOF_WHILE_READING", None,
                                   None),
    "ragged_eof_on_read": ("SSLEOFError", 8, "SSL",
                           "UNEXPECTED_EOF_WHILE_READING", None, None),
    "http_to_server": ("SSLError", 1, "SSL", "HTTP_REQUEST", None, None),
    # A common reason (ERR_R_INTERNAL_ERROR) through the native read().
    "cleartext_alert_on_read_tls12": ("SSLError", 1, "SSL", None, None,
                                      None),
}
if ssl.OPENSSL_VERSION_INFO < (3,):
    # Before OpenSSL 3.0 a stream cut short queues no error: a syscall error
    # with an empty queue, which Python 3 reports by the call's return value:
    # SSL_do_handshake()'s -1 is SSLSyscallError (its 0 on 1.0.2 an EOF),
    # SSL_read_ex()'s 0 an EOF.
    EXPECTED["eof_during_handshake"] = EXPECTED["eof_during_handshake_tls12"] = (
        HANDSHAKE_CUT_SHORT, {"SSLSyscallError": 5, "SSLEOFError": 8}[
            HANDSHAKE_CUT_SHORT], None, None, None, None)
    EXPECTED["ragged_eof_on_read"] = ("SSLEOFError", 8, None, None, None, None)
if ssl.OPENSSL_VERSION_INFO < (1, 1):
    # OpenSSL 1.0.2 names the cleartext record a bad record MAC.
    EXPECTED["cleartext_alert_on_read_tls12"] = (
        "SSLError", 1, "SSL", "DECRYPTION_FAILED_OR_BAD_RECORD_MAC", None, None)

reference_run = pytest.mark.skipif(
    not (ON_ENGINE or sys.version_info[:2] >= (3, 11)),
    reason="the expectations are Python 3.11's (3.10 and older differ)")


@pytest.fixture(scope="module")
def transcript():
    return error_scenarios.run_all()


@reference_run
@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_real_failure(transcript, scenario):
    got = transcript[scenario]
    expected = EXPECTED[scenario]
    assert (got["class"], got["errno"], got["library"], got["reason"],
            got["verify_code"], got["verify_message"]) == expected
    if got["class"] == "SSLCertVerificationError":
        assert got["is_ssl_error"] and got["is_value_error"]
        assert got["is_certificate_error"]


@reference_run
def test_read_after_close_notify_is_empty(transcript):
    assert transcript["read_after_close_notify"] == [{"bytes": ""}] * 2


@needs_engine
def test_every_scenario_matches_python311(transcript, reference_python):
    """... or, on an OpenSSL that 3.11 does not support (before 1.1.1), the
    reference on it (3.9): the nearest Python 3 there, matched exactly."""
    python = reference_python
    if not_minor(python, "3.11") and ssl.OPENSSL_VERSION_INFO >= (1, 1, 1):
        pytest.skip(not_minor(python, "3.11"))
    out = run_clean("""
        import runpy, sys
        sys.argv = ["error_scenarios"]
        runpy.run_module("engine_cases.error_scenarios", run_name="__main__")
        """, executable=python)
    reference = json.loads(out)
    assert reference.pop("_engine") == "stdlib"
    differences = dict(
        (name, {"3.11": reference[name], "2.7": transcript.get(name)})
        for name in reference if reference[name] != transcript.get(name))
    assert not differences, json.dumps(differences, indent=1,
                                       sort_keys=True)


# -- how real exceptions read ----------------------------------------------

def raised(call, *args):
    try:
        call(*args)
    except Exception as exc:  # the exception is what the tests look at
        return exc
    raise AssertionError("%r returned" % (call,))


def _certificate_failure():
    return error_scenarios.failed_client_handshake(
        Pair(server_hostname="wrong.example"), raised)


def _common_reason_on_read():
    return raised(error_scenarios.cleartext_alert_pair().client.read)


def _ragged_eof_on_read():
    pair = connected_pair()
    pair.cin.write_eof()
    return raised(pair.client.read)


def _write_after_fatal_alert():
    # The server refuses a client without a certificate after the client's
    # TLS 1.3 handshake is done: its alert ends the client's next read.
    pair = Pair(server_ctx=server_context(client_cert=ssl.CERT_REQUIRED))
    error_scenarios._client_done_server_judges(pair)
    return raised(pair.client.write, b"x")


# One failure of each path an exception takes in sslbio: the handshake
# (error_from_result), the native read() and write() (error_from_native and
# read()'s own want-read), a read into a buffer, a queued error's code
# (error_from_code).
REAL_FAILURES = {
    "certificate": (_certificate_failure, "SSLCertVerificationError"),
    "want read, handshake": (lambda: raised(Pair().client.do_handshake),
                             "SSLWantReadError"),
    "want read, read": (lambda: raised(connected_pair().client.read, 1024),
                        "SSLWantReadError"),
    "want read, read into": (
        lambda: raised(connected_pair().client.read, 10, bytearray(10)),
        "SSLWantReadError"),
    "common reason, read": (_common_reason_on_read, "SSLError"),
    "ragged eof, read": (_ragged_eof_on_read, "SSLEOFError"),
    "closed, write": (_write_after_fatal_alert, "SSLZeroReturnError"),
    "queued code": (
        lambda: raised(connected_pair().client.verify_client_post_handshake),
        "SSLError"),
}
# The cases written for TLS 1.3's flow.
TLS13_FAILURES = ("closed, write", "queued code")


@reference_run
@pytest.mark.parametrize("case", sorted(REAL_FAILURES))
def test_real_exception_reads_as_python3(case):
    if case in TLS13_FAILURES and not HAS_TLS13:
        pytest.skip(NO_TLS13)
    make, class_name = REAL_FAILURES[case]
    exc = make()
    assert type(exc).__name__ == class_name
    assert_reads_as_python3(exc)


@reference_run
def test_real_certificate_failure_message():
    message = ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
               "Hostname mismatch, certificate is not valid for "
               "'wrong.example'.")
    exc = _certificate_failure()
    assert str(exc).startswith(message)
    assert repr(exc).startswith("SSLCertVerificationError(1, \"%s" % message)


@reference_run
@pytest.mark.skipif(EXPECTED["cleartext_alert_on_read_tls12"][3] is not None,
                    reason="this OpenSSL names the failure with a reason "
                    "of its own (EXPECTED)")
def test_real_common_reason_message():
    # Python 3.11: "[SSL] internal error (_ssl.c:2580)".
    assert str(_common_reason_on_read()).startswith("[SSL] internal error")
