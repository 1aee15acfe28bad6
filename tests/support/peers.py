"""Real TLS peers in subprocesses: ``openssl s_server``/``s_client`` and a
Python 3 standard-library server (py3_server.py), all on 127.0.0.1.

Each peer is a context manager: whatever happens in the ``with`` body, the
process is killed and reaped on exit, so a failing test leaves nothing
behind.  Servers bind port 0 themselves and report the port they got, which
avoids the race of probing for a free port and binding it later.
"""

import os
import re
import subprocess
import threading
import time

from . import HERE, cert, openssl_binary
from .interpreters import peer_python3

STARTUP_TIMEOUT = 5.0
EXIT_TIMEOUT = 5.0


class PeerError(AssertionError):
    """The peer did not do what the test waited for; carries its output."""


class Peer(object):
    """A subprocess whose stdout and stderr, merged, are collected by a
    thread (so the process never blocks on a full pipe) and can be waited
    on line by line."""

    def __init__(self, argv, name=None, env=None):
        self.argv = list(argv)
        self.name = name or os.path.basename(self.argv[0])
        self.env = env
        self.proc = None
        self._lines = []
        self._changed = threading.Condition()
        self._reader = None

    def start(self):
        self.proc = subprocess.Popen(
            self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, env=self.env)
        self._reader = threading.Thread(target=self._collect)
        self._reader.daemon = True
        self._reader.start()
        return self

    def _collect(self):
        for raw in iter(self.proc.stdout.readline, b""):
            with self._changed:
                # latin-1 never fails and keeps every byte openssl printed.
                self._lines.append(raw.decode("latin-1"))
                self._changed.notify_all()
        with self._changed:
            self._lines.append(None)  # end of output
            self._changed.notify_all()

    @property
    def output(self):
        with self._changed:
            return "".join(line for line in self._lines if line is not None)

    def _describe(self):
        return "%s (%s) output so far:\n%s" % (
            self.name, " ".join(self.argv), self.output)

    def wait_for(self, pattern, timeout=STARTUP_TIMEOUT):
        """Block until a line matches the regular expression `pattern`;
        return the match.  Fails if the process ends or time runs out."""
        regex = re.compile(pattern)
        deadline = time.time() + timeout
        seen = 0
        with self._changed:
            while True:
                while seen < len(self._lines):
                    line = self._lines[seen]
                    seen += 1
                    if line is None:
                        raise PeerError("ended before printing %r; %s"
                                        % (pattern, self._describe()))
                    match = regex.search(line)
                    if match:
                        return match
                remaining = deadline - time.time()
                if remaining <= 0:
                    raise PeerError("no line matching %r within %.1f s; %s"
                                    % (pattern, timeout, self._describe()))
                self._changed.wait(remaining)

    def send(self, data):
        """Write bytes to the process's standard input."""
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def wait(self, timeout=EXIT_TIMEOUT):
        """Wait for the process to exit by itself; return its exit code."""
        deadline = time.time() + timeout
        while self.proc.poll() is None:  # 2.7's wait() has no timeout
            if time.time() > deadline:
                raise PeerError("still running after %.1f s; %s"
                                % (timeout, self._describe()))
            time.sleep(0.01)
        self._reader.join(timeout)
        return self.proc.returncode

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        if self._reader is not None:
            self._reader.join(EXIT_TIMEOUT)
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()
            except (IOError, OSError):  # stdin to a dead process: EPIPE
                pass

    def __enter__(self):
        if self.proc is None:
            self.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()


class ListeningPeer(Peer):
    """A server peer: started, then waited on until it reports its port."""

    # Subclasses: a regex whose group 1 is the port the server listens on.
    ready_pattern = None

    port = None

    def start(self):
        Peer.start(self)
        try:
            self.port = int(self.wait_for(self.ready_pattern).group(1))
        except BaseException:
            self.stop()
            raise
        return self


class OpenSSLServer(ListeningPeer):
    # OpenSSL 1.1.1 and later print the bound address with port 0 resolved
    # (and need 1.1.1 anyway for TLS 1.3 options such as -ciphersuites).
    ready_pattern = r"^ACCEPT 127\.0\.0\.1:(\d+)"


class Python3Server(ListeningPeer):
    ready_pattern = r"^READY (\d+)"


def openssl(*args):
    binary = openssl_binary()
    if binary is None:
        raise PeerError("the openssl command-line tool is not installed")
    return [binary] + list(args)


def s_server(certname="server", *args):
    """``openssl s_server`` on 127.0.0.1 with tests/certs/<certname>.pem.

    With no mode argument it prints received data and sends nothing; pass
    '-www' (HTTP status page) or '-rev' (echoes lines reversed).
    """
    argv = openssl("s_server", "-accept", "127.0.0.1:0",
                   "-cert", cert(certname + ".pem"),
                   "-key", cert(certname + ".key"), *args)
    return OpenSSLServer(argv, name="s_server")


def s_client(port, *args):
    """``openssl s_client`` connecting to 127.0.0.1:port."""
    argv = openssl("s_client", "-connect", "127.0.0.1:%d" % port, *args)
    return Peer(argv, name="s_client")


def py3_server(mode, certname="server", *args):
    """tests/support/py3_server.py under Python 3, serving `mode`
    ('echo', 'close', 'http', 'ragged' or 'cut'); see that script for the
    protocol and its other options."""
    python = peer_python3()
    if python is None:
        raise PeerError("no Python 3 interpreter found (pyenv 3.11.x or "
                        "python3 on PATH)")
    # -I: isolated mode, so a PYTHONPATH meant for the 2.7 test run (with
    # Python-2-only packages in it) cannot shadow the server's stdlib.
    argv = [python, "-I", os.path.join(HERE, "py3_server.py"),
            "--cert", cert(certname + ".pem"),
            "--key", cert(certname + ".key"), mode] + list(args)
    return Python3Server(argv, name="py3_server")
