"""``SSLObject`` and ``SSLSession``: Python 3's in-memory TLS objects.

An ``SSLObject`` is 2.7's own native ``_ssl._SSLSocket``, built on one shared,
never-connected dummy socket, whose ``SSL*`` reads and writes two OpenSSL
memory BIOs instead.  The record layer (handshake, read, write, shutdown) is
driven here through OpenSSL directly so that errors come out as Python 3.11
raises them; the native object keeps doing what it does as Python 3 does:
certificate decoding, cipher, compression and ALPN queries, the SNI callback.
"""

import ctypes
import re
import socket
import sys
import warnings

from . import _errors
from ._context_features import host_flags
from ._args import as_bytes, c_int_arg, ssize_arg
from ._certdict import as_python3_cert
from ._ctype import NativeLike
from ._shared import is_counterpart

__all__ = ["make_sslobject_classes"]

_INT_MAX = 2 ** 31 - 1
# Largest bytes object Python 3 can allocate for read(len): beyond it, 3.x
# raises OverflowError before touching the connection.
_MAX_BYTES = sys.maxsize - 33
# A TLS record carries at most 16 KiB of plaintext and SSL_read never
# returns more than one record, so a larger buffer would never be filled.
_READ_CHUNK = 16384
# Finished messages are at most this long (Python's PySSL_CB_MAXLEN).
_CB_MAXLEN = 128
_SSL_RECEIVED_SHUTDOWN = 2

try:
    _text_types = (str, unicode)  # noqa: F821 (Python 2)
except NameError:  # pragma: no cover
    _text_types = (str,)


def _ip_address(hostname):
    """The packed address if hostname is an IPv4 or IPv6 literal (what
    Python 3 asks OpenSSL's ``a2i_IPADDRESS()``)."""
    # Only strings that can be addresses are parsed, as a failed parse costs
    # an exception: IPv6 literals have a colon, IPv4 ones end in a digit
    # (a host name cannot: top-level domains are not numeric).
    if ":" in hostname:
        family = getattr(socket, "AF_INET6", None)
    elif hostname[-1:].isdigit():
        family = socket.AF_INET
    else:
        return None
    try:
        return socket.inet_pton(family, hostname)
    except (socket.error, ValueError, TypeError):
        return None


def encode_hostname(hostname):
    """Python 3's ``SSLContext._encode_hostname``: IDNA A-label text.

    Text (``unicode``, and ``str`` as 2.7 code uses it) goes through the
    IDNA codec, whose ASCII fast path is reproduced here because 2.7's codec
    is slow; other objects are decoded as ASCII, as Python 3 does bytes.
    """
    if hostname is None:
        return None
    if not isinstance(hostname, _text_types):
        return hostname.decode("ascii")
    if _ASCII_A_LABELS.match(hostname) is not None:
        return str(hostname)
    if isinstance(hostname, bytes):
        # As Python 3 decodes bytes host names: non-ASCII is an error.
        hostname.decode("ascii")
    else:
        try:
            hostname.encode("ascii")
        except UnicodeError:
            return hostname.encode("idna").decode("ascii")
    raise UnicodeError("label empty or too long")


# What the IDNA codec's ASCII fast path accepts: ASCII labels of 1 to 63
# characters, the last of which may be empty (a trailing dot).
_ASCII_A_LABELS = re.compile(
    r"(?:[\x00-\x2d\x2f-\x7f]{1,63}\.)*[\x00-\x2d\x2f-\x7f]{0,63}\Z")


def _check_hostname_value(hostname):
    if not hostname or hostname.startswith("."):
        raise ValueError("server_hostname cannot be an empty string or start "
                         "with a leading dot.")


class _HandshakeFirst(Exception):
    """Raised in place of 2.7's native read/write on a client that must not
    pass application data (see ``_refuse_data``); deliberately not a
    ``socket.error``, so the fast paths' translation never sees it."""


def _handshake_first(*ignored):
    raise _HandshakeFirst()


def make_sslobject_classes(lib, layout, dummy_socket, MemoryBIO):
    """Build ``SSLObject`` and ``SSLSession`` bound to one OpenSSL binding."""
    ssl_read = lib.SSL_read
    ssl_write = lib.SSL_write
    ssl_get_error = lib.SSL_get_error
    error_from_result = _errors.error_from_result
    error_from_code = _errors.error_from_code
    error_from_native = _errors.error_from_native
    is_init_finished = lib.is_init_finished
    # Object creation runs a dozen foreign calls; these go through
    # argument-less functions fed ready-made ctypes values.
    bio_up_ref = lib.bio_up_ref
    raw_set_bio = lib.raw("SSL_set_bio", None)
    raw_ssl_ctrl = lib.raw("SSL_ctrl", ctypes.c_long)
    ctrl_mode, release_buffers = lib.SSL_CTRL_MODE, \
        ctypes.c_long(lib.SSL_MODE_RELEASE_BUFFERS)
    ctrl_sni, sni_host_name = lib.SSL_CTRL_SET_TLSEXT_HOSTNAME, \
        ctypes.c_long(lib.TLSEXT_NAMETYPE_HOST_NAME)
    raw_get0_param = lib.raw("SSL_get0_param", ctypes.c_void_p)
    raw_set_hostflags = lib.raw("X509_VERIFY_PARAM_set_hostflags", None)
    raw_set1_host = lib.raw("X509_VERIFY_PARAM_set1_host", ctypes.c_int)
    size_t = ctypes.c_size_t
    # Closure constants: cheaper to reach than module globals on hot paths.
    int_type, bytes_type, chunk = int, bytes, _READ_CHUNK
    # "Need more bytes" is the usual end of a read.  2.7's native read()
    # raises it as 3.11 does, with a unicode message though, unless a queued
    # error gave it a reason (see error_from_native); the common case skips
    # the general mapping: an exception costs enough already.
    want_read = _errors.ssl.SSLWantReadError
    want_read_error = _errors.want_read_error
    string_at = ctypes.string_at
    if lib.has_ex_io:
        written_count = ctypes.c_size_t()
        written_ref = ctypes.byref(written_count)

    class SSLSession(NativeLike):
        """A TLS session that can be resumed (Python 3's ``ssl.SSLSession``).

        Sessions are taken from ``SSLObject.session`` after a handshake and
        passed to ``wrap_bio(..., session=...)`` for a later connection made
        from the same context.  Two sessions are equal when their ids are.
        """

        __slots__ = ("_session", "_ctx_ptr", "_context")
        __hash__ = None

        def __init__(self, *args, **kwargs):
            raise TypeError("cannot create 'ssl.SSLSession' instances")

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
            return string_at(data, length.value) if data else b""

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

        def __eq__(self, other):
            if not is_session(other):
                return NotImplemented
            return self is other or self.id == other.id

        def __ne__(self, other):
            if not is_session(other):
                return NotImplemented
            return not self.__eq__(other)

        def _unordered(self, other, op):
            raise TypeError("'%s' not supported between instances of '%s' "
                            "and '%s'" % (op, type(self).__name__,
                                          type(other).__name__))

        def __lt__(self, other):
            self._unordered(other, "<")

        def __le__(self, other):
            self._unordered(other, "<=")

        def __gt__(self, other):
            self._unordered(other, ">")

        def __ge__(self, other):
            self._unordered(other, ">=")

    def check_counterpart_bio(argument, bio):
        # Python 3 has one MemoryBIO type; here each copy of sslbio in the
        # process has its own, all made for the same OpenSSL.
        if not is_counterpart(bio, MemoryBIO):
            raise TypeError("_wrap_bio() argument '%s' must be _ssl.MemoryBIO,"
                            " not %s" % (argument, type(bio).__name__))

    def is_session(obj):
        # Any copy's SSLSession is Python 3's one SSLSession type.
        return type(obj) is SSLSession or is_counterpart(obj, SSLSession)

    def duplicate_session(session):
        # A private copy through DER, as Python 3 makes, so the SSLSession
        # stays valid and unchanged whatever the connection does later.
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

    class SSLObject(object):
        """An in-memory TLS connection (Python 3's ``ssl.SSLObject``).

        It reads the peer's bytes from its ``incoming`` ``MemoryBIO`` and
        writes its own to ``outgoing``; it never does I/O itself.  Calls
        that need bytes not yet received raise ``ssl.SSLWantReadError``.
        Instances come from ``SSLContext.wrap_bio()``.
        """

        # Slots keep a connection small; __dict__ and __weakref__ stay
        # available as on Python 3's (pure Python) SSLObject.
        __slots__ = ("_native", "_native_read", "_native_write", "_ssl",
                     "_server_side", "_is_client", "_server_hostname",
                     "_shutdown_seen_zero",
                     "_native_done", "_hostname_missing", "__dict__",
                     "__weakref__")

        def __init__(self, *args, **kwargs):
            raise TypeError(
                "%s does not have a public constructor. Instances are "
                "returned by SSLContext.wrap_bio()." % type(self).__name__)

        @classmethod
        def _create(cls, incoming, outgoing, server_side=False,
                    server_hostname=None, session=None, context=None):
            if type(incoming) is not MemoryBIO:
                check_counterpart_bio("incoming", incoming)
            if type(outgoing) is not MemoryBIO:
                check_counterpart_bio("outgoing", outgoing)
            # bool is what callers pass; anything else is converted (and
            # range-checked) as Python 3 converts a C int argument.
            if server_side is False:
                side = 0
            elif server_side is True:
                side = 1
            else:
                side = c_int_arg(server_side)
            if server_hostname is not None:
                if not isinstance(server_hostname, _text_types):
                    raise TypeError("argument 'server_hostname' must be str")
                if "\x00" in server_hostname:
                    raise TypeError("argument must be encoded string without "
                                    "null bytes")
                server_hostname = str(server_hostname)
                _check_hostname_value(server_hostname)

            self = cls.__new__(cls)
            ctx_ptr = layout.ssl_ctx(context)
            # The owner (self) is what the SNI callback receives.
            native = context._wrap_socket(dummy_socket, side, None, self)
            ssl = layout.ssl(native, context, ctx_ptr)

            # SSL_set_bio takes over one reference per distinct BIO; the
            # MemoryBIO objects keep their own, so either side may go first.
            bio_up_ref(incoming._bio)
            if outgoing is not incoming:
                bio_up_ref(outgoing._bio)
            raw_set_bio(ssl, incoming._biop, outgoing._biop)
            # Python 3 contexts set this mode (2.7's do not): idle
            # connections give their 16 KiB record buffers back.
            raw_ssl_ctrl(ssl, ctrl_mode, release_buffers, None)

            self._native = native
            self._native_read = native.read
            self._native_write = native.write
            self._ssl = ssl
            # Python 3 keeps server_side as given: 1 is a server, 0 a
            # client, and any other value is neither (an accepting
            # connection that is not reported as the server side).
            self._server_side = side == 1
            self._is_client = side == 0
            self._server_hostname = server_hostname
            self._shutdown_seen_zero = False
            self._native_done = False
            # Deliberately as Python 3.6: no host to check is an error once
            # the handshake has completed, not a connection without a host
            # name check (see do_handshake).  The stand-ins keep the fast
            # read/write paths free of any test for it.
            self._hostname_missing = (side == 0 and server_hostname is None
                                      and context.check_hostname)
            if self._hostname_missing:
                self._native_read = self._native_write = _handshake_first
            if server_hostname is not None:
                self._configure_hostname(context, server_hostname)
            if session is not None:
                self._set_session(session)
            return self

        def _configure_hostname(self, context, hostname):
            # hostname is an ASCII str here (see encode_hostname).
            ssl = self._ssl
            ip = _ip_address(hostname)
            if ip is None and not raw_ssl_ctrl(ssl, ctrl_sni, sni_host_name,
                                                hostname):
                raise error_from_code(lib)
            if context.check_hostname:
                param = ctypes.c_void_p(raw_get0_param(ssl))
                # The context's flags: NO_PARTIAL_WILDCARDS as on every
                # Python 3.7+ context, NEVER_CHECK_SUBJECT when its
                # hostname_checks_common_name is off.
                raw_set_hostflags(param, ctypes.c_uint(host_flags(context)))
                if ip is None:
                    ok = raw_set1_host(param, hostname, size_t(len(hostname)))
                else:
                    ok = lib.X509_VERIFY_PARAM_set1_ip(param, ip, len(ip))
                if not ok:
                    raise error_from_code(lib)

        def _fail(self, result, ssl_error):
            return error_from_result(lib, self._ssl, result, ssl_error,
                                     self._server_hostname)

        def _refuse_data(self):
            # read()/write() on a client that has check_hostname but no
            # server_hostname.  Python 3.6 would run the handshake inside
            # them and then pass data with no host name check at all; they
            # run the handshake (whose errors come out as they are) and then
            # refuse exactly as do_handshake() does, now and for good.
            self.do_handshake()
            raise AssertionError("do_handshake() returned without a host "
                                 "name to check")  # pragma: no cover

        # -- copying -------------------------------------------------------
        def __copy__(self):
            # As on Python 3: a shallow copy is a second handle on the same
            # connection (the native object and its SSL* are shared).
            twin = object.__new__(type(self))
            for name in SSLObject.__slots__:
                if name in ("__dict__", "__weakref__"):
                    continue
                if hasattr(self, name):
                    setattr(twin, name, getattr(self, name))
            twin.__dict__.update(self.__dict__)
            return twin

        def __deepcopy__(self, memo):
            raise TypeError("cannot pickle '_ssl._SSLSocket' object")

        def __reduce_ex__(self, protocol):
            raise TypeError("cannot pickle '_ssl._SSLSocket' object")

        def __reduce__(self):
            raise TypeError("cannot pickle '_ssl._SSLSocket' object")

        # -- properties ------------------------------------------------------
        @property
        def context(self):
            """The ``SSLContext``; settable (e.g. in an SNI callback)."""
            return self._native.context

        @context.setter
        def context(self, ctx):
            self._native.context = ctx

        @property
        def server_side(self):
            """Whether this is the server side of the connection."""
            return self._server_side

        @property
        def server_hostname(self):
            """The host name given to ``wrap_bio()`` (IDNA-encoded)."""
            return self._server_hostname

        @property
        def session(self):
            """The ``SSLSession`` of this connection, or ``None``."""
            current = lib.SSL_get_session(self._ssl)
            if not current:
                return None
            copy = duplicate_session(current)
            context = self._native.context
            return SSLSession._adopt(copy, context, layout.ssl_ctx(context))

        @session.setter
        def session(self, session):
            self._set_session(session)

        def _set_session(self, session):
            if not is_session(session):
                raise TypeError("Value is not a SSLSession.")
            if layout.ssl_ctx(self._native.context) != session._ctx_ptr:
                raise ValueError("Session refers to a different SSLContext.")
            if not self._is_client:
                raise ValueError(
                    "Cannot set session for server-side SSLSocket.")
            if is_init_finished(self._ssl):
                raise ValueError("Cannot set session after handshake.")
            # OpenSSL gets a copy, as Python 3 gives it: a connection freed
            # without close_notify marks its session unresumable, and that
            # must not spoil the SSLSession for the next connection.
            copy = duplicate_session(session._session)
            try:
                if not lib.SSL_set_session(self._ssl, copy):
                    raise error_from_code(lib)
            finally:
                lib.SSL_SESSION_free(copy)

        @property
        def session_reused(self):
            """Whether this connection resumed an earlier session."""
            return bool(lib.session_reused(self._ssl))

        # -- the record layer --------------------------------------------------
        def do_handshake(self):
            """Run the TLS handshake as far as the received bytes allow.

            As in Python 3.6, a client whose context has ``check_hostname``
            but that was given no ``server_hostname`` runs its handshake
            like any other (``SSLWantReadError`` and every failure come out
            as usual) and raises ``ValueError`` once it has completed, on
            this and every later call.
            """
            ssl = self._ssl
            result = lib.SSL_do_handshake(ssl)
            if result < 1:
                raise self._fail(result, ssl_get_error(ssl, result))
            self._sync_native()
            if self._hostname_missing:
                raise ValueError("check_hostname needs server_hostname "
                                 "argument")

        def _sync_native(self):
            # The native object records the peer certificate and "handshake
            # done" in its own do_handshake(); on a finished handshake that
            # returns at once without I/O.
            if not self._native_done:
                self._native.do_handshake()
                self._native_done = True

        def read(self, len=1024, buffer=None):
            """Read up to ``len`` bytes of application data.

            Returns bytes, or the number of bytes stored into ``buffer``
            when one is given; ``b''`` once the peer has closed the
            connection with close_notify.
            """
            if buffer is None and type(len) is int_type and 0 < len <= chunk:
                # The common case runs entirely in 2.7's native read(): one
                # C call.  Only its exceptions need Python 3's mapping.
                try:
                    return self._native_read(len)
                except want_read as exc:
                    if exc.reason is not None:
                        raise self._from_native(exc)
                    raise want_read_error()
                except socket.error as exc:
                    raise self._from_native(exc)
                except _HandshakeFirst:
                    self._refuse_data()
            return self._read_checked(len, buffer)

        def _read_checked(self, len, buffer):
            # Arguments are checked, and a zero-length read answered, before
            # anything touches the connection, as on Python 3.
            if buffer is not None:
                return self._read_into(len, buffer)
            len = ssize_arg(len)
            if len <= 0:
                if len < 0:
                    raise ValueError("size should not be negative")
                return b""
            if len > _MAX_BYTES:
                raise OverflowError("byte string is too large")
            if self._hostname_missing:
                self._refuse_data()
            try:
                return self._native_read(min(len, _READ_CHUNK))
            except socket.error as exc:
                raise self._from_native(exc)

        def _from_native(self, exc):
            return error_from_native(lib, self._ssl, exc,
                                     self._server_hostname)

        def _read_failed(self, ssl, count, empty):
            ssl_error = ssl_get_error(ssl, count)
            if ssl_error == _errors.SSL_ERROR_ZERO_RETURN and \
                    lib.SSL_get_shutdown(ssl) == _SSL_RECEIVED_SHUTDOWN:
                return empty
            raise self._fail(0, ssl_error)

        def _read_into(self, size_arg, buffer):
            wanted = ssize_arg(size_arg)
            # Check the buffer before reading: once SSL_read has returned
            # the data there is no way to give it back.
            size, store = _writable_buffer(buffer)
            if wanted <= 0 or wanted > size:
                wanted = size
            if wanted == 0:
                return 0
            if self._hostname_missing:
                self._refuse_data()
            if wanted > _READ_CHUNK:
                wanted = _READ_CHUNK
            ssl = self._ssl
            # A buffer of its own: another thread may run between the read
            # and the copy.  (The common read() path copies nothing here.)
            scratch = ctypes.create_string_buffer(wanted)
            count = ssl_read(ssl, scratch, wanted)
            if count <= 0:
                return self._read_failed(ssl, count, 0)
            store(string_at(scratch, count), count)
            return count

        def write(self, data):
            """Write application data; returns the number of bytes written."""
            if type(data) is not bytes_type:
                data = as_bytes(data)
            if data:
                # One C call in 2.7's native write() (which refuses more
                # than INT_MAX bytes with OverflowError, as 3.11 does).
                try:
                    return self._native_write(data)
                except socket.error as exc:
                    raise self._from_native(exc)
                except _HandshakeFirst:
                    self._refuse_data()
            return self._write_nothing()

        def _write_nothing(self):
            # SSL_write() returns 0 both for failure and for an empty write;
            # the _ex form tells them apart.
            if self._hostname_missing:
                self._refuse_data()
            ssl = self._ssl
            if lib.has_ex_io:
                if lib.SSL_write_ex(ssl, b"", 0, written_ref):
                    return 0
            elif is_init_finished(ssl):
                return 0
            count = ssl_write(ssl, b"", 0)
            raise self._fail(0, ssl_get_error(ssl, count))

        def unwrap(self):
            """Send close_notify and wait for the peer's (TLS shutdown).

            Raises ``SSLWantReadError`` until the peer's close_notify has
            been received; returns ``None`` once the shutdown is complete.
            """
            ssl = self._ssl
            zeros = 0
            while True:
                if self._shutdown_seen_zero:
                    # Without read-ahead OpenSSL does not swallow clear text
                    # the peer sends after its close_notify.
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
                raise self._fail(result, ssl_get_error(ssl, result))

        def pending(self):
            """The number of decrypted bytes ready to be read."""
            return self._native.pending()

        # -- what was negotiated -----------------------------------------------
        def getpeercert(self, binary_form=False):
            """The peer's certificate: a dict (empty when it was not
            verified), DER bytes with ``binary_form``, or ``None``."""
            if not is_init_finished(self._ssl):
                raise ValueError("handshake not done yet")
            self._sync_native()
            return as_python3_cert(
                self._native.peer_certificate(bool(binary_form)))

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

        def version(self):
            """The negotiated protocol ('TLSv1.3', ...), ``None`` before the
            handshake has completed."""
            ssl = self._ssl
            if not is_init_finished(ssl):
                return None
            version = lib.SSL_get_version(ssl)
            if version == b"unknown":
                return None
            return version.decode("ascii")

        def selected_alpn_protocol(self):
            """The protocol ALPN chose, or ``None``."""
            selected = getattr(self._native, "selected_alpn_protocol", None)
            return selected() if selected is not None else None

        def selected_npn_protocol(self):
            """NPN is deprecated (as in Python 3.10+): always ``None``."""
            warnings.warn("ssl NPN is deprecated, use ALPN instead",
                          DeprecationWarning, stacklevel=2)
            return None

        def get_channel_binding(self, cb_type="tls-unique"):
            """Channel binding data (RFC 5929 ``tls-unique``), or ``None``
            before the handshake."""
            if not isinstance(cb_type, _text_types) or \
                    isinstance(cb_type, bytes) and sys.version_info[0] > 2:
                raise TypeError("get_channel_binding() argument 'cb_type' "
                                "must be str, not %s"
                                % type(cb_type).__name__)
            if cb_type != "tls-unique":
                raise ValueError("'%s' channel binding type not implemented"
                                 % _errors.native_str(cb_type))
            ssl = self._ssl
            buf = ctypes.create_string_buffer(_CB_MAXLEN)
            # tls-unique is the first Finished message of the connection:
            # the client's own for a full handshake, the server's for a
            # resumed one.
            if bool(lib.session_reused(ssl)) != self._is_client:
                length = lib.SSL_get_finished(ssl, buf, _CB_MAXLEN)
            else:
                length = lib.SSL_get_peer_finished(ssl, buf, _CB_MAXLEN)
            if length == 0:
                return None
            return buf.raw[:length]

        def verify_client_post_handshake(self):
            """Ask a TLS 1.3 client for its certificate after the handshake
            (server side, with ``post_handshake_auth`` on the client)."""
            if not lib.has_post_handshake_auth:
                raise NotImplementedError("Post-handshake auth is not "
                                          "supported by your OpenSSL "
                                          "version.")
            if not lib.SSL_verify_client_post_handshake(self._ssl):
                raise error_from_code(lib)
            # 2.7's native object caches the peer certificate at its
            # handshake: have getpeercert() read it again once the client
            # has answered (until then the handshake is not finished).
            self._native_done = False

    def _cipher_tuple(cipher, name):
        bits = lib.SSL_CIPHER_get_bits(cipher, None)
        version = lib.SSL_CIPHER_get_version(cipher)
        return (name.decode("ascii"),
                version.decode("ascii") if version is not None else None,
                bits)

    def _client_cipher_names(ssl):
        if hasattr(lib, "SSL_get_client_ciphers"):
            theirs = lib.SSL_get_client_ciphers(ssl)
            if not theirs:
                return None
            return set(lib.SSL_CIPHER_get_name(lib.sk_value(theirs, i))
                       for i in range(lib.sk_num(theirs)))
        # 1.0.2 keeps the client's list inside the session; the shared
        # cipher string names exactly the ones both sides enable.
        buf = ctypes.create_string_buffer(8192)
        shared = lib.SSL_get_shared_ciphers(ssl, buf, len(buf))
        if not shared:
            return None
        return set(shared.split(b":"))

    return SSLObject, SSLSession


def _writable_buffer(obj):
    """(size in bytes, store(data, n)) for a writable bytes-like object,
    as Python 3's ``w*`` argument accepts; ``TypeError`` otherwise."""
    if not isinstance(obj, (bytes,) + _text_types):
        try:
            view = memoryview(obj)
        except TypeError:
            view = None
        if view is not None and not view.readonly and view.itemsize == 1:
            def store(data, n):
                view[:n] = data
            return len(view), store
        try:
            # Writable objects with only the old buffer interface
            # (array.array on 2.7), or views of wider items.
            size = len(buffer(obj)) if view is None else \
                len(view) * view.itemsize  # noqa: F821 (Python 2)
            target = (ctypes.c_char * size).from_buffer(obj)
        except (TypeError, ValueError):
            pass
        else:
            def store(data, n):
                ctypes.memmove(target, data, n)
            return size, store
    raise TypeError("read() argument 2 must be read-write bytes-like "
                    "object, not %s" % type(obj).__name__)
