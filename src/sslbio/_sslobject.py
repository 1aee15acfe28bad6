"""``SSLObject``: the engine-neutral front of Python 3's ``ssl.SSLObject``.

What Python 3.11 decides before a connection is touched lives here, once for
every engine: no public constructor; ``_create()``'s argument checks, in
3.11's order and with its exception classes; ``server_side`` and
``server_hostname``; the refusal to pass data on a client that must check a
host name it was not given; copy and pickle rules; the argument checks of
``read()``, ``write()`` and ``get_channel_binding()``; NPN.

An engine subclasses ``SSLObject`` (see ``_engines``) and implements what
needs the connection: the methods declared below (see ``_contract``), each
with Python 3's behaviour in its docstring.  Its class attributes
``_memory_bio_class`` and ``_session_class`` name its concrete
``MemoryBIO`` and ``SSLSession``.
"""

import array
import struct
import sys
import warnings

from . import _errors
from ._args import TEXT_TYPES, c_int_arg, ssize_arg
from ._contract import engine_method
from ._hostname import checked_server_hostname
from ._shared import is_counterpart

__all__ = ["SSLObject", "MAX_BYTES", "writable_buffer"]

# Largest bytes object Python 3 can allocate for read(len): beyond it, 3.x
# raises OverflowError before touching the connection.  PyBytes_FromString-
# AndSize refuses sizes above PY_SSIZE_T_MAX minus the object's header and
# its final NUL: four pointer-sized fields and one byte (33 on 64-bit
# builds, 17 on 32-bit ones).
MAX_BYTES = sys.maxsize - (4 * struct.calcsize("P") + 1)
# read()'s first parameter is called len, as in Python 3.
_len = len


def _check_bio(argument, bio, bio_class):
    # Python 3 has one MemoryBIO type; here each copy of sslbio in the
    # process has its own, all made for the same OpenSSL.
    if not is_counterpart(bio, bio_class):
        raise TypeError("_wrap_bio() argument '%s' must be _ssl.MemoryBIO,"
                        " not %s" % (argument, type(bio).__name__))


class SSLObject(object):
    """An in-memory TLS connection (Python 3's ``ssl.SSLObject``).

    It reads the peer's bytes from its ``incoming`` ``MemoryBIO`` and
    writes its own to ``outgoing``; it never does I/O itself.  Calls that
    need bytes not yet received raise ``ssl.SSLWantReadError``.  Instances
    come from ``SSLContext.wrap_bio()``.
    """

    # Slots keep a connection small; __dict__ and __weakref__ stay
    # available as on Python 3's (pure Python) SSLObject.  Engines add
    # their own slots.
    __slots__ = ("_server_side", "_is_client", "_server_hostname",
                 "_hostname_missing", "__dict__", "__weakref__")

    _memory_bio_class = None
    _session_class = None

    def __init__(self, *args, **kwargs):
        raise TypeError(
            "%s does not have a public constructor. Instances are "
            "returned by SSLContext.wrap_bio()." % type(self).__name__)

    @classmethod
    def _create(cls, incoming, outgoing, server_side=False,
                server_hostname=None, session=None, context=None, owner=None):
        """Python 3's ``_ssl._SSLContext._wrap_bio()``: checks the
        arguments in its order, then lets the engine make the connection.
        ``server_hostname`` is already IDNA-encoded (``wrap_bio()``).
        ``owner`` is what the connection's callbacks receive (``sni_callback``
        's first argument): this object, or the socket built on it."""
        bio_class = cls._memory_bio_class
        if type(incoming) is not bio_class:
            _check_bio("incoming", incoming, bio_class)
        if type(outgoing) is not bio_class:
            _check_bio("outgoing", outgoing, bio_class)
        # bool is what callers pass, and a server has no host name: both
        # tested here, each saves a call per object made.  Anything else is
        # converted (and range-checked) as Python 3 converts a C int.
        if server_side is False:
            side = 0
        elif server_side is True:
            side = 1
        else:
            side = c_int_arg(server_side)
        if server_hostname is not None:
            server_hostname = checked_server_hostname(server_hostname)

        self = cls.__new__(cls)
        # Python 3 keeps server_side as given: 1 is a server, 0 a client,
        # and any other value is neither (an accepting connection that is
        # not reported as the server side).
        self._server_side = side == 1
        self._is_client = side == 0
        self._server_hostname = server_hostname
        # Deliberately as Python 3.6 (see do_handshake() and _refuse_data).
        # (Whether context is an SSLContext at all is the engine's first
        # check: a non-context has no check_hostname.)
        self._hostname_missing = (side == 0 and server_hostname is None
                                  and getattr(context, "check_hostname",
                                              False))
        self._engine_init(incoming, outgoing, side, server_hostname, context,
                          self if owner is None else owner)
        if server_hostname is not None:
            self._configure_hostname(context, server_hostname)
        if session is not None:
            self._set_session(session)
        return self

    def do_handshake(self):
        """Run the TLS handshake as far as the received bytes allow.

        As in Python 3.6, a client whose context has ``check_hostname`` but
        that was given no ``server_hostname`` runs its handshake like any
        other (``SSLWantReadError`` and every failure come out as usual) and
        raises ``ValueError`` once it has completed, on this and every later
        call.
        """
        self._handshake()
        if self._hostname_missing:
            raise ValueError("check_hostname needs server_hostname argument")

    # -- what each engine implements ---------------------------------------
    @engine_method
    def _engine_init(self, incoming, outgoing, side, server_hostname,
                     context, owner):
        """Make the connection: ``side`` is 0 for a client, 1 for a server
        (anything else: neither), ``owner`` what its callbacks receive.
        Raises what Python 3 raises for a bad ``context``."""

    @engine_method
    def _configure_hostname(self, context, hostname):
        """Send ``hostname`` (an ASCII ``str``) as SNI unless it is an IP
        address, and with the context's ``check_hostname`` have the
        handshake check the peer's certificate against it."""

    @engine_method
    def _handshake(self):
        """One step of the handshake; ``SSLWantReadError`` until it has
        completed, Python 3's exception when it fails."""

    @engine_method
    def read(self, len=1024, buffer=None):
        """Read up to ``len`` bytes of application data.

        Returns bytes, or the number of bytes stored into ``buffer`` when
        one is given; ``b''`` once the peer has closed the connection with
        close_notify.
        """

    @engine_method
    def _read_for_buffer(self, wanted):
        """Up to ``wanted`` bytes (at most one record's) for ``read(len,
        buffer)``, its arguments checked; ``b''`` at close_notify."""

    @engine_method
    def write(self, data):
        """Write application data; returns the number of bytes written."""

    @engine_method
    def unwrap(self):
        """Send close_notify and wait for the peer's (TLS shutdown).

        Raises ``SSLWantReadError`` until the peer's close_notify has been
        received; returns ``None`` once the shutdown is complete.
        """

    @engine_method
    def pending(self):
        """The number of decrypted bytes ready to be read."""

    @engine_method
    def getpeercert(self, binary_form=False):
        """The peer's certificate: a dict (empty when it was not verified),
        DER bytes with ``binary_form``, or ``None``."""

    @engine_method
    def cipher(self):
        """``(name, protocol, secret bits)`` of the cipher, or None."""

    @engine_method
    def shared_ciphers(self):
        """Ciphers offered by the client and enabled on this server, as
        ``cipher()`` tuples; ``None`` on the client side or before the
        client's hello has been received."""

    @engine_method
    def compression(self):
        """The compression algorithm in use, or ``None``."""

    @engine_method
    def version(self):
        """The negotiated protocol ('TLSv1.3', ...) as the native ``str``,
        ``None`` before the handshake has completed."""

    @engine_method
    def selected_alpn_protocol(self):
        """The protocol ALPN chose, or ``None``."""

    @property
    @engine_method
    def session_reused(self):
        """Whether this connection resumed an earlier session."""

    @engine_method
    def verify_client_post_handshake(self):
        """Ask a TLS 1.3 client for its certificate after the handshake
        (server side, with ``post_handshake_auth`` on the client)."""

    @engine_method
    def _get_context(self):
        """The ``SSLContext`` (the ``context`` property)."""

    @engine_method
    def _set_context(self, ctx):
        """Switch to another ``SSLContext``, as Python 3's setter does."""

    @engine_method
    def _get_session(self):
        """The connection's ``SSLSession`` (a copy), or ``None``."""

    @engine_method
    def _set_session(self, session):
        """Resume ``session`` (checked by ``_check_session`` first), or
        Python 3's ``ValueError`` for a session it cannot take."""

    @engine_method
    def _tls_unique(self):
        """The ``tls-unique`` channel binding (bytes), or ``None``."""

    def _refuse_data(self):
        """read()/write() on a client that has check_hostname but no
        server_hostname: where Python 3.6 would pass data with no host name
        check at all, they refuse as do_handshake() does, after the same
        handshake."""
        self.do_handshake()
        raise AssertionError("do_handshake() returned without a host "
                             "name to check")  # pragma: no cover

    # -- argument checks of read() ----------------------------------------
    @staticmethod
    def _checked_read_len(len):
        """``read()``'s length as Python 3 converts and checks it, before
        anything touches the connection (0: answer an empty read)."""
        len = ssize_arg(len)
        if len < 0:
            raise ValueError("size should not be negative")
        if len > MAX_BYTES:
            raise OverflowError("byte string is too large")
        return len

    def _read_into(self, len, buffer):
        """``read(len, buffer)``: the arguments checked as Python 3 checks
        them, before anything touches the connection (once the data is read
        there is no way to give it back); then at most one record's data
        read (the engine's ``_read_for_buffer(wanted)``) and stored at the
        start of ``buffer``; the count, 0 at close_notify."""
        wanted = ssize_arg(len)
        size, store = writable_buffer(buffer)
        if wanted <= 0 or wanted > size:
            wanted = size
        if wanted == 0:
            return 0
        if self._hostname_missing:
            self._refuse_data()
        data = self._read_for_buffer(wanted)
        count = _len(data)
        store(data, count)
        return count

    # -- copying -----------------------------------------------------------
    def __copy__(self):
        # As on Python 3: a shallow copy is a second handle on the same
        # connection (the engine's native state is shared).
        twin = object.__new__(type(self))
        for klass in type(self).__mro__:
            for name in klass.__dict__.get("__slots__", ()):
                if name not in ("__dict__", "__weakref__") and \
                        hasattr(self, name):
                    setattr(twin, name, getattr(self, name))
        twin.__dict__.update(self.__dict__)
        return twin

    def __reduce__(self, *protocol_or_memo):
        raise TypeError("cannot pickle '_ssl._SSLSocket' object")

    # deepcopy() and every pickle protocol refuse alike.
    __deepcopy__ = __reduce_ex__ = __reduce__

    # -- properties --------------------------------------------------------
    @property
    def context(self):
        """The ``SSLContext``; settable (e.g. in an SNI callback)."""
        return self._get_context()

    @context.setter
    def context(self, ctx):
        self._set_context(ctx)

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
        return self._get_session()

    @session.setter
    def session(self, session):
        self._set_session(session)

    def _check_session(self, session):
        """Python 3's checks of a session to resume, in its order, but for
        "after handshake", which needs the connection."""
        if not self._session_class._is_session(session):
            raise TypeError("Value is not a SSLSession.")

    def selected_npn_protocol(self):
        """NPN is deprecated (as in Python 3.10+): always ``None``."""
        warnings.warn("ssl NPN is deprecated, use ALPN instead",
                      DeprecationWarning, stacklevel=2)
        return None

    def get_channel_binding(self, cb_type="tls-unique"):
        """Channel binding data (RFC 5929 ``tls-unique``), or ``None``
        before the handshake."""
        if not isinstance(cb_type, TEXT_TYPES) or \
                isinstance(cb_type, bytes) and sys.version_info[0] > 2:
            raise TypeError("get_channel_binding() argument 'cb_type' "
                            "must be str, not %s" % type(cb_type).__name__)
        if cb_type != "tls-unique":
            raise ValueError("'%s' channel binding type not implemented"
                             % _errors.native_str(cb_type))
        return self._tls_unique()


def writable_buffer(obj):
    """(size in bytes, store(data, n)) for a writable bytes-like object,
    as Python 3's ``w*`` argument accepts; ``TypeError`` otherwise."""
    if not isinstance(obj, (bytes,) + TEXT_TYPES):
        try:
            view = memoryview(obj)
        except TypeError:
            view = None
        if view is not None and not view.readonly and view.itemsize == 1:
            def store(data, n):
                view[:n] = data
            return len(view), store
        if isinstance(obj, array.array):
            # 2.7's array.array has only the old buffer interface; Python 3
            # writes its raw bytes in place, leaving the rest alone.  (No
            # ctypes: the portable engine serves where there is none.)
            def store(data, n):
                raw = obj.tostring()
                obj[:] = array.array(obj.typecode, data[:n] + raw[n:])
            return len(obj) * obj.itemsize, store
        # Imported here, not at the top: the fronts must import where
        # ctypes cannot (sslbio then reports why no engine serves).
        import ctypes
        try:
            # Writable objects with only the old buffer interface
            # (mmap.mmap on 2.7), or views of wider items.
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
