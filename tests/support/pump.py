"""Run an in-memory ``SSLObject`` over a real, blocking socket.

The object under test never touches the socket: this pump moves ciphertext
between the socket and the two ``MemoryBIO``s, the way an event loop would,
and retries the TLS call whenever it asks for more input.  Every call has a
deadline so a misbehaving engine or peer fails the test instead of hanging it.
"""

import socket
import ssl
import time

import sslbio

DEFAULT_TIMEOUT = 5.0
RECV_SIZE = 65536
# Plaintext handed to SSLObject.write() per call: a few TLS records, so a
# large payload does not build one huge ciphertext buffer before it is sent.
WRITE_CHUNK = 65536


class PumpTimeout(AssertionError):
    """A TLS operation did not finish before its deadline."""


class TLSPump(object):
    """Blocking driver for one SSLObject bound to one connected socket."""

    def __init__(self, sock, sslobj, incoming, outgoing,
                 timeout=DEFAULT_TIMEOUT):
        self.sock = sock
        self.sslobj = sslobj
        self.incoming = incoming
        self.outgoing = outgoing
        self.timeout = timeout
        self.eof_seen = False

    @classmethod
    def connect(cls, context, port, server_hostname=None, session=None,
                timeout=DEFAULT_TIMEOUT):
        """Client side: connect to 127.0.0.1:port, no handshake yet.
        Uses the module-level sslbio.wrap_bio(); accept() uses the context
        method, so the interop tests go through both entry points."""
        sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        incoming, outgoing = sslbio.MemoryBIO(), sslbio.MemoryBIO()
        try:
            sslobj = sslbio.wrap_bio(context, incoming, outgoing,
                                     server_hostname=server_hostname,
                                     session=session)
        except BaseException:
            sock.close()
            raise
        return cls(sock, sslobj, incoming, outgoing, timeout)

    @classmethod
    def accept(cls, context, listener, timeout=DEFAULT_TIMEOUT):
        """Server side: accept one connection from `listener`."""
        listener.settimeout(timeout)
        try:
            sock, _ = listener.accept()
        except socket.timeout:
            raise PumpTimeout("no client connected within %.1f s" % timeout)
        incoming, outgoing = sslbio.MemoryBIO(), sslbio.MemoryBIO()
        try:
            sslobj = context.wrap_bio(incoming, outgoing, server_side=True)
        except BaseException:
            sock.close()
            raise
        return cls(sock, sslobj, incoming, outgoing, timeout)

    # -- the loop ---------------------------------------------------------

    def call(self, method, *args):
        """Call `method` (a bound SSLObject method) until it completes,
        feeding it from the socket whenever it raises SSLWantReadError."""
        deadline = time.time() + self.timeout
        while True:
            try:
                result = method(*args)
            except ssl.SSLWantReadError:
                self.flush()
                self._fill(deadline, method)
            except ssl.SSLWantWriteError:
                # Memory BIOs grow without bound, so this should not occur;
                # draining the outgoing BIO is still the right response.
                self.flush()
                self._check_deadline(deadline, method)
            except BaseException:
                # A failing handshake leaves its alert in the outgoing BIO:
                # deliver it, the peer must be told why we stopped.
                self.flush(ignore_errors=True)
                raise
            else:
                self.flush()
                return result

    def flush(self, ignore_errors=False):
        """Send everything the TLS object has written to its outgoing BIO."""
        data = self.outgoing.read()
        if not data:
            return
        try:
            self.sock.settimeout(self.timeout)
            self.sock.sendall(data)
        except (socket.error, OSError):
            if not ignore_errors:
                raise

    def _check_deadline(self, deadline, method):
        """Seconds left before `deadline`; PumpTimeout if none."""
        remaining = deadline - time.time()
        if remaining <= 0:
            raise PumpTimeout("%s: no progress within %.1f s" % (
                getattr(method, "__name__", method), self.timeout))
        return remaining

    def _fill(self, deadline, method):
        if self.eof_seen:
            # After write_eof() the object must fail or finish, not ask again.
            raise AssertionError("%s still wants data after end of file"
                                 % getattr(method, "__name__", method))
        self.sock.settimeout(self._check_deadline(deadline, method))
        try:
            data = self.sock.recv(RECV_SIZE)
        except socket.timeout:
            raise PumpTimeout("%s: peer sent nothing within %.1f s" % (
                getattr(method, "__name__", method), self.timeout))
        if data:
            self.incoming.write(data)
        else:
            self.eof_seen = True
            self.incoming.write_eof()

    # -- TLS operations ---------------------------------------------------

    def do_handshake(self):
        self.call(self.sslobj.do_handshake)

    def read(self, size=RECV_SIZE):
        """Up to `size` bytes of plaintext; b'' once the peer's close_notify
        has arrived."""
        return self.call(self.sslobj.read, size)

    def write(self, data):
        """Write all of `data` (SSLObject.write may accept less per call)."""
        pos = 0
        while pos < len(data):
            pos += self.call(self.sslobj.write, data[pos:pos + WRITE_CHUNK])

    def read_exactly(self, size):
        chunks = []
        received = 0
        while received < size:
            chunk = self.read(min(size - received, RECV_SIZE))
            if not chunk:
                raise AssertionError("peer closed after %d of %d bytes"
                                     % (received, size))
            chunks.append(chunk)
            received += len(chunk)
        return b"".join(chunks)

    def read_until(self, delimiter=None):
        """Read until `delimiter` (bytes) has arrived, or, with None, until
        the peer's close_notify."""
        chunks = []
        data = b""
        while delimiter is None or delimiter not in data:
            chunk = self.read()
            if not chunk:
                break
            chunks.append(chunk)
            if delimiter is not None:
                data = b"".join(chunks)
        return b"".join(chunks)

    def unwrap(self):
        """Send our close_notify and wait for the peer's."""
        return self.call(self.sslobj.unwrap)

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
