"""The portable engine: Python 3's in-memory TLS API from the standard
library alone.

Every CPython 2.7.9+ has ``ssl.SSLContext`` and the native object it wraps
sockets in (``context._wrap_socket()``).  This engine gives each
``SSLObject`` one of those native objects, built around one end of a
private connected socket pair, and moves bytes between its ``MemoryBIO``\\ s
and the other end itself.  It needs no ctypes and no knowledge of object
layouts, so it serves where the ctypes engine cannot: Windows builds of 2.7
(OpenSSL linked statically into ``_ssl``), builds without ``_ctypes``,
layouts that do not validate.

Behaviour is Python 3.11's, and what a caller can observe is the same as
with the ctypes engine:

* The native side gets the peer's bytes one TLS record at a time, and only
  when a call needs them: after it raised "want read", or up front for a
  read whose native side holds no plaintext.  OpenSSL reads no further than
  the record it is working on, so nothing is ever left in the socket:
  ``incoming.pending`` after a call is what an OpenSSL memory BIO would
  hold.  After a call fails, whatever the native side did
  not read is taken back into ``incoming``.
* After every native call, whatever the native side wrote is moved into
  ``outgoing``, also when the call raised (an alert must reach the peer).
  A write larger than the socket buffer is moved out and retried until done
  (2.7's ``_ssl`` sets SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER).
* ``incoming.write_eof()``: once ``incoming`` is drained, the write side of
  the feeding socket is shut down, so the native side sees end of file
  exactly when an OpenSSL memory BIO would report it.

What 2.7's ``_ssl`` cannot do is done from the bytes sslbio sees (the host
name check on the peer's certificate, ``_hostmatch``; the TLS 1.2
certificate and the server's resumption verdict from the clear-text
handshake, ``_plaintext``) or refused; ``_LIMITS`` below declares every
difference, and docs/portable-engine.md explains each.
"""

import collections
import errno
import select
import socket
import ssl

import _socket
import _ssl

from .. import _bio, _errors, _session, _sslobject
from .._args import as_bytes, no_arguments
from .._certdict import as_python3_cert
from .._context_features import NoContextBackend
from .._hostname import ip_address
from .._records import HEADER_SIZE as _RECORD_HEADER
from .._records import MAX_PLAINTEXT, record_length
from . import EngineUnavailable, serve
from . import _hostmatch, _plaintext

__all__ = ["ENGINE", "NAME", "MemoryBIO", "SSLObject", "SSLSession"]

NAME = "portable"

# What this engine cannot do that Python 3.11 does (its context backend's
# part is derived from the backend).
_LIMITS = dict(
    hostname_checked_late=True,
    hostname_failure_reads_flight=True,
    chain_failure_without_verify_code=True,
    resumes_sessions=False,
    refused_calls=[("shared_ciphers", "on the server side"),
                   ("verify_client_post_handshake", "")],
    answers_after_unwrap_alert=True,
    descriptors_per_object=2,
)

# Python 3.11's context attributes this engine serves without reaching the
# SSL_CTX (the others raise NotImplementedError; see _context_features).
CONTEXT_BACKEND = NoContextBackend(
    NAME, "2.7's _ssl gives Python no access to the context's SSL_CTX",
    features=("sni_callback", "protocol_tls_client_server"))

if not hasattr(ssl, "SSLContext") or \
        not hasattr(_ssl._SSLContext, "_wrap_socket"):
    raise EngineUnavailable("this Python's ssl module has no SSLContext "
                            "(2.7.9 or later is needed)")

_INT_MAX = _bio.INT_MAX
# The native read() returns at most one record's plaintext.
_READ_CHUNK = MAX_PLAINTEXT
# How much one recv() takes from the native side's output into a chunk of
# its own (MemoryBIO._receive).
_DRAIN_SIZE = 65536
# The spool an outgoing BIO receives into starts with room for one full
# record (16 KiB of plaintext and what TLS adds), and is never given less
# room than that for a recv().
_SPOOL_ROOM = MAX_PLAINTEXT + 1024
_SPOOL_SIZE = 2 * _SPOOL_ROOM
# The longest name OpenSSL sends as SNI (TLSEXT_MAXLEN_host_name).
_MAX_SERVER_NAME = 255
_WOULD_BLOCK = frozenset(
    code for code in (getattr(errno, "EAGAIN", None),
                      getattr(errno, "EWOULDBLOCK", None),
                      getattr(errno, "WSAEWOULDBLOCK", None)) if code)

# SSL_ERROR_SSL, _SYSCALL and Python's _EOF: the connection is dead ...
_FATAL = frozenset([1, 5, 8])
# ... unless OpenSSL only refused the call, leaving the connection as it was.
_REFUSALS = frozenset(["PROTOCOL_IS_SHUTDOWN", "SHUTDOWN_WHILE_IN_INIT",
                       "UNINITIALIZED", "BAD_LENGTH"])
# A fatal bad_certificate alert record (%s: the record version).
_BAD_CERTIFICATE_ALERT = b"\x15%s\x00\x02\x02\x2a"
# 2.7's text for OpenSSL's SSL_R_SHUTDOWN_WHILE_IN_INIT.
_SHUTDOWN_WHILE_IN_INIT = "[SSL] shutdown while in init"
# OpenSSL 1.0.2 answers a read on a connection whose handshake failed
# through SSL_read()'s own order (b"" once a fatal alert was received, the
# failed handshake's error otherwise), not as a second SSL_do_handshake()
# would; and any call on a failed handshake with SSL_R_UNKNOWN_STATE (as
# 2.7 raises it).  1.1.0 and later answer both as this engine does.
_BEFORE_110 = ssl.OPENSSL_VERSION_INFO < (1, 1)
_UNKNOWN_STATE = (1, "[SSL: UNKNOWN_STATE] unknown state")
_len = len  # read()'s first parameter is called len, as in Python 3
_want_read = ssl.SSLWantReadError
_want_write = ssl.SSLWantWriteError
_socket_error = socket.error
_want_read_error = _errors.want_read_error


# -- the socket pair -----------------------------------------------------------

def _loopback_pair():
    """A connected TCP pair on the loopback interface, for systems without
    ``socket.socketpair()`` (Windows 2.7).  The accepted connection must come
    from our own client socket: another local process could connect to the
    listening port first."""
    listener = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        client = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
        client.connect(listener.getsockname())
        while True:
            server, address = listener.accept()
            if address == client.getsockname():
                break
            server.close()
    finally:
        listener.close()
    for sock in (client, server):
        # Small records must not wait for Nagle's algorithm.
        sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
    return client, server


def socket_pair():
    """Two connected, non-blocking stream sockets, and whether bytes sent on
    one are readable on the other as soon as send() returns (a Unix socket
    pair; over TCP that is up to the loopback interface)."""
    if hasattr(_socket, "socketpair"):
        pair, immediate = _socket.socketpair(), True
    else:
        pair, immediate = _loopback_pair(), False
    for sock in pair:
        # Timeout 0.0: 2.7's _ssl then treats the socket as non-blocking
        # and reports "want read/write" instead of waiting.
        sock.settimeout(0.0)
    return pair[0], pair[1], immediate


def _sender(sock, peer, immediate):
    """``sock.sendall``, which over TCP also waits until ``peer`` can read
    (at most a second): the native side must find the record it was given,
    not report "want read" while it is on its way."""
    if immediate:
        return sock.sendall

    def send_delivered(data, _select=select.select, _peers=[peer]):
        sock.sendall(data)
        _select(_peers, (), (), 1.0)
    return send_delivered


def _readable_check(sock):
    """A function of a timeout telling whether ``sock`` has bytes to read:
    a poll object's where there is one (no descriptor of its own, unlike
    epoll), else select()."""
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(sock.fileno(), select.POLLIN)
        return poller.poll
    fd = sock.fileno()

    def readable(timeout, _select=select.select, _fds=[fd]):
        return _select(_fds, (), (), timeout)[0]
    return readable


# -- MemoryBIO -------------------------------------------------------------------

class MemoryBIO(_bio.MemoryBIO):
    __doc__ = _bio.MemoryBIO.__doc__

    # Two stores, in this order:
    # * the written objects themselves (a deque of str), so that writing
    #   copies nothing; _head counts the bytes of the first one already read;
    # * the spool, a bytearray the engine receives its native side's output
    #   into (_receive), held through a memoryview (slicing one copies
    #   nothing): bytes _spool_head to _spool_end.  Kept at its
    #   high-water size, as OpenSSL keeps a memory BIO's buffer, so that a
    #   steady flow reuses the same memory instead of making one str per
    #   record and joining them on read() (which, for pumps of a megabyte,
    #   made glibc return the heap to the system and take it back, page by
    #   page, on every pump).
    # A write while the spool holds bytes moves them into the deque first,
    # which keeps the order.
    __slots__ = ("_chunks", "_head", "_pending", "_eof_written", "_spool",
                 "_spool_head", "_spool_end")

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            no_arguments("MemoryBIO", args, kwargs)
        self._chunks = collections.deque()
        self._head = 0
        self._pending = 0
        self._eof_written = False
        self._spool = None
        self._spool_head = self._spool_end = 0

    @property
    def pending(self):
        return self._pending

    @property
    def eof(self):
        return self._eof_written and not self._pending

    # Parameters named __x are positional-only in effect, as Python 3's
    # are: the name is mangled, so no keyword can match it.
    def read(self, __size=-1):
        if __size is not -1:
            __size = self._checked_read_size(__size)
        avail = self._pending
        if avail > _INT_MAX:
            avail = _INT_MAX
        if __size < 0 or __size > avail:
            __size = avail
        if not __size:
            return b""
        return self._take(__size)

    def write(self, __b):
        if type(__b) is not bytes or len(__b) > _INT_MAX:
            __b = self._as_write_bytes(__b)
        n = len(__b)
        if self._eof_written:
            raise self._write_after_eof_error()
        if n:
            self._append(__b)
        return n

    def write_eof(self):
        self._eof_written = True

    # -- for the engine ------------------------------------------------------
    def _append(self, data):
        """Add ``data`` (bytes) at the end, after anything spooled."""
        if self._spool_end:
            self._chunks.append(self._take_spooled(
                self._spool_end - self._spool_head))
        self._chunks.append(data)
        self._pending += len(data)

    def _receive(self, sock):
        """Append everything a non-blocking socket ``sock`` holds; returns
        the number of bytes added.

        Into an empty buffer, what one recv() gives becomes a chunk that
        read() hands over as it is (a call's output read before the next
        call: no copy); anything more goes into the spool."""
        added = 0
        try:
            if not self._pending:
                data = sock.recv(_DRAIN_SIZE)
                added = len(data)
                if added:
                    self._chunks.append(data)
                    self._pending = added
                # A stream socket returns everything queued, up to the
                # size asked: a short read has emptied it.
                if added < _DRAIN_SIZE:
                    return added
            added += self._spool_from(sock.recv_into)
        except _socket_error as exc:
            if exc.errno not in _WOULD_BLOCK:
                raise
        return added

    def _spool_from(self, recv_into):
        """Receive into the spool until ``recv_into`` gives less than asked
        (or raises); returns the number of bytes added."""
        if self._chunks and not self._spool_end:
            self._spool_chunks()
        spool, end = self._spool, self._spool_end
        if spool is None:
            spool = self._spool = memoryview(bytearray(_SPOOL_SIZE))
        added = 0
        try:
            while True:
                room = len(spool) - end
                if room < _SPOOL_ROOM:
                    spool = self._grown_spool(end)
                    end = self._spool_end
                    room = len(spool) - end
                got = recv_into(spool[end:], room)
                end += got
                added += got
                if got < room:
                    return added
        finally:
            self._spool_end = end
            self._pending += added

    def _spool_chunks(self):
        """Move the written chunks into the (empty) spool, so that a read
        of everything makes one copy of the spool instead of joining."""
        data = self._take(self._pending)
        self._pending += len(data)
        size = _SPOOL_SIZE
        while size - len(data) < _SPOOL_ROOM:
            size *= 2
        if self._spool is None or len(self._spool) < size:
            self._spool = memoryview(bytearray(size))
        self._spool[:len(data)] = data
        self._spool_head, self._spool_end = 0, len(data)

    def _grown_spool(self, end):
        """A spool with room: the bytes still unread moved to the start of
        a new one, of twice the size when half would not leave room (a new
        one: a bytearray with a view of it cannot be resized)."""
        spool, head = self._spool, self._spool_head
        size = len(spool)
        if end - head + _SPOOL_ROOM > size // 2:
            size *= 2
        new = memoryview(bytearray(size))
        new[:end - head] = spool[head:end]
        self._spool, self._spool_head, self._spool_end = new, 0, end - head
        return new

    def _tail(self, n):
        """The last ``n`` (<= pending) bytes."""
        start = max(self._spool_head, self._spool_end - n)
        data = self._spool[start:self._spool_end].tobytes() \
            if self._spool_end else b""
        for chunk in reversed(self._chunks):
            if len(data) == n:
                break
            data = chunk[-(n - len(data)):] + data
        return data

    def _take_spooled(self, n):
        """The next ``n`` bytes of the spool, removed from it (the caller
        counts them off ``_pending``)."""
        head = self._spool_head
        data = self._spool[head:head + n].tobytes()
        head += n
        if head == self._spool_end:
            self._spool_head = self._spool_end = 0
        else:
            self._spool_head = head
        return data

    def _take(self, n):
        """The next ``n`` (0 < n <= pending) bytes, removed from the
        buffer: a written object itself when it is read whole."""
        chunks = self._chunks
        self._pending -= n
        if not chunks:
            return self._take_spooled(n)
        head = self._head
        first = chunks[0]
        end = head + n
        size = len(first)
        if end < size:
            self._head = end
            return first[head:end]
        chunks.popleft()
        self._head = 0
        if end == size:
            return first[head:] if head else first
        parts = [first[head:] if head else first]
        need = end - size
        while need:
            if not chunks:
                parts.append(self._take_spooled(need))
                break
            chunk = chunks[0]
            if len(chunk) > need:
                parts.append(chunk[:need])
                self._head = need
                break
            parts.append(chunks.popleft())
            need -= len(chunk)
        return b"".join(parts)

    def _peek(self, n):
        """Up to ``n`` of the next bytes, left in the buffer."""
        data = b""
        head = self._head
        for chunk in self._chunks:
            data += chunk[head:head + n - len(data)]
            head = 0
            if len(data) == n:
                return data
        start = self._spool_head
        end = min(self._spool_end, start + n - len(data))
        if end > start:
            data += self._spool[start:end].tobytes()
        return data

    def _put_back(self, data):
        """Return bytes taken with ``_take`` to the front of the buffer."""
        if data:
            chunks = self._chunks
            if self._head:
                chunks[0] = chunks[0][self._head:]
                self._head = 0
            chunks.appendleft(data)
            self._pending += len(data)

    def _truncate(self, keep):
        """Drop everything after the first ``keep`` (<= pending) bytes."""
        drop = self._pending - keep
        self._pending = keep
        spooled = self._spool_end - self._spool_head
        if spooled:
            cut = min(drop, spooled)
            drop -= cut
            self._spool_end -= cut
            if self._spool_end == self._spool_head:
                self._spool_head = self._spool_end = 0
        chunks = self._chunks
        while drop:
            last = chunks.pop()
            size = len(last) - (self._head if not chunks else 0)
            if size > drop:
                chunks.append(last[:len(last) - drop])
                return
            drop -= size
            if not chunks:
                self._head = 0


# -- SSLSession ------------------------------------------------------------------

def _sessions_unsupported():
    return NotImplementedError(
        "sslbio's portable engine cannot resume TLS sessions: Python 2.7's "
        "_ssl module has no session API")


def _no_session_field(self):
    raise _sessions_unsupported()


class SSLSession(_session.SSLSession):
    """Python 3's ``ssl.SSLSession``.  This engine never makes one (2.7's
    ``_ssl`` has no session API); the class is there for type checks."""

    __slots__ = ()
    id = time = timeout = ticket_lifetime_hint = has_ticket = property(
        _no_session_field)


# -- SSLObject -------------------------------------------------------------------

class SSLObject(_sslobject.SSLObject):
    __doc__ = _sslobject.SSLObject.__doc__

    __slots__ = ("_native", "_native_read", "_native_write", "_ours",
                 "_native_pending", "_readable", "_peer_closed",
                 "_theirs", "_send", "_incoming", "_outgoing",
                 "_check_host", "_handshake_finished", "_data_ready",
                 "_record_left", "_header", "_eof_sent", "_name_mismatch",
                 "_cipher_unset", "_shutdown_started", "_fed", "_hello",
                 "_hello_received", "_server_flight", "_reused", "_broken")

    _memory_bio_class = MemoryBIO
    _session_class = SSLSession

    def _engine_init(self, incoming, outgoing, side, server_hostname,
                     context, owner):
        if not isinstance(context, _ssl._SSLContext):
            raise TypeError("not an SSLContext")  # as the ctypes engine
        if server_hostname is not None and \
                _len(server_hostname) > _MAX_SERVER_NAME and \
                ip_address(server_hostname) is None:
            # OpenSSL refuses it as SNI, which Python 3 reports; 2.7's
            # _wrap_socket() would leave the refusal in the error queue.
            raise _errors.invalid_server_name_error()
        ours, theirs, immediate = socket_pair()
        # The native object keeps only a weak reference to its socket: this
        # object holds both ends.  2.7 sends the name as SNI unless it is an
        # IP address literal, as Python 3 does.  The owner is what the SNI
        # callback receives.
        self._native = native = context._wrap_socket(
            ours, side, server_hostname, owner)
        self._native_read = native.read
        self._native_write = native.write
        self._native_pending = native.pending
        self._readable = _readable_check(theirs)
        self._peer_closed = False
        self._ours = ours
        self._theirs = theirs
        self._send = _sender(theirs, ours, immediate)
        self._incoming = incoming
        self._outgoing = outgoing
        self._record_left = 0
        self._header = b""
        self._eof_sent = False
        self._name_mismatch = False
        self._cipher_unset = False
        self._broken = False  # a fatal error has been raised
        self._handshake_finished = self._data_ready = False
        self._shutdown_started = False
        self._fed = False
        self._hello_received = False
        self._check_host = self._server_flight = None
        # The handshake records this side wrote, until the hello that tells
        # whether the session was resumed has been seen (server side).
        self._hello = b"" if side == 1 else None
        self._reused = False

    def _configure_hostname(self, context, hostname):
        # 2.7's _wrap_socket() has sent the name as SNI (unless it is an IP
        # literal, as Python 3 does).  Python 3 configures the check when
        # the object is made: a later change of context.check_hostname does
        # not affect it.
        if context.check_hostname:
            self._check_host = hostname
            if self._is_client:
                # The server's handshake records: under TLS 1.2 its
                # certificate is there in the clear.
                self._server_flight = b""

    # -- moving bytes ----------------------------------------------------------
    def _drain(self):
        """Move everything the native side wrote into ``outgoing``."""
        got = self._outgoing._receive(self._theirs)
        if got and self._hello is not None:
            self._watch_hello(self._outgoing._tail(got))

    def _drain_if_any(self):
        """``_drain()`` after a call that usually writes nothing (a read):
        a zero-timeout poll is cheaper than a recv() failing with EAGAIN."""
        if self._readable(0):
            self._drain()

    def _feed(self):
        """Give the native side the rest of the record it is reading (or
        end of file); False when ``incoming`` has nothing for it."""
        record = self._whole_record()
        if record is not None:
            self._push(record)
            return True
        incoming = self._incoming
        avail = incoming._pending
        if not avail:
            if incoming._eof_written and not self._eof_sent:
                self._eof_sent = True
                self._theirs.shutdown(_socket.SHUT_WR)
                return True
            return False
        left = self._record_left
        if not left:
            # At a record header (some of it may have gone already).
            done = len(self._header)
            header = self._header + incoming._peek(_RECORD_HEADER - done)
            if len(header) < _RECORD_HEADER:
                self._header = header
                self._push(incoming._take(avail))
                return True
            self._header = b""
            left = _record_length(header, self._server_side and
                                  not self._fed) - done
        if left > avail:
            self._record_left = left - avail
            left = avail
        else:
            self._record_left = 0
        self._push(incoming._take(left))
        return True

    def _whole_record(self):
        """The common case: at a record boundary, the next chunk written to
        ``incoming`` is one whole record, which can go to the socket as it
        is.  That chunk, removed from ``incoming``; else None."""
        incoming = self._incoming
        chunks = incoming._chunks
        if self._record_left or self._header or not self._fed or \
                incoming._head or not chunks:
            return None
        first = chunks[0]
        size = _len(first)
        # (The header read inline, not by _records.record_length(): this
        # runs for every record received.)
        if size < _RECORD_HEADER or size != _RECORD_HEADER + (
                (ord(first[3]) << 8) | ord(first[4])):
            return None
        chunks.popleft()
        incoming._pending -= size
        return first

    def _push(self, data):
        self._fed = True
        if self._server_flight is not None:
            self._server_flight += data
        self._send(data)

    def _take_back(self):
        """After a failed call: what the native side did not read goes back
        to the front of ``incoming``, where OpenSSL would have left it."""
        recv = self._ours.recv
        parts = []
        try:
            while True:
                data = recv(_DRAIN_SIZE)
                if not data:
                    break
                parts.append(data)
        except _socket_error as exc:
            if exc.errno not in _WOULD_BLOCK:
                raise
        if parts:
            self._incoming._put_back(b"".join(parts))
            self._record_left = 0
            self._header = b""

    def _run(self, call, arg=None, result=0):
        """``call(arg)`` (or ``call()``) on the native object, fed record
        by record until it completes or needs bytes ``incoming`` does not
        have.  ``result``: what Python 3's call returns on a bare syscall
        failure (see ``_errors.error_from_native``)."""
        while True:
            try:
                done = call() if arg is None else call(arg)
            except _want_read as exc:
                self._drain()
                if exc.reason is None:
                    if self._feed():
                        continue
                    raise _want_read_error()
                raise self._failed(exc, result)
            except _want_write:
                # The socket buffer is full: empty it and go on.
                self._drain()
                continue
            except _socket_error as exc:
                self._drain()
                raise self._failed(exc, result)
            self._drain()
            return done

    def _failed(self, exc, result=0):
        """Python 3's exception for a native failure; what the native side
        did not read goes back to ``incoming``."""
        self._take_back()
        error = _errors.error_from_native(None, None, exc,
                                          self._server_hostname, result)
        if error.errno in _FATAL and error.reason not in _REFUSALS and (
                error.errno == 1 or error.reason is not None):
            # OpenSSL's connection is in its error state: Python 3 reports
            # no version and no peer certificate from now on.  (A stream cut
            # short is such an error from OpenSSL 3.0 on, with a reason;
            # before 3.0 it is a bare syscall error, after which OpenSSL and
            # so Python 3 still report the connection's version.)
            self._handshake_finished = self._data_ready = False
        if error.errno in _FATAL:
            self._broken = True
        return error

    # -- context and session --------------------------------------------------
    def _get_context(self):
        return self._native.context

    def _set_context(self, ctx):
        self._native.context = ctx

    def _get_session(self):
        # Always None: this engine cannot export sessions.
        return None

    def _set_session(self, session):
        self._check_session(session)
        raise _sessions_unsupported()

    @property
    def session_reused(self):
        # Read from the server's hello; a client of this engine never
        # offers a session.
        return self._reused

    # -- the record layer --------------------------------------------------------
    def _handshake(self):
        self._run_handshake(-1)

    def _run_handshake(self, result):
        """The handshake, for do_handshake() and the implicit one of the
        first read or write (which Python 3's SSL_read/SSL_write run):
        going through the native do_handshake() keeps the native object's
        idea of "handshake done" (peer certificate) right."""
        if self._name_mismatch:
            # What Python 3 raises once the handshake has failed.
            raise self._after_failure(result)
        before = self._outgoing._pending
        try:
            self._run(self._native.do_handshake, None, result)
        except _want_read:
            if self._server_flight:
                self._check_plaintext_certificate(before)
            raise
        if self._check_host is not None and not self._handshake_finished:
            self._server_flight = None
            self._check_peer_name(self._native.peer_certificate(True), before)
        self._handshake_finished = True
        # Application data may pass (the read and write fast paths).
        self._data_ready = not self._hostname_missing

    def _check_plaintext_certificate(self, before):
        """Under TLS 1.2 the server's certificate is known (and its chain
        verified) as soon as the client has processed it: check the name
        then, before the client's next flight leaves, as Python 3 does."""
        flight = self._server_flight
        der = _plaintext.leaf_certificate(flight)
        if der is not None:
            self._server_flight = None
            # Nothing is encrypted yet in this direction: the alert OpenSSL
            # sends for a name mismatch (bad_certificate) goes out as it
            # would, in a record of the negotiated version.
            self._check_peer_name(der, before, _BAD_CERTIFICATE_ALERT % (
                flight[1:3],))

    def _check_peer_name(self, der, before, alert=None):
        """Python 3 checks the host name inside the handshake; here it is
        checked as soon as the peer's certificate (``der``) is known."""
        if der is None:
            return  # nothing verified, nothing to match (CERT_OPTIONAL)
        hostname = self._check_host
        ip = ip_address(hostname)
        if _hostmatch.matches(der, hostname, ip):
            return
        # What this call wrote (the client's next flight) stays here, so
        # the peer does not take the connection for established.  Under
        # TLS 1.3 no alert can take its place: it would have to be
        # encrypted.
        self._outgoing._truncate(before)
        if alert is not None:
            self._outgoing._append(alert)
            # Python 3's client stopped before its ChangeCipherSpec, which
            # is when OpenSSL makes the negotiated cipher current.
            self._cipher_unset = True
        self._name_mismatch = True
        raise _errors.hostname_mismatch_error(hostname, ip is not None)

    def _after_failure(self, result):
        """The exception Python 3 raises for a call on a connection whose
        handshake failed: an EOF for reads and writes (result 0), a
        syscall error for the handshake (result -1); on OpenSSL 1.0.2 the
        failed state's error for all of them."""
        failure = _socket_error()
        if _BEFORE_110:
            failure = ssl.SSLError(*_UNKNOWN_STATE)
            failure.library, failure.reason = "SSL", "UNKNOWN_STATE"
        return _errors.error_from_native(None, None, failure,
                                         self._server_hostname, result)

    def read(self, len=1024, buffer=None):
        if buffer is None and type(len) is int and 0 < len <= _READ_CHUNK \
                and self._data_ready:
            return self._read_native(len)
        return self._read_checked(len, buffer)

    def _read_native(self, size):
        """2.7's native read(), fed one record at a time: one C call per
        record in the common case.  (Its rule for end of stream is Python
        3's: ``b''`` after the peer's close_notify, an error otherwise.)"""
        incoming = self._incoming
        if incoming._pending and not self._peer_closed and \
                not self._native_pending():
            # The read will need a record: give it one now rather than
            # after a first "want read" (it reads no further than that
            # record; whatever a failing call leaves goes back).
            record = self._whole_record()
            if record is not None:
                self._send(record)
            else:
                self._feed()
        try:
            data = self._native_read(size)
        except _socket_error as exc:
            return self._read_retry(size, exc)
        if data:
            # At most one record was in the socket, and it gave application
            # data: OpenSSL wrote nothing (a record that makes it write -- a
            # KeyUpdate, a renegotiation, a post-handshake request -- gives
            # no data, so the read wants the next one and fails into
            # _read_retry, which drains).  No poll needed.
            return data
        self._drain_if_any()
        self._peer_closed = True
        return data

    def _read_retry(self, size, exc):
        """The native read raised ``exc``: feed it, move its output, retry
        or raise Python 3's exception."""
        read = self._native_read
        while True:
            if isinstance(exc, _want_read):
                self._drain_if_any()
                if exc.reason is not None:
                    raise self._failed(exc)
                if not self._feed():
                    raise _want_read_error()
            elif isinstance(exc, _want_write):
                self._drain()
            else:
                self._drain_if_any()
                raise self._failed(exc)
            try:
                data = read(size)
            except _socket_error as again:
                exc = again
                continue
            self._drain_if_any()
            if not data:
                self._peer_closed = True
            return data

    def _read_checked(self, len, buffer):
        if buffer is not None:
            return self._read_into(len, buffer)
        len = self._checked_read_len(len)
        if not len:
            return b""
        if self._hostname_missing:
            self._refuse_data()
        return self._read_after_handshake(min(len, _READ_CHUNK))

    def _read_after_handshake(self, size):
        if not self._handshake_finished:
            try:
                self._implicit_handshake()
            except ssl.SSLZeroReturnError:
                # The peer closed during the handshake: Python 3's read
                # returns b'' when that was a close_notify (or alert), as
                # the native read() decides.
                pass
        return self._read_native(size)

    def _implicit_handshake(self):
        """The handshake SSL_read() and SSL_write() run first.  On OpenSSL
        1.0.2 (see _BEFORE_110) the native call answers by itself once the
        handshake has failed, and where the stream ends inside it (a failed
        handshake, SSL_R_SSL_HANDSHAKE_FAILURE, rather than an EOF)."""
        if _BEFORE_110 and self._broken and not self._name_mismatch:
            return
        try:
            self._run_handshake(0)
        except ssl.SSLEOFError:
            if not _BEFORE_110:
                raise

    def _read_for_buffer(self, wanted):
        return self._read_after_handshake(min(wanted, _READ_CHUNK))

    def write(self, data):
        if type(data) is not bytes:
            data = as_bytes(data)
        if not (data and self._data_ready and not self._shutdown_started):
            if self._hostname_missing:
                self._refuse_data()
            if self._shutdown_started:
                # OpenSSL refuses before anything else ("protocol is
                # shutdown").
                return self._run(self._native_write, data)
            if not self._handshake_finished:
                self._implicit_handshake()
            if not data:
                return self._write_nothing()
        # One native call, one recv() in the common case.  (2.7's native
        # write() refuses more than INT_MAX bytes with OverflowError, as
        # 3.11 does.)
        try:
            count = self._native_write(data)
        except _socket_error as exc:
            return self._write_failed(data, exc)
        self._drain()
        return count

    def _write_failed(self, data, exc):
        """The native write raised ``exc``.  A write that filled the socket
        buffer is retried with the same bytes once they are moved out (2.7
        sets SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER); one that needs the peer's
        bytes (renegotiation) is fed and retried; anything else fails."""
        if isinstance(exc, _want_write):
            self._drain()
            return self._run(self._native_write, data)
        self._drain_if_any()
        if isinstance(exc, _want_read) and exc.reason is None:
            if self._feed():
                return self._run(self._native_write, data)
            raise _want_read_error()
        raise self._failed(exc)

    def _write_nothing(self):
        # OpenSSL's SSL_write() cannot tell an empty write from a failure,
        # so 2.7's native write of b"" fails once the handshake is done,
        # where Python 3 returns 0.
        return 0

    def unwrap(self):
        if self._name_mismatch:
            # Python 3's handshake failed, so OpenSSL refuses: no
            # close_notify for a handshake the peer never completed.
            native = ssl.SSLError(1, _SHUTDOWN_WHILE_IN_INIT)
            native.library, native.reason = "SSL", None
            raise _errors.error_from_native(None, None, native,
                                            self._server_hostname, -1)
        try:
            self._run(self._native.shutdown, None, -1)
        except ssl.SSLError as exc:
            # Only a shutdown refused during the handshake leaves writing
            # possible.
            if exc.reason != "SHUTDOWN_WHILE_IN_INIT":
                self._shutdown_started = True
            raise
        self._shutdown_started = True

    def pending(self):
        return self._native.pending()

    # -- what was negotiated -------------------------------------------------------
    def getpeercert(self, binary_form=False):
        if not self._handshake_finished:
            raise ValueError("handshake not done yet")
        return as_python3_cert(self._native.peer_certificate(bool(binary_form)))

    def cipher(self):
        found = self._native.cipher()
        if found is None or self._cipher_unset:
            return None
        name, protocol, bits = found
        return (_errors.native_str(name), _errors.native_str(protocol), bits)

    def shared_ciphers(self):
        # None on the client side (as on Python 3) or before the client's
        # hello; the server side's list needs OpenSSL calls 2.7's _ssl does
        # not offer: NotImplementedError once the server has answered a
        # hello.
        if self._is_client or not self._hello_received:
            return None
        raise NotImplementedError(
            "sslbio's portable engine cannot list shared ciphers: Python "
            "2.7's _ssl module does not expose them")

    def compression(self):
        return _errors.native_str(self._native.compression())

    def version(self):
        if not self._handshake_finished:
            return None
        return _errors.native_str(self._native.version())

    def selected_alpn_protocol(self):
        selected = getattr(self._native, "selected_alpn_protocol", None)
        if selected is None:
            return None
        return _errors.native_str(selected())

    def _tls_unique(self):
        if self._name_mismatch:
            return None  # Python 3's handshake failed before any Finished
        return self._native.tls_unique_cb()

    def verify_client_post_handshake(self):
        # 2.7's _ssl cannot make the request: NotImplementedError, as
        # Python 3 raises where OpenSSL lacks the feature.
        raise NotImplementedError(
            "Post-handshake auth is not supported by sslbio's portable "
            "engine (Python 2.7's _ssl module has no such call).")

    # -- session resumption, as the server's hello tells it ------------------------
    def _watch_hello(self, data):
        """Collect the server's first flight until its ServerHello says
        whether the session was resumed (see ``_plaintext``)."""
        if not self._hello:
            # The server answers a ClientHello with a handshake record.
            self._hello_received = data[:1] == b"\x16"
        flight = self._hello + data
        verdict = _plaintext.resumed_from_flight(flight)
        if verdict is None and len(flight) < 65536:
            self._hello = flight
            return
        self._hello = None
        self._reused = bool(verdict)


def _record_length(header, maybe_sslv2):
    """The length of the record that starts with ``header`` (5 bytes),
    header included.  A server's first record may be an SSLv2-format
    ClientHello, whose header is 2 bytes."""
    first = ord(header[0:1])
    if maybe_sslv2 and first & 0x80:
        return (((first & 0x7f) << 8) | ord(header[1:2])) + 2
    return record_length(header)


def describe():
    """What the engine bound to and checked, in order, for ``python -m
    sslbio check``: ``[(what, what was found), ...]``."""
    return [
        ("_ssl module", getattr(_ssl, "__file__", None) or
         "built into the interpreter"),
        ("OpenSSL", "%s, reached only through _ssl" % _ssl.OPENSSL_VERSION),
        ("socket pair", "socket.socketpair(), 2 descriptors per SSLObject"
         if hasattr(_socket, "socketpair") else
         "loopback TCP, 2 descriptors per SSLObject"),
    ]


# Other copies of sslbio in this process accept these classes' objects as
# their own (see _shared): same engine (NAME), same private attributes.  The
# self-test proves that this _ssl takes a socket pair's end as this engine
# gives it.
ENGINE = serve(NAME, NAME, MemoryBIO, SSLObject, SSLSession, CONTEXT_BACKEND,
               describe, _LIMITS)
