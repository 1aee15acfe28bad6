"""``SSLSocket``: Python 3's ``ssl.SSLSocket`` interface, built on an
``SSLObject`` and two ``MemoryBIO`` objects over any socket-like transport.

The transport can be a plain socket, a 2.7 ``ssl.SSLSocket``, or another
``SSLSocket`` of this module, which gives TLS inside TLS to any depth (an
HTTPS proxy: TLS to the proxy, CONNECT, TLS to the origin inside it).  Only
the public in-memory API is used (``wrap_bio``, ``MemoryBIO`` and the
``SSLObject`` methods), so the same class runs on every sslbio engine and, on
Python 3, on the standard library's ``SSLObject``.

How every TLS operation runs (``_run``):

* ciphertext the TLS object produced goes to the transport after each call,
  also after a call that raised: a fatal alert must reach the peer;
* ``SSLWantReadError`` from the TLS object means "feed me": ciphertext is read
  from the transport, up to the end of the current record only (and, after
  a full-size record, the next record's header: see ``_records``), and the
  call is repeated;
* the transport's own mode applies: blocking, timeout (``socket.timeout``
  named after the operation, as Python 3 words it) or non-blocking
  (``SSLWantReadError``/``SSLWantWriteError``, to be retried when the
  transport is ready).

The ``select()`` rule, as with Python 3's ``ssl.SSLSocket``: after a read,
call ``pending()`` before waiting on the transport; decrypted bytes already
inside the TLS layer are not visible to ``select()``.  No ciphertext is ever
taken from the transport beyond the record being decrypted but the next
record's header, which completes no record, so ``pending() == 0`` means
waiting on the transport is safe.

Non-blocking writes: ``send()`` takes the data into the TLS stream and returns
its length even when the transport took only part of the ciphertext; the
rest is sent first by the next call on this socket (``recv()``, ``send()``,
``do_handshake()``, ``unwrap()``), which raises ``SSLWantWriteError`` while
the transport still cannot take it.
"""

import errno
import socket
import ssl
import sys
import threading

from . import MemoryBIO, wrap_bio
from ._args import byte_view as _byte_view
from ._records import RecordBoundary

__all__ = ["SSLSocket", "wrap_socket"]

PY2 = sys.version_info[0] == 2

# Plain text taken per TLS write: bounds the ciphertext held in memory while a
# large sendall() goes out.
_WRITE_CHUNK = 256 * 1024
# The most plain text one TLS record carries.
_RECORD_PLAINTEXT = 16384
_WOULD_BLOCK = frozenset((errno.EAGAIN, errno.EWOULDBLOCK))
_CHANNEL_BINDING_TYPES = getattr(ssl, "CHANNEL_BINDING_TYPES", ["tls-unique"])


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


def _blocked(exc):
    """'read' or 'write' when ``exc`` says a non-blocking transport is not
    ready (a socket's EAGAIN, an SSL socket's want-read/want-write), else None."""
    if isinstance(exc, ssl.SSLWantReadError):
        return "read"
    if isinstance(exc, ssl.SSLWantWriteError):
        return "write"
    if isinstance(exc, ssl.SSLError):
        return None
    if getattr(exc, "errno", None) in _WOULD_BLOCK:
        return "unknown"
    return None


_length = len  # read()'s argument is called len, as in Python 3


def _socket_type(sock):
    try:
        return sock.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE)
    except (AttributeError, socket.error):
        # A socket-like object of another kind (a TLS layer, a test double).
        return getattr(sock, "type", socket.SOCK_STREAM)


def _want_write():
    return ssl.SSLWantWriteError(ssl.SSL_ERROR_WANT_WRITE,
                                 "The operation did not complete (write)")


def _timed_out(operation):
    return socket.timeout("The %s operation timed out" % operation)


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
        self._context = context
        self._session = session
        self.server_side = server_side
        self.server_hostname = server_hostname
        self.do_handshake_on_connect = do_handshake_on_connect
        self.suppress_ragged_eofs = suppress_ragged_eofs
        self._sslobj = None
        self._closed = False
        self._io_refs = 0
        self._backlog = b""
        self._tls_lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._connected = self._is_connected(sock)
        if self._connected:
            try:
                self._start_tls()
                if do_handshake_on_connect:
                    if self.gettimeout() == 0.0:
                        raise ValueError("do_handshake_on_connect should not "
                                         "be specified for non-blocking sockets")
                    self.do_handshake()
            except (socket.error, ValueError):
                self.close()
                raise

    @staticmethod
    def _is_connected(sock):
        try:
            sock.getpeername()
        except AttributeError:
            return True  # a socket-like object without addresses: a stream
        except socket.error as exc:
            if exc.errno != errno.ENOTCONN:
                raise
            return False
        return True

    def _start_tls(self):
        self._incoming = MemoryBIO()
        # Ciphertext taken from the transport, written into ``incoming`` by
        # the next call of the TLS object, under the lock that call holds.
        self._arrived = None
        self._outgoing = MemoryBIO()
        self._records = RecordBoundary()
        self._established = False  # the handshake has completed
        self._drained = False  # known: the TLS object holds no decrypted byte
        self._peer_closed = False  # the transport ended or close_notify came
        self._sslobj = wrap_bio(self._context, self._incoming, self._outgoing,
                                server_side=self.server_side,
                                server_hostname=self.server_hostname,
                                session=self._session)

    # -- the loop between the TLS object and the transport --------------------
    #
    # Threads: one thread may read while another writes (full duplex), as
    # with a socket.  ``_tls_lock`` serialises every use of the TLS object and
    # its BIOs (OpenSSL's connection object is not thread-safe).
    # ``_send_lock`` keeps ciphertext in order on the wire: it is held from
    # taking bytes out of ``outgoing`` until the transport has them.  A thread
    # that finds it held leaves its ciphertext to the holder, which looks
    # again after letting go, so a reader never waits for a blocked writer.

    def _run(self, operation, call, *args):
        """``call(*args)`` on the TLS object, fed from the transport until it
        no longer wants to read; its output sent after each try."""
        while True:
            if self._backlog:  # an earlier non-blocking send's rest first
                self._flush(operation)
            try:
                with self._tls_lock:
                    if self._arrived is not None:
                        self._incoming.write(self._arrived)
                        self._arrived = None
                    result = call(*args)
            except ssl.SSLWantReadError:
                self._flush(operation)
                self._receive(operation)
                continue
            except Exception:
                self._flush_quietly()
                raise
            if result and operation == "read":
                # Data came from one record of application data (the TLS
                # object is given one record at a time, see _records), and
                # such a record makes OpenSSL write nothing.  One that does
                # (a KeyUpdate, a renegotiation request) yields no data, so
                # the read wants the next record and came through above.
                return result
            if self._outgoing.pending:
                self._flush(operation, defer=True)
            return result

    def _recv_raw(self, operation):
        """The next ciphertext from the transport, no further than the end
        of the current record (or the next header: see ``_records``); b''
        at its end."""
        try:
            return self._transport.recv(self._records.wanted)
        except socket.timeout:
            raise _timed_out(operation)
        except socket.error as exc:
            raise self._translated(exc)

    @staticmethod
    def _translated(exc):
        """What a transport's read failure means here: the same error, or
        "not ready" in Python 3's terms for a non-blocking transport."""
        blocked = _blocked(exc)
        if blocked is None:
            return exc
        if blocked == "write":
            return _want_write()
        return ssl.SSLWantReadError(ssl.SSL_ERROR_WANT_READ,
                                    "The operation did not complete (read)")

    def _feed(self, data, ended):
        """Write ``data`` into ``incoming`` now, then the end of the stream
        if ``ended``: for a record cut short and for the end; ciphertext on
        the common path waits in ``_arrived`` (None whenever this runs: each
        call of the TLS object takes it)."""
        with self._tls_lock:
            if data:
                self._incoming.write(data)
            if ended:
                self._incoming.write_eof()
                self._peer_closed = True

    def _receive(self, operation):
        """Take the next ciphertext from the transport, for the TLS object."""
        data = self._recv_raw(operation)
        self._records.consume(data)
        if data:
            self._arrived = data
        else:
            self._feed(data, True)

    def _receive_record(self):
        """Before a read that would only ask for more: the rest of the next
        record, handed over in one piece (saves the TLS object a round of
        SSLWantReadError per record).  The TLS object holds no decrypted
        byte then; after every call of the TLS object ``incoming`` holds
        nothing but the start of the next record (a header read ahead), and
        after a failed call of this method at most the start of this
        record, so reading up to the record's end is always right."""
        if self._backlog or self._arrived is not None:
            return  # sent, or written into incoming, first by _run
        pieces = []
        whole = None
        try:
            whole = self._records.read_record(self._transport.recv, pieces)
        except socket.timeout:
            raise _timed_out("read")
        except socket.error as exc:
            raise self._translated(exc)
        finally:
            # Also when the transport failed mid-record: what came is kept.
            data = pieces[0] if len(pieces) == 1 else b"".join(pieces)
            if whole and data:
                self._arrived = data  # for the read that follows
            elif data or whole is False:
                self._feed(data, whole is False)

    def _flush(self, operation, defer=False):
        """Send the ciphertext waiting in ``outgoing`` (and any backlog).

        A non-blocking transport may take only part of it: the rest stays in
        the backlog, and ``SSLWantWriteError`` is raised unless ``defer``
        (the caller's operation has completed and must report success)."""
        while self._backlog or self._outgoing.pending:
            if not self._send_lock.acquire(False):
                return  # the holder sends it (see above)
            try:
                self._send_waiting(operation, defer)
            finally:
                self._send_lock.release()
            if self._backlog:
                return  # what a non-blocking transport refused waits

    def _send_waiting(self, operation, defer):
        with self._tls_lock:
            data = self._outgoing.read() if self._outgoing.pending else b""
        if self._backlog:
            data, self._backlog = self._backlog + data, b""
        if not data:
            return
        transport = self._transport
        sent = 0
        try:
            if transport.gettimeout() != 0.0:
                transport.sendall(data)
                return
            while sent < len(data):
                sent += transport.send(data[sent:])
        except socket.timeout:
            raise _timed_out(operation if operation != "read" else "write")
        except socket.error as exc:
            if _blocked(exc) is None:
                raise
            self._backlog = data[sent:]
            if not defer:
                raise _want_write()

    def _flush_quietly(self):
        # After a failure: the alert it produced is sent if the transport
        # takes it; the failure itself is what the caller must see.
        try:
            self._flush("write")
        except Exception:
            pass

    # -- handshake, data ------------------------------------------------------
    def do_handshake(self, block=False):
        """Run the TLS handshake (blocking even on a non-blocking transport
        when ``block``)."""
        self._check_connected()
        timeout = self.gettimeout()
        try:
            if timeout == 0.0 and block:
                self.settimeout(None)
            self._run("handshake", self._sslobj.do_handshake)
            self._established = True
        finally:
            self.settimeout(timeout)

    def read(self, len=1024, buffer=None):
        """Read up to ``len`` bytes (into ``buffer`` if given); ``b''`` (or 0)
        at the end of the stream, a ragged one too with
        ``suppress_ragged_eofs``."""
        if self._sslobj is None:
            raise ValueError("Read on closed or unwrapped SSL socket.")
        try:
            if self._established and not self._peer_closed and \
                    not self._backlog and \
                    (self._drained or not self._sslobj.pending()):
                self._receive_record()
            if buffer is not None:
                self._drained = False
                result = self._run("read", self._sslobj.read, len, buffer)
            else:
                # A read returns one record at most: asking for no more than
                # a record holds takes the engines' quickest path.
                if type(len) is int and len > _RECORD_PLAINTEXT:
                    len = _RECORD_PLAINTEXT
                result = self._run("read", self._sslobj.read, len)
                # Less than asked, or a full record's worth: the record is
                # used up, so pending() is 0 without asking (SSL_read returns
                # data of one record at a time).
                got = _length(result)
                self._drained = got != len or got == _RECORD_PLAINTEXT
            if not result and len:
                self._peer_closed = True  # close_notify: no more reads
            return result
        except ssl.SSLError as exc:
            if exc.args[0] == ssl.SSL_ERROR_EOF and self.suppress_ragged_eofs:
                return 0 if buffer is not None else b""
            raise

    def write(self, data):
        """Write ``data`` to the TLS stream; returns the number of bytes."""
        if self._sslobj is None:
            raise ValueError("Write on closed or unwrapped SSL socket.")
        return self._write(data)

    def _write(self, data):
        if type(data) is bytes and len(data) <= _WRITE_CHUNK:
            return self._run("write", self._sslobj.write, data)
        view = _byte_view(data)
        blocking = self.gettimeout() != 0.0
        done = 0
        while True:
            count = self._run("write", self._sslobj.write,
                              view[done:done + _WRITE_CHUNK])
            done += count
            if done >= len(view) or not blocking or not count:
                return done

    def send(self, data, flags=0):
        if self._sslobj is None:
            return self._transport.send(data, flags)
        if flags != 0:
            raise ValueError("non-zero flags not allowed in calls to send() "
                             "on %s" % self.__class__)
        return self._write(data)

    def sendall(self, data, flags=0):
        if self._sslobj is None:
            return self._transport.sendall(data, flags)
        if flags != 0:
            raise ValueError("non-zero flags not allowed in calls to sendall() "
                             "on %s" % self.__class__)
        count = 0
        if type(data) is bytes and len(data) <= _WRITE_CHUNK:
            count = self._write(data)  # the common case, without a view
            if count == len(data):
                return
        view = _byte_view(data)
        while count < len(view):
            count += self._write(view[count:])

    def recv(self, buflen=1024, flags=0):
        if self._sslobj is None:
            return self._transport.recv(buflen, flags)
        if flags != 0:
            raise ValueError("non-zero flags not allowed in calls to recv() "
                             "on %s" % self.__class__)
        return self.read(buflen)

    def recv_into(self, buffer, nbytes=None, flags=0):
        if nbytes is None:
            nbytes = (len(memoryview(buffer)) if buffer is not None else 0) or 1024
        if self._sslobj is None:
            return self._transport.recv_into(buffer, nbytes, flags)
        if flags != 0:
            raise ValueError("non-zero flags not allowed in calls to "
                             "recv_into() on %s" % self.__class__)
        return self.read(nbytes, buffer)

    def sendto(self, data, flags_or_addr, addr=None):
        if self._sslobj is not None:
            raise ValueError("sendto not allowed on instances of %s"
                             % self.__class__)
        if addr is None:
            return self._transport.sendto(data, flags_or_addr)
        return self._transport.sendto(data, flags_or_addr, addr)

    def recvfrom(self, buflen=1024, flags=0):
        if self._sslobj is not None:
            raise ValueError("recvfrom not allowed on instances of %s"
                             % self.__class__)
        return self._transport.recvfrom(buflen, flags)

    def recvfrom_into(self, buffer, nbytes=None, flags=0):
        if self._sslobj is not None:
            raise ValueError("recvfrom_into not allowed on instances of %s"
                             % self.__class__)
        return self._transport.recvfrom_into(buffer, nbytes or 0, flags)

    def sendmsg(self, *args, **kwargs):
        raise NotImplementedError("sendmsg not allowed on instances of %s"
                                  % self.__class__)

    def recvmsg(self, *args, **kwargs):
        raise NotImplementedError("recvmsg not allowed on instances of %s"
                                  % self.__class__)

    def recvmsg_into(self, *args, **kwargs):
        raise NotImplementedError("recvmsg_into not allowed on instances of "
                                  "%s" % self.__class__)

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
        if self._connected or self._sslobj is not None:
            raise ValueError("attempt to connect already-connected SSLSocket!")
        self._start_tls()
        try:
            if connect_ex:
                rc = self._transport.connect_ex(addr)
            else:
                rc = None
                self._transport.connect(addr)
            if not rc:
                self._connected = True
                if self.do_handshake_on_connect:
                    self.do_handshake()
            return rc
        except (socket.error, ValueError):
            self._sslobj = None
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
        self._run("read", self._sslobj.unwrap)
        self._sslobj = None
        return self._transport

    def shutdown(self, how):
        self._sslobj = None
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
        self._sslobj = None
        self._backlog = b""
        self._transport.close()

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

    def _check_connected(self):
        if not self._connected:
            # Raises ENOTCONN, as Python 3 does, when there is no peer.
            self._transport.getpeername()

    # -- the transport's socket interface --------------------------------------
    def fileno(self):
        return self._transport.fileno()

    def gettimeout(self):
        return self._transport.gettimeout()

    def settimeout(self, value):
        self._transport.settimeout(value)

    def setblocking(self, flag):
        self._transport.setblocking(flag)

    def getblocking(self):
        return self.gettimeout() != 0.0

    def getpeername(self):
        return self._transport.getpeername()

    def getsockname(self):
        return self._transport.getsockname()

    def getsockopt(self, *args):
        return self._transport.getsockopt(*args)

    def setsockopt(self, *args):
        return self._transport.setsockopt(*args)

    def bind(self, address):
        return self._transport.bind(address)

    def listen(self, *args):
        return self._transport.listen(*args)

    @property
    def family(self):
        return self._transport.family

    @property
    def type(self):
        return self._transport.type

    @property
    def proto(self):
        return self._transport.proto

    @property
    def transport(self):
        """The socket-like object the TLS records travel over."""
        return self._transport

    # -- what was negotiated -------------------------------------------------
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

    def _negotiated(self, name, *args):
        if self._sslobj is None:
            return None
        return getattr(self._sslobj, name)(*args)

    def selected_alpn_protocol(self):
        return self._negotiated("selected_alpn_protocol")

    def selected_npn_protocol(self):
        # NPN is gone from OpenSSL 3 and deprecated in Python 3.10.
        return None

    def cipher(self):
        return self._negotiated("cipher")

    def shared_ciphers(self):
        return self._negotiated("shared_ciphers")

    def compression(self):
        return self._negotiated("compression")

    def version(self):
        return self._negotiated("version")

    def get_channel_binding(self, cb_type="tls-unique"):
        if self._sslobj is not None:
            return self._sslobj.get_channel_binding(cb_type)
        if cb_type not in _CHANNEL_BINDING_TYPES:
            raise ValueError("{0} channel binding type not implemented"
                             .format(cb_type))
        return None

    def verify_client_post_handshake(self):
        if not self._sslobj:
            raise ValueError("No SSL wrapper around " + str(self))
        return self._run("write", self._sslobj.verify_client_post_handshake)

    def dup(self):
        raise NotImplementedError("Can't dup() %s instances" % self.__class__)

    def __repr__(self):
        return "<%s.%s transport=%r>" % (self.__class__.__module__,
                                         self.__class__.__name__,
                                         self._transport)
