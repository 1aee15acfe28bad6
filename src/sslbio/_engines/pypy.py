"""The pypy engine: PyPy 2.7 through its own ``lib_pypy/_cffi_ssl``.

PyPy's ``_ssl`` is Python code over a cffi binding of OpenSSL
(``_pypy_openssl``), ported from Python 3's ``_ssl.c``: it already has a
``MemoryBIO`` and a ``_wrap_bio()``, but its ``ssl.py`` (2.7's) exposes
neither, and the ``_wrap_bio()`` of PyPy 7.3 passes one argument too many to
the constructor it calls and would give both directions the same BIO.  This
engine therefore builds each connection itself with the cffi ``lib``:

* ``MemoryBIO`` is an OpenSSL memory BIO driven through ``lib``;
* an ``SSLObject`` owns an ``SSL*`` made from its context as Python 3's
  ``newPySSLSocket()`` makes it (mode, post-handshake authentication, the
  two BIOs, client or server state), runs the record layer (handshake,
  read, write, shutdown) itself so that every error is built by
  ``sslbio._errors`` as Python 3.11 raises it, and sets the host name check
  up inside the handshake (``X509_VERIFY_PARAM`` host or IP);
* PyPy's own ``_SSLSocket`` object, bound to that ``SSL*``, does what it
  already does as Python 3 does: certificate decoding (its text as 2.7's
  ``_ssl`` gives it, see ``_certdict``), cipher, compression, ALPN, the
  context property and the SNI callback, which receives its ``owner`` (the
  ``SSLObject``, or the socket built on it).

What PyPy's binding does not declare (``SSL_get_verify_result``,
``SSL_CTX_ctrl`` behind the protocol bounds, the key log callback, ...), and
every difference between OpenSSL releases, comes from sslbio's own binding
(``openssl_binding``, the declarations the ctypes engine uses too), declared
through cffi over the same loaded libraries (``cffi_binding``).  Python 3's
context attributes that PyPy's ``_SSLContext`` lacks are served on its
``SSL_CTX`` by its context backend (``openssl_context``).

PyPy's collector does not see the C memory behind a cdata: each object this
engine owns tells it what it holds (``pypy_memory``), so that dropped
connections are collected before their OpenSSL memory piles up.
"""

import platform
import sys

from . import EngineUnavailable, serve

if platform.python_implementation() != "PyPy" or sys.version_info[0] != 2:
    raise EngineUnavailable("serves PyPy 2.7 only; this is %s %d.%d"
                            % ((platform.python_implementation(),)
                               + sys.version_info[:2]))

try:
    import _pypy_openssl
    from _pypy_openssl import ffi, lib
    from _cffi_ssl import _stdssl
    from _cffi_ssl._stdssl import _SSLSocket
except ImportError as exc:
    raise EngineUnavailable("PyPy's cffi OpenSSL binding (_cffi_ssl) is "
                            "missing: %s" % exc)


from .. import _bio, _errors, _session, _sslobject  # noqa: E402
from .._args import as_bytes, no_arguments  # noqa: E402
from .._certdict import with_cpython27_types  # noqa: E402
from .._context_features import check_side  # noqa: E402
from .cffi_binding import CffiBinding, SymbolTable  # noqa: E402
from .._releases import RELEASE_CONTEXT_FEATURES  # noqa: E402
from .openssl_context import (OpenSSLContextBackend,  # noqa: E402
                              shared_keylog_writers)
from .openssl_driver import READ_CHUNK as _READ_CHUNK  # noqa: E402
from .openssl_driver import (OpenSSLDriver, OpenSSLSession,  # noqa: E402
                             ScratchBuffers)
from .pypy_memory import (BIO_HELD, PEER_CERT_HELD, SESSION_HELD,  # noqa
                          SSL_HELD, Held, add_memory_pressure)

NAME = "pypy"

__all__ = ["ENGINE", "NAME", "MemoryBIO", "SSLObject", "SSLSession",
           "openssl"]

_INT_MAX = _bio.INT_MAX

# sslbio's binding over the libraries PyPy's binding uses (see cffi_binding);
# also what sslbio._errors reads the error queue through.
openssl = CffiBinding(SymbolTable(_pypy_openssl.__file__))

# Both bindings must call the same loaded libcrypto and libssl: the static
# tables of the memory BIO method and of the TLS method are at one address
# only within one copy of each library.
_address = openssl.address
if (_address(openssl.BIO_s_mem()) != _address(lib.BIO_s_mem()) or
        _address(openssl.tls_method()) != _address(lib.SSLv23_method())):
    raise EngineUnavailable("%s resolves OpenSSL to other libraries than "
                            "PyPy's binding uses" % _pypy_openssl.__file__)
if not openssl.has_ex_io:
    raise EngineUnavailable("OpenSSL %d.%d.%d is older than 1.1.1, which "
                            "the pypy engine needs" % openssl.version)


class PypyContextBackend(OpenSSLContextBackend):
    """Python 3's context attributes that PyPy's ``_SSLContext`` lacks, on
    its ``SSL_CTX``, and ``get_ciphers()``, which PyPy 7.3 has but gives
    ``auth`` and ``kea`` as cdata objects (and ``symmetric`` as
    "symmmetric"); ``post_handshake_auth`` is PyPy's own."""

    name = NAME

    def ctx(self, context):
        return context.ctx


CONTEXT_BACKEND = PypyContextBackend(
    openssl, shared_keylog_writers(),
    release_dependent=tuple(name for name in RELEASE_CONTEXT_FEATURES
                            if name != "post_handshake_auth"))

# Buffers that OpenSSL fills before anything reads them need not be zeroed
# first (ffi.new's default): that would double the memory traffic of bulk
# transfers.
_new_buffer = ffi.new_allocator(should_clear_after_alloc=False)
_error_from_code = _errors.error_from_code
_unpack = ffi.buffer

# Every read goes through one of these instead of a new buffer: PyPy takes
# microseconds to allocate 16 KiB of cdata (the garbage collector accounts
# for it), several times what the read itself costs.  A MemoryBIO read of
# up to this size fits (several full TLS records); a larger one is read
# through it in pieces.
_SCRATCH_SIZE = 65536
_scratch = ScratchBuffers(lambda size: _new_buffer("char[]", size),
                          _SCRATCH_SIZE)
_take_scratch = _scratch.take
_give_back_scratch = _scratch.give_back

# What the engine's OpenSSL objects hold, told to PyPy's collector
# (pypy_memory): each is freed by one of these destructors.
_memory = Held()
_free_bio = _memory.destructor(lib.BIO_free, BIO_HELD)
_free_ssl = _memory.destructor(lib.SSL_free, SSL_HELD)
_free_session = _memory.destructor(lib.SSL_SESSION_free, SESSION_HELD)
_free_peer_cert = _memory.destructor(lib.X509_free, PEER_CERT_HELD)
_owned = _memory.owned


class MemoryBIO(_bio.MemoryBIO):
    __doc__ = _bio.MemoryBIO.__doc__

    # _bio: the BIO (a cffi pointer freed with the object); _held: the
    # largest write it has taken, as told to the collector.  (What OpenSSL
    # writes into an outgoing BIO is not noted: a check in read() made
    # PyPy's JIT run 1 MiB pumps 15% slower.)
    __slots__ = ("_bio", "_eof_written", "_held")

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            no_arguments("MemoryBIO", args, kwargs)
        bio = lib.BIO_new(lib.BIO_s_mem())
        if bio == ffi.NULL:
            raise MemoryError("failed to allocate BIO")
        # As Python 3: an empty buffer means "retry", not end of file.
        lib.BIO_set_retry_read(bio)
        lib.BIO_set_mem_eof_return(bio, -1)
        self._bio = _owned(ffi, bio, _free_bio, BIO_HELD)
        self._eof_written = False
        self._held = 0

    def _hold(self, size):
        # The buffer has grown to at least ``size`` bytes, and stays so.
        add_memory_pressure(size - self._held)
        self._held = size

    @property
    def pending(self):
        return int(lib.BIO_ctrl_pending(self._bio))

    @property
    def eof(self):
        return self._eof_written and lib.BIO_ctrl_pending(self._bio) == 0

    def read(self, __size=-1):
        # "is -1": the default, the common call, needs no conversion.
        size = __size if __size is -1 else self._checked_read_size(__size)
        bio = self._bio
        avail = min(lib.BIO_ctrl_pending(bio), _INT_MAX)
        if size < 0 or size > avail:
            size = avail
        if size == 0:
            return b""
        buf = _take_scratch()
        if size <= _SCRATCH_SIZE:
            count = lib.BIO_read(bio, buf, size)
            if count < 0:
                raise _error_from_code(openssl)
            data = _unpack(buf, count)[:]
        else:
            # A scratch buffer at a time, joined: a buffer of the whole size
            # would cost PyPy more than the second copy does.
            parts = []
            while size:
                count = lib.BIO_read(bio, buf, min(size, _SCRATCH_SIZE))
                if count <= 0:
                    raise _error_from_code(openssl)
                parts.append(_unpack(buf, count)[:])
                size -= count
            data = b"".join(parts)
        _give_back_scratch(buf)
        return data

    def write(self, __b):
        # A bytes object is passed on as it is when it fits a C int; anything
        # else goes through the front's checks (its errors are Python 3's,
        # where cffi would say "does not fit 'int'").
        if type(__b) is not bytes or len(__b) > _INT_MAX:
            __b = self._as_write_bytes(__b)
        if self._eof_written:
            raise self._write_after_eof_error()
        written = lib.BIO_write(self._bio, __b, len(__b))
        if written < 0:
            raise _error_from_code(openssl)
        if written > self._held:
            self._hold(written)
        return written

    def write_eof(self):
        self._eof_written = True
        lib.BIO_clear_retry_flags(self._bio)
        lib.BIO_set_mem_eof_return(self._bio, 0)


class SSLSession(OpenSSLSession):
    __doc__ = _session.SSLSession.__doc__

    # _session: a private SSL_SESSION* (freed with the object, as told to
    # the collector).
    __slots__ = ()
    _binding = openssl

    @staticmethod
    def _own(session):
        return _owned(ffi, ffi.cast("SSL_SESSION *", session), _free_session,
                      SESSION_HELD)


# What Python 3's newPySSLSocket() sets on every connection (and its
# contexts' SSL_MODE_RELEASE_BUFFERS: idle connections give their 16 KiB
# record buffers back).
_MODE = (lib.SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | lib.SSL_MODE_AUTO_RETRY |
         lib.SSL_MODE_RELEASE_BUFFERS)
# Python 3's session id context: "Python" with its NUL (sizeof a C string
# literal); PyPy's contexts set the six letters only.  The context is part
# of every session, so the tickets a server sends would otherwise differ in
# length from Python 3's.  Set per connection: a context that the SNI
# callback switches to then keeps it, as on Python 3.
_SESSION_ID_CONTEXT = b"Python\0"
_ssl_read = lib.SSL_read
_ssl_write = lib.SSL_write
_ssl_get_error = lib.SSL_get_error


class SSLObject(OpenSSLDriver, _sslobject.SSLObject):
    __doc__ = _sslobject.SSLObject.__doc__

    # _ssl: the SSL*; _native: PyPy's _SSLSocket bound to it.
    __slots__ = ("_native", "_ssl", "_shutdown_seen_zero", "_native_done")

    _memory_bio_class = MemoryBIO
    _session_class = SSLSession
    _lib = lib
    _binding = openssl
    _scratch = _scratch

    def _engine_init(self, incoming, outgoing, side, server_hostname,
                     context, owner):
        check_side(context, side)
        native = _SSLSocket(context)
        lib.ERR_clear_error()
        ssl_ptr = lib.SSL_new(context.ctx)
        if ssl_ptr == ffi.NULL:
            raise _error_from_code(openssl)
        native.ssl = ssl_ptr = _owned(ffi, ssl_ptr, _free_ssl, SSL_HELD)
        openssl.SSL_set_session_id_context(ssl_ptr, _SESSION_ID_CONTEXT,
                                           len(_SESSION_ID_CONTEXT))
        # The SNI callback finds the _SSLSocket through the app data and
        # passes its owner (this SSLObject, or the socket built on it), as
        # Python 3 passes it.
        native._app_data_handle = ffi.new_handle(native)
        lib.SSL_set_app_data(ssl_ptr,
                             ffi.cast("char *", native._app_data_handle))
        native.owner = owner
        native.socket_type = side
        # SSL_set_bio takes over one reference per distinct BIO; the
        # MemoryBIO objects keep their own.
        lib.BIO_up_ref(incoming._bio)
        if outgoing is not incoming:
            lib.BIO_up_ref(outgoing._bio)
        lib.SSL_set_bio(ssl_ptr, incoming._bio, outgoing._bio)
        lib.SSL_set_mode(ssl_ptr, _MODE)
        if context.post_handshake_auth:
            openssl.set_post_handshake_auth(ssl_ptr, side == 1)
        if side == 0:
            lib.SSL_set_connect_state(ssl_ptr)
        else:
            lib.SSL_set_accept_state(ssl_ptr)
        self._native = native
        self._ssl = ssl_ptr
        self._shutdown_seen_zero = False
        self._native_done = False

    _ctx_pointer = staticmethod(CONTEXT_BACKEND.ctx)

    # -- the record layer ----------------------------------------------------
    def _sync_native(self):
        # What PyPy's own do_handshake() records for peer_certificate().
        if not self._native_done:
            native = self._native
            peer = lib.SSL_get_peer_certificate(self._ssl)
            if peer != ffi.NULL:
                peer = _owned(ffi, peer, _free_peer_cert, PEER_CERT_HELD)
            native.peer_cert = peer
            native.handshake_done = 1
            self._native_done = True

    def _peer_certificate(self, binary_form):
        return with_cpython27_types(
            self._native.peer_certificate(binary_form))

    def read(self, len=1024, buffer=None):
        if buffer is not None:
            return self._read_into(len, buffer)
        if type(len) is not int or not 0 < len <= _READ_CHUNK:
            len = self._checked_read_len(len)
            if len == 0:
                return b""
            if len > _READ_CHUNK:
                len = _READ_CHUNK
        if self._hostname_missing:
            self._refuse_data()
        ssl_ptr = self._ssl
        scratch = _take_scratch()
        count = _ssl_read(ssl_ptr, scratch, len)
        if count > 0:
            data = _unpack(scratch, count)[:]
            _give_back_scratch(scratch)
            return data
        _give_back_scratch(scratch)
        return self._read_failed(ssl_ptr, count, b"")

    def write(self, data):
        if type(data) is not bytes:
            data = as_bytes(data)
        if self._hostname_missing:
            self._refuse_data()
        length = len(data)
        if not length:
            return self._write_nothing()
        if length > _INT_MAX:
            raise OverflowError("string longer than %d bytes" % _INT_MAX)
        ssl_ptr = self._ssl
        count = _ssl_write(ssl_ptr, data, length)
        if count > 0:
            return count
        # Python 3.11 writes with SSL_write_ex(), which fails with 0.
        raise self._fail(0, _ssl_get_error(ssl_ptr, count))

    def pending(self):
        return int(lib.SSL_pending(self._ssl))


def describe():
    """``Engine.describe()``: what the engine bound to and checked."""
    return [
        ("_ssl module", _stdssl.__file__),
        ("cffi binding", _pypy_openssl.__file__),
        ("OpenSSL", "%s (0x%08x)" % (ffi.string(lib.OpenSSL_version(0)),
                                     openssl.version_number)),
        ("sslbio's binding", "%d functions declared through cffi, found in "
         "the same libcrypto and libssl as PyPy's binding (BIO_s_mem() and "
         "TLS_method() agree)" % len(openssl.names)),
    ]


# For the other copies of sslbio (see serve()): the memory BIO method table
# identifies the loaded OpenSSL, and the engine's name the private attributes.
ENGINE = serve(NAME, (NAME, openssl.address(lib.BIO_s_mem())), MemoryBIO,
               SSLObject, SSLSession, CONTEXT_BACKEND, describe)
