"""``python -m sslbio get URL``: one HTTPS request over ``sslbio.SSLSocket``,
directly or through a proxy (an HTTPS proxy gives TLS inside TLS).

Prints, for each TLS layer, the negotiated version, cipher, ALPN protocol and
the peer certificate's subject, then the response's status line and headers,
then its body (to standard output, or to ``-o FILE``), with a progress bar
on standard error for bodies over 1 MiB.  Any failure -- a name that does not
resolve, a refused connection, a certificate that does not verify, a proxy
that answers CONNECT with 407 or 403, a timeout, an HTTP error status -- is
one line on standard error and exit status 1.
"""

from __future__ import print_function

import socket
import ssl
import sys

from ._sslsocket import wrap_socket

try:  # Python 3
    from http.client import HTTPConnection
    from urllib.parse import urlsplit
except ImportError:  # Python 2.7
    from httplib import HTTPConnection
    from urlparse import urlsplit

PY2 = sys.version_info[0] == 2
PROGRESS_THRESHOLD = 1024 * 1024
CHUNK = 64 * 1024
DEFAULT_TIMEOUT = 30.0
EXIT_FAILURE = 1
DEFAULT_PORTS = {"https": 443, "http": 80}


class FetchError(Exception):
    """A failure, already worded for the one-line message."""


def add_arguments(p):
    """``get``'s arguments, on the sub-command parser ``p``."""
    p.add_argument("url", help="the https:// URL to fetch")
    p.add_argument("--cafile", help="CA certificates (PEM) to verify the "
                   "origin with (default: the system's)")
    p.add_argument("--proxy", help="proxy URL, http://HOST:PORT or "
                   "https://HOST:PORT, reached with CONNECT")
    p.add_argument("--proxy-cafile", help="CA certificates (PEM) to verify an "
                   "HTTPS proxy with (default: the system's)")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="write the body to FILE instead of standard output")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                   help="seconds each network operation may take "
                        "(default %(default)s)")


def _endpoint(url, what, schemes):
    parts = urlsplit(url)
    if parts.scheme not in schemes or not parts.hostname:
        raise FetchError("%s must be a URL of scheme %s, not %r"
                         % (what, " or ".join(schemes), url))
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:
        raise FetchError("%s has an invalid port: %r" % (what, url))
    return parts, parts.hostname, port


def _context(cafile):
    context = ssl.create_default_context(cafile=cafile)
    if hasattr(context, "set_alpn_protocols"):
        context.set_alpn_protocols(["http/1.1"])
    return context


def _connect(host, port, timeout, what):
    try:
        return socket.create_connection((host, port), timeout)
    except socket.gaierror as exc:
        raise FetchError("cannot resolve %s host %s: %s" % (what, host, exc.args[-1]))
    except socket.timeout:
        raise FetchError("timed out connecting to %s %s:%d" % (what, host, port))
    except socket.error as exc:
        raise FetchError("cannot connect to %s %s:%d: %s"
                         % (what, host, port, exc.strerror or exc))


def _tls(sock, context, host, port, what):
    try:
        return wrap_socket(sock, context, server_hostname=host)
    except (ssl.SSLError, ssl.CertificateError, socket.error, ValueError) as exc:
        sock.close()
        raise FetchError("TLS with %s %s:%d failed: %s"
                         % (what, host, port, _reason(exc)))


def _reason(exc):
    if isinstance(exc, socket.timeout):
        return "timed out"
    return str(exc) or type(exc).__name__


def _subject(cert):
    names = []
    for rdn in cert.get("subject", ()):
        for key, value in rdn:
            names.append("%s=%s" % (key, value))
    return ", ".join(names) or "-"


def describe_layer(tls, what, host, port):
    """One line: what the TLS layer to ``what`` negotiated."""
    cipher = tls.cipher()
    return "%-6s %s:%d  %s  %s  ALPN: %s  subject: %s" % (
        what, host, port, tls.version(), cipher[0] if cipher else "-",
        tls.selected_alpn_protocol() or "-", _subject(tls.getpeercert()))


def _read_head(sock):
    """The proxy's answer to CONNECT, up to the blank line; nothing after it
    can have been sent before the client's TLS hello."""
    head = b""
    while b"\r\n\r\n" not in head:
        data = sock.recv(1)
        if not data:
            raise FetchError("the proxy closed the connection during CONNECT")
        head += data
        if len(head) > 65536:
            raise FetchError("the proxy's answer to CONNECT is too long")
    return head.decode("latin-1")


def _tunnel(sock, host, port):
    request = "CONNECT %s:%d HTTP/1.1\r\nHost: %s:%d\r\n\r\n" % (host, port, host, port)
    sock.sendall(request.encode("ascii"))
    status = _read_head(sock).split("\r\n", 1)[0]
    fields = status.split(" ", 2)
    if len(fields) < 2 or not fields[1].isdigit():
        raise FetchError("the proxy answered CONNECT with %r" % status)
    if fields[1] != "200":
        raise FetchError("the proxy refused CONNECT to %s:%d: %s"
                         % (host, port, " ".join(fields[1:])))


class _Progress(object):
    """A bar on standard error, for bodies over 1 MiB."""

    def __init__(self, total, stream):
        self.total = total
        self.stream = stream
        self.done = 0
        self.shown = False

    def advance(self, count):
        self.done += count
        if max(self.total or 0, self.done) <= PROGRESS_THRESHOLD:
            return
        self.shown = True
        if self.total:
            width = 40
            filled = width * self.done // self.total
            self.stream.write("\r[%s%s] %3d%% %d/%d bytes" % (
                "#" * filled, "." * (width - filled),
                100 * self.done // self.total, self.done, self.total))
        else:
            self.stream.write("\r%d bytes" % self.done)
        self.stream.flush()

    def finish(self):
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


def fetch(args, out, err):
    """Run the request described by parsed ``args``; raise FetchError."""
    target, host, port = _endpoint(args.url, "the URL", ("https",))
    layers = []
    if args.proxy:
        proxy, proxy_host, proxy_port = _endpoint(args.proxy, "the proxy",
                                                  ("http", "https"))
        sock = _connect(proxy_host, proxy_port, args.timeout, "proxy")
        if proxy.scheme == "https":
            sock = _tls(sock, _context(args.proxy_cafile), proxy_host,
                        proxy_port, "proxy")
            layers.append(describe_layer(sock, "proxy", proxy_host, proxy_port))
        try:
            _tunnel(sock, host, port)
        except socket.timeout:
            raise FetchError("timed out waiting for the proxy's answer to CONNECT")
        except FetchError:
            sock.close()
            raise
    else:
        sock = _connect(host, port, args.timeout, "origin")
    tls = _tls(sock, _context(args.cafile), host, port, "origin")
    layers.append(describe_layer(tls, "origin", host, port))
    for line in layers:
        print(line, file=out)
    return _request(tls, target, host, port, args, out, err)


def _request(tls, target, host, port, args, out, err):
    connection = HTTPConnection(host, port, timeout=args.timeout)
    connection.sock = tls  # httplib speaks HTTP over the TLS socket given
    path = target.path or "/"
    if target.query:
        path += "?" + target.query
    try:
        connection.request("GET", path, headers={"Connection": "close"})
        response = connection.getresponse(buffering=True) if PY2 else \
            connection.getresponse()
        print("HTTP/%s %d %s" % ("1.1" if response.version == 11 else "1.0",
                                 response.status, response.reason), file=out)
        for name, value in response.getheaders():
            print("%s: %s" % (name, value), file=out)
        print(file=out)
        out.flush()
        _save_body(response, args, out, err)
    except socket.timeout:
        raise FetchError("timed out waiting for the response from %s:%d" % (host, port))
    except (socket.error, ssl.SSLError) as exc:
        raise FetchError("reading the response from %s:%d failed: %s"
                         % (host, port, _reason(exc)))
    finally:
        connection.close()
    if response.status >= 400:
        raise FetchError("the server answered %d %s" % (response.status, response.reason))
    return 0


def _save_body(response, args, out, err):
    length = response.getheader("Content-Length")
    progress = _Progress(int(length) if length and length.isdigit() else None, err)
    sink = open(args.output, "wb") if args.output else _binary(out)
    try:
        while True:
            data = response.read(CHUNK)
            if not data:
                break
            sink.write(data)
            progress.advance(len(data))
    finally:
        progress.finish()
        if args.output:
            sink.close()
        else:
            sink.flush()


def _binary(stream):
    return getattr(stream, "buffer", stream)


def run(args, out=None, err=None):
    """Run ``get`` with parsed ``args``; returns the exit status."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    try:
        return fetch(args, out, err)
    except FetchError as exc:
        print("sslbio get: error: %s" % exc, file=err)
    except KeyboardInterrupt:
        print("sslbio get: interrupted", file=err)
    except (IOError, OSError) as exc:
        print("sslbio get: error: %s" % exc, file=err)
    return EXIT_FAILURE
