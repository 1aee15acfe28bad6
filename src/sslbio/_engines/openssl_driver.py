"""What the engines that call OpenSSL themselves do alike.

The ctypes and pypy engines reach the same OpenSSL functions under the same
names, one through ctypes and one through PyPy's cffi binding: each has a
``Binding`` of ``openssl_binding`` (``ctypes/binding.py``,
``cffi_binding.py``), which holds every release rule and every difference
between the two foreign-function interfaces.  Over it, what their
``SSLObject`` and ``SSLSession`` do with OpenSSL (the handshake, shutdown,
reads into a buffer, empty writes, sessions, host names, version, shared
ciphers, channel binding, post-handshake authentication, errors) is written
once here: an engine's ``SSLObject`` lists ``OpenSSLDriver`` before the
front and sets

    _binding  its ``openssl_binding.Binding``, which ``sslbio._errors``
              takes as ``lib``
    _lib      the functions of the hot paths: the binding itself, or one
              that calls the same library faster (PyPy's own ``lib``):
              SSL_do_handshake, SSL_read, SSL_write, SSL_shutdown,
              SSL_set_read_ahead, SSL_get_error, SSL_get_shutdown,
              SSL_get_version, SSL_get_finished, SSL_get_peer_finished,
              SSL_set_session, SSL_SESSION_free

and implements ``_ctx_pointer(context)`` (the ``SSL_CTX*`` of an
``SSLContext``) and ``_sync_native()``, and may replace
``_peer_certificate(binary_form)``; ``_scratch`` is its ``ScratchBuffers``
of at least ``READ_CHUNK`` bytes each.  ``self._ssl`` is the ``SSL*``,
``self._native`` the interpreter's own ``_SSLSocket`` bound to it,
``self._shutdown_seen_zero`` a slot of its own, and ``self._native_done``
whether ``_sync_native()`` has brought the native object up to date.  Its
``SSLSession`` derives from ``OpenSSLSession``.
"""

from .. import _errors, _session
from .._certdict import as_python3_cert
from .._context_features import host_flags
from .._hostname import ip_address
from .._records import MAX_PLAINTEXT

__all__ = ["OpenSSLDriver", "OpenSSLSession", "ScratchBuffers",
           "READ_CHUNK"]

# SSL_get_shutdown()'s flag for a close_notify received.
_SSL_RECEIVED_SHUTDOWN = 2
# SSL_read never returns more than one record's plaintext, so a larger
# buffer would never be filled.
READ_CHUNK = MAX_PLAINTEXT
# Finished messages are at most this long (Python's PySSL_CB_MAXLEN).
_CB_MAXLEN = 128


class ScratchBuffers(object):
    """Reused buffers for OpenSSL to copy bytes into before they are taken
    out as a string: a new buffer per read costs more than the read itself
    under PyPy (and a zeroed one under ctypes).

    The copy happens in a foreign call that may let other threads run
    (SSL_read() in either engine; every cffi call under PyPy), and OpenSSL
    may run Python callbacks inside it, which may read too.  So a buffer
    belongs to one caller from ``take()`` until ``give_back()``: the pool
    ends up holding as many buffers as were ever in use at once, and
    ``list.pop()`` and ``append()`` are atomic.  A buffer not given back
    (the call raised) is merely freed.
    """

    __slots__ = ("size", "_new", "_free")

    def __init__(self, new_buffer, size):
        self.size = size
        self._new = new_buffer
        self._free = []

    def take(self):
        """A buffer of ``size`` bytes, this caller's until given back."""
        try:
            return self._free.pop()
        except IndexError:
            return self._new(self.size)

    def give_back(self, buffer):
        """Return a buffer ``take()`` gave, once its bytes are out."""
        self._free.append(buffer)


class OpenSSLDriver(object):
    """Python 3.11's shutdown, failed-read and session-setting logic
    (``_ssl.c``) over an engine's OpenSSL binding."""

    __slots__ = ()
    _lib = None
    _binding = None
    _scratch = None

    def _fail(self, result, ssl_error):
        """The exception 3.11 raises for a failed SSL_* call (see
        ``_errors.error_from_result``)."""
        return _errors.error_from_result(self._binding, self._ssl, result,
                                         ssl_error, self._server_hostname)

    def _handshake(self):
        ssl = self._ssl
        result = self._lib.SSL_do_handshake(ssl)
        if result < 1:
            raise self._fail(result, self._lib.SSL_get_error(ssl, result))
        self._sync_native()

    def _read_failed(self, ssl, count, empty):
        """After SSL_read() returned ``count`` <= 0: ``empty`` once the
        peer's close_notify has been read, else the exception."""
        lib = self._lib
        ssl_error = lib.SSL_get_error(ssl, count)
        if ssl_error == _errors.SSL_ERROR_ZERO_RETURN and \
                lib.SSL_get_shutdown(ssl) == _SSL_RECEIVED_SHUTDOWN:
            return empty
        # Python 3.11 reads with SSL_read_ex(), which fails with 0.
        raise self._fail(0, ssl_error)

    def _read_for_buffer(self, wanted):
        # Through SSL_read() into a pooled buffer.
        ssl = self._ssl
        pool = self._scratch
        scratch = pool.take()
        count = self._lib.SSL_read(ssl, scratch, min(wanted, READ_CHUNK))
        if count <= 0:
            pool.give_back(scratch)
            return self._read_failed(ssl, count, b"")
        data = self._binding.buffer_bytes(scratch, count)
        pool.give_back(scratch)
        return data

    def unwrap(self):
        lib = self._lib
        ssl = self._ssl
        zeros = 0
        while True:
            if self._shutdown_seen_zero:
                # Without read-ahead OpenSSL does not swallow clear text the
                # peer sends after its close_notify.
                lib.SSL_set_read_ahead(ssl, 0)
            result = lib.SSL_shutdown(ssl)
            if result > 0:
                return None
            if result == 0:
                zeros += 1
                if zeros > 1:
                    return None
                self._shutdown_seen_zero = True
                continue
            raise self._fail(result, lib.SSL_get_error(ssl, result))

    def _configure_hostname(self, context, hostname):
        # hostname is an ASCII str here (see _hostname.encode_hostname).
        binding = self._binding
        ssl = self._ssl
        ip = ip_address(hostname)
        if ip is None and not binding.set_tlsext_host_name(ssl, hostname):
            raise _errors.error_from_code(binding)
        if context.check_hostname:
            param = binding.SSL_get0_param(ssl)
            # The context's flags: NO_PARTIAL_WILDCARDS as on every Python
            # 3.7+ context, NEVER_CHECK_SUBJECT when its
            # hostname_checks_common_name is off.
            binding.X509_VERIFY_PARAM_set_hostflags(param, host_flags(context))
            if ip is None:
                ok = binding.X509_VERIFY_PARAM_set1_host(param, hostname,
                                                         len(hostname))
            else:
                ok = binding.X509_VERIFY_PARAM_set1_ip(param, ip, len(ip))
            if not ok:
                raise _errors.error_from_code(binding)

    # -- context and session -------------------------------------------------
    def _get_context(self):
        return self._native.context

    def _set_context(self, ctx):
        self._native.context = ctx

    def _get_session(self):
        binding = self._binding
        current = binding.SSL_get_session(self._ssl)
        if not current:
            return None
        context = self._native.context
        return self._session_class._adopt(binding.duplicate_session(current),
                                          context, self._ctx_pointer(context))

    def _handshake_finished(self):
        return self._binding.is_init_finished(self._ssl)

    def _set_session(self, session):
        self._check_session(session)
        if self._ctx_pointer(self._native.context) != session._ctx_ptr:
            raise ValueError("Session refers to a different SSLContext.")
        if not self._is_client:
            raise ValueError("Cannot set session for server-side SSLSocket.")
        if self._handshake_finished():
            raise ValueError("Cannot set session after handshake.")
        # OpenSSL gets a copy, as Python 3 gives it: a connection freed
        # without close_notify marks its session unresumable, and that must
        # not spoil the SSLSession for the next connection.
        lib = self._lib
        copy = self._binding.duplicate_session(session._session)
        try:
            if not lib.SSL_set_session(self._ssl, copy):
                raise _errors.error_from_code(self._binding)
        finally:
            lib.SSL_SESSION_free(copy)

    @property
    def session_reused(self):
        return bool(self._binding.session_reused(self._ssl))

    def getpeercert(self, binary_form=False):
        if not self._handshake_finished():
            raise ValueError("handshake not done yet")
        self._sync_native()
        # Both interpreters' decoders spell IPv6 addresses as 2.7 does.
        return as_python3_cert(self._peer_certificate(bool(binary_form)))

    def _peer_certificate(self, binary_form):
        # The interpreter's own decoding of the peer's certificate.
        return self._native.peer_certificate(binary_form)

    def verify_client_post_handshake(self):
        binding = self._binding
        if not binding.has_post_handshake_auth:
            raise NotImplementedError("Post-handshake auth is not supported "
                                      "by your OpenSSL version.")
        if not binding.SSL_verify_client_post_handshake(self._ssl):
            raise _errors.error_from_code(binding)
        # The native objects keep the peer certificate of the handshake:
        # have getpeercert() read it again once the client has answered
        # (until then the handshake is not finished).
        self._native_done = False

    def version(self):
        if not self._handshake_finished():
            return None
        version = self._binding.SSL_get_version(self._ssl)
        if version == b"unknown":
            return None
        return _errors.native_str(version)

    def _tls_unique(self):
        lib = self._lib
        ssl = self._ssl
        buf = self._binding.new_buffer(_CB_MAXLEN)
        # tls-unique is the first Finished message of the connection: the
        # client's own for a full handshake, the server's for a resumed one.
        if bool(self._binding.session_reused(self._ssl)) != self._is_client:
            length = lib.SSL_get_finished(ssl, buf, _CB_MAXLEN)
        else:
            length = lib.SSL_get_peer_finished(ssl, buf, _CB_MAXLEN)
        if length == 0:
            return None
        return self._binding.buffer_bytes(buf, length)

    def _write_nothing(self):
        """``write(b"")``: 0, or the error 3.11 raises for it."""
        if self._hostname_missing:
            self._refuse_data()
        ssl = self._ssl
        if self._binding.write_empty(ssl):
            return 0
        count = self._lib.SSL_write(ssl, b"", 0)
        raise self._fail(0, self._lib.SSL_get_error(ssl, count))

    # -- what was negotiated -------------------------------------------------
    def cipher(self):
        return self._native.cipher()

    def shared_ciphers(self):
        binding = self._binding
        ssl = self._ssl
        ours = binding.SSL_get_ciphers(ssl)
        if not ours:
            return None
        theirs = binding.client_cipher_names(ssl)
        if theirs is None:
            return None
        result = []
        for i in range(binding.sk_num(ours)):
            cipher = binding.sk_value(ours, i)
            if binding.SSL_CIPHER_get_name(cipher) in theirs:
                # Native strs, as the interpreters' own cipher() gives.
                result.append((
                    _errors.native_str(binding.SSL_CIPHER_get_name(cipher)),
                    _errors.native_str(binding.SSL_CIPHER_get_version(cipher)),
                    binding.SSL_CIPHER_get_bits(cipher, binding.NULL)))
        return result

    def compression(self):
        return self._native.compression()

    def selected_alpn_protocol(self):
        # 2.7.9's native object has no ALPN.
        selected = getattr(self._native, "selected_alpn_protocol", None)
        return selected() if selected is not None else None


class OpenSSLSession(_session.SSLSession):
    """An ``SSL_SESSION*`` of its own (a copy, see
    ``Binding.duplicate_session``) and the context it was taken under.  An
    engine's subclass sets ``_binding`` and may keep the pointer its own
    way (``_own``)."""

    __slots__ = ("_session", "_ctx_ptr", "_context")
    _subclassable = True
    _binding = None

    @classmethod
    def _adopt(cls, session, context, ctx_ptr):
        self = object.__new__(cls)
        self._session = cls._own(session)
        self._context = context
        self._ctx_ptr = ctx_ptr
        return self

    @staticmethod
    def _own(session):
        return session

    @property
    def id(self):
        return self._binding.session_id(self._session)

    @property
    def time(self):
        return int(self._binding.SSL_SESSION_get_time(self._session))

    @property
    def timeout(self):
        return int(self._binding.SSL_SESSION_get_timeout(self._session))

    @property
    def ticket_lifetime_hint(self):
        return int(self._binding.session_ticket_lifetime_hint(self._session))

    @property
    def has_ticket(self):
        return bool(self._binding.session_has_ticket(self._session))
