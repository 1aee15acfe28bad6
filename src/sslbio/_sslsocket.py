"""``SSLSocket``: Python 3's ``ssl.SSLSocket`` interface over any socket-like
transport, on top of ``_pump.Pump`` (an ``SSLObject``, two ``MemoryBIO``
objects and the loop between them and the transport).

The transport can be a plain socket, a 2.7 ``ssl.SSLSocket``, or another
``SSLSocket`` of this module, which gives TLS inside TLS to any depth (an
HTTPS proxy: TLS to the proxy, CONNECT, TLS to the origin inside it).  Only
the public in-memory API is used, so the same class runs on every sslbio
engine and, on Python 3, on the standard library's ``SSLObject``.

One state, held in ``_state`` and changed only by ``_enter()`` along the
table ``_NEXT``: docs/sockets.md ("States") draws the moves and says what
each state means for the socket calls and the transport.  The TLS object
(``_sslobj``, as Python 3 names it) and the pump exist in CONNECTING and TLS
only.  Beside the state, ``_closed`` and ``_io_refs`` are Python 3's
file-object protocol (``makefile()``): close() on a socket with files open
closes it when the last file closes.  The plain delegations are declared in
tables below the class.
"""

import errno
import socket
import ssl
import sys
import warnings

from . import SSLObject
from ._hostname import encode_hostname
from ._pump import Pump

__all__ = ["SSLSocket", "wrap_socket"]

PY2 = sys.version_info[0] == 2

# What sendfile() reads from the file per send() under TLS, as Python 3.
_SENDFILE_BLOCK = 8192
_INTEGERS = (int, type(2 ** 64))  # int and 2.7's long
_CHANNEL_BINDING_TYPES = getattr(ssl, "CHANNEL_BINDING_TYPES", ["tls-unique"])
try:
    _old_buffer = buffer  # noqa: F821 (Python 2's buffer())
except NameError:  # Python 3
    _old_buffer = None

# The states (see above) and the moves between them.
UNCONNECTED = "unconnected"
CONNECTING = "connecting"
TLS = "TLS"
DROPPED = "dropped"
UNWRAPPED = "unwrapped"
CLOSED = "closed"
_NEXT = {
    UNCONNECTED: frozenset((CONNECTING, TLS, CLOSED)),
    CONNECTING: frozenset((TLS, UNCONNECTED, DROPPED, UNWRAPPED, CLOSED)),
    TLS: frozenset((DROPPED, UNWRAPPED, CLOSED)),
    DROPPED: frozenset((CLOSED,)),
    UNWRAPPED: frozenset((CLOSED,)),
    CLOSED: frozenset(),
}
_WITH_TLS = frozenset((CONNECTING, TLS))
# The states in which the transport is this socket's to close.
_OWNS_TRANSPORT = frozenset((UNCONNECTED, CONNECTING, TLS, DROPPED))


def wrap_socket(sock, context, server_side=False, server_hostname=None,
                do_handshake_on_connect=True, suppress_ragged_eofs=True,
                session=None):
    """Run TLS over ``sock`` with ``context``, as Python 3's
    ``context.wrap_socket(sock, ...)``, and return an ``SSLSocket``.

    ``sock`` is any socket-like object: a socket, an ``ssl.SSLSocket`` or an
    ``SSLSocket`` (TLS inside TLS).  Unlike Python 3, ``sock`` is not
    detached: the ``SSLSocket`` uses it as its transport and closes it when
    closed.
    """
    return SSLSocket(sock, context, server_side, server_hostname,
                     do_handshake_on_connect, suppress_ragged_eofs, session)


def _socket_type(sock):
    try:
        return sock.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE)
    except (AttributeError, socket.error):
        # A socket-like object of another kind (a TLS layer, a test double).
        return getattr(sock, "type", socket.SOCK_STREAM)


def _nbytes(buffer):
    """The size in bytes of a buffer (Python 3's ``memoryview(buffer).nbytes``;
    on 2.7 also of objects with only the old buffer interface, such as
    ``array.array``, which 2.7's ``socket.recv_into`` takes)."""
    if PY2:
        try:
            view = memoryview(buffer)
        except TypeError:
            return len(_old_buffer(buffer))
        if view.ndim == 1:
            return len(view) * view.itemsize
        return len(view.tobytes())
    with memoryview(buffer) as view:
        return view.nbytes


def _refuse_pre_handshake_data(sock, errno_):
    """Python 3's answer to CVE-2023-40217, for a socket with no peer.

    A peer may connect, send clear text and reset the connection before
    the socket is wrapped: the socket then has no peer (``getpeername()``
    fails with ENOTCONN), yet the bytes are still in it.  Taken for an
    unconnected socket, its ``recv()`` would return them as if they had
    come through TLS.  As Python 3 does, one byte is looked for without
    blocking; if there is one, ``wrap_socket()`` raises
    ``pre_handshake_data_error(errno)`` (and closes the socket, as for any
    failure once it has taken it).  ENOTCONN or EINVAL (a socket that never
    connected) mean nothing is waiting; any other failure is raised.
    """
    timeout = sock.gettimeout()
    sock.setblocking(False)
    try:
        data = sock.recv(1)
    except socket.error as exc:
        if exc.errno not in (errno.ENOTCONN, errno.EINVAL):
            raise
        data = b""
    finally:
        sock.settimeout(timeout)
    if data:
        # Imported here: on Python 3 the error table is needed for this
        # error only.
        from ._errors import pre_handshake_data_error
        raise pre_handshake_data_error(errno_)


def _blocking():
    return None  # the timeout of a transport that has no timeouts


def _nothing():
    pass  # what closing a transport that has no close() does


class SSLSocket(object):
    """A TLS connection over a socket-like transport; the interface of
    Python 3's ``ssl.SSLSocket``.  Made by ``wrap_socket()``."""

    def __init__(self, sock, context, server_side=False, server_hostname=None,
                 do_handshake_on_connect=True, suppress_ragged_eofs=True,
                 session=None):
        if _socket_type(sock) != socket.SOCK_STREAM:
            raise NotImplementedError("only stream sockets are supported")
        if server_side:
            if server_hostname:
                raise ValueError("server_hostname can only be specified "
                                 "in client mode")
            if session is not None:
                raise ValueError("session can only be specified in "
                                 "client mode")
        if context.check_hostname and not server_hostname:
            raise ValueError("check_hostname requires server_hostname")
        self._transport = sock
        # A transport without timeouts (only recv and sendall) blocks.
        self._gettimeout = getattr(sock, "gettimeout", _blocking)
        self._close_transport = getattr(sock, "close", _nothing)
        self._context = context
        self._session = session
        self.server_side = server_side
        self.server_hostname = None
        self.do_handshake_on_connect = do_handshake_on_connect
        self.suppress_ragged_eofs = suppress_ragged_eofs
        self._state = UNCONNECTED
        self._pump = self._sslobj = None
        self._closed = False
        self._io_refs = 0
        try:
            # As Python 3 keeps it: the IDNA A-label the handshake sends.
            self.server_hostname = encode_hostname(server_hostname)
            if self._has_peer(sock):
                self._enter(TLS)
                if do_handshake_on_connect:
                    if self.gettimeout() == 0.0:
                        raise ValueError("do_handshake_on_connect should not "
                                         "be specified for non-blocking sockets")
                    self.do_handshake()
        except BaseException:
            # Whatever failed once the arguments were accepted, the
            # transport taken is closed, as Python 3.13 closes the socket it
            # took over (3.11 only for OSError and ValueError, leaving a bad
            # host name's socket to the collector and its warning).
            try:
                self.close()
            except socket.error:
                pass
            raise

    @staticmethod
    def _has_peer(sock):
        try:
            sock.getpeername()
        except AttributeError:
            return True  # a socket-like object without addresses: a stream
        except socket.error as exc:
            if exc.errno != errno.ENOTCONN:
                raise
            _refuse_pre_handshake_data(sock, exc.errno)
            return False
        return True

    def _enter(self, state):
        """The one place the state changes (see the module's diagram), and
        so the TLS object and its pump are made and dropped."""
        if state not in _NEXT[self._state]:
            raise AssertionError("SSLSocket: no way from %s to %s"
                                 % (self._state, state))
        if state in _WITH_TLS:
            if self._pump is None:
                self._pump = Pump(self._transport, self._gettimeout,
                                  self._context, self.server_side,
                                  self.server_hostname, self._session, self)
                self._sslobj = self._pump.sslobj
        elif self._pump is not None:
            self._pump.discard()
            self._pump = self._sslobj = None
        self._state = state

    def _check_connected(self):
        """Python 3's check before a call that needs the peer: ENOTCONN from
        the transport when there is none yet."""
        if self._state is UNCONNECTED or self._state is CONNECTING:
            self._transport.getpeername()
            if self._state is CONNECTING:
                self._enter(TLS)

    # -- handshake, data ------------------------------------------------------
    def do_handshake(self, block=False):
        """Run the TLS handshake (blocking even on a non-blocking transport
        when ``block``)."""
        self._check_connected()
        switched = block and self.gettimeout() == 0.0
        if switched:
            self.settimeout(None)
        try:
            self._pump.handshake()
        finally:
            if switched:
                self.settimeout(0.0)

    def read(self, len=1024, buffer=None):
        """Read up to ``len`` bytes (into ``buffer`` if given); ``b''`` (or 0)
        at the end of the stream, a ragged one too with
        ``suppress_ragged_eofs``."""
        pump = self._pump
        if pump is None:
            raise ValueError("Read on closed or unwrapped SSL socket.")
        try:
            return pump.read(len, buffer)
        except ssl.SSLError as exc:
            if exc.args[0] == ssl.SSL_ERROR_EOF and self.suppress_ragged_eofs:
                return 0 if buffer is not None else b""
            raise

    def write(self, data):
        """Write ``data`` to the TLS stream; returns the number of bytes."""
        pump = self._pump
        if pump is None:
            raise ValueError("Write on closed or unwrapped SSL socket.")
        return pump.write(data)

    def send(self, data, flags=0):
        pump = self._pump
        if pump is None:
            return self._transport.send(data, flags)
        if flags != 0:
            raise ValueError("non-zero flags not allowed in calls to send() "
                             "on %s" % self.__class__)
        return pump.write(data)

    def sendall(self, data, flags=0):
        pump = self._pump
        if pump is None:
            return self._transport.sendall(data, flags)
        if flags != 0:
            raise ValueError("non-zero flags not allowed in calls to sendall() "
                             "on %s" % self.__class__)
        pump.write_all(data)

    def sendfile(self, file, offset=0, count=None):
        """Send ``count`` bytes (all, if None) of ``file`` from ``offset``;
        returns the number sent and leaves the file's position after them
        (Python 3.5+).  Under TLS the bytes go through ``send()`` in blocks
        of 8 KiB, as Python 3 sends them; without TLS (before the handshake
        is set up, after ``unwrap()`` or ``shutdown()``) the transport's own
        ``sendfile()`` is used where it has one."""
        if self._pump is None and hasattr(self._transport, "sendfile"):
            return self._transport.sendfile(file, offset, count)
        if "b" not in getattr(file, "mode", "b"):
            raise ValueError("file should be opened in binary mode")
        if count is not None:
            if not isinstance(count, _INTEGERS):
                raise TypeError("count must be a positive integer (got %r)"
                                % (count,))
            if count <= 0:
                raise ValueError("count must be a positive integer (got %r)"
                                 % (count,))
        if self.gettimeout() == 0:
            raise ValueError("non-blocking sockets are not supported")
        if offset:
            file.seek(offset)
        block = _SENDFILE_BLOCK
        total = 0
        try:
            while True:
                if count:
                    block = min(count - total, block)
                    if block <= 0:
                        break
                data = memoryview(file.read(block))
                if not data:
                    break  # the end of the file
                while data:
                    sent = self.send(data)
                    total += sent
                    data = data[sent:]
            return total
        finally:
            if total > 0 and hasattr(file, "seek"):
                file.seek(offset + total)

    def recv(self, buflen=1024, flags=0):
        if self._pump is None:
            return self._transport.recv(buflen, flags)
        if flags != 0:
            raise ValueError("non-zero flags not allowed in calls to recv() "
                             "on %s" % self.__class__)
        return self.read(buflen)

    def recv_into(self, buffer, nbytes=None, flags=0):
        if nbytes is None:
            # Python 3 counts bytes, not items (an array of ints).
            nbytes = (_nbytes(buffer) if buffer is not None else 0) or 1024
        if self._pump is None:
            return self._transport.recv_into(buffer, nbytes, flags)
        if flags != 0:
            raise ValueError("non-zero flags not allowed in calls to "
                             "recv_into() on %s" % self.__class__)
        return self.read(nbytes, buffer)

    def sendto(self, data, flags_or_addr, addr=None):
        if self._pump is not None:
            raise ValueError("sendto not allowed on instances of %s"
                             % self.__class__)
        if addr is None:
            return self._transport.sendto(data, flags_or_addr)
        return self._transport.sendto(data, flags_or_addr, addr)

    def recvfrom(self, buflen=1024, flags=0):
        if self._pump is not None:
            raise ValueError("recvfrom not allowed on instances of %s"
                             % self.__class__)
        return self._transport.recvfrom(buflen, flags)

    def recvfrom_into(self, buffer, nbytes=None, flags=0):
        if self._pump is not None:
            raise ValueError("recvfrom_into not allowed on instances of %s"
                             % self.__class__)
        return self._transport.recvfrom_into(buffer, nbytes or 0, flags)

    def pending(self):
        """Decrypted bytes a ``recv()`` returns without touching the
        transport: check it before ``select()`` on the transport."""
        if self._sslobj is None:
            return 0
        return self._sslobj.pending()

    # -- connection management ------------------------------------------------
    def connect(self, addr):
        """Connect the transport to ``addr``, then start TLS over it."""
        self._real_connect(addr, False)

    def connect_ex(self, addr):
        return self._real_connect(addr, True)

    def _real_connect(self, addr, connect_ex):
        if self.server_side:
            raise ValueError("can't connect in server-side mode")
        if self._state is not UNCONNECTED:
            raise ValueError("attempt to connect already-connected SSLSocket!")
        self._enter(CONNECTING)  # the TLS object first, as Python 3
        try:
            if connect_ex:
                rc = self._transport.connect_ex(addr)
            else:
                rc = None
                self._transport.connect(addr)
            if not rc:
                self._enter(TLS)
                if self.do_handshake_on_connect:
                    self.do_handshake()
            return rc
        except (socket.error, ValueError):
            # As Python 3 drops its TLS object: back to unconnected if the
            # transport did not connect, else TLS dropped after the connect.
            self._enter(UNCONNECTED if self._state is CONNECTING else DROPPED)
            raise

    def accept(self):
        """Accept a connection on the listening transport; returns it wrapped
        server-side with this socket's context, and the peer's address."""
        newsock, addr = self._transport.accept()
        return wrap_socket(newsock, self._context, server_side=True,
                           do_handshake_on_connect=self.do_handshake_on_connect,
                           suppress_ragged_eofs=self.suppress_ragged_eofs), addr

    def unwrap(self):
        """TLS shutdown (close_notify both ways); returns the transport, on
        which the conversation may go on in clear text."""
        if not self._sslobj:
            raise ValueError("No SSL wrapper around " + str(self))
        self._pump.unwrap()
        self._enter(UNWRAPPED)
        return self._transport

    def shutdown(self, how):
        if self._state in _WITH_TLS:
            self._enter(DROPPED)
        self._transport.shutdown(how)

    def close(self):
        """Close the connection and the transport (later, when files made by
        ``makefile()`` are still open)."""
        if PY2:
            if self._io_refs < 1:
                self._real_close()
            else:
                self._io_refs -= 1
            return
        self._closed = True
        if self._io_refs <= 0:
            self._real_close()

    def _real_close(self):
        if self._state is not CLOSED:
            self._enter(CLOSED)
        self._close_transport()

    if not PY2:
        def __del__(self):
            """Python 3's socket, collected unclosed: a ``ResourceWarning``
            naming it, and its transport closed (Python 3 closes the
            descriptor the socket took over; the transport's own warning
            would name a socket the caller no longer sees).  Not on 2.7,
            whose collector cannot free a cycle with a ``__del__``."""
            if getattr(self, "_state", CLOSED) in _OWNS_TRANSPORT:
                try:
                    warnings.warn("unclosed %r" % (self,), ResourceWarning,
                                  source=self)
                finally:  # also when warnings are errors (-W error)
                    self._real_close()

    def _decref_socketios(self):
        # Python 3's socket.SocketIO calls it when a makefile() file closes.
        if self._io_refs > 0:
            self._io_refs -= 1
        if self._closed:
            self.close()

    def makefile(self, mode="r", buffering=None, **kwargs):
        """A file object over the decrypted stream, as the Python's own
        socket gives (``httplib``/``http.client`` read responses from it)."""
        if PY2:
            # 2.7's file object calls close() when it closes: counted here.
            self._io_refs += 1
            bufsize = -1 if buffering is None else buffering
            return socket._fileobject(self, mode, bufsize, close=True)
        # Python 3's own makefile() works on any object with recv_into(),
        # send(), fileno(), _io_refs and _decref_socketios().
        return socket.socket.makefile(self, mode, buffering, **kwargs)

    # PyPy's socket._fileobject asks its socket for these (else it warns on
    # stderr) to count users where CPython counts references; this socket
    # counts its files in _io_refs and is closed explicitly.
    def _reuse(self):
        pass

    _drop = _reuse

    def __enter__(self):
        return self

    def __exit__(self, *args):
        self.close()

    # -- the transport's socket interface (and the tables below) -------------
    def gettimeout(self):
        return self._gettimeout()

    def getblocking(self):
        return self.gettimeout() != 0.0

    @property
    def transport(self):
        """The socket-like object the TLS records travel over."""
        return self._transport

    # -- what was negotiated (and the table below) -----------------------------
    @property
    def context(self):
        return self._context

    @context.setter
    def context(self, ctx):
        self._context = ctx
        if self._sslobj is not None:
            self._sslobj.context = ctx

    @property
    def session(self):
        if self._sslobj is not None:
            return self._sslobj.session
        return None

    @session.setter
    def session(self, session):
        self._session = session
        if self._sslobj is not None:
            self._sslobj.session = session

    @property
    def session_reused(self):
        if self._sslobj is not None:
            return self._sslobj.session_reused
        return None

    def getpeercert(self, binary_form=False):
        self._check_connected()
        return self._sslobj.getpeercert(binary_form)

    def selected_npn_protocol(self):
        # NPN is gone from OpenSSL 3 and deprecated in Python 3.10.
        return None

    def get_channel_binding(self, cb_type="tls-unique"):
        if self._sslobj is not None:
            return self._sslobj.get_channel_binding(cb_type)
        if cb_type not in _CHANNEL_BINDING_TYPES:
            raise ValueError("{0} channel binding type not implemented"
                             .format(cb_type))
        return None

    if hasattr(SSLObject, "get_verified_chain"):  # Python 3.13+'s SSLObject
        def get_verified_chain(self):
            return self._sslobj.get_verified_chain()

        def get_unverified_chain(self):
            return self._sslobj.get_unverified_chain()

    def verify_client_post_handshake(self):
        if not self._sslobj:
            raise ValueError("No SSL wrapper around " + str(self))
        return self._pump.verify_client_post_handshake()

    def dup(self):
        raise NotImplementedError("Can't dup() %s instances" % self.__class__)

    def __repr__(self):
        return "<%s.%s transport=%r>" % (self.__class__.__module__,
                                         self.__class__.__name__,
                                         self._transport)


# -- the plain delegations -------------------------------------------------------

# Socket calls passed to the transport as they are.
_TRANSPORT_METHODS = ("fileno", "settimeout", "setblocking", "getpeername",
                      "getsockname", "getsockopt", "setsockopt", "bind",
                      "listen")
# Socket attributes read from the transport.
_TRANSPORT_PROPERTIES = ("family", "type", "proto")
# What was negotiated: the TLS object's answer, None without one.
_NEGOTIATED = ("selected_alpn_protocol", "cipher", "shared_ciphers",
               "compression", "version")
# Socket calls Python 3's SSLSocket refuses whatever the state.
_NOT_ALLOWED = ("sendmsg", "recvmsg", "recvmsg_into")


def _to_transport(name):
    def delegation(self, *args):
        return getattr(self._transport, name)(*args)
    return delegation


def _transport_property(name):
    return property(lambda self: getattr(self._transport, name))


def _negotiated(name):
    def delegation(self):
        sslobj = self._sslobj
        if sslobj is None:
            return None
        return getattr(sslobj, name)()
    return delegation


def _not_allowed(name):
    def refusal(self, *args, **kwargs):
        raise NotImplementedError("%s not allowed on instances of %s"
                                  % (name, self.__class__))
    return refusal


def _declare(table, make):
    for name in table:
        member = make(name)
        if not isinstance(member, property):
            member.__name__ = name
        setattr(SSLSocket, name, member)


_declare(_TRANSPORT_METHODS, _to_transport)
_declare(_TRANSPORT_PROPERTIES, _transport_property)
_declare(_NEGOTIATED, _negotiated)
_declare(_NOT_ALLOWED, _not_allowed)
