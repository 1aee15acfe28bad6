"""The portable engine (2.7's own ``_ssl`` over a private socket pair).

What it must share with the ctypes engine (and Python 3.11) is checked
differentially where both run: how many bytes a call leaves in ``incoming``,
what reaches ``outgoing``, end of file.  What it does on its own is checked
directly: the host name check after the handshake, the server's view of
resumption from its first flight, the socket pair's descriptors, the loopback
TCP pair Windows uses, running without ctypes.
"""

import errno
import os
import select
import socket
import ssl
import sys

import pytest

from support.openssl_release import AFTER_FAILED_HANDSHAKE, HAS_TLS13

PY2 = sys.version_info[0] == 2
pytestmark = pytest.mark.skipif(not PY2, reason="an engine for Python 2.7")

if PY2:
    from sslbio._engines import portable, _hostmatch, _plaintext
    from sslbio._engines.portable import state
    from support import subproc
    try:
        from sslbio._engines import ctypes as ctypes_engine
    except Exception:  # unavailable here: the comparisons skip
        ctypes_engine = None

HERE = os.path.dirname(os.path.abspath(__file__))
CERTS = os.path.join(HERE, "certs")


def cert(name):
    return os.path.join(CERTS, name + ".pem")


def contexts(tls=None, server_cert="server", check_hostname=True):
    server = ssl.SSLContext(ssl.PROTOCOL_SSLv23)
    server.load_cert_chain(cert(server_cert),
                           os.path.join(CERTS, server_cert + ".key"))
    client = ssl.SSLContext(ssl.PROTOCOL_SSLv23)
    client.verify_mode = ssl.CERT_REQUIRED
    client.check_hostname = check_hostname
    client.load_verify_locations(cert("ca"))
    for ctx in (client, server):
        if tls == "1.2":
            ctx.options |= ssl.OP_NO_TLSv1_3
    return client, server


class Pair(object):
    """A client and a server object of one engine, and their four BIOs."""

    def __init__(self, engine, hostname="localhost", tls=None, **kwargs):
        if engine == "ctypes":
            bio, obj = ctypes_engine.MemoryBIO, ctypes_engine.SSLObject
        else:
            bio, obj = portable.MemoryBIO, portable.SSLObject
        client_ctx, server_ctx = contexts(tls, **kwargs)
        self.cin, self.cout, self.sin, self.sout = [bio() for _ in range(4)]
        self.client = obj._create(self.cin, self.cout, False, hostname, None,
                                  client_ctx)
        self.server = obj._create(self.sin, self.sout, True, None, None,
                                  server_ctx)

    def step(self, side):
        obj = self.client if side == "client" else self.server
        try:
            obj.do_handshake()
        except ssl.SSLWantReadError:
            pass

    def flush(self):
        self.sin.write(self.cout.read())
        self.cin.write(self.sout.read())

    def handshake(self):
        for _ in range(4):
            self.step("client")
            self.flush()
            self.step("server")
            self.flush()
        return self


needs_ctypes_engine = pytest.mark.skipif(
    not PY2 or ctypes_engine is None,
    reason="compares with the ctypes engine")


# -- MemoryBIO -----------------------------------------------------------------

def test_memory_bio_reads_across_writes_and_keeps_its_own_copy():
    bio = portable.MemoryBIO()
    source = bytearray(b"abc")
    assert bio.write(source) == 3
    source[0:1] = b"X"  # the BIO copied the mutable object
    bio.write(b"defg")
    assert bio.pending == 7
    assert bio.read(2) == b"ab"
    assert bio.read(3) == b"cde"
    assert bio.read() == b"fg"
    assert bio.read() == b""
    assert not bio.eof


def test_memory_bio_eof_and_errors_as_python3():
    bio = portable.MemoryBIO()
    bio.write(b"x")
    bio.write_eof()
    assert not bio.eof  # a byte is still pending
    with pytest.raises(ssl.SSLError) as info:
        bio.write(b"y")
    assert "cannot write() after write_eof()" in str(info.value)
    assert bio.read() == b"x"
    assert bio.eof
    with pytest.raises(TypeError):
        bio.write(u"text")
    with pytest.raises(TypeError):
        bio.read(1.0)


class _FillingSocket(object):
    """A non-blocking socket that fills every buffer offered to the last
    byte, ``fills`` times, then would block: the stream ends exactly where
    the spool's room did."""

    def __init__(self, fills):
        self.fills = fills
        self.sent = b""

    def _next(self, size):
        if not self.fills:
            raise socket.error(errno.EAGAIN, "would block")
        self.fills -= 1
        data = bytes(bytearray((len(self.sent) + i) % 251
                               for i in range(size)))
        self.sent += data
        return data

    def recv(self, size):
        return self._next(size)

    def recv_into(self, buffer, size):
        buffer[:size] = self._next(size)
        return size


def test_memory_bio_counts_what_it_received_when_the_spool_fills_exactly():
    """A receive that fills the spool's room to the last byte and then
    finds nothing more counts every byte it added (a client's engine
    watches the server's flight through that count)."""
    for fills in (1, 2, 3, 4):
        bio = portable.MemoryBIO()
        sock = _FillingSocket(fills)
        assert bio._receive(sock) == len(sock.sent) == bio.pending
        assert bio.read() == sock.sent


def test_memory_bio_one_stream_across_writes_and_the_engines_spool():
    """What the engine receives from its socket goes into the BIO's spool;
    reads, peeks, writes and truncation see one stream, in order, also
    after the spool has grown."""
    source, sink = socket.socketpair()
    sink.settimeout(0.0)
    try:
        bio = portable.MemoryBIO()
        assert bio._receive(sink) == 0  # nothing there
        bio.write(b"head-")
        source.sendall(b"x" * 100000)
        assert bio._receive(sink) == 100000
        bio.write(b"-tail")
        assert bio.pending == 100010
        assert bio._peek(8) == b"head-xxx"
        assert bio.read(3) == b"hea"
        assert bio.read(100002) == b"d-" + b"x" * 100000
        assert bio.read() == b"-tail"
        bio.write(b"abc")
        source.sendall(b"defgh")
        assert bio._receive(sink) == 5
        assert bio._tail(2) == b"gh"
        bio._truncate(4)
        assert (bio.pending, bio.read()) == (4, b"abcd")
        source.sendall(b"ijk")
        bio._receive(sink)
        bio._truncate(1)
        assert bio.read() == b"i"
        assert bio.pending == 0 and not bio.eof
    finally:
        source.close()
        sink.close()


# -- bytes in the kernel: none a caller could observe --------------------------

@needs_ctypes_engine
@pytest.mark.parametrize("tls", [None, "1.2"])
def test_incoming_keeps_what_the_ctypes_engine_keeps(tls):
    """Three records arrive at once (and then a record and a half): each
    read takes one record, the rest stays in ``incoming`` exactly as with an
    OpenSSL memory BIO."""
    seen = {}
    for engine in ("ctypes", "portable"):
        pair = Pair(engine, tls=tls).handshake()
        for word in (b"one", b"two", b"three"):
            pair.server.write(word)
        pair.cin.write(pair.sout.read())
        steps = []
        for _ in range(3):
            steps.append((pair.client.read(), pair.cin.pending))
        pair.server.write(b"four")
        pair.server.write(b"five")
        flight = pair.sout.read()
        pair.cin.write(flight[:len(flight) * 3 // 4])
        steps.append((pair.client.read(), pair.cin.pending))
        with pytest.raises(ssl.SSLWantReadError):
            pair.client.read()
        steps.append(pair.cin.pending)
        seen[engine] = steps
    assert seen["portable"] == seen["ctypes"]
    assert seen["portable"][0][1] > 0


def _kernel_holds(obj):
    """Whether either end of a portable object's socket pair has bytes to
    read (bytes a caller could not see)."""
    ends = [obj._ours, obj._theirs]
    return bool(select.select(ends, [], [], 0)[0])


@needs_ctypes_engine
@pytest.mark.parametrize("tls", [None, "1.2"])
def test_reads_leave_nothing_behind(tls):
    """A read that returns data has used one record of application data,
    after which OpenSSL has written nothing, so the engine does not look
    for output then.  Each read's effect on both BIOs is the ctypes
    engine's, TLS 1.3's session tickets (which arrive before the first
    data) included, and nothing is left in the kernel after any call."""
    seen = {}
    for engine in ("ctypes", "portable"):
        pair = Pair(engine, tls=tls).handshake()
        steps = []
        for words in ([b"one"], [b"two", b"three"], [b"x" * 40000]):
            for word in words:
                pair.server.write(word)
            pair.cin.write(pair.sout.read())
            while True:
                try:
                    data = pair.client.read(3000)
                except ssl.SSLWantReadError:
                    steps.append("want read")
                    break
                steps.append((len(data), pair.cin.pending,
                              pair.cout.pending, pair.client.pending()))
                if engine == "portable":
                    assert not _kernel_holds(pair.client)
            pair.sin.write(pair.cout.read())
        seen[engine] = steps
    assert seen["portable"] == seen["ctypes"]


@needs_ctypes_engine
def test_garbage_left_in_incoming_as_with_the_ctypes_engine():
    """A bad record header fails the call; the bytes OpenSSL did not read
    go back into ``incoming``."""
    seen = {}
    for engine in ("ctypes", "portable"):
        pair = Pair(engine)
        pair.step("client")
        pair.sin.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        with pytest.raises(ssl.SSLError) as info:
            pair.server.do_handshake()
        seen[engine] = (type(info.value), info.value.reason,
                        pair.sin.pending, pair.sout.pending)
    assert seen["portable"] == seen["ctypes"]


def test_large_write_in_one_call():
    """More than the socket buffer holds: drained and retried."""
    pair = Pair("portable").handshake()
    data = os.urandom(3 * 1024 * 1024)
    assert pair.client.write(data) == len(data)
    pair.sin.write(pair.cout.read())
    received = []
    while True:
        try:
            received.append(pair.server.read(16384))
        except ssl.SSLWantReadError:
            break
    assert b"".join(received) == data
    assert pair.sin.pending == 0


@needs_ctypes_engine
def test_end_of_file_when_the_memory_bio_would_report_it():
    seen = {}
    for engine in ("ctypes", "portable"):
        pair = Pair(engine).handshake()
        pair.server.write(b"y" * 100)
        flight = pair.sout.read()
        pair.cin.write(flight[:50])
        with pytest.raises(ssl.SSLWantReadError):
            pair.client.read()
        pair.cin.write_eof()
        with pytest.raises(ssl.SSLError) as info:
            pair.client.read()
        seen[engine] = (type(info.value), info.value.errno,
                        str(info.value), pair.cin.pending)
    assert seen["portable"] == seen["ctypes"]
    assert seen["portable"][0] is ssl.SSLEOFError


def test_an_alert_reaches_the_peer_when_a_call_fails():
    pair = Pair("portable")
    pair.step("client")
    hello = pair.cout.read()
    # The record and handshake headers intact, the message garbage: a decode
    # error, which every release answers with an alert (1.0.2 sends none
    # for a garbage handshake header).
    pair.sin.write(hello[:9] + b"\xff" * (len(hello) - 9))
    with pytest.raises(ssl.SSLError):
        pair.server.do_handshake()
    alert = pair.sout.read()
    assert alert[:1] == b"\x15"  # an alert record


# -- host names ------------------------------------------------------------------

@pytest.mark.parametrize("tls", [None, "1.2"])
@pytest.mark.parametrize("hostname, code", [("wrong.example", 62),
                                            ("192.0.2.7", 64)])
def test_host_name_mismatch(tls, hostname, code):
    tls12 = tls == "1.2" or not HAS_TLS13  # what the connection speaks
    pair = Pair("portable", hostname=hostname, tls=tls)
    assert pair.client._state is state.HANDSHAKING
    pair.step("client")
    pair.flush()
    pair.step("server")
    pair.sin.write(pair.cout.read())
    pair.cin.write(pair.sout.read())
    with pytest.raises(ssl.SSLError) as info:
        pair.client.do_handshake()
    exc = info.value
    assert type(exc).__name__ == "SSLCertVerificationError"
    assert exc.verify_code == code
    assert exc.reason == "CERTIFICATE_VERIFY_FAILED"
    assert hostname in exc.verify_message
    # Python 3's state after a failed handshake: nothing goes in or out.
    cls, reason = AFTER_FAILED_HANDSHAKE
    for call in (lambda: pair.client.write(b"secret"), pair.client.read):
        with pytest.raises(ssl.SSLError) as info:
            call()
        assert (type(info.value).__name__, info.value.reason) == (cls, reason)
    with pytest.raises(ValueError):
        pair.client.getpeercert()
    assert pair.client.version() is None
    assert pair.client.get_channel_binding() is None
    # A TLS 1.2 client stops before ChangeCipherSpec: no current cipher.
    assert (pair.client.cipher() is None) is tls12
    assert pair.client._state is (state.NAME_MISMATCH_IN_CLEAR if tls12
                                  else state.NAME_MISMATCH)
    # The peer never completes its handshake: under TLS 1.2 it gets the
    # alert OpenSSL sends, under TLS 1.3 nothing (the Finished is withheld).
    pair.sin.write(pair.cout.read())
    if tls12:
        with pytest.raises(ssl.SSLError) as info:
            pair.server.do_handshake()
        assert info.value.reason == "SSLV3_ALERT_BAD_CERTIFICATE"
    else:
        with pytest.raises(ssl.SSLWantReadError):
            pair.server.do_handshake()
        assert pair.server.version() is None


def test_connection_state_is_one_value():
    """Where each side stands is one value: handshaking, then open."""
    pair = Pair("portable")
    assert (pair.client._state, pair.server._state) == \
        (state.HANDSHAKING, state.HANDSHAKING)
    pair.handshake()
    assert (pair.client._state, pair.server._state) == (state.OPEN, state.OPEN)
    assert not state.HANDSHAKING.finished and state.OPEN.finished


def test_host_name_check_set_at_creation():
    """Python 3 configures the check when the object is made."""
    pair = Pair("portable", hostname="wrong.example")
    pair.client.context.check_hostname = False
    with pytest.raises(ssl.SSLError):
        pair.handshake()


@pytest.mark.parametrize("pattern, hostname, expected", [
    (b"example.com", b"EXAMPLE.com", True),
    (b"*.example.com", b"www.example.com", True),
    (b"*.example.com", b"a.b.example.com", False),
    (b"*.example.com", b"example.com", False),
    (b"*.com", b"example.com", False),          # at least two dots
    (b"w*.example.com", b"www.example.com", False),  # no partial wildcard
    (b"www.*.com", b"www.example.com", False),  # only the first label
    (b"xn--*.example.com", b"xn--a.example.com", False),
    (b"*.example.com", b"xn--bcher-kva.example.com", True),
    (b"*.example.com", b"w_w.example.com", False),
    (b"example.com\x00.evil", b"example.com", False),
])
def test_host_name_rules(pattern, hostname, expected):
    assert _hostmatch._dns_match(pattern, hostname) is expected


def test_common_name_only_without_dns_names():
    with open(cert("ip-only")) as f:
        der = ssl.PEM_cert_to_DER_cert(f.read())
    common_names, dns_names, addresses = _hostmatch._names(der)
    assert dns_names == []
    assert addresses
    assert _hostmatch.matches(der, "127.0.0.1",
                              socket.inet_pton(socket.AF_INET, "127.0.0.1"))
    with open(cert("server")) as f:
        der = ssl.PEM_cert_to_DER_cert(f.read())
    assert _hostmatch.matches(der, "server.example")
    # "localhost" is the subject's CN and a dNSName; a CN alone never
    # counts when dNSNames exist.
    assert not _hostmatch.matches(der, "sslbio tests")


# -- sessions --------------------------------------------------------------------

def test_sessions_are_refused_clearly():
    pair = Pair("portable").handshake()
    assert pair.client.session is None
    assert pair.client.session_reused is False
    with pytest.raises(TypeError):
        pair.client.session = "not a session"
    session = object.__new__(portable.SSLSession)
    with pytest.raises(NotImplementedError) as info:
        pair.client.session = session
    assert "portable engine" in str(info.value)
    with pytest.raises(TypeError):
        portable.SSLSession()


@needs_ctypes_engine
@pytest.mark.parametrize("tls", [None, "1.2"])
def test_resumption_read_from_the_server_flight(tls):
    """The ServerHello tells whether the session was resumed: checked on
    flights of the ctypes engine, which can resume."""
    client_ctx, server_ctx = contexts(tls)
    flights = {}
    session = None
    for round_ in ("full", "resumed"):
        bios = [ctypes_engine.MemoryBIO() for _ in range(4)]
        cin, cout, sin, sout = bios
        client = ctypes_engine.SSLObject._create(
            cin, cout, False, "localhost", session, client_ctx)
        server = ctypes_engine.SSLObject._create(sin, sout, True, None, None,
                                                 server_ctx)
        first = None
        for _ in range(4):
            for obj in (client, server):
                try:
                    obj.do_handshake()
                except ssl.SSLWantReadError:
                    pass
            out = sout.read()
            if first is None and out:
                first = out
            sin.write(cout.read())
            cin.write(out)
        client.write(b"x")
        sin.write(cout.read())
        server.read()
        server.write(b"y")
        cin.write(sout.read())
        client.read()
        session = client.session
        assert server.session_reused is (round_ == "resumed")
        flights[round_] = first
    assert _plaintext.resumed_from_flight(flights["full"]) is False
    assert _plaintext.resumed_from_flight(flights["resumed"]) is True


# -- what it costs and where it runs ------------------------------------------------

def _open_descriptors():
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="Linux")
def test_two_descriptors_per_object_closed_with_it():
    import gc
    gc.collect()
    before = _open_descriptors()
    pair = Pair("portable").handshake()
    assert _open_descriptors() == before + 4
    del pair
    assert _open_descriptors() == before


def test_loopback_tcp_pair(monkeypatch):
    """Where there is no socketpair() (Windows 2.7) a loopback TCP pair
    carries the same conversation."""
    monkeypatch.delattr(portable._socket, "socketpair")
    pair = Pair("portable").handshake()
    assert pair.client.getpeercert()["subject"]
    assert pair.client._ours.family == socket.AF_INET
    assert pair.client._ours.getpeername() == \
        pair.client._theirs.getsockname()
    pair.client.write(b"over TCP")
    pair.sin.write(pair.cout.read())
    assert pair.server.read() == b"over TCP"


def test_serves_without_ctypes():
    """Where ctypes cannot be imported, the portable engine is chosen."""
    code = "\n".join([
        "import sys",
        "sys.modules['ctypes'] = sys.modules['_ctypes'] = None",
        "import ssl, sslbio",
        "sslbio.inject_into_ssl()",
        "ctx = ssl.SSLContext(ssl.PROTOCOL_SSLv23)",
        "i, o = ssl.MemoryBIO(), ssl.MemoryBIO()",
        "obj = ctx.wrap_bio(i, o, server_hostname=u'b\\xfccher.example')",
        "try:",
        "    obj.do_handshake()",
        "except ssl.SSLWantReadError:",
        "    pass",
        "print('%s %s %s %s' % (sslbio.ENGINE, o.read()[:1] == b'\\x16',",
        "    obj.server_hostname,",
        "    'ctypes' in sslbio._engine.ENGINE_REASONS['ctypes']))",
    ])
    env = subproc.child_env(subproc.sslbio_src())
    env.pop("SSLBIO_ENGINE", None)
    result = subproc.run([sys.executable, "-c", code], timeout=60, env=env)
    result.check()
    assert result.out.split() == ["portable", "True",
                                  "xn--bcher-kva.example", "True"]


@needs_ctypes_engine
def test_server_name_too_long_for_sni():
    """OpenSSL refuses more than 255 bytes of SNI; Python 3 reports it where
    2.7's _wrap_socket() would ignore it."""
    name = ("a" * 63 + ".") * 4 + "b"
    seen = {}
    for engine, bio, obj in (
            ("ctypes", ctypes_engine.MemoryBIO, ctypes_engine.SSLObject),
            ("portable", portable.MemoryBIO, portable.SSLObject)):
        context = ssl.SSLContext(ssl.PROTOCOL_SSLv23)
        with pytest.raises(ssl.SSLError) as info:
            obj._create(bio(), bio(), False, name, None, context)
        seen[engine] = (info.value.args, info.value.reason)
        obj._create(bio(), bio(), False, name[:255], None, context)
    assert seen["portable"] == seen["ctypes"]


def test_read_into_an_array():
    """2.7's array.array has no memoryview: filled without ctypes."""
    import array
    pair = Pair("portable").handshake()
    pair.server.write(b"abcdef")
    pair.cin.write(pair.sout.read())
    target = array.array("b", b"\x00" * 8)
    assert pair.client.read(4, target) == 4
    assert target.tostring() == b"abcd\x00\x00\x00\x00"
