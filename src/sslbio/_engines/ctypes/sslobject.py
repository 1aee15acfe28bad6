"""The ctypes engine's ``SSLObject`` and ``SSLSession``.

An ``SSLObject`` here is 2.7's own native ``_ssl._SSLSocket``, built on one
shared, never-connected dummy socket, whose ``SSL*`` reads and writes two
OpenSSL memory BIOs instead.  Two drivers share the connection:

* OpenSSL through ctypes (``lib``) where Python 3's exact errors or an API
  2.7 lacks are needed: the handshake, shutdown, empty and buffer reads,
  empty writes, sessions, version, shared ciphers, channel binding, host
  name setup, post-handshake authentication;
* the native object where it already behaves as Python 3 and is fastest:
  ``read()``/``write()`` (one C call each, exceptions translated by
  ``_errors.error_from_native``), certificate decoding, cipher,
  compression, ALPN, pending, the context and the SNI callback.
"""

import ctypes
import socket

from ... import _errors, _session, _sslobject
from ..._args import as_bytes
from ..._context_features import host_flags
from ..._hostname import ip_address
from ..openssl_driver import READ_CHUNK as _READ_CHUNK
from ..openssl_driver import OpenSSLDriver, ScratchBuffers
from .bio import MemoryBIO
from .library import dummy_socket, layout, lib

__all__ = ["SSLObject", "SSLSession"]


# Module globals resolved at import: the hot paths below find them with one
# dictionary lookup each.
_int = int
_bytes = bytes
_string_at = ctypes.string_at
_ssl_read = lib.SSL_read
_ssl_write = lib.SSL_write
_ssl_get_error = lib.SSL_get_error
_is_init_finished = lib.is_init_finished
_error_from_code = _errors.error_from_code
_error_from_native = _errors.error_from_native
# "Need more bytes" is the usual end of a read.  2.7's native read() raises
# it as 3.11 does, with a unicode message though, unless a queued error gave
# it a reason (see error_from_native); the common case skips the general
# mapping: an exception costs enough already.
_WantRead = _errors.ssl.SSLWantReadError
_want_read_error = _errors.want_read_error
_socket_error = socket.error

# Object creation runs a dozen foreign calls; these go through argument-less
# functions fed ready-made ctypes values.
_bio_up_ref = lib.raw_bio_up_ref()
_raw_set_bio = lib.raw("SSL_set_bio", None)
_raw_ssl_ctrl = lib.raw("SSL_ctrl", ctypes.c_long)
_CTRL_MODE = lib.SSL_CTRL_MODE
_RELEASE_BUFFERS = ctypes.c_long(lib.SSL_MODE_RELEASE_BUFFERS)
_CTRL_SNI = lib.SSL_CTRL_SET_TLSEXT_HOSTNAME
_SNI_HOST_NAME = ctypes.c_long(lib.TLSEXT_NAMETYPE_HOST_NAME)
_raw_get0_param = lib.raw("SSL_get0_param", ctypes.c_void_p)
_raw_set_hostflags = lib.raw("X509_VERIFY_PARAM_set_hostflags", None)
_raw_set1_host = lib.raw("X509_VERIFY_PARAM_set1_host", ctypes.c_int)
_ssl_ctx = layout.ssl_ctx
_ssl_of = layout.ssl
if lib.has_ex_io:
    _written_count = ctypes.c_size_t()
    _written_ref = ctypes.byref(_written_count)


class _HandshakeFirst(Exception):
    """Raised in place of 2.7's native read/write on a client that must not
    pass application data (see ``_refuse_data``); deliberately not a
    ``socket.error``, so the fast paths' translation never sees it."""


def _handshake_first(*ignored):
    raise _HandshakeFirst()


class SSLSession(_session.SSLSession):
    __doc__ = _session.SSLSession.__doc__

    __slots__ = ("_session", "_ctx_ptr", "_context")

    @classmethod
    def _adopt(cls, session_ptr, context, ctx_ptr):
        self = object.__new__(cls)
        self._session = session_ptr
        self._context = context
        self._ctx_ptr = ctx_ptr
        return self

    def __del__(self, _free=lib.SSL_SESSION_free):
        session = getattr(self, "_session", None)
        if session:
            self._session = None
            _free(session)

    @property
    def id(self):
        """The session id, as bytes."""
        length = ctypes.c_uint()
        data = lib.SSL_SESSION_get_id(self._session, ctypes.byref(length))
        return _string_at(data, length.value) if data else b""

    @property
    def time(self):
        """Session creation time (seconds since the epoch)."""
        return int(lib.SSL_SESSION_get_time(self._session))

    @property
    def timeout(self):
        """Session timeout, in seconds."""
        return int(lib.SSL_SESSION_get_timeout(self._session))

    @property
    def ticket_lifetime_hint(self):
        """The ticket lifetime the server announced, in seconds."""
        return int(lib.session_ticket_lifetime_hint(self._session))

    @property
    def has_ticket(self):
        """Whether the session carries a session ticket."""
        return bool(lib.session_has_ticket(self._session))


def _duplicate_session(session):
    # A private copy through DER, as Python 3 makes, so the SSLSession stays
    # valid and unchanged whatever the connection does later.
    length = lib.i2d_SSL_SESSION(session, None)
    if length <= 0 or length > 0xFF00:
        raise ValueError("i2d() failed")
    der = lib.session_der(session)
    if der is None:
        raise ValueError("i2d() failed")
    cursor = ctypes.c_char_p(der)
    copy = lib.d2i_SSL_SESSION(None, ctypes.byref(cursor), length)
    if not copy:
        lib.ERR_clear_error()
        raise ValueError("d2i() failed")
    return copy


class SSLObject(OpenSSLDriver, _sslobject.SSLObject):
    __doc__ = _sslobject.SSLObject.__doc__

    __slots__ = ("_native", "_native_read", "_native_write", "_ssl",
                 "_shutdown_seen_zero", "_native_done")

    _memory_bio_class = MemoryBIO
    _session_class = SSLSession
    _lib = _errlib = lib

    def _engine_init(self, incoming, outgoing, side, server_hostname,
                     context, owner):
        ctx_ptr = _ssl_ctx(context)
        # The owner is what the SNI callback receives.
        native = context._wrap_socket(dummy_socket, side, None, owner)
        ssl = _ssl_of(native, context, ctx_ptr)

        # SSL_set_bio takes over one reference per distinct BIO; the
        # MemoryBIO objects keep their own, so either side may go first.
        _bio_up_ref(incoming._biop)
        if outgoing is not incoming:
            _bio_up_ref(outgoing._biop)
        _raw_set_bio(ssl, incoming._biop, outgoing._biop)
        # Python 3 contexts set this mode (2.7's do not): idle connections
        # give their 16 KiB record buffers back.
        _raw_ssl_ctrl(ssl, _CTRL_MODE, _RELEASE_BUFFERS, None)

        self._native = native
        self._ssl = ssl
        self._shutdown_seen_zero = False
        self._native_done = False
        # The stand-ins keep the fast read/write paths free of any test
        # for a missing host name (see _sslobject.SSLObject._create).
        if self._hostname_missing:
            self._native_read = self._native_write = _handshake_first
        else:
            self._native_read = native.read
            self._native_write = native.write

    def _configure_hostname(self, context, hostname):
        # hostname is an ASCII str here (see _hostname.encode_hostname).
        ssl = self._ssl
        ip = ip_address(hostname)
        if ip is None and not _raw_ssl_ctrl(ssl, _CTRL_SNI, _SNI_HOST_NAME,
                                            hostname):
            raise _error_from_code(lib)
        if context.check_hostname:
            param = ctypes.c_void_p(_raw_get0_param(ssl))
            # The context's flags: NO_PARTIAL_WILDCARDS as on every Python
            # 3.7+ context, NEVER_CHECK_SUBJECT when its
            # hostname_checks_common_name is off.
            _raw_set_hostflags(param, ctypes.c_uint(host_flags(context)))
            if ip is None:
                ok = _raw_set1_host(param, hostname,
                                    ctypes.c_size_t(len(hostname)))
            else:
                ok = lib.X509_VERIFY_PARAM_set1_ip(param, ip, len(ip))
            if not ok:
                raise _error_from_code(lib)

    def _from_native(self, exc):
        return _error_from_native(lib, self._ssl, exc, self._server_hostname)

    # -- context and session -------------------------------------------------
    def _get_context(self):
        return self._native.context

    def _set_context(self, ctx):
        self._native.context = ctx

    def _get_session(self):
        current = lib.SSL_get_session(self._ssl)
        if not current:
            return None
        copy = _duplicate_session(current)
        context = self._native.context
        return SSLSession._adopt(copy, context, _ssl_ctx(context))

    # Hooks of OpenSSLDriver._set_session.
    def _same_context(self, session):
        return _ssl_ctx(self._native.context) == session._ctx_ptr

    def _handshake_finished(self):
        return _is_init_finished(self._ssl)

    _duplicate_session = staticmethod(_duplicate_session)

    def _session_reused_flag(self):
        return lib.session_reused(self._ssl)

    # Buffers OpenSSL fills, and their first bytes; c_char_p results
    # already come back as bytes.
    _new_buffer = staticmethod(ctypes.create_string_buffer)
    _buffer_bytes = staticmethod(ctypes.string_at)
    # For reads into a caller's buffer (the others are the native read's).
    _scratch = ScratchBuffers(ctypes.create_string_buffer, _READ_CHUNK)

    @staticmethod
    def _c_string(value):
        return value

    # -- the record layer ----------------------------------------------------
    def _sync_native(self):
        # The native object records the peer certificate and "handshake
        # done" in its own do_handshake(); on a finished handshake that
        # returns at once without I/O.
        if not self._native_done:
            self._native.do_handshake()
            self._native_done = True

    def read(self, len=1024, buffer=None):
        """Read up to ``len`` bytes of application data.

        Returns bytes, or the number of bytes stored into ``buffer`` when
        one is given; ``b''`` once the peer has closed the connection with
        close_notify.
        """
        if buffer is None and type(len) is _int and 0 < len <= _READ_CHUNK:
            # The common case runs entirely in 2.7's native read(): one C
            # call.  Only its exceptions need Python 3's mapping.
            try:
                return self._native_read(len)
            except _WantRead as exc:
                if exc.reason is not None:
                    raise self._from_native(exc)
                raise _want_read_error()
            except _socket_error as exc:
                raise self._from_native(exc)
            except _HandshakeFirst:
                self._refuse_data()
        return self._read_checked(len, buffer)

    def _read_checked(self, len, buffer):
        if buffer is not None:
            return self._read_into(len, buffer)
        len = self._checked_read_len(len)
        if len == 0:
            return b""
        if self._hostname_missing:
            self._refuse_data()
        try:
            return self._native_read(min(len, _READ_CHUNK))
        except _socket_error as exc:
            raise self._from_native(exc)

    def write(self, data):
        """Write application data; returns the number of bytes written."""
        if type(data) is not _bytes:
            data = as_bytes(data)
        if data:
            # One C call in 2.7's native write() (which refuses more than
            # INT_MAX bytes with OverflowError, as 3.11 does).
            try:
                return self._native_write(data)
            except _socket_error as exc:
                raise self._from_native(exc)
            except _HandshakeFirst:
                self._refuse_data()
        return self._write_nothing()

    def _write_nothing(self):
        # SSL_write() returns 0 both for failure and for an empty write; the
        # _ex form tells them apart.
        if self._hostname_missing:
            self._refuse_data()
        ssl = self._ssl
        if lib.has_ex_io:
            if lib.SSL_write_ex(ssl, b"", 0, _written_ref):
                return 0
        elif _is_init_finished(ssl):
            return 0
        count = _ssl_write(ssl, b"", 0)
        raise self._fail(0, _ssl_get_error(ssl, count))

    def pending(self):
        """The number of decrypted bytes ready to be read."""
        return self._native.pending()

    # -- what was negotiated -------------------------------------------------
    def cipher(self):
        """``(name, protocol, secret bits)`` of the cipher, or None."""
        return self._native.cipher()

    def shared_ciphers(self):
        """Ciphers offered by the client and enabled on this server, as
        ``cipher()`` tuples; ``None`` on the client side or before the
        client's hello has been received."""
        ssl = self._ssl
        ours = lib.SSL_get_ciphers(ssl)
        if not ours:
            return None
        theirs = _client_cipher_names(ssl)
        if theirs is None:
            return None
        result = []
        for i in range(lib.sk_num(ours)):
            cipher = lib.sk_value(ours, i)
            name = lib.SSL_CIPHER_get_name(cipher)
            if name in theirs:
                result.append(_cipher_tuple(cipher, name))
        return result

    def compression(self):
        """The compression algorithm in use, or ``None``."""
        return self._native.compression()

    def selected_alpn_protocol(self):
        """The protocol ALPN chose, or ``None``."""
        selected = getattr(self._native, "selected_alpn_protocol", None)
        return selected() if selected is not None else None


def _cipher_tuple(cipher, name):
    bits = lib.SSL_CIPHER_get_bits(cipher, None)
    version = lib.SSL_CIPHER_get_version(cipher)
    # Native strs, as cipher() gives them (2.7's _ssl decodes none).
    return (_errors.native_str(name), _errors.native_str(version), bits)


def _client_cipher_names(ssl):
    if hasattr(lib, "SSL_get_client_ciphers"):
        theirs = lib.SSL_get_client_ciphers(ssl)
        if not theirs:
            return None
        return set(lib.SSL_CIPHER_get_name(lib.sk_value(theirs, i))
                   for i in range(lib.sk_num(theirs)))
    # 1.0.2 keeps the client's list inside the session; the shared cipher
    # string names exactly the ones both sides enable.
    buf = ctypes.create_string_buffer(8192)
    shared = lib.SSL_get_shared_ciphers(ssl, buf, len(buf))
    if not shared:
        return None
    return set(shared.split(b":"))
