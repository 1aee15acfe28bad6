"""A Python 3 standard-library TLS server for the interop tests.

Run under Python 3 (never imported by the tests):

    python3 -I py3_server.py --cert C --key K [--tls 1.2|1.3] MODE

It binds 127.0.0.1 on a port of the system's choosing, prints
``READY <port>``, serves exactly one connection and exits.  Its report lines
are what the tests check:

echo   echo every byte until the client's close_notify, then answer it
       with ours: ``DONE echo bytes=<n> unwrap=ok``
close  send ``bye\\n`` and close the TLS layer first (server-initiated
       close_notify), waiting for the client's: ``DONE close unwrap=ok``
http   answer one HTTP/1.0 request with a fixed body (``--body-size N``:
       N bytes of a repeating pattern instead), then close_notify:
       ``DONE http path=<path> unwrap=ok``
ragged the same answer with ``Connection: close``, then close the
       connection without close_notify, as ``http.server`` behind TLS
       does: ``DONE ragged path=<path>``
cut    announce more body than it sends, then close without close_notify:
       ``DONE cut path=<path>``

Its HTTP answers also carry headers as a client must keep them: a name in
mixed case (``X-Mixed-CASE``) and a repeated one (``X-Repeated``).

Any failure prints ``ERROR <exception>`` and exits with status 1.
"""

import argparse
import socket
import ssl
import sys

# Long enough for any test, short enough that a forgotten server goes away.
IO_TIMEOUT = 10.0
HTTP_BODY = b"hello from the Python 3 stdlib\n"
# The pattern of a --body-size body: bytes a test can predict.
BODY_PATTERN = bytes(range(256))


def report(line):
    print(line, flush=True)


def serve_echo(conn, args):
    total = 0
    while True:
        data = conn.recv(65536)
        if not data:  # the client's close_notify
            break
        conn.sendall(data)
        total += len(data)
    conn.unwrap()
    report("DONE echo bytes=%d unwrap=ok" % total)


def serve_close(conn, args):
    conn.sendall(b"bye\n")
    conn.unwrap()  # sends close_notify, then blocks for the client's
    report("DONE close unwrap=ok")


def body_of(size):
    """``HTTP_BODY``, or ``size`` bytes of ``BODY_PATTERN``."""
    if size is None:
        return HTTP_BODY
    return (BODY_PATTERN * (size // len(BODY_PATTERN) + 1))[:size]


def answer_http(conn, body, extra=b"", announced=None):
    """Read one request; send a 200 answer with ``body``, announcing
    ``announced`` bytes of it.  Returns the request's path."""
    request = b""
    while b"\r\n\r\n" not in request:
        data = conn.recv(65536)
        if not data:
            raise EOFError("client closed before the end of the request")
        request += data
    length = len(body) if announced is None else announced
    conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
                 b"X-Repeated: one\r\nX-Mixed-CASE: yes\r\nX-Repeated: two\r\n"
                 b"%sContent-Length: %d\r\n\r\n%s" % (extra, length, body))
    return request.split(b" ")[1].decode("ascii")


def serve_http(conn, args):
    path = answer_http(conn, body_of(args.body_size))
    conn.unwrap()
    report("DONE http path=%s unwrap=ok" % path)


def serve_ragged(conn, args):
    path = answer_http(conn, body_of(args.body_size), b"Connection: close\r\n")
    report("DONE ragged path=%s" % path)  # closed by main(): no close_notify


def serve_cut(conn, args):
    body = body_of(args.body_size)
    path = answer_http(conn, body, b"Connection: close\r\n", len(body) + 1000)
    report("DONE cut path=%s" % path)


MODES = {"echo": serve_echo, "close": serve_close, "http": serve_http,
         "ragged": serve_ragged, "cut": serve_cut}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--tls", choices=["1.2", "1.3"],
                        help="the only TLS version to accept")
    parser.add_argument("--body-size", type=int,
                        help="the size of an HTTP answer's body")
    parser.add_argument("mode", choices=sorted(MODES))
    args = parser.parse_args()

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    if args.tls:
        version = {"1.2": ssl.TLSVersion.TLSv1_2,
                   "1.3": ssl.TLSVersion.TLSv1_3}[args.tls]
        context.minimum_version = context.maximum_version = version

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(IO_TIMEOUT)
    report("READY %d" % listener.getsockname()[1])
    try:
        raw, _ = listener.accept()
        raw.settimeout(IO_TIMEOUT)
        with context.wrap_socket(raw, server_side=True) as conn:
            report("HANDSHAKE %s %s" % (conn.version(), conn.cipher()[0]))
            MODES[args.mode](conn, args)
    except Exception as exc:
        report("ERROR %r" % (exc,))
        return 1
    finally:
        listener.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
