"""``python -m sslbio get URL``: one HTTPS request over ``sslbio.SSLSocket``,
directly or through a proxy (an HTTPS proxy gives TLS inside TLS).

What it does for its user is said once, in ``_cli.GET_DESCRIPTION`` (its
help text).  Every argument is checked before the first connection: the URLs
(a port outside 1-65535 is an error, never the scheme's default port), the
CA files (each message names the option and the file) and the output file
(see ``_Output``).  An HTTP error status is a failure, its body not
written.  A reader that stops early (``get URL | head``) ends it quietly
(``EXIT_READER_GONE``).
"""

from __future__ import print_function

import argparse
import errno
import math
import os
import re
import signal
import socket
import ssl
import sys

from . import UNAVAILABLE_REASON
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
# What a shell reports for a command that SIGPIPE ended (128 + the signal).
EXIT_READER_GONE = 128 + getattr(signal, "SIGPIPE", 13)
DEFAULT_PORTS = {"https": 443, "http": 80}
HTTP_VERSIONS = {9: "0.9", 10: "1.0", 11: "1.1"}
_DIGITS = re.compile(r"^[0-9]+$")


class FetchError(Exception):
    """A failure, already worded for the one-line message."""


class ReaderGone(Exception):
    """Standard output's reader has gone (a broken pipe): stop quietly."""


def _seconds(text):
    """``--timeout``'s value: a positive, finite number of seconds."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or math.isinf(value):
        raise argparse.ArgumentTypeError(
            "must be a positive number of seconds, not %r" % text)
    return value


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
    p.add_argument("-i", "--include", action="store_true",
                   help="write the status line and headers before the body")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="show each TLS layer, the request and the response "
                        "head on standard error")
    p.add_argument("--timeout", type=_seconds, default=DEFAULT_TIMEOUT,
                   metavar="SECONDS", help="seconds each network operation "
                   "may take (default %(default)s)")


def _endpoint(url, what, schemes):
    """``(urlsplit result, host, port)`` of a URL the user gave as ``what``."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:  # 'https://[::1/': "Invalid IPv6 URL"
        raise FetchError("%s is not valid: %r (%s)" % (what, url, exc))
    if parts.scheme not in schemes or not host:
        raise FetchError("%s must be a URL of scheme %s, not %r"
                         % (what, " or ".join(schemes), url))
    return parts, host, _port(parts, what, url)


def _port(parts, what, url):
    """The port a URL names (1-65535), or its scheme's default when it names
    none.  Read here because ``urlsplit().port`` differs by version: 2.7's
    is None for a port out of range, which would mean the default port."""
    address = parts.netloc.rpartition("@")[2]
    after_host = address[address.rfind("]") + 1:]  # an IPv6 literal has colons
    text = after_host.partition(":")[2]
    if not text:
        return DEFAULT_PORTS[parts.scheme]
    if not _DIGITS.match(text) or not 1 <= int(text) <= 65535:
        raise FetchError("%s has an invalid port: %r" % (what, url))
    return int(text)


def _strerror(exc):
    """The text of an I/O error (PyPy's ``_ssl`` gives an errno without
    one)."""
    if exc.strerror:
        return exc.strerror
    return os.strerror(exc.errno) if exc.errno else str(exc)


def _context(cafile, option):
    """A verifying client context; ``cafile`` (given as ``option``) must be
    a readable file of CA certificates."""
    try:
        context = ssl.create_default_context(cafile=cafile)
    except ssl.SSLError as exc:  # before IOError/OSError, its base classes
        raise FetchError("%s %s holds no CA certificate in PEM form: %s"
                         % (option, cafile, exc))
    except (IOError, OSError) as exc:
        raise FetchError("cannot read %s %s: %s" % (option, cafile, _strerror(exc)))
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


def _reason(exc):
    if isinstance(exc, socket.timeout):
        return "timed out"
    return str(exc) or type(exc).__name__


def describe_layer(tls, what, host, port):
    """One line: what the TLS layer to ``what`` negotiated."""
    cipher = tls.cipher()
    subject = ", ".join("%s=%s" % pair for rdn in tls.getpeercert().get("subject", ())
                        for pair in rdn)
    return "%-6s %s:%d  %s  %s  ALPN: %s  subject: %s" % (
        what, host, port, tls.version(), cipher[0] if cipher else "-",
        tls.selected_alpn_protocol() or "-", subject or "-")


def _tunnel(sock, host, port):
    request = "CONNECT %s:%d HTTP/1.1\r\nHost: %s:%d\r\n\r\n" % (host, port, host, port)
    sock.sendall(request.encode("ascii"))
    # The answer, up to the blank line: nothing after it can have been sent
    # before the client's TLS hello.
    head = b""
    while b"\r\n\r\n" not in head:
        data = sock.recv(1)
        if not data:
            raise FetchError("the proxy closed the connection during CONNECT")
        head += data
        if len(head) > 65536:
            raise FetchError("the proxy's answer to CONNECT is too long")
    status = head.decode("latin-1").split("\r\n", 1)[0]
    fields = status.split(" ", 2)
    if len(fields) < 2 or not fields[1].isdigit():
        raise FetchError("the proxy answered CONNECT with %r" % status)
    if fields[1] != "200":
        raise FetchError("the proxy refused CONNECT to %s:%d: %s"
                         % (host, port, " ".join(fields[1:])))


def _is_terminal(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class _Progress(object):
    """A bar on standard error, for bodies over 1 MiB; drawn only where
    ``shown`` (a terminal that the body does not go to)."""

    def __init__(self, total, stream, shown):
        self.total = total
        self.stream = stream
        self.enabled = shown
        self.done = 0
        self.drawn = False

    def advance(self, count):
        self.done += count
        if not self.enabled or max(self.total or 0, self.done) <= PROGRESS_THRESHOLD:
            return
        self.drawn = True
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
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()


class _Output(object):
    """Where the body goes: standard output, or ``-o FILE``.

    The file is opened before any connection, so that a path that cannot be
    written fails first, but an existing file is emptied only when the body
    starts, and a file this run created is removed if nothing was written
    to it.
    """

    def __init__(self, path, stdout):
        self.path = path
        self.started = False
        if path is None:
            self.name = "standard output"
            self.stream = getattr(stdout, "buffer", stdout)  # bytes on 2 and 3
            self.created = False
            return
        self.name = "-o %s" % path
        existed = os.path.exists(path)
        try:
            self.stream = open(path, "ab")
        except (IOError, OSError) as exc:
            self._failed(exc)
        self.created = not existed

    def write(self, data):
        try:
            if not self.started and self.path is not None:
                self.stream.truncate(0)  # appends now start at 0
            self.started = True
            self.stream.write(data)
        except (IOError, OSError) as exc:
            self._failed(exc)

    def close(self):
        try:
            if self.path is None:
                self.stream.flush()
                return
            self.stream.close()
        except (IOError, OSError) as exc:
            self._failed(exc)
        finally:
            if self.path is not None and self.created and not self.started:
                os.remove(self.path)

    def _failed(self, exc):
        if self.path is None and exc.errno == errno.EPIPE:
            raise ReaderGone()
        raise FetchError("cannot write %s: %s" % (self.name, _strerror(exc)))


def _head_lines(response):
    """The status line and the header lines as the server sent them
    (names' case, order, repeats), as bytes without line ends."""
    lines = [("HTTP/%s %d %s" % (HTTP_VERSIONS.get(response.version, "1.1"),
                                 response.status, response.reason)).encode("latin-1")]
    if PY2:
        # httplib keeps the raw lines; getheaders() lower-cases and merges.
        lines += [line.rstrip(b"\r\n") for line in response.msg.headers]
    else:
        lines += [("%s: %s" % item).encode("latin-1") for item in response.msg.items()]
    return lines


class _Fetch(object):
    """One run of ``get``: the checked arguments, then the request."""

    def __init__(self, args, out, err):
        self.args = args
        self.err = err
        if UNAVAILABLE_REASON is not None:
            raise FetchError("sslbio cannot serve this interpreter (python -m "
                             "sslbio check says more): %s" % UNAVAILABLE_REASON)
        self.target, self.host, self.port = _endpoint(args.url, "the URL", ("https",))
        self.proxy = None
        if args.proxy:
            self.proxy = _endpoint(args.proxy, "--proxy", ("http", "https"))
        self.origin_context = _context(args.cafile, "--cafile")
        self.proxy_context = None
        if args.proxy_cafile is not None or (self.proxy and self.proxy[0].scheme == "https"):
            self.proxy_context = _context(args.proxy_cafile, "--proxy-cafile")
        self.output = _Output(args.output, out)
        self.progress_shown = _is_terminal(err) and (
            args.output is not None or not _is_terminal(out))

    def verbose(self, prefix, line):
        if self.args.verbose:
            print(prefix + line, file=self.err)

    def run(self):
        try:
            tls = self._open()
            return self._request(tls)
        finally:
            self.output.close()

    def _open(self):
        """The TLS socket to the origin, through the proxy if there is one."""
        host, port, timeout = self.host, self.port, self.args.timeout
        if self.proxy is None:
            sock = _connect(host, port, timeout, "origin")
        else:
            proxy, proxy_host, proxy_port = self.proxy
            sock = _connect(proxy_host, proxy_port, timeout, "proxy")
            if proxy.scheme == "https":
                sock = self._tls(sock, self.proxy_context, proxy_host, proxy_port, "proxy")
            try:
                _tunnel(sock, host, port)
            except socket.timeout:
                sock.close()
                raise FetchError("timed out waiting for the proxy's answer to CONNECT")
            except FetchError:
                sock.close()
                raise
        return self._tls(sock, self.origin_context, host, port, "origin")

    def _tls(self, sock, context, host, port, what):
        """TLS over ``sock`` to ``what``, its layer shown with ``-v``."""
        try:
            tls = wrap_socket(sock, context, server_hostname=host)
        except (ssl.SSLError, ssl.CertificateError, socket.error, ValueError) as exc:
            sock.close()
            raise FetchError("TLS with %s %s:%d failed: %s"
                             % (what, host, port, _reason(exc)))
        self.verbose("* ", describe_layer(tls, what, host, port))
        return tls

    def _request(self, tls):
        host, port = self.host, self.port
        connection = HTTPConnection(host, port, timeout=self.args.timeout)
        connection.sock = tls  # httplib speaks HTTP over the TLS socket given
        path = self.target.path or "/"
        if self.target.query:
            path += "?" + self.target.query
        try:
            connection.request("GET", path, headers={"Connection": "close"})
            self.verbose("> ", "GET %s HTTP/1.1" % path)
            response = connection.getresponse(buffering=True) if PY2 else \
                connection.getresponse()
            self._head(response)
            if response.status >= 400:
                raise FetchError("the server answered %d %s"
                                 % (response.status, response.reason))
            self._body(response)
        except socket.timeout:
            raise FetchError("timed out waiting for the response from %s:%d" % (host, port))
        except (socket.error, ssl.SSLError) as exc:
            raise FetchError("reading the response from %s:%d failed: %s"
                             % (host, port, _reason(exc)))
        finally:
            connection.close()
        return 0

    def _head(self, response):
        lines = _head_lines(response)
        for line in lines:
            self.verbose("< ", line if PY2 else line.decode("latin-1"))
        if self.args.include:
            self.output.write(b"".join(line + b"\r\n" for line in lines) + b"\r\n")

    def _body(self, response):
        length = response.getheader("Content-Length")
        progress = _Progress(int(length) if length and length.isdigit() else None,
                             self.err, self.progress_shown)
        try:
            while True:
                data = response.read(CHUNK)
                if not data:
                    break
                self.output.write(data)
                progress.advance(len(data))
        finally:
            progress.finish()


def _silence(stream):
    """Point a stream whose reader has gone at the null device, so that the
    interpreter's own flush at exit reports no broken pipe."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, stream.fileno())
        os.close(null)
    except (AttributeError, ValueError, OSError):
        pass


def run(args, out=None, err=None):
    """Run ``get`` with parsed ``args``; returns the exit status."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    try:
        return _Fetch(args, out, err).run()
    except ReaderGone:
        _silence(out)
        return EXIT_READER_GONE
    except KeyboardInterrupt:
        print("sslbio get: interrupted", file=err)
    except (FetchError, IOError, OSError) as exc:  # I/O errors: none expected
        print("sslbio get: error: %s" % exc, file=err)
    return EXIT_FAILURE
