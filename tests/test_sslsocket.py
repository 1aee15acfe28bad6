"""sslbio.SSLSocket over socket pairs: Python 3's ssl.SSLSocket behaviour in
blocking, timeout and non-blocking modes, the pending() rule, TLS in TLS in
TLS, unwrap, makefile, alerts, and the exceptions bad input gets.

The same tests run on Python 2.7 (sslbio's engine) and on Python 3 (the
standard library's SSLObject under the same SSLSocket).
"""

import array
import errno
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
from support import cert, der_cert, openssl_release, socket_cases, subproc
from support.interpreters import not_minor

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


@pytest.mark.skipif(not hasattr(sslbio.SSLObject, "get_verified_chain"),
                    reason="Python 3.13's certificate chains")
def test_certificate_chains_as_python313s_socket(pair):
    a, b = pair
    tls, server = tls_pair(a, b)
    assert tls.get_verified_chain() == tls._sslobj.get_verified_chain()
    assert tls.get_verified_chain()[0] == der_cert("server.pem")
    assert tls.get_unverified_chain() == [der_cert("server.pem")]
    assert server.get_unverified_chain() == []


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
        # The server's socket shut down and closed: no close_notify.
        peer = Background(lambda: close_now(layered(a, 1, True)))
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


class Stream(object):
    """A transport with nothing but recv() and sendall()."""

    def __init__(self, sock):
        self._sock = sock

    def recv(self, size):
        return self._sock.recv(size)

    def sendall(self, data):
        self._sock.sendall(data)


def test_a_transport_needs_only_recv_and_sendall(pair):
    a, b = pair

    def serve():
        tls = layered(a, 1, True)
        echo(tls, 5)
        return tls.unwrap()

    peer = Background(serve)
    tls = sslbio.wrap_socket(Stream(b), client_context(), server_hostname="localhost")
    assert tls.gettimeout() is None  # it blocks
    tls.sendall(b"hello")
    assert recv_exactly(tls, 5) == b"hello"
    assert tls.recv(10) == b""  # the server's close_notify
    assert isinstance(tls.unwrap(), Stream)
    assert peer.result() is a
    tls.close()  # the stream has no close(): nothing to do
    assert tls.version() is None


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
    with pytest.raises(ssl.SSLWantReadError) as info:
        tls.recv(10)
    # As Python 3's socket raises it: no OpenSSL error behind it.
    assert (info.value.args, info.value.library, info.value.reason) == (
        (ssl.SSL_ERROR_WANT_READ, "The operation did not complete (read)"),
        None, None)
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
        return tls  # closed with the transport, after the test

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


def test_record_length_reads_an_sslv2_format_hello_only_where_told():
    """A server's first record may be an SSLv2-format ClientHello (2-byte
    header, the length's top bit set); anywhere else the same bytes are a
    5-byte header whose last two bytes are the body's length."""
    from sslbio._records import record_length
    v2_header = b"\x80\x2e\x01\x03\x03"
    assert record_length(v2_header, True) == 2 + 0x2e
    assert record_length(v2_header, False) == 5 + 0x0303
    tls_header = b"\x16\x03\x01\x02\x00"
    for maybe_sslv2 in (False, True):
        assert record_length(tls_header, maybe_sslv2) == 5 + 0x200
        assert record_length(bytearray(tls_header), maybe_sslv2) == 5 + 0x200


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


# -- Python 3's socket, case by case (support/socket_cases.py) -------------------
#
# What Python 3.11's own ssl.SSLSocket gives in each case, checked against
# it by test_python311_gives_these: sslbio's socket must give the same on
# every interpreter and engine.
def _raised(name, *args):
    return {"raised": name, "args": list(args)}


_EARLY_DATA = "Closed before TLS handshake with data in recv buffer."
PYTHON311 = {
    # CVE-2023-40217: clear text from a peer that reset the connection
    # before TLS is refused, never returned by recv().
    "early_data_to_server": {
        "raised": "SSLError", "args": [errno.ENOTCONN, _EARLY_DATA],
        "reason": _EARLY_DATA, "library": None, "str": _EARLY_DATA,
        "received": None},
    "early_data_to_client": {
        "raised": "SSLError", "args": [errno.ENOTCONN, _EARLY_DATA],
        "reason": _EARLY_DATA, "library": None, "str": _EARLY_DATA,
        "received": None},
    # Reads of nothing return at once, in every mode.
    "empty_reads": {
        "recv(0)": "", "read(0)": "", "recv_into(bytearray())": 0,
        "non-blocking recv(0)": "", "waited": False},
    # recv_into() counts the buffer's bytes (two 4-byte ints), and takes
    # any writable buffer (2.7's array.array has only the old interface).
    "recv_into_wide_items": {"count": 4, "buffer": u"data\x00\x00\x00\x00"},
    # sendfile() under TLS: 50,000 bytes from offset 10 go through send(),
    # the file's position left after them.
    "sendfile": {"sent": 50000, "position": 50010, "received": True},
    # A peer's reset: Python 3.11 reports it as a ragged EOF from a read or
    # a write (b'' when suppressed, else SSLEOFError), as the OSError from
    # the handshake and unwrap() (see docs/sockets.md).
    "peer_reset": {
        "recv": ["", ""],
        "recv, ragged EOFs not suppressed": [
            _raised("SSLEOFError", 8, "EOF occurred in violation of protocol"),
            _raised("SSLEOFError", 8, openssl_release.READ_CUT_SHORT)],
        "send": [_raised("SSLEOFError", 8, "EOF occurred in violation of protocol")] * 2,
        "unwrap": [_raised("OSError", errno.ECONNRESET, "Connection reset by peer")],
        "handshake": _raised("OSError", errno.ECONNRESET, "Connection reset by peer")},
    # Refused arguments leave the socket alone; once they are accepted a
    # failure closes it.
    "failures_close_the_socket": {
        "no server_hostname": ["ValueError", True],
        "bad server_hostname": ["UnicodeError", False],
        "failed handshake": ["SSLEOFError", False]},
    # connect(): refused, it may be tried again; connected with a failed
    # handshake, TLS is dropped and the rest is clear text.
    "connect_failures": {
        "refused": _raised("OSError", errno.ECONNREFUSED, "Connection refused"),
        "no TLS at the peer": "SSLError",
        "connect again": _raised("ValueError", "attempt to connect "
                                 "already-connected SSLSocket!"),
        "read": _raised("ValueError", "Read on closed or unwrapped SSL socket."),
        "recv reads the transport in clear text": True,
        "pending, version": [0, None]},
    # server_hostname reads as the IDNA A-label the handshake sends.
    "server_hostname_u_label": u"xn--knig-5qa.example",
    # The SNI callback is given the server's socket (not the connection
    # inside it).
    "sni_callback_argument": {"type": "SSLSocket", "is the server": True,
                              "server_name": u"localhost"},
    "sendfile_refusals": dict(
        [("text file", _raised("ValueError", "file should be opened in binary mode")),
         ("non-blocking", _raised("ValueError", "non-blocking sockets are not supported"))] +
        [("count %r" % (count,), _raised(error, "count must be a positive integer "
                                         "(got %r)" % (count,)))
         for count, error in ((0, "ValueError"), (-1, "ValueError"),
                              ("1", "TypeError"), (2.0, "TypeError"))]),
}


@pytest.mark.skipif(not hasattr(ssl.SSLContext, "_msg_callback"),
                    reason="Python 3's private message callback")
def test_the_message_callback_gets_the_socket(pair):
    a, b = pair
    seen = set()
    context = client_context()
    context._msg_callback = lambda conn, *args: seen.add(conn)
    peer = Background(layered, a, 1, True)
    tls = sslbio.wrap_socket(b, context, server_hostname="localhost")
    peer.result()
    assert seen == set([tls])


def _tls_warnings(caught):
    """The ResourceWarnings about sslbio's sockets."""
    return [str(w.message) for w in caught
            if issubclass(w.category, ResourceWarning) and
            "sslbio" in str(w.message)]


@pytest.mark.skipif(PY2, reason="Python 3's ResourceWarning")
def test_an_unclosed_socket_warns_naming_itself(pair):
    import gc
    import warnings
    a, b = pair
    peer = Background(layered, a, 1, True)
    tls = layered(b, 1, False)
    peer.result()
    name = repr(tls)
    gc.collect()  # other tests' garbage first
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del tls
        gc.collect()
    # One warning, as Python 3's socket gives, and the transport closed
    # (which then gives none of its own).
    assert _tls_warnings(caught) == ["unclosed " + name]
    assert b.fileno() == -1


@pytest.mark.skipif(PY2, reason="Python 3's ResourceWarning")
def test_closed_or_unwrapped_sockets_do_not_warn(pair):
    import gc
    import warnings
    a, b = pair
    peer = Background(layered, a, 1, True)
    tls = layered(b, 1, False)
    server = peer.result()
    closing = Background(server.unwrap)
    gc.collect()  # other tests' garbage first
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert tls.unwrap() is b
        closing.result()
        del tls, server, closing
        gc.collect()
    assert _tls_warnings(caught) == []
    assert b.fileno() != -1


# Cases whose outcome comes partly from the SSLObject underneath, which on a
# Python 3 before 3.10 predates OpenSSL 3's report of a stream cut short.
_STDLIB_DEPENDENT = {"peer_reset": stdlib_predates_openssl3,
                     "failures_close_the_socket": stdlib_predates_openssl3}


@pytest.mark.parametrize("case", [
    pytest.param(case, marks=_STDLIB_DEPENDENT[case]) if case in _STDLIB_DEPENDENT
    else case for case in sorted(PYTHON311)])
def test_as_python311(case):
    assert socket_cases.CASES[case](socket_cases.sslbio_wrap) == PYTHON311[case]


def test_python311_gives_these(reference_python):
    if not_minor(reference_python, "3.11"):
        pytest.skip(not_minor(reference_python, "3.11"))
    result = subproc.run([reference_python, "-m", "support.socket_cases", "native"],
                         timeout=120, env=subproc.python_env(reference_python),
                         cwd=subproc.TESTS).check_clean()
    found = result.json()
    assert dict((case, found[case]) for case in PYTHON311) == PYTHON311
