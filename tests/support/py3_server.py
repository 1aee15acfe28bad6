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
http   answer one HTTP/1.0 request with a fixed body, then close_notify:
       ``DONE http path=<path> unwrap=ok``

Any failure prints ``ERROR <exception>`` and exits with status 1.
"""

import argparse
import socket
import ssl
import sys

# Long enough for any test, short enough that a forgotten server goes away.
IO_TIMEOUT = 10.0
HTTP_BODY = b"hello from the Python 3 stdlib\n"


def report(line):
    print(line, flush=True)


def serve_echo(conn):
    total = 0
    while True:
        data = conn.recv(65536)
        if not data:  # the client's close_notify
            break
        conn.sendall(data)
        total += len(data)
    conn.unwrap()
    report("DONE echo bytes=%d unwrap=ok" % total)


def serve_close(conn):
    conn.sendall(b"bye\n")
    conn.unwrap()  # sends close_notify, then blocks for the client's
    report("DONE close unwrap=ok")


def serve_http(conn):
    request = b""
    while b"\r\n\r\n" not in request:
        data = conn.recv(65536)
        if not data:
            raise EOFError("client closed before the end of the request")
        request += data
    path = request.split(b" ")[1].decode("ascii")
    conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
                 b"Content-Length: %d\r\n\r\n%s" % (len(HTTP_BODY), HTTP_BODY))
    conn.unwrap()
    report("DONE http path=%s unwrap=ok" % path)


MODES = {"echo": serve_echo, "close": serve_close, "http": serve_http}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--tls", choices=["1.2", "1.3"],
                        help="the only TLS version to accept")
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
            MODES[args.mode](conn)
    except Exception as exc:
        report("ERROR %r" % (exc,))
        return 1
    finally:
        listener.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
