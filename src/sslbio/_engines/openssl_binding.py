"""Every OpenSSL function sslbio calls, declared once, and what differs
between releases.

OpenSSL 1.0.2, 1.1.x and 3.x export different symbols for the same idea:
some are functions in one release and macros over ``*_ctrl`` in another, a
few were renamed, and the packing of error codes changed in 3.0.  This module
declares each function once, as C, with the releases that export it, and
resolves the declarations against the library at import behind one
``Binding`` object, so the engines call ``lib.session_reused(ssl)`` and never
ask which release they run on.

Two foreign-function interfaces read the same declarations: ctypes (the
ctypes engine, ``ctypes/binding.py``) and cffi (the pypy engine,
``cffi_binding.py``).  Each subclasses ``Binding`` with ``_functions()``,
which turns declarations into callables through its symbol table, and the
few operations that need its own buffers.  ``Binding`` takes the table and,
optionally, the release number, which lets the tests check the adaptation
for every release with fake tables although only one OpenSSL is installed.
"""

from .._releases import (V102, V110, V111, V300, context_features,
                         option_constants)

__all__ = ["Binding", "DECLARATIONS", "KEYLOG_CALLBACK", "RESTYPE_CHANGES",
           "UnsupportedOpenSSL", "declarations_in", "restype_in",
           "version_tuple", "V102", "V110", "V111", "V300"]


class UnsupportedOpenSSL(Exception):
    """The OpenSSL behind ``_ssl`` lacks something the engine needs."""


def version_tuple(number):
    """``0x1010107f`` -> ``(1, 1, 1)``; 3.x numbers pack minor/patch apart."""
    major = number >> 28
    if major >= 3:
        return (major, (number >> 20) & 0xFF, (number >> 4) & 0xFF)
    return (major, (number >> 20) & 0xFF, (number >> 12) & 0xFF)


# Types are written as C; opaque structures are "void *" (every binding
# passes them through unchanged).  "const char *" is a string in or out;
# "char *" a buffer OpenSSL writes into.
_P = "void *"
_INT = "int"
_LONG = "long"
_ULONG = "unsigned long"
_SIZE = "size_t"
_STR = "const char *"
_BUF = "char *"

# name: (return type, argument types, first release with it as an exported
# function or None for "every supported release", last release before
# removal or None, releases the GIL during the call).
#
# Only the record-layer and handshake calls release the GIL: they may do
# public-key crypto.  BIO copies and queries are short, and the ctypes cost
# of dropping and retaking the GIL would dominate them.  (cffi always
# releases it.)
DECLARATIONS = {
    # version discovery
    "OpenSSL_version_num": (_ULONG, (), V110, None, False),
    "SSLeay": (_ULONG, (), None, V110, False),
    # the library's identity: static method tables of libcrypto and libssl
    "BIO_s_mem": (_P, (), None, None, False),
    "TLS_method": (_P, (), V110, None, False),
    "SSLv23_method": (_P, (), None, V110, False),
    # memory BIOs
    "BIO_new": (_P, (_P,), None, None, False),
    "BIO_free": (_INT, (_P,), None, None, False),
    "BIO_read": (_INT, (_P, _P, _INT), None, None, False),
    "BIO_write": (_INT, (_P, _STR, _INT), None, None, False),
    "BIO_ctrl": (_LONG, (_P, _INT, _LONG, _P), None, None, False),
    "BIO_ctrl_pending": (_SIZE, (_P,), None, None, False),
    "BIO_up_ref": (_INT, (_P,), V110, None, False),
    "CRYPTO_add_lock": (_INT, (_P, _INT, _INT, _STR, _INT), None, V110,
                        False),
    # the connection
    "SSL_get_SSL_CTX": (_P, (_P,), None, None, False),
    "SSL_set_bio": ("void", (_P, _P, _P), None, None, False),
    "SSL_do_handshake": (_INT, (_P,), None, None, True),
    "SSL_read": (_INT, (_P, _P, _INT), None, None, False),
    "SSL_write": (_INT, (_P, _STR, _INT), None, None, False),
    "SSL_write_ex": (_INT, (_P, _STR, _SIZE, "size_t *"), V111, None, False),
    "SSL_shutdown": (_INT, (_P,), None, None, False),
    "SSL_get_error": (_INT, (_P, _INT), None, None, False),
    "SSL_get_shutdown": (_INT, (_P,), None, None, False),
    "SSL_set_read_ahead": ("void", (_P, _INT), None, None, False),
    "SSL_ctrl": (_LONG, (_P, _INT, _LONG, _P), None, None, False),
    "SSL_CTX_ctrl": (_LONG, (_P, _INT, _LONG, _P), None, None, False),
    "SSL_is_init_finished": (_INT, (_P,), V110, None, False),
    "SSL_state": (_INT, (_P,), None, V110, False),
    "SSL_session_reused": (_INT, (_P,), V110, None, False),
    "SSL_get_version": (_STR, (_P,), None, None, False),
    "SSL_get_verify_result": (_LONG, (_P,), None, None, False),
    "SSL_CTX_get_verify_mode": (_INT, (_P,), None, None, False),
    # unsigned long in 1.1.x, uint64_t from 3.0 (RESTYPE_CHANGES).
    "SSL_CTX_get_options": (_ULONG, (_P,), V110, None, False),
    "SSL_verify_client_post_handshake": (_INT, (_P,), V111, None, False),
    "SSL_get_finished": (_SIZE, (_P, _P, _SIZE), None, None, False),
    "SSL_get_peer_finished": (_SIZE, (_P, _P, _SIZE), None, None, False),
    "SSL_set_session_id_context": (_INT, (_P, _STR, "unsigned int"), None,
                                   None, False),
    # host name checking inside the handshake
    "SSL_get0_param": (_P, (_P,), None, None, False),
    "X509_VERIFY_PARAM_set1_host": (_INT, (_P, _STR, _SIZE), None, None,
                                    False),
    "X509_VERIFY_PARAM_set1_ip": (_INT, (_P, _STR, _SIZE), None, None, False),
    "X509_VERIFY_PARAM_set_hostflags": ("void", (_P, "unsigned int"), None,
                                        None, False),
    # ciphers
    "SSL_get_ciphers": (_P, (_P,), None, None, False),
    "SSL_get_client_ciphers": (_P, (_P,), V110, None, False),
    "SSL_get_shared_ciphers": (_STR, (_P, _BUF, _INT), None, None, False),
    "OPENSSL_sk_num": (_INT, (_P,), V110, None, False),
    "OPENSSL_sk_value": (_P, (_P, _INT), V110, None, False),
    "sk_num": (_INT, (_P,), None, V110, False),
    "sk_value": (_P, (_P, _INT), None, V110, False),
    "SSL_CIPHER_get_name": (_STR, (_P,), None, None, False),
    "SSL_CIPHER_get_version": (_STR, (_P,), None, None, False),
    "SSL_CIPHER_get_bits": (_INT, (_P, "int *"), None, None, False),
    # sessions
    "SSL_get_session": (_P, (_P,), None, None, False),
    "SSL_set_session": (_INT, (_P, _P), None, None, False),
    "SSL_SESSION_free": ("void", (_P,), None, None, False),
    "SSL_SESSION_get_id": (_P, (_P, "unsigned int *"), None, None, False),
    "SSL_SESSION_get_time": (_LONG, (_P,), None, None, False),
    "SSL_SESSION_get_timeout": (_LONG, (_P,), None, None, False),
    "SSL_SESSION_get_ticket_lifetime_hint": (_ULONG, (_P,), V110, None,
                                             False),
    "SSL_SESSION_has_ticket": (_INT, (_P,), V110, None, False),
    "i2d_SSL_SESSION": (_INT, (_P, _P), None, None, False),
    "d2i_SSL_SESSION": (_P, (_P, _P, _LONG), None, None, False),
    # -- Python 3.7+ SSLContext attributes (openssl_context.py) --
    "SSL_CTX_get0_param": (_P, (_P,), None, None, False),
    "SSL_CTX_get_security_level": (_INT, (_P,), V110, None, False),
    "SSL_CTX_get_num_tickets": (_SIZE, (_P,), V111, None, False),
    "SSL_CTX_set_num_tickets": (_INT, (_P, _SIZE), V111, None, False),
    "SSL_CTX_set_keylog_callback": ("void", (_P, _P), V111, None, False),
    "SSL_set_post_handshake_auth": ("void", (_P, _INT), V111, None, False),
    "SSL_get_verify_mode": (_INT, (_P,), None, None, False),
    "SSL_get_verify_callback": (_P, (_P,), None, None, False),
    "SSL_set_verify": ("void", (_P, _INT, _P), None, None, False),
    "SSL_new": (_P, (_P,), None, None, False),
    "SSL_free": ("void", (_P,), None, None, False),
    "SSL_CIPHER_get_id": (_ULONG, (_P,), None, None, False),
    "SSL_CIPHER_description": (_STR, (_P, _BUF, _INT), None, None, False),
    "SSL_CIPHER_is_aead": (_INT, (_P,), V110, None, False),
    "SSL_CIPHER_get_cipher_nid": (_INT, (_P,), V110, None, False),
    "SSL_CIPHER_get_digest_nid": (_INT, (_P,), V110, None, False),
    "SSL_CIPHER_get_kx_nid": (_INT, (_P,), V110, None, False),
    "SSL_CIPHER_get_auth_nid": (_INT, (_P,), V110, None, False),
    "OBJ_nid2ln": (_STR, (_INT,), None, None, False),
    # errors
    "ERR_get_error": (_ULONG, (), None, None, False),
    "ERR_peek_last_error": (_ULONG, (), None, None, False),
    "ERR_clear_error": ("void", (), None, None, False),
    "ERR_reason_error_string": (_STR, (_ULONG,), None, None, False),
    "X509_verify_cert_error_string": (_STR, (_LONG,), None, None, False),
    # the random generator (ssl.RAND_bytes)
    "RAND_bytes": (_INT, (_P, _INT), None, None, False),
}

# The signature of SSL_CTX_set_keylog_callback's callback.
KEYLOG_CALLBACK = ("void", (_P, _STR))

# ctrl numbers behind the macros used on releases that lack the function.
_SSL_CTRL_OPTIONS = 32
_SSL_CTRL_GET_SESSION_REUSED = 8
_SSL_ST_OK = 0x03
# Largest DER session Python 3 duplicates (its _ssl_session_dup()).
MAX_SESSION_DER = 0xFF00
# Room for 1.0.2's shared cipher string (SSL_get_shared_ciphers).
_SHARED_CIPHERS_ROOM = 8192

# Return types a release changed: name -> (release, its type from then on).
# OpenSSL 3.0 widened the options to uint64_t, which is not an unsigned long
# on 32-bit builds.
RESTYPE_CHANGES = {
    "SSL_CTX_get_options": (V300, "uint64_t"),
}


def restype_in(name, version_number):
    """The return type of ``name`` in the release ``version_number``."""
    since, restype = RESTYPE_CHANGES.get(name, (None, None))
    if since is not None and version_number >= since:
        return restype
    return DECLARATIONS[name][0]


def declarations_in(version_number):
    """``[(name, return type, argument types, releases the GIL)]``: every
    declaration the release ``version_number`` exports as a function."""
    found = []
    for name, decl in sorted(DECLARATIONS.items()):
        restype, argtypes, since, until, releases_gil = decl
        if since is not None and version_number < since:
            continue
        if until is not None and version_number >= until:
            continue
        found.append((name, restype_in(name, version_number), argtypes,
                      releases_gil))
    return found


class Binding(object):
    """The OpenSSL calls sslbio makes, adapted to one release.

    Attributes named after OpenSSL functions are the resolved foreign
    functions, typed as declared; lower-case methods are the
    version-independent operations built on them.
    """

    def __init__(self, table, version_number=None):
        self._table = table
        if version_number is None:
            version_number = self._discover_version()
        self.version_number = version_number
        self.version = version_tuple(version_number)
        if version_number < V102:
            raise UnsupportedOpenSSL(
                "OpenSSL %d.%d.%d is older than 1.0.2" % self.version)
        wanted = declarations_in(version_number)
        found = self._functions(wanted)
        self.missing = [name for name, _, _, _ in wanted if name not in found]
        if self.missing:
            raise UnsupportedOpenSSL(
                "OpenSSL %d.%d.%d does not export: %s"
                % (self.version + (", ".join(self.missing),)))
        for name, func in found.items():
            setattr(self, name, func)
        # The functions resolved, by name.
        self.names = sorted(found)
        self._adapt()

    def _functions(self, declarations):
        """``{name: callable}`` for those of ``declarations`` (tuples as
        ``declarations_in()`` gives them) that the table's library
        exports, each typed as declared."""
        raise NotImplementedError

    def _discover_version(self):
        for name in ("OpenSSL_version_num", "SSLeay"):
            found = self._functions([(name, _ULONG, (), False)])
            if name in found:
                return found[name]()
        raise UnsupportedOpenSSL("no OpenSSL version function found")

    # -- version adaptation ------------------------------------------------
    def _adapt(self):
        v = self.version_number
        self.has_ex_io = v >= V111
        self.has_post_handshake_auth = v >= V111
        if v >= V300:
            self.err_get_lib = _err_get_lib_300
            self.err_get_reason = _err_get_reason_300
            self.err_reason_is_common = _err_reason_is_common_300
            self._common_reason_codes = _COMMON_REASON_CODES_300
        else:
            self.err_get_lib = _err_get_lib_1x
            self.err_get_reason = _err_get_reason_1x
            self.err_reason_is_common = _err_reason_is_common_1x
            self._common_reason_codes = _COMMON_REASON_CODES_1X
        self._common_reason_strings = None
        if v >= V110:
            self.bio_up_ref = self.BIO_up_ref
            self.is_init_finished = self.SSL_is_init_finished
            self.session_reused = self.SSL_session_reused
            self.sk_num = self.OPENSSL_sk_num
            self.sk_value = self.OPENSSL_sk_value
            self.tls_method = self.TLS_method
            self.session_ticket_lifetime_hint = \
                self.SSL_SESSION_get_ticket_lifetime_hint
            self.session_has_ticket = self.SSL_SESSION_has_ticket
            self.ctx_get_options = self.SSL_CTX_get_options
        else:
            self.bio_up_ref = self._bio_up_ref_102
            self.is_init_finished = self._is_init_finished_102
            self.session_reused = self._session_reused_102
            self.tls_method = self.SSLv23_method
            self.session_ticket_lifetime_hint = self._ticket_hint_102
            self.session_has_ticket = self._has_ticket_102
            # A macro over SSL_CTX_ctrl in 1.0.2; 1.1.0 dropped that ctrl.
            self.ctx_get_options = self._ctx_get_options_ctrl
        # SSL_write() returns 0 both for a failure and for an empty write;
        # the _ex form tells them apart, and before it an empty write
        # succeeds exactly once the handshake has finished.
        if v >= V111:
            self.write_empty = self._write_empty_ex
        else:
            self.write_empty = self.is_init_finished
        self._adapt_context_features()

    # -- Python 3.7+ SSLContext attributes ---------------------------------
    # What openssl_context.py needs of a release: which of Python 3's
    # context attributes it can serve, the Options values it has, and the
    # version bounds (macros over SSL_CTX_ctrl on every release).
    def _adapt_context_features(self):
        v = self.version_number
        self.context_features = context_features(v)
        self.option_constants = option_constants(v)
        self.has_cipher_details = v >= V110

    def ctx_get_proto_version(self, ctx, maximum):
        """``SSL_CTX_get_{min,max}_proto_version()``: 0 is "no bound"."""
        ctrl = _SSL_CTRL_GET_MAX_PROTO if maximum else _SSL_CTRL_GET_MIN_PROTO
        return self.SSL_CTX_ctrl(ctx, ctrl, 0, self.NULL)

    def ctx_set_proto_version(self, ctx, maximum, version):
        """``SSL_CTX_set_{min,max}_proto_version()``: 1 on success."""
        ctrl = _SSL_CTRL_SET_MAX_PROTO if maximum else _SSL_CTRL_SET_MIN_PROTO
        return self.SSL_CTX_ctrl(ctx, ctrl, version, self.NULL)

    SSL_VERIFY_PEER = 0x01
    SSL_VERIFY_POST_HANDSHAKE = 0x08
    NID_undef = 0
    # The null pointer as the binding passes it.
    NULL = None

    def common_reason_strings(self):
        """The reason strings of OpenSSL's ``ERR_R_*`` codes, the reasons
        every library shares ("internal error", "malloc failure", "EVP
        lib"), as this release spells them: a frozenset of bytes.

        Read on first use, when the error strings are surely loaded (2.7's
        ``_ssl`` loads them at import), and kept from then on.
        """
        strings = self._common_reason_strings
        if strings is None:
            found = [self.ERR_reason_error_string(code)
                     for code in self._common_reason_codes]
            strings = frozenset(text for text in found if text)
            if strings:  # else the strings are not loaded: ask again later
                self._common_reason_strings = strings
        return strings

    # -- connections: what the engines calling OpenSSL do alike -------------
    def set_tlsext_host_name(self, ssl, name):
        """``SSL_set_tlsext_host_name()`` (a macro over ``SSL_ctrl``):
        non-zero on success."""
        return self.SSL_ctrl(ssl, self.SSL_CTRL_SET_TLSEXT_HOSTNAME,
                             self.TLSEXT_NAMETYPE_HOST_NAME,
                             self.c_chars(name))

    def set_post_handshake_auth(self, ssl, server_side):
        """What a context's ``post_handshake_auth`` sets on a connection,
        as Python 3.8+ sets it: a client offers it; a server asks for it
        only with SSL_VERIFY_PEER (else OpenSSL would ask for a certificate
        it was told not to check)."""
        if not server_side:
            self.SSL_set_post_handshake_auth(ssl, 1)
            return
        mode = self.SSL_get_verify_mode(ssl)
        if mode & self.SSL_VERIFY_PEER:
            self.SSL_set_verify(ssl, mode | self.SSL_VERIFY_POST_HANDSHAKE,
                                self.SSL_get_verify_callback(ssl))

    def _write_empty_ex(self, ssl):
        return self.SSL_write_ex(ssl, b"", 0, self.new_size_out())

    def duplicate_session(self, session):
        """A private copy of an ``SSL_SESSION*`` through its DER encoding,
        as Python 3's ``_ssl_session_dup()`` makes it, so an ``SSLSession``
        stays valid and unchanged whatever its connection does later; the
        caller owns the copy.  ``ValueError`` as Python 3 raises it."""
        der = self.session_der(session)
        if der is None or len(der) > MAX_SESSION_DER:
            raise ValueError("i2d() failed")
        copy = self.session_from_der(der)
        if not copy:
            self.ERR_clear_error()
            raise ValueError("d2i() failed")
        return copy

    def cipher_description(self, cipher):
        """``SSL_CIPHER_description()``: the cipher's line (bytes)."""
        buf = self.new_buffer(512)
        return self.SSL_CIPHER_description(cipher, buf, len(buf) - 1)

    def client_cipher_names(self, ssl):
        """The names (bytes) of the ciphers the client offered, or None
        before its hello."""
        if self.version_number >= V110:
            theirs = self.SSL_get_client_ciphers(ssl)
            if not theirs:
                return None
            return set(self.SSL_CIPHER_get_name(self.sk_value(theirs, i))
                       for i in range(self.sk_num(theirs)))
        # 1.0.2 keeps the client's list inside the session; the shared cipher
        # string names exactly the ones both sides enable.
        buf = self.new_buffer(_SHARED_CIPHERS_ROOM)
        shared = self.SSL_get_shared_ciphers(ssl, buf, _SHARED_CIPHERS_ROOM)
        if not shared:
            return None
        return set(shared.split(b":"))

    # -- what each foreign-function interface does its own way ---------------
    def new_buffer(self, size):
        """A buffer of ``size`` bytes for OpenSSL to write into."""
        raise NotImplementedError

    def buffer_bytes(self, buffer, count):
        """The first ``count`` bytes of a buffer (or of a ``char *``)."""
        raise NotImplementedError

    def c_chars(self, data):
        """Bytes as an argument declared ``void *``."""
        raise NotImplementedError

    def new_size_out(self):
        """A ``size_t *`` out-argument."""
        raise NotImplementedError

    def session_id(self, session):
        """``SSL_SESSION_get_id()``: the session's id as bytes."""
        raise NotImplementedError

    def session_der(self, session):
        """``i2d_SSL_SESSION()``: the session's DER encoding, or None."""
        raise NotImplementedError

    def session_from_der(self, der):
        """``d2i_SSL_SESSION()``: a new ``SSL_SESSION*`` (NULL on
        failure)."""
        raise NotImplementedError

    def _is_init_finished_102(self, ssl):
        return self.SSL_state(ssl) == _SSL_ST_OK

    def _session_reused_102(self, ssl):
        return self.SSL_ctrl(ssl, _SSL_CTRL_GET_SESSION_REUSED, 0, self.NULL)

    def _ctx_get_options_ctrl(self, ctx):
        return self.SSL_CTX_ctrl(ctx, _SSL_CTRL_OPTIONS, 0, self.NULL) & \
            0xFFFFFFFF

    # What 1.0.2 keeps inside its structures; each binding reads them its
    # own way (ctypes/binding.py).
    def _bio_up_ref_102(self, bio):
        raise NotImplementedError("BIO reference counts of OpenSSL 1.0.2 "
                                  "through %s" % type(self).__name__)

    def _ticket_hint_102(self, session):
        raise NotImplementedError("session tickets of OpenSSL 1.0.2 "
                                  "through %s" % type(self).__name__)

    _has_ticket_102 = _ticket_hint_102

    # -- macros that are ctrl calls on every release -------------------------
    BIO_C_SET_BUF_MEM_EOF_RETURN = 130
    SSL_CTRL_MODE = 33
    SSL_MODE_RELEASE_BUFFERS = 0x10
    SSL_CTRL_SET_TLSEXT_HOSTNAME = 55
    TLSEXT_NAMETYPE_HOST_NAME = 0


_SSL_CTRL_SET_MIN_PROTO = 123
_SSL_CTRL_SET_MAX_PROTO = 124
_SSL_CTRL_GET_MIN_PROTO = 130
_SSL_CTRL_GET_MAX_PROTO = 131

# Error code packing: 3.0 moved the library field and added a flag for
# system errors (errno values); 1.x packs lib:8 func:12 reason:12.
_ERR_SYSTEM_FLAG = 0x80000000
ERR_LIB_SYS = 2
ERR_LIB_SSL = 20


def _err_get_lib_300(code):
    if code & _ERR_SYSTEM_FLAG:
        return ERR_LIB_SYS
    return (code >> 23) & 0xFF


def _err_get_reason_300(code):
    if code & _ERR_SYSTEM_FLAG:
        return code & 0x7FFFFFFF
    return code & 0x7FFFFF


_ERR_RFLAG_FATAL = 0x1 << 18
_ERR_RFLAG_COMMON = 0x2 << 18


def _err_reason_is_common_300(code):
    # ERR_RFLAG_COMMON marks the ERR_R_* reasons since 3.0.
    return not code & _ERR_SYSTEM_FLAG and bool(code & _ERR_RFLAG_COMMON)


def _err_reason_is_common_1x(code):
    # Before 3.0 the ERR_R_* reasons are the numbers below 100; every
    # library's own reasons start at 100.
    return (code & 0xFFF) < _COMMON_REASON_LIMIT_1X


# Every ERR_R_* code as a packed error of library 0, under which OpenSSL
# registers their strings.  3.0 numbers them with ERR_RFLAG_COMMON, some
# also with ERR_RFLAG_FATAL: the ERR_R_*_LIB reasons take the library
# numbers (below 256), the others count up from 256 (272 in 3.0), so 1023
# leaves room for later releases.  Before 3.0 they are the numbers below 100
# (ERR_R_FATAL, 64, is a bit of some of them).
_COMMON_REASON_CODES_300 = tuple(
    flags | number
    for flags in (_ERR_RFLAG_COMMON, _ERR_RFLAG_COMMON | _ERR_RFLAG_FATAL)
    for number in range(1, 1024))
_COMMON_REASON_LIMIT_1X = 100
_COMMON_REASON_CODES_1X = tuple(range(1, _COMMON_REASON_LIMIT_1X))


def _err_get_lib_1x(code):
    return (code >> 24) & 0xFF


def _err_get_reason_1x(code):
    return code & 0xFFF
