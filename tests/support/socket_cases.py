"""What Python 3's ``ssl.SSLSocket`` does in cases its own tests pin down,
written once and run with either socket: Python 3's own (``native``) or
sslbio's (``sslbio``), over TCP on 127.0.0.1.

    python -m support.socket_cases native     # on a Python 3 (from tests/)

prints ``{case: outcome}`` as JSON; ``tests/test_sslsocket.py`` runs every
case with sslbio's socket in its own process and compares.  An outcome is
what the calls returned or raised (class name and ``args``), so the two
sockets are compared on the same terms.
"""

from __future__ import print_function

import array
import errno
import json
import os
import re
import select
import socket
import ssl
import struct
import sys
import tempfile
import threading
import time

from support import cert

__all__ = ["CASES", "native_wrap", "sslbio_wrap", "run_all"]

DEADLINE = 20.0
_PROTOCOL_SERVER = getattr(ssl, "PROTOCOL_TLS_SERVER", ssl.PROTOCOL_SSLv23)
_PROTOCOL_CLIENT = getattr(ssl, "PROTOCOL_TLS_CLIENT", ssl.PROTOCOL_SSLv23)


def native_wrap(sock, context, **kwargs):
    return context.wrap_socket(sock, **kwargs)


def sslbio_wrap(sock, context, **kwargs):
    import sslbio
    return sslbio.wrap_socket(sock, context, **kwargs)


def server_context():
    context = ssl.SSLContext(_PROTOCOL_SERVER)
    context.load_cert_chain(cert("server.pem"), cert("server.key"))
    return context


def client_context():
    context = ssl.SSLContext(_PROTOCOL_CLIENT)
    context.verify_mode = ssl.CERT_REQUIRED
    context.check_hostname = True
    context.load_verify_locations(cert("ca.pem"))
    return context


def _outcome(call):
    """What ``call()`` returned (bytes as text), or what it raised."""
    try:
        value = call()
    except Exception as exc:
        return {"raised": _class_name(exc),
                "args": [_plain(a) for a in exc.args]}
    return _plain(value)


def _class_name(exc):
    """The exception's class; the operating system's errors by their
    common name (2.7's socket.error is 3.x's OSError and its subclasses,
    whose errno tells them apart)."""
    if isinstance(exc, socket.error) and not isinstance(
            exc, (ssl.SSLError, socket.timeout)):
        return "OSError"
    return type(exc).__name__


# The C source line Python 3's _ssl appends to its messages; sslbio has
# none to name.
_SOURCE_LINE = re.compile(r" \(_ssl\.c:\d+\)$")


def _plain(value):
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if isinstance(value, type(u"")):
        return _SOURCE_LINE.sub("", value)
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    return repr(value)


def _tcp_pair():
    """(client, server) plain sockets connected over loopback."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    client = socket.create_connection(listener.getsockname(), DEADLINE)
    server, _ = listener.accept()
    listener.close()
    server.settimeout(DEADLINE)
    return client, server


def _tls_pair(wrap, server_ctx=None):
    """(client, server) TLS sockets with the handshake done."""
    client, server = _tcp_pair()
    found = {}

    def serve():
        try:
            found["server"] = wrap(server, server_ctx or server_context(),
                                   server_side=True)
        except Exception as exc:
            found["error"] = exc

    thread = threading.Thread(target=serve)
    thread.start()
    tls = wrap(client, client_context(), server_hostname="localhost")
    thread.join(DEADLINE)
    if "error" in found:
        raise found["error"]
    return tls, found["server"]


def _reset_with(sock, data):
    """Send ``data``, then close with a TCP reset (SO_LINGER 0)."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                    struct.pack("ii", 1, 0))
    sock.sendall(data)
    sock.close()


def _until_reset(sock):
    """Wait until ``sock`` has taken its peer's reset (no peer any more)."""
    give_up = time.time() + DEADLINE
    while time.time() < give_up:
        try:
            sock.getpeername()
        except socket.error as exc:
            if exc.errno == errno.ENOTCONN:
                return
            raise
        time.sleep(0.01)
    raise AssertionError("the reset never came")


def _wrapped_after_early_data(wrap, server_side):
    """A peer sends clear text and resets before the TLS handshake; then
    this side wraps its socket and reads (CVE-2023-40217)."""
    client, server = _tcp_pair()
    if server_side:
        ours, theirs = server, client
        kwargs = {"server_side": True}
        context = server_context()
    else:
        ours, theirs = client, server
        kwargs = {"server_hostname": "localhost"}
        context = client_context()
    _reset_with(theirs, b"DELETE /data HTTP/1.0\r\n\r\n")
    _until_reset(ours)
    found = {"received": None}
    try:
        tls = wrap(ours, context, **kwargs)
    except Exception as exc:
        found["raised"] = _class_name(exc)
        found["args"] = [_plain(a) for a in exc.args]
        # The attributes _ssl gives every SSLError, as 3.x sets them here.
        found["reason"] = _plain(getattr(exc, "reason", "-"))
        found["library"] = _plain(getattr(exc, "library", "-"))
        found["str"] = _plain(str(exc))
    else:
        found["received"] = _outcome(lambda: tls.recv(400))
        tls.close()
    ours.close()
    return found


def early_data_to_server(wrap):
    return _wrapped_after_early_data(wrap, True)


def early_data_to_client(wrap):
    return _wrapped_after_early_data(wrap, False)


def empty_reads(wrap):
    """Reads of nothing return at once, whatever the socket's mode."""
    tls, peer = _tls_pair(wrap)
    tls.settimeout(0.5)
    began = time.time()
    found = {"recv(0)": _outcome(lambda: tls.recv(0)),
             "read(0)": _outcome(lambda: tls.read(0)),
             "recv_into(bytearray())": _outcome(
                 lambda: tls.recv_into(bytearray()))}
    tls.setblocking(False)
    found["non-blocking recv(0)"] = _outcome(lambda: tls.recv(0))
    found["waited"] = time.time() - began > 0.4
    tls.close()
    peer.close()
    return found


def recv_into_wide_items(wrap):
    """recv_into() sizes its buffer in bytes, not items."""
    tls, peer = _tls_pair(wrap)
    peer.sendall(b"data")
    select.select([tls], [], [], DEADLINE)
    target = array.array("i", [0, 0])
    count = _outcome(lambda: tls.recv_into(target))
    found = {"count": count, "buffer": _plain(target.tostring()
                                              if sys.version_info[0] == 2
                                              else target.tobytes())}
    tls.close()
    peer.close()
    return found


def sendfile(wrap):
    """sendfile() under TLS: the file's bytes go through send()."""
    tls, peer = _tls_pair(wrap)
    payload = os.urandom(100000)
    handle, path = tempfile.mkstemp()
    os.write(handle, payload)
    os.close(handle)
    received = []
    expected = payload[10:50010]

    def read_all():
        got = b""
        while len(got) < len(expected):
            data = peer.recv(65536)
            if not data:
                break
            got += data
        received.append(got)

    reader = threading.Thread(target=read_all)
    reader.start()
    try:
        with open(path, "rb") as f:
            sent = _outcome(lambda: tls.sendfile(f, 10, 50000))
            position = f.tell()
        if isinstance(sent, dict):
            tls.sendall(expected)  # the reader must not wait
    finally:
        os.remove(path)
    reader.join(DEADLINE)
    tls.close()
    peer.close()
    return {"sent": sent, "position": position,
            "received": received == [expected]}


def sendfile_refusals(wrap):
    """What sendfile() refuses before sending anything."""
    tls, peer = _tls_pair(wrap)
    handle, path = tempfile.mkstemp()
    os.write(handle, b"x" * 10)
    os.close(handle)
    found = {}
    try:
        with open(path, "r") as text:
            found["text file"] = _outcome(lambda: tls.sendfile(text))
        with open(path, "rb") as f:
            for count in (0, -1, "1", 2.0):
                found["count %r" % (count,)] = _outcome(
                    lambda: tls.sendfile(f, 0, count))
            tls.setblocking(False)
            found["non-blocking"] = _outcome(lambda: tls.sendfile(f))
    finally:
        os.remove(path)
    tls.close()
    peer.close()
    return found


def _reset(sock):
    """Close ``sock`` (a socket or a TLS socket over one) with a TCP reset
    and no close_notify."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                    struct.pack("ii", 1, 0))
    sock.close()


def peer_reset(wrap):
    """What each call gives once the peer has reset the connection."""
    found = {}
    for name, suppress, calls in (
            ("recv", True, ("recv", "recv")),
            ("recv, ragged EOFs not suppressed", False, ("recv", "recv")),
            ("send", True, ("send", "send")),
            ("unwrap", True, ("unwrap",))):
        tls, peer = _tls_pair(wrap)
        tls.suppress_ragged_eofs = suppress
        _reset(peer)
        _until_reset(tls)
        do = {"recv": lambda: tls.recv(10), "send": lambda: tls.send(b"x"),
              "unwrap": tls.unwrap}
        found[name] = [_outcome(do[call]) for call in calls]
        tls.close()
    client, server = _tcp_pair()

    def serve():
        server.recv(100)  # the ClientHello
        _reset(server)

    thread = threading.Thread(target=serve)
    thread.start()
    found["handshake"] = _outcome(lambda: wrap(
        client, client_context(), server_hostname="localhost"))
    thread.join(DEADLINE)
    client.close()
    return found


def _usable(sock):
    try:
        return sock.fileno() != -1
    except socket.error:  # 2.7's closed socket
        return False


def failures_close_the_socket(wrap):
    """Arguments refused leave the socket alone; a failure once they are
    accepted (a host name IDNA cannot encode, a failed handshake) closes
    it (Python 3 has taken it over by then)."""
    found = {}
    sock = socket.socket()
    refused = _outcome(lambda: wrap(sock, client_context()))
    found["no server_hostname"] = [refused["raised"], _usable(sock)]
    bad_name = _outcome(lambda: wrap(sock, client_context(),
                                     server_hostname=u".example"))
    found["bad server_hostname"] = [bad_name["raised"], _usable(sock)]
    client, server = _tcp_pair()
    server.close()
    failed = _outcome(lambda: wrap(client, client_context(),
                                   server_hostname="localhost"))
    found["failed handshake"] = [failed["raised"], _usable(client)]
    return found


def _reads_clear(sock, sent):
    """Whether ``sock.recv()`` reads its transport as it is: the end of
    what the peer ``sent`` that OpenSSL did not take (how much it took of
    bytes that are no TLS differs between releases), or nothing yet."""
    sock.setblocking(False)
    try:
        rest = sock.recv(100)
    except socket.error as exc:
        return exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK)
    finally:
        sock.setblocking(True)
    return bool(rest) and sent.endswith(rest)


def connect_failures(wrap):
    """connect() on a wrapped unconnected socket: refused, the socket may
    connect again; connected but the handshake failed, TLS is dropped and
    the socket stays connected, in clear text."""
    found = {}
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    address = listener.getsockname()
    tls = wrap(socket.socket(), client_context(), server_hostname="localhost")
    found["refused"] = _outcome(lambda: tls.connect(address))
    listener.listen(1)
    clear_text = b"no TLS here\r\n"
    client_done = threading.Event()

    def serve():
        conn, _ = listener.accept()
        conn.recv(100)  # the ClientHello
        conn.sendall(clear_text)
        client_done.wait(DEADLINE)
        conn.close()

    thread = threading.Thread(target=serve)
    thread.start()
    failed = _outcome(lambda: tls.connect(address))
    found["no TLS at the peer"] = failed.get("raised")
    found["connect again"] = _outcome(lambda: tls.connect(address))
    found["read"] = _outcome(lambda: tls.read(1))
    found["recv reads the transport in clear text"] = _reads_clear(
        tls, clear_text)
    found["pending, version"] = [tls.pending(), tls.version()]
    client_done.set()
    thread.join(DEADLINE)
    listener.close()
    tls.close()
    return found


def server_hostname_u_label(wrap):
    """server_hostname reads as the IDNA A-label the handshake sends."""
    tls = wrap(socket.socket(), client_context(),
               server_hostname=u"k\xf6nig.example")
    name = tls.server_hostname
    tls.close()
    return _plain(name)


def sni_callback_argument(wrap):
    """The SNI callback is given the server's socket."""
    seen = []

    def callback(sock, server_name, context):
        seen.append((sock, server_name))

    context = server_context()
    if hasattr(context, "sni_callback"):
        context.sni_callback = callback
    else:
        context.set_servername_callback(callback)
    tls, server = _tls_pair(wrap, context)
    sock, name = seen[0]
    found = {"type": type(sock).__name__, "is the server": sock is server,
             "server_name": _plain(name)}
    tls.close()
    server.close()
    return found


CASES = dict((f.__name__, f) for f in (
    early_data_to_server, early_data_to_client, empty_reads,
    recv_into_wide_items, sendfile, sendfile_refusals, peer_reset,
    failures_close_the_socket, connect_failures,
    server_hostname_u_label,
    sni_callback_argument))


def run_all(wrap):
    return dict((name, case(wrap)) for name, case in CASES.items())


if __name__ == "__main__":
    wraps = {"native": native_wrap, "sslbio": sslbio_wrap}
    print(json.dumps(run_all(wraps[sys.argv[1]]), sort_keys=True))
