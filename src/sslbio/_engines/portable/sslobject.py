"""The portable engine's ``SSLObject``: 2.7's native object over one end of
a private socket pair, fed record by record (``feeder``), its output moved
into ``outgoing`` after every call, its state one value (``state``)."""

import socket
import ssl

import _ssl

from ... import _errors, _session, _sslobject
from ..._args import as_bytes
from ..._certdict import as_python3_cert
from ..._hostname import ip_address
from ..._records import MAX_PLAINTEXT
from .. import _plaintext
from .bytequeue import MemoryBIO
from .feeder import RecordFeeder
from .hostcheck import certificate_in_flight, mismatch_error
from .sockets import readable_check, sender, socket_pair
from .state import (FAILED, HANDSHAKING, NAME_MISMATCH,
                    NAME_MISMATCH_IN_CLEAR, OPEN, OPEN_NAMELESS)

__all__ = ["SSLObject", "SSLSession"]

# The native read() returns at most one record's plaintext.
_READ_CHUNK = MAX_PLAINTEXT
# The longest name OpenSSL sends as SNI (TLSEXT_MAXLEN_host_name).
_MAX_SERVER_NAME = 255
# SSL_ERROR_SSL, _SYSCALL and Python's _EOF: the connection is dead ...
_FATAL = frozenset([1, 5, 8])
# ... unless OpenSSL only refused the call, leaving the connection as it was.
_REFUSALS = frozenset(["PROTOCOL_IS_SHUTDOWN", "SHUTDOWN_WHILE_IN_INIT",
                       "UNINITIALIZED", "BAD_LENGTH"])
# 2.7's text for OpenSSL's SSL_R_SHUTDOWN_WHILE_IN_INIT.
_SHUTDOWN_WHILE_IN_INIT = "[SSL] shutdown while in init"
# OpenSSL 1.0.2 answers a read on a connection whose handshake failed
# through SSL_read()'s own order (b"" once a fatal alert was received, the
# failed handshake's error otherwise), not as a second SSL_do_handshake()
# would; and any call on a failed handshake with SSL_R_UNKNOWN_STATE (as
# 2.7 raises it).  1.1.0 and later answer both as this engine does.
_BEFORE_110 = ssl.OPENSSL_VERSION_INFO < (1, 1)
_UNKNOWN_STATE = (1, "[SSL: UNKNOWN_STATE] unknown state")
_want_read = ssl.SSLWantReadError
_want_write = ssl.SSLWantWriteError
_socket_error = socket.error
_want_read_error = _errors.want_read_error


# -- SSLSession ------------------------------------------------------------------

def _refuse_sessions(*ignored):
    raise NotImplementedError(
        "sslbio's portable engine cannot resume TLS sessions: Python 2.7's "
        "_ssl module has no session API")


class SSLSession(_session.SSLSession):
    """Python 3's ``ssl.SSLSession``.  This engine never makes one (2.7's
    ``_ssl`` has no session API); the class is there for type checks."""

    __slots__ = ()
    id = time = timeout = ticket_lifetime_hint = has_ticket = property(
        _refuse_sessions)


# -- SSLObject -------------------------------------------------------------------

class SSLObject(_sslobject.SSLObject):
    __doc__ = _sslobject.SSLObject.__doc__

    __slots__ = ("_native", "_native_read", "_native_write", "_ours",
                 "_native_pending", "_readable", "_peer_closed",
                 "_theirs", "_send", "_incoming", "_outgoing", "_feeder",
                 "_check_host", "_state", "_shutdown_started", "_hello",
                 "_hello_received", "_reused")

    _memory_bio_class = MemoryBIO
    _session_class = SSLSession

    def _engine_init(self, incoming, outgoing, side, server_hostname,
                     context, owner):
        if not isinstance(context, _ssl._SSLContext):
            raise TypeError("not an SSLContext")  # as the ctypes engine
        if server_hostname is not None and \
                len(server_hostname) > _MAX_SERVER_NAME and \
                ip_address(server_hostname) is None:
            # OpenSSL refuses it as SNI, which Python 3 reports; 2.7's
            # _wrap_socket() would leave the refusal in the error queue.
            raise _errors.invalid_server_name_error()
        ours, theirs, immediate = socket_pair()
        # The native object keeps only a weak reference to its socket: this
        # object holds both ends.  The owner is what the SNI callback
        # receives.
        self._native = native = context._wrap_socket(
            ours, side, server_hostname, owner)
        self._native_read = native.read
        self._native_write = native.write
        self._native_pending = native.pending
        self._readable = readable_check(theirs)
        self._peer_closed = False
        self._ours = ours
        self._theirs = theirs
        self._send = send = sender(theirs, ours, immediate)
        self._incoming = incoming
        self._outgoing = outgoing
        self._feeder = RecordFeeder(incoming, send, ours, theirs, side == 1)
        self._state = HANDSHAKING
        self._shutdown_started = False
        self._hello_received = False
        self._check_host = None
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
                self._feeder.flight = b""

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

    def _run(self, call, arg=None, result=0, exc=None):
        """``call(arg)`` (or ``call()``) on the native object, fed record
        by record until it completes or needs bytes ``incoming`` does not
        have; ``exc``, when given, is what the caller's own first call
        raised.  ``result``: what Python 3's call returns on a bare syscall
        failure (see ``_errors.error_from_native``)."""
        while True:
            if exc is None:
                try:
                    done = call() if arg is None else call(arg)
                except _socket_error as raised:
                    exc = raised
                else:
                    self._drain_if_any()
                    return done
            if isinstance(exc, _want_read) and exc.reason is None:
                self._drain_if_any()
                if not self._feeder.feed():
                    raise _want_read_error()
            elif isinstance(exc, _want_write):
                # The socket buffer is full: empty it and go on.
                self._drain()
            else:
                self._drain_if_any()  # an alert must reach the peer
                raise self._failed(exc, result)
            exc = None

    def _failed(self, exc, result):
        """Python 3's exception for a native failure; what the native side
        did not read goes back to ``incoming``."""
        self._feeder.take_back()
        error = _errors.error_from_native(None, None, exc,
                                          self._server_hostname, result)
        state = self._state
        if error.errno in _FATAL and not state.mismatch and (
                not state.finished or error.reason not in _REFUSALS and (
                    error.errno == 1 or error.reason is not None)):
            # A fatal error in the handshake, or one that leaves OpenSSL's
            # connection in its error state: Python 3 reports no version
            # and no peer certificate from now on.  (A stream cut short is
            # such an error from OpenSSL 3.0 on, with a reason; before 3.0
            # it is a bare syscall error, after which OpenSSL and so Python
            # 3 still report the connection's version.)
            self._state = FAILED
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
        _refuse_sessions()

    @property
    def session_reused(self):
        # Read from the server's hello; a client of this engine never
        # offers a session.
        return self._reused

    # -- the record layer --------------------------------------------------------
    def _handshake(self, result=-1):
        # Also the implicit handshake of the first read or write (result
        # 0), which Python 3's SSL_read/SSL_write run: going through the
        # native do_handshake() keeps the native object's idea of
        # "handshake done" (peer certificate) right.
        if self._state.mismatch:
            # What Python 3 raises once the handshake has failed.
            raise self._after_failure(result)
        before = self._outgoing._pending
        try:
            self._run(self._native.do_handshake, None, result)
        except _want_read:
            if self._feeder.flight:
                self._check_plaintext_certificate(before)
            raise
        if self._check_host is not None and not self._state.finished:
            self._feeder.flight = None
            self._check_peer_name(self._native.peer_certificate(True), before)
        self._state = OPEN_NAMELESS if self._hostname_missing else OPEN

    def _check_plaintext_certificate(self, before):
        """Under TLS 1.2 the server's certificate is known (and its chain
        verified) as soon as the client has processed it: check the name
        then, before the client's next flight leaves, as Python 3 does."""
        found = certificate_in_flight(self._feeder.flight)
        if found is not None:
            self._feeder.flight = None
            self._check_peer_name(found[0], before, found[1])

    def _check_peer_name(self, der, before, alert=None):
        """Python 3 checks the host name inside the handshake; here it is
        checked as soon as the peer's certificate (``der``) is known."""
        error = mismatch_error(der, self._check_host)
        if error is None:
            return
        # What this call wrote (the client's next flight) stays here, so
        # the peer does not take the connection for established.  Under
        # TLS 1.3 no alert can take its place: it would have to be
        # encrypted.
        self._outgoing._truncate(before)
        if alert is None:
            self._state = NAME_MISMATCH
        else:
            self._outgoing._append(alert)
            # Python 3's client stopped before its ChangeCipherSpec, which
            # is when OpenSSL makes the negotiated cipher current.
            self._state = NAME_MISMATCH_IN_CLEAR
        raise error

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
                and self._state is OPEN:
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
            feeder = self._feeder
            record = feeder.whole_record()
            if record is not None:
                self._send(record)
            else:
                feeder.feed()
        try:
            data = self._native_read(size)
        except _socket_error as exc:
            data = self._run(self._native_read, size, 0, exc)
        if data:
            # At most one record was in the socket, and it gave application
            # data: OpenSSL wrote nothing (a record that makes it write -- a
            # KeyUpdate, a renegotiation, a post-handshake request -- gives
            # no data, so the read wants the next one and fails into _run,
            # which drains).  No poll needed.
            return data
        self._drain_if_any()
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
        return self._read_for_buffer(len)

    def _read_for_buffer(self, wanted):
        if not self._state.finished:
            try:
                self._implicit_handshake()
            except ssl.SSLZeroReturnError:
                # The peer closed during the handshake: Python 3's read
                # returns b'' when that was a close_notify (or alert), as
                # the native read() decides.
                pass
        return self._read_native(min(wanted, _READ_CHUNK))

    def _implicit_handshake(self):
        """The handshake SSL_read() and SSL_write() run first.  On OpenSSL
        1.0.2 (see _BEFORE_110) the native call answers by itself once the
        handshake has failed, and where the stream ends inside it (a failed
        handshake, SSL_R_SSL_HANDSHAKE_FAILURE, rather than an EOF)."""
        if _BEFORE_110 and self._state is FAILED:
            return
        try:
            self._handshake(0)
        except ssl.SSLEOFError:
            if not _BEFORE_110:
                raise

    def write(self, data):
        if type(data) is not bytes:
            data = as_bytes(data)
        if not (data and self._state is OPEN and not self._shutdown_started):
            if self._hostname_missing:
                self._refuse_data()
            if self._shutdown_started:
                # OpenSSL refuses before anything else ("protocol is
                # shutdown").
                return self._run(self._native_write, data)
            if not self._state.finished:
                self._implicit_handshake()
            if not data:
                # OpenSSL's SSL_write() cannot tell an empty write from a
                # failure, so 2.7's native write of b"" fails once the
                # handshake is done, where Python 3 returns 0.
                return 0
        # One native call, one recv() in the common case.  (2.7's native
        # write() refuses more than INT_MAX bytes with OverflowError, as
        # 3.11 does.)
        try:
            count = self._native_write(data)
        except _socket_error as exc:
            return self._run(self._native_write, data, 0, exc)
        self._drain()
        return count

    def unwrap(self):
        if self._state.mismatch:
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
        if not self._state.finished:
            raise ValueError("handshake not done yet")
        return as_python3_cert(self._native.peer_certificate(bool(binary_form)))

    def cipher(self):
        found = self._native.cipher()
        if found is None or self._state is NAME_MISMATCH_IN_CLEAR:
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
        if not self._state.finished:
            return None
        return _errors.native_str(self._native.version())

    def selected_alpn_protocol(self):
        selected = getattr(self._native, "selected_alpn_protocol", None)
        if selected is None:
            return None
        return _errors.native_str(selected())

    def _tls_unique(self):
        if self._state.mismatch:
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
