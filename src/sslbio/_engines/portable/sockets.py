"""The private socket pair each portable ``SSLObject`` runs its native
object over: making the pair, sending into it, polling it."""

import errno
import select

import _socket

__all__ = ["DRAIN_SIZE", "WOULD_BLOCK", "socket_pair", "sender",
           "readable_check"]

# How much one recv() takes from a socket of the pair.
DRAIN_SIZE = 65536
WOULD_BLOCK = frozenset(
    code for code in (getattr(errno, "EAGAIN", None),
                      getattr(errno, "EWOULDBLOCK", None),
                      getattr(errno, "WSAEWOULDBLOCK", None)) if code)


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


def sender(sock, peer, immediate):
    """``sock.sendall``, which over TCP also waits until ``peer`` can read
    (at most a second): the native side must find the record it was given,
    not report "want read" while it is on its way."""
    if immediate:
        return sock.sendall

    def send_delivered(data, _select=select.select, _peers=[peer]):
        sock.sendall(data)
        _select(_peers, (), (), 1.0)
    return send_delivered


def readable_check(sock):
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
