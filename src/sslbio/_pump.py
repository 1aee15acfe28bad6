"""The loop between a TLS object and the transport it runs over: what makes
an ``SSLObject`` and two ``MemoryBIO`` objects a TLS connection over any
socket-like object.  ``_sslsocket.SSLSocket`` is the socket interface on
top of it.

How every TLS operation runs (``Pump.run``, the one place):

* the TLS object is called (under a lock: OpenSSL's connection object is
  not thread-safe);
* ciphertext it produced goes to the transport after each call, also after
  a call that raised: a fatal alert must reach the peer;
* ``SSLWantReadError`` from it means "feed me": ciphertext is read from the
  transport, up to the end of the current record only (and, after a
  full-size record, the next record's header: see ``_records``), and the
  call is repeated;
* the transport's own mode applies: blocking, timeout (``socket.timeout``
  named after the operation, as Python 3 words it) or non-blocking
  (``SSLWantReadError``/``SSLWantWriteError``, to be retried when the
  transport is ready);
* a transport that fails under a read or a write gives Python 3.11's
  ragged EOF, under the handshake or the shutdown its own ``OSError``.

Reads of application data take a shortcut: once the handshake is done and
the TLS object holds no decrypted byte, the next record is taken from the
transport whole before the TLS object is asked (``receive_record``), which
saves it a round of ``SSLWantReadError`` per record.

After a read, ``pending() == 0`` means waiting on the transport is safe, as
Python 3's ``select()`` rule wants (docs/sockets.md; ``_records`` says why).

Threads: one thread may read while another writes (full duplex), as with a
socket.  ``_tls_lock`` serialises every use of the TLS object and its
BIOs.  ``_send_lock`` keeps ciphertext in order on the wire: it is held
from taking bytes out of ``outgoing`` until the transport has them.  A
thread that finds it held leaves its ciphertext to the holder, which looks
again after letting go, so a reader never waits for a blocked writer.
"""

import errno
import socket
import ssl
import sys
import threading

from . import MemoryBIO, SSLObject
from ._args import byte_view as _byte_view
from ._records import MAX_PLAINTEXT as _RECORD_PLAINTEXT
from ._records import RecordBoundary

__all__ = ["Pump"]

PY2 = sys.version_info[0] == 2

# Plain text taken per TLS write: bounds the ciphertext held in memory while a
# large sendall() goes out.
_WRITE_CHUNK = 256 * 1024
_WOULD_BLOCK = frozenset((errno.EAGAIN, errno.EWOULDBLOCK))
_length = len  # read()'s argument is called len, as in Python 3

# How Python 3 names an operation in its timeout messages ("The read
# operation timed out"), receiving and sending.
_RECEIVE_WORD = {"shutdown": "read"}
_SEND_WORD = {"read": "write", "shutdown": "write"}
# The operations whose transport failures Python 3.11 reports as a ragged
# EOF (why: _errors.transport_eof_error()), where do_handshake() and unwrap()
# keep the OSError (ConnectionResetError, BrokenPipeError); CPython gh-110467.
_FAILURE_IS_EOF = frozenset(("read", "write"))


def _tls_object(context, incoming, outgoing, server_side, server_hostname,
                session, owner):
    """The TLS object, made as Python 3's socket makes its own
    (``context._wrap_socket(..., owner=socket)``), with ``owner`` as what its
    callbacks (``sni_callback``, ``_msg_callback``) receive: on 2.7 by the
    engine's ``SSLObject`` (never the context's ``sslobject_class``; the
    ``server_hostname`` is IDNA-encoded already), on Python 3 by the
    standard library's, whose C object takes the owner."""
    if PY2:
        return SSLObject._create(incoming, outgoing, server_side,
                                 server_hostname, session, context, owner)
    sslobj = context.wrap_bio(incoming, outgoing, server_side=server_side,
                              server_hostname=server_hostname, session=session)
    sslobj._sslobj.owner = owner
    return sslobj


def _blocked(exc):
    """Whether ``exc`` says a non-blocking transport is not ready (a
    socket's EAGAIN, an SSL socket's want-read/want-write)."""
    if isinstance(exc, ssl.SSLError):
        return isinstance(exc, (ssl.SSLWantReadError, ssl.SSLWantWriteError))
    return getattr(exc, "errno", None) in _WOULD_BLOCK


def _not_ready(write):
    """Python 3's want-write (or want-read) error: no OpenSSL error behind
    it.  (Imported here, as in ``_transport_eof()``.)"""
    from ._errors import want_read_error, want_write_error
    return want_write_error() if write else want_read_error()


def _timed_out(word):
    return socket.timeout("The %s operation timed out" % word)


def _transport_eof():
    # Imported here: on Python 3 the error table is needed for this error
    # only.
    from ._errors import transport_eof_error
    return transport_eof_error()


def _errno_lost(exc):
    """Whether ``exc`` is OpenSSL's "I/O error" with no error queued: what
    an in-memory TLS object on OpenSSL before 3.0 reports when its incoming
    BIO ended before the protocol did (the handshake's, a shutdown's), which
    Python 3's socket reports as ``_errors.transport_eof_error()`` whichever
    the call (OpenSSL 3 says so itself: UNEXPECTED_EOF_WHILE_READING)."""
    return exc.args[0] == ssl.SSL_ERROR_SYSCALL and \
        getattr(exc, "library", None) is None


def _transport_failed(exc, operation):
    """What a transport's failure (other than a timeout or "not ready")
    during ``operation`` raises (see ``_FAILURE_IS_EOF``)."""
    if operation in _FAILURE_IS_EOF:
        return _transport_eof()
    return exc


def _receive_failed(exc, operation):
    """What a transport's read failure during ``operation`` means: a timeout
    named after the operation, "not ready" in Python 3's terms for a
    non-blocking transport, else what Python 3 reports for a failed
    transport."""
    if isinstance(exc, socket.timeout):
        return _timed_out(_RECEIVE_WORD.get(operation, operation))
    if not _blocked(exc):
        return _transport_failed(exc, operation)
    return _not_ready(isinstance(exc, ssl.SSLWantWriteError))


class Pump(object):
    """A TLS connection over ``transport``: the TLS object (``sslobj``),
    its two BIOs, and the loop that moves ciphertext between them and the
    transport.  ``gettimeout`` gives the transport's mode."""

    __slots__ = ("sslobj", "established", "_transport", "_gettimeout",
                 "_incoming", "_outgoing", "_records", "_arrived", "_backlog",
                 "_drained", "_peer_closed", "_tls_lock", "_send_lock")

    def __init__(self, transport, gettimeout, context, server_side,
                 server_hostname, session, owner):
        self._transport = transport
        self._gettimeout = gettimeout
        self._incoming = MemoryBIO()
        self._outgoing = MemoryBIO()
        self.sslobj = _tls_object(context, self._incoming, self._outgoing,
                                  server_side, server_hostname, session,
                                  owner)
        self._records = RecordBoundary()
        # Ciphertext taken from the transport, written into ``incoming`` by
        # the next call of the TLS object, under the lock that call holds.
        self._arrived = None
        # Ciphertext a non-blocking transport refused, sent first next time.
        self._backlog = b""
        self.established = False  # the handshake has completed
        self._drained = False  # known: the TLS object holds no decrypted byte
        self._peer_closed = False  # the transport ended or close_notify came
        self._tls_lock = threading.Lock()
        self._send_lock = threading.Lock()

    # -- the operations --------------------------------------------------------
    def handshake(self):
        self.run("handshake", self.sslobj.do_handshake)
        self.established = True

    def read(self, len, buffer):
        """The TLS object's ``read(len[, buffer])``, fed from the transport."""
        if self.established and not self._peer_closed and \
                not self._backlog and \
                (self._drained or not self.sslobj.pending()) and \
                _asks_for_bytes(len, buffer):
            self.receive_record()
        if buffer is not None:
            self._drained = False
            result = self.run("read", self.sslobj.read, len, buffer)
        else:
            # A read returns one record at most: asking for no more than
            # a record holds takes the engines' quickest path.
            if type(len) is int and len > _RECORD_PLAINTEXT:
                len = _RECORD_PLAINTEXT
            result = self.run("read", self.sslobj.read, len)
            # Less than asked, or a full record's worth: the record is
            # used up, so pending() is 0 without asking (SSL_read returns
            # data of one record at a time).
            got = _length(result)
            self._drained = got != len or got == _RECORD_PLAINTEXT
        if not result and len:
            self._peer_closed = True  # close_notify: no more reads
        return result

    def write(self, data):
        """Write ``data`` into the TLS stream; the number of bytes taken
        (on a blocking transport all of them)."""
        if type(data) is bytes and _length(data) <= _WRITE_CHUNK:
            return self.run("write", self.sslobj.write, data)
        view = _byte_view(data)
        blocking = self._gettimeout() != 0.0
        done = 0
        while True:
            count = self.run("write", self.sslobj.write,
                             view[done:done + _WRITE_CHUNK])
            done += count
            if done >= _length(view) or not blocking or not count:
                return done

    def write_all(self, data):
        """All of ``data`` into the TLS stream (``sendall()``): writes of
        what is left, as Python 3's loop does over a view of the bytes (a
        short bytes object needs no view)."""
        count = 0
        if type(data) is bytes and _length(data) <= _WRITE_CHUNK:
            count = self.write(data)
            if count == _length(data):
                return
        view = _byte_view(data)
        while count < _length(view):
            count += self.write(view[count:])

    def unwrap(self):
        return self.run("shutdown", self.sslobj.unwrap)

    def verify_client_post_handshake(self):
        return self.run("write", self.sslobj.verify_client_post_handshake)

    def discard(self):
        """Forget ciphertext a non-blocking transport refused (closing)."""
        self._backlog = b""

    # -- the loop --------------------------------------------------------------
    def run(self, operation, call, *args):
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
            except ssl.SSLSyscallError as exc:
                self._flush_quietly()
                if self._peer_closed and _errno_lost(exc):
                    raise _transport_eof()
                raise
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

    # -- from the transport ----------------------------------------------------
    def _receive(self, operation):
        """Take the next ciphertext from the transport for the TLS object
        (how far: see the module's docstring)."""
        try:
            data = self._transport.recv(self._records.wanted)
        except socket.error as exc:  # socket.timeout too
            raise _receive_failed(exc, operation)
        self._records.consume(data)
        if data:
            self._arrived = data
        else:
            self._feed(data, True)

    def receive_record(self):
        """Before a read that would only ask for more: the rest of the next
        record, handed over in one piece.  The TLS object holds no decrypted
        byte then; after every call of the TLS object ``incoming`` holds
        nothing but the start of the next record (a header read ahead), and
        after a failed call of this method at most the start of this
        record, so reading up to the record's end is always right."""
        if self._backlog or self._arrived is not None:
            return  # sent, or written into incoming, first by run()
        pieces = []
        whole = None
        try:
            whole = self._records.read_record(self._transport.recv, pieces)
        except socket.error as exc:
            raise _receive_failed(exc, "read")
        finally:
            # Also when the transport failed mid-record: what came is kept.
            data = pieces[0] if _length(pieces) == 1 else b"".join(pieces)
            if whole and data:
                self._arrived = data  # for the read that follows
            elif data or whole is False:
                self._feed(data, whole is False)

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

    # -- to the transport ------------------------------------------------------
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
            if self._gettimeout() != 0.0:
                transport.sendall(data)
                return
            while sent < _length(data):
                sent += transport.send(data[sent:])
        except socket.timeout:
            raise _timed_out(_SEND_WORD.get(operation, operation))
        except socket.error as exc:
            if not _blocked(exc):
                raise _transport_failed(exc, operation)
            self._backlog = data[sent:]
            if not defer:
                raise _not_ready(True)

    def _flush_quietly(self):
        # After a failure: the alert it produced is sent if the transport
        # takes it; the failure itself is what the caller must see.
        try:
            self._flush("write")
        except Exception:
            pass


def _asks_for_bytes(len, buffer):
    """Whether ``read(len, buffer)`` surely reads at least a byte, so that a
    record may be fetched before the TLS object is asked.  Python 3 answers
    a read of nothing (``len`` 0, an empty buffer) at once, without waiting
    for a record; so does the TLS object.  Arguments of other kinds are
    left to it (and its own checks) from the start."""
    if buffer is None:
        return type(len) is int and len > 0
    kind = type(buffer)
    if kind is bytearray:
        return _length(buffer) > 0
    if kind is memoryview:
        return not buffer.readonly and _length(buffer) > 0
    return False
