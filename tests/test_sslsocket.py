"""sslbio.SSLSocket over socket pairs: Python 3's ssl.SSLSocket behaviour in
blocking, timeout and non-blocking modes, the pending() rule, TLS in TLS in
TLS, unwrap, makefile, alerts, and the exceptions bad input gets.

The same tests run on Python 2.7 (sslbio's engine) and on Python 3 (the
standard library's SSLObject under the same SSLSocket).
"""

import array
import hashlib
import os
import select
import socket
import ssl
import struct
import sys
import threading

import pytest

import sslbio
from support import cert

try:
    from http.client import HTTPConnection
except ImportError:  # Python 2.7
    from httplib import HTTPConnection

PY2 = sys.version_info[0] == 2
# Before 3.10 Python's _ssl predates OpenSSL 3's way of reporting a stream
# cut short (a plain SSLError, under a misread reason name on 3.6 and 3.7),
# and write(b"") calls OpenSSL, which refuses it; the socket layer passes on
# what that SSLObject does.
stdlib_predates_openssl3 = pytest.mark.skipif(
    (3, 0) <= sys.version_info < (3, 10) and ssl.OPENSSL_VERSION_INFO >= (3,),
    reason="Python 3 before 3.10 predates OpenSSL 3 (ragged EOFs, write(b''))")
DEADLINE = 20.0


def server_context(certname="server"):
    context = ssl.SSLContext(ssl.PROTOCOL_SSLv23)
    context.load_cert_chain(cert(certname + ".pem"), cert(certname + ".key"))
    return context


def client_context():
    context = ssl.SSLContext(ssl.PROTOCOL_SSLv23)
    context.verify_mode = ssl.CERT_REQUIRED
    context.check_hostname = True
    context.load_verify_locations(cert("ca.pem"))
    return context


class Background(object):
    """Runs ``target`` in a thread; ``result()`` joins it with a deadline and
    re-raises what it raised."""

    def __init__(self, target, *args):
        self.value = self.error = None
        self.thread = threading.Thread(target=self._run, args=(target,) + args)
        self.thread.daemon = True
        self.thread.start()

    def _run(self, target, *args):
        try:
            self.value = target(*args)
        except BaseException as exc:
            self.error = exc

    def result(self):
        self.thread.join(DEADLINE)
        assert not self.thread.is_alive(), "the peer thread hung"
        if self.error is not None:
            raise self.error
        return self.value


def socketpair():
    a, b = socket.socketpair()
    if PY2:  # 2.7 gives bare _socket objects; ssl.SSLSocket wants full ones
        a, b = socket.socket(_sock=a), socket.socket(_sock=b)
    return a, b


@pytest.fixture
def pair():
    a, b = socketpair()
    for s in (a, b):
        s.settimeout(DEADLINE)
    yield a, b
    a.close()
    b.close()


def close_now(sock):
    """End the stream now: 2.7's socket.close() only drops a reference to
    the descriptor, which PyPy closes when it collects the object."""
    sock.shutdown(socket.SHUT_RDWR)
    sock.close()


def layered(sock, depth, server_side):
    """``depth`` sslbio TLS layers over ``sock``, each verified."""
    for _ in range(depth):
        if server_side:
            sock = sslbio.wrap_socket(sock, server_context(), server_side=True)
        else:
            sock = sslbio.wrap_socket(sock, client_context(),
                                      server_hostname="localhost")
    return sock


def tls_pair(a, b, depth=1):
    """(client, server): ``depth`` TLS layers over the socket pair, the
    handshakes done."""
    peer = Background(layered, a, depth, True)
    client = layered(b, depth, False)
    return client, peer.result()


def recv_exactly(sock, size):
    chunks, got = [], 0
    while got < size:
        data = sock.recv(min(65536, size - got))
        assert data, "the stream ended after %d of %d bytes" % (got, size)
        chunks.append(data)
        got += len(data)
    return b"".join(chunks)


def echo(sock, size):
    data = recv_exactly(sock, size)
    sock.sendall(data)
    return data


# -- blocking --------------------------------------------------------------------

def test_handshake_and_queries_against_a_native_server(pair):
    a, b = pair
    native = server_context()
    native.set_alpn_protocols(["h2", "http/1.1"])

    def serve():
        tls = native.wrap_socket(a, server_side=True)
        echo(tls, 5)
        return tls.version(), tls.cipher()

    peer = Background(serve)
    context = client_context()
    context.set_alpn_protocols(["http/1.1"])
    tls = sslbio.wrap_socket(b, context, server_hostname="localhost")
    assert isinstance(tls, sslbio.SSLSocket)
    tls.sendall(b"hello")
    assert recv_exactly(tls, 5) == b"hello"
    version, cipher = peer.result()
    assert tls.version() == version
    assert tls.cipher() == cipher
    assert tls.selected_alpn_protocol() == "http/1.1"
    assert dict(x[0] for x in tls.getpeercert()["subject"])["commonName"] == "localhost"
    assert tls.getpeercert(True) == ssl.PEM_cert_to_DER_cert(open(cert("server.pem")).read())
    assert tls.server_side is False and tls.server_hostname == "localhost"
    assert tls.fileno() == b.fileno()
    assert tls.pending() == 0


@pytest.mark.parametrize("depth", [1, 3])
def test_tls_in_tls_carries_megabytes_byte_for_byte(pair, depth):
    a, b = pair
    payload = os.urandom(3 * 1024 * 1024 + 7)
    peer = Background(lambda: echo(layered(a, depth, True), len(payload)))
    tls = layered(b, depth, False)
    sender = Background(tls.sendall, payload)
    received = recv_exactly(tls, len(payload))
    sender.result()
    assert hashlib.sha256(peer.result()).digest() == hashlib.sha256(payload).digest()
    assert received == payload
    # Each layer is its own TLS connection, nested in the one below.
    layers = []
    while isinstance(tls, sslbio.SSLSocket):
        layers.append(tls)
        tls = tls.transport
    assert len(layers) == depth and tls is b


@pytest.mark.skipif(not PY2, reason="2.7's native ssl.SSLSocket as the transport")
def test_over_a_native_27_sslsocket(pair):
    a, b = pair
    peer = Background(lambda: echo(layered(server_context().wrap_socket(
        a, server_side=True), 1, True), 100000))
    outer = client_context().wrap_socket(b, server_hostname="localhost")
    tls = sslbio.wrap_socket(outer, client_context(), server_hostname="localhost")
    tls.sendall(b"x" * 100000)
    assert recv_exactly(tls, 100000) == b"x" * 100000
    peer.result()


def test_sendall_takes_any_bytes_like_object(pair):
    # On 2.7 array.array has only the old buffer interface (no memoryview).
    a, b = pair
    pieces = [b"bytes", bytearray(b"bytearray"), memoryview(b"memoryview"),
              array.array("b", b"array")]
    expected = b"bytesbytearraymemoryviewarray"
    peer = Background(lambda: echo(layered(a, 1, True), len(expected)))
    tls = layered(b, 1, False)
    for piece in pieces:
        tls.sendall(piece)
    assert recv_exactly(tls, len(expected)) == expected
    peer.result()


def test_clean_close_reads_empty(pair):
    a, b = pair

    def serve():
        tls = layered(a, 1, True)
        tls.sendall(b"bye")
        tls.unwrap()

    peer = Background(serve)
    tls = layered(b, 1, False)
    assert recv_exactly(tls, 3) == b"bye"
    assert tls.recv(10) == b""
    tls.unwrap()  # the server's unwrap() waits for this close_notify
    peer.result()


@stdlib_predates_openssl3
def test_ragged_eof_reads_empty_or_raises_when_asked(pair):
    a, b = pair
    for suppress in (True, False):
        a, b = socketpair()
        peer = Background(lambda: close_now(layered(a, 1, True).transport))
        tls = sslbio.wrap_socket(b, client_context(), server_hostname="localhost",
                                 suppress_ragged_eofs=suppress)
        peer.result()
        if suppress:
            assert tls.recv(10) == b""
        else:
            with pytest.raises(ssl.SSLEOFError):
                tls.recv(10)
        tls.close()


def test_unwrap_returns_the_transport_for_clear_text(pair):
    a, b = pair
    client_sent = threading.Event()

    def serve():
        tls = layered(a, 1, True)
        echo(tls, 4)
        client_sent.wait(DEADLINE)
        # The client's close_notify and its clear text are both waiting:
        # unwrap() must take the first only.
        plain = tls.unwrap()
        return recv_exactly(plain, 5)

    peer = Background(serve)
    tls = layered(b, 1, False)
    tls.sendall(b"ping")
    assert recv_exactly(tls, 4) == b"ping"
    tls.setblocking(False)
    with pytest.raises(ssl.SSLWantReadError):
        tls.unwrap()  # close_notify sent; the server's has not come yet
    b.sendall(b"clear")
    client_sent.set()
    while True:
        select.select([b], [], [], DEADLINE)
        try:
            plain = tls.unwrap()
            break
        except ssl.SSLWantReadError:
            continue
    assert plain is b
    assert peer.result() == b"clear"
    with pytest.raises(ValueError):
        tls.unwrap()
    with pytest.raises(ValueError):
        tls.read(1)


def test_makefile_carries_httplib(pair):
    a, b = pair
    body = os.urandom(200000)

    def serve():
        tls = layered(layered(a, 1, True), 1, True)  # TLS in TLS
        request = b""
        while b"\r\n\r\n" not in request:
            request += tls.recv(4096)
        tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        return request

    peer = Background(serve)
    tls = layered(b, 2, False)
    connection = HTTPConnection("localhost")
    connection.sock = tls
    connection.request("GET", "/file")
    response = connection.getresponse()
    assert response.status == 200
    assert response.read() == body
    assert peer.result().startswith(b"GET /file HTTP/1.1\r\n")


def test_makefile_keeps_the_connection_until_the_file_closes(pair):
    a, b = pair
    peer = Background(lambda: layered(a, 1, True).sendall(b"line one\nline two\n"))
    tls = layered(b, 1, False)
    f = tls.makefile("rb")
    tls.close()  # the file still reads
    assert f.readline() == b"line one\n"
    assert f.readline() == b"line two\n"
    f.close()
    peer.result()
    with pytest.raises(socket.error):
        b.send(b"x")  # closed with the last file


def test_a_failed_verification_sends_its_alert_to_the_peer(pair):
    a, b = pair

    def serve():
        with pytest.raises(ssl.SSLError) as info:
            sslbio.wrap_socket(a, server_context("untrusted"), server_side=True)
        return info.value

    peer = Background(serve)
    with pytest.raises(ssl.SSLError) as info:
        sslbio.wrap_socket(b, client_context(), server_hostname="localhost")
    assert "CERTIFICATE_VERIFY_FAILED" in str(info.value)
    # The server learns why: the client's alert reached it.
    assert "UNKNOWN_CA" in str(peer.result()).upper()


def test_connect_after_wrapping_an_unconnected_socket():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(DEADLINE)
    server = sslbio.wrap_socket(listener, server_context(), server_side=True)

    def serve():
        conn, _ = server.accept()
        return echo(conn, 2)

    peer = Background(serve)
    client = sslbio.wrap_socket(socket.socket(), client_context(),
                                server_hostname="localhost")
    assert client.version() is None and client.pending() == 0
    with pytest.raises(socket.error):
        client.getpeercert()
    client.connect(listener.getsockname())
    client.sendall(b"ok")
    assert recv_exactly(client, 2) == b"ok"
    assert peer.result() == b"ok"
    with pytest.raises(ValueError):
        client.connect(listener.getsockname())
    client.close()
    listener.close()


# -- timeouts and non-blocking mode ----------------------------------------------

def test_a_read_times_out_as_python3_says(pair):
    a, b = pair
    tls, server = tls_pair(a, b)
    tls.settimeout(0.2)
    assert tls.gettimeout() == 0.2 and b.gettimeout() == 0.2
    with pytest.raises(socket.timeout) as info:
        tls.recv(10)
    assert str(info.value) == "The read operation timed out"
    server.sendall(b"late")
    assert tls.recv(10) == b"late"


def test_a_handshake_times_out(pair):
    a, b = pair
    b.settimeout(0.2)
    with pytest.raises(socket.timeout) as info:
        sslbio.wrap_socket(b, client_context(), server_hostname="localhost")
    assert "handshake" in str(info.value)


def test_non_blocking_reads_raise_want_read(pair):
    a, b = pair
    tls, server = tls_pair(a, b, 2)
    tls.setblocking(False)
    assert tls.gettimeout() == 0.0 and b.gettimeout() == 0.0
    with pytest.raises(ssl.SSLWantReadError):
        tls.recv(10)
    server.sendall(b"now")
    got = b""
    while len(got) < 3:
        select.select([tls], [], [], DEADLINE)
        try:
            got += tls.recv(10)
        except ssl.SSLWantReadError:
            continue
    assert got == b"now"


def test_pending_reports_what_select_cannot_see(pair):
    """The select() rule: after a read, pending() > 0 means more decrypted
    data is waiting although the transport is not readable; pending() == 0
    means nothing is held back, so waiting on the transport is safe."""
    a, b = pair
    tls, server = tls_pair(a, b)
    tls.setblocking(False)
    server.sendall(b"a" * 100)  # one record
    assert select.select([b], [], [], DEADLINE)[0]
    while True:
        try:
            first = tls.recv(10)
            break
        except ssl.SSLWantReadError:
            select.select([b], [], [], DEADLINE)
    assert first == b"a" * 10
    assert tls.pending() == 90
    assert select.select([b], [], [], 0.1)[0] == []  # invisible to select()
    assert tls.recv(1000) == b"a" * 90
    assert tls.pending() == 0
    # Two records: a read takes the first only and leaves the second in the
    # transport, where select() sees it.
    server.sendall(b"b" * 50)
    server.sendall(b"c" * 50)
    select.select([b], [], [], DEADLINE)
    data = b""
    while not data:
        try:
            data = tls.recv(1000)
        except ssl.SSLWantReadError:
            select.select([b], [], [], DEADLINE)
    assert data == b"b" * 50 and tls.pending() == 0
    assert select.select([b], [], [], DEADLINE)[0] == [b]
    assert tls.recv(1000) == b"c" * 50


@stdlib_predates_openssl3
def test_non_blocking_sends_lose_and_repeat_nothing(pair):
    a, b = pair
    tls, server = tls_pair(a, b)
    tls.setblocking(False)
    chunk = os.urandom(65536)
    sent = []
    wants_write = 0
    while sum(map(len, sent)) < 8 * 1024 * 1024:
        try:
            count = tls.send(chunk)
        except ssl.SSLWantWriteError:
            wants_write += 1
            break
        sent.append(chunk[:count])
    assert wants_write, "the transport never filled up"
    expected = b"".join(sent)
    reader = Background(recv_exactly, server, len(expected))
    while True:  # what the transport refused goes out on a retry
        select.select([], [b], [], DEADLINE)
        try:
            tls.send(b"")
            break
        except ssl.SSLWantWriteError:
            continue
    assert reader.result() == expected


def test_do_handshake_on_connect_refuses_a_non_blocking_socket(pair):
    a, b = pair
    b.setblocking(False)
    with pytest.raises(ValueError) as info:
        sslbio.wrap_socket(b, client_context(), server_hostname="localhost")
    assert "non-blocking" in str(info.value)


def test_non_blocking_handshake(pair):
    a, b = pair
    peer = Background(layered, a, 1, True)
    b.setblocking(False)
    tls = sslbio.wrap_socket(b, client_context(), server_hostname="localhost",
                             do_handshake_on_connect=False)
    while True:
        try:
            tls.do_handshake()
            break
        except ssl.SSLWantReadError:
            select.select([b], [], [], DEADLINE)
    assert tls.version()
    peer.result()


# -- what is taken from the transport ---------------------------------------------
#
# A full-size record's body is read together with the next record's header
# (sslbio._records): never more, and never after a record that could be a
# close_notify.
FULL = 16384  # the plain text of a full-size record


def test_a_full_record_leaves_the_next_one_visible_to_select(pair):
    a, b = pair
    tls, server = tls_pair(a, b)
    server.sendall(b"a" * FULL + b"b" * FULL)  # two full-size records
    select.select([b], [], [], DEADLINE)
    assert tls.recv(65536) == b"a" * FULL
    assert tls.pending() == 0
    # Only the second record's header has left the transport: its body
    # is still there for select() to see.
    assert select.select([b], [], [], DEADLINE)[0] == [b]
    assert tls.recv(65536) == b"b" * FULL


def test_clear_text_after_close_notify_stays_after_full_records(pair):
    a, b = pair
    payload = os.urandom(4 * FULL)
    all_sent = threading.Event()

    def serve():
        tls = layered(a, 1, True)
        tls.sendall(payload)
        tls.setblocking(False)
        with pytest.raises(ssl.SSLWantReadError):
            tls.unwrap()  # close_notify sent
        a.sendall(b"clear")
        all_sent.set()

    peer = Background(serve)
    tls = layered(b, 1, False)
    peer.result()
    assert all_sent.is_set()
    # Full records, close_notify and clear text wait in the transport: the
    # last full record's read takes close_notify's header, and nothing
    # after close_notify is taken.
    assert recv_exactly(tls, len(payload)) == payload
    assert tls.recv(10) == b""
    assert tls.unwrap() is b
    assert recv_exactly(b, 5) == b"clear"


def test_record_reads_stop_at_the_next_header():
    """The reads that bring each record: a full-size one's body comes with
    the next header, a small one's (a close_notify could be small) alone,
    and an empty record the last read completed is not waited for."""
    from sslbio._records import RecordBoundary, READ_AHEAD_BODY

    def record(body_length):
        return b"\x17\x03\x03" + struct.pack(">H", body_length) + b"r" * body_length

    full = READ_AHEAD_BODY + 17
    records = record(full) + record(0) + record(full) + record(19)
    stream = [records + b"clear"]
    asked = []

    def recv(size):
        asked.append(size)
        data, stream[0] = stream[0][:size], stream[0][size:]
        return data

    boundary = RecordBoundary()
    pieces = []
    for reads in ([5, full + 5], [], [5, full + 5], [19]):
        del asked[:]
        assert boundary.read_record(recv, pieces)
        assert asked == reads
    assert b"".join(pieces) == records
    assert stream[0] == b"clear"


# -- bad input ---------------------------------------------------------------

def test_bad_input_gets_python3s_exceptions(pair):
    a, b = pair
    with pytest.raises(ValueError) as info:
        sslbio.wrap_socket(a, server_context(), server_side=True,
                           server_hostname="x")
    assert str(info.value) == "server_hostname can only be specified in client mode"
    with pytest.raises(ValueError) as info:
        sslbio.wrap_socket(a, client_context())
    assert str(info.value) == "check_hostname requires server_hostname"
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    with pytest.raises(NotImplementedError):
        sslbio.wrap_socket(udp, client_context(), server_hostname="localhost")
    udp.close()
    peer = Background(layered, a, 1, True)
    tls = layered(b, 1, False)
    peer.result()
    for call in (lambda: tls.send(b"x", 1), lambda: tls.recv(1, 1),
                 lambda: tls.sendall(b"x", 1),
                 lambda: tls.recv_into(bytearray(1), 1, 1),
                 lambda: tls.sendto(b"x", ("127.0.0.1", 9))):
        with pytest.raises(ValueError):
            call()
    with pytest.raises(TypeError):
        tls.send(u"text")
    # Python 3's message, naming the type passed (on 2.7 'unicode', where
    # 'str' is what it takes).
    with pytest.raises(TypeError) as info:
        tls.sendall(u"text")
    assert str(info.value) == ("memoryview: a bytes-like object is required, "
                               "not '%s'" % type(u"").__name__)
    with pytest.raises(NotImplementedError):
        tls.sendmsg([b"x"])
    tls.close()
    with pytest.raises(ValueError) as info:
        tls.read(1)
    assert str(info.value) == "Read on closed or unwrapped SSL socket."
    with pytest.raises(ValueError) as info:
        tls.write(b"x")
    assert str(info.value) == "Write on closed or unwrapped SSL socket."
