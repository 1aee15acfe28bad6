"""The ctypes engine's ``SSLObject`` and ``SSLSession``.

An ``SSLObject`` here is 2.7's own native ``_ssl._SSLSocket``, built on one
shared, never-connected dummy socket, whose ``SSL*`` reads and writes two
OpenSSL memory BIOs instead.  Two drivers share the connection:

* OpenSSL through ctypes (``lib``) where Python 3's exact errors or an API
  2.7 lacks are needed: what ``openssl_driver`` writes once for this engine
  and the pypy engine (the handshake, shutdown, sessions, ...);
* the native object where it already behaves as Python 3 and is fastest:
  ``read()``/``write()`` (one C call each, exceptions translated by
  ``_errors.error_from_native``), certificate decoding, cipher,
  compression, ALPN, pending, the context and the SNI callback.
"""

import ctypes
import socket

from ... import _errors, _session, _sslobject
from ..._args import as_bytes
from ..openssl_driver import READ_CHUNK as _READ_CHUNK
from ..openssl_driver import OpenSSLDriver, OpenSSLSession, ScratchBuffers
from .bio import MemoryBIO
from .library import dummy_socket, layout, lib

__all__ = ["SSLObject", "SSLSession"]


# Module globals resolved at import: the hot paths below find them with one
# dictionary lookup each.
_int = int
_bytes = bytes
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
_ssl_ctx = layout.ssl_ctx
_ssl_of = layout.ssl


class _HandshakeFirst(Exception):
    """Raised in place of 2.7's native read/write on a client that must not
    pass application data (see ``_refuse_data``); deliberately not a
    ``socket.error``, so the fast paths' translation never sees it."""


def _handshake_first(*ignored):
    raise _HandshakeFirst()


class SSLSession(OpenSSLSession):
    __doc__ = _session.SSLSession.__doc__

    __slots__ = ()
    _binding = lib

    def __del__(self, _free=lib.SSL_SESSION_free):
        session = getattr(self, "_session", None)
        if session:
            self._session = None
            _free(session)


class SSLObject(OpenSSLDriver, _sslobject.SSLObject):
    __doc__ = _sslobject.SSLObject.__doc__

    __slots__ = ("_native", "_native_read", "_native_write", "_ssl",
                 "_shutdown_seen_zero", "_native_done")

    _memory_bio_class = MemoryBIO
    _session_class = SSLSession
    _lib = _binding = lib

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

    def _from_native(self, exc):
        return _error_from_native(lib, self._ssl, exc, self._server_hostname)

    _ctx_pointer = staticmethod(_ssl_ctx)

    # For reads into a caller's buffer (the others are the native read's).
    _scratch = ScratchBuffers(ctypes.create_string_buffer, _READ_CHUNK)

    # -- the record layer ----------------------------------------------------
    def _sync_native(self):
        # The native object records the peer certificate and "handshake
        # done" in its own do_handshake(); on a finished handshake that
        # returns at once without I/O.
        if not self._native_done:
            self._native.do_handshake()
            self._native_done = True

    def read(self, len=1024, buffer=None):
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

    def pending(self):
        return self._native.pending()
