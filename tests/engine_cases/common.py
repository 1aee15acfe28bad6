"""Contexts, in-memory client/server pairs and running test code in a
fresh interpreter.

Used by the test modules and by the snippets they run in subprocesses (a
crash there must fail one test, not kill the test run), so this module
imports nothing but the standard library, sslbio, ``support`` and
``conformance.engine_limits`` (itself standard library and sslbio only).
"""

from __future__ import print_function

import json
import os
import ssl
import sys
import textwrap

import sslbio
from conformance.engine_limits import current as current_limits
from support import subproc

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
CERTS = os.path.join(TESTS, "certs")
SRC = subproc.sslbio_src()

PY2 = sys.version_info[0] == 2
# An sslbio engine serves this interpreter (CPython 2.7: ctypes; PyPy 2.7:
# pypy); the ctypes engine's own internals are ON_CTYPES_ENGINE's.
ON_ENGINE = sslbio.ENGINE not in ("stdlib", "unavailable")
ON_CTYPES_ENGINE = sslbio.ENGINE == "ctypes"
# Whether the engine resumes sessions (the portable engine says it cannot).
RESUMES_SESSIONS = current_limits().resumes_sessions

CLIENT_PROTOCOL = getattr(ssl, "PROTOCOL_TLS_CLIENT", ssl.PROTOCOL_SSLv23)
SERVER_PROTOCOL = getattr(ssl, "PROTOCOL_TLS_SERVER", ssl.PROTOCOL_SSLv23)


def cert(name):
    """Path of a file in tests/certs."""
    return os.path.join(CERTS, name)


def der_of(name):
    """DER bytes of the certificate in tests/certs/<name>."""
    with open(cert(name)) as f:
        return ssl.PEM_cert_to_DER_cert(f.read())


def _limit_to_tls12(context):
    if hasattr(context, "maximum_version"):
        context.maximum_version = sslbio.TLSVersion.TLSv1_2
    else:
        context.options |= ssl.OP_NO_TLSv1_3


def client_context(check_hostname=True, verify=True, cafile="ca.pem",
                   certname=None, tls12=False):
    """A client context built the way 2.7 code would build it."""
    context = sslbio.SSLContext(CLIENT_PROTOCOL)
    # Order matters on Python 3: CERT_NONE is refused while check_hostname
    # is on, and PROTOCOL_TLS_CLIENT starts with it on.
    context.check_hostname = False
    context.verify_mode = ssl.CERT_REQUIRED if verify else ssl.CERT_NONE
    context.check_hostname = check_hostname
    if cafile:
        context.load_verify_locations(cert(cafile))
    if certname:
        context.load_cert_chain(cert(certname + ".pem"),
                                cert(certname + ".key"))
    if tls12:
        _limit_to_tls12(context)
    return context


def server_context(certname="server", client_cert=None, tls12=False,
                   tls13_only=False):
    """A server context; ``client_cert`` is a verify mode for the client."""
    context = sslbio.SSLContext(SERVER_PROTOCOL)
    context.load_cert_chain(cert(certname + ".pem"), cert(certname + ".key"))
    if client_cert is not None:
        context.verify_mode = client_cert
        context.load_verify_locations(cert("ca.pem"))
    if tls12:
        _limit_to_tls12(context)
    if tls13_only:
        if hasattr(context, "minimum_version"):
            context.minimum_version = sslbio.TLSVersion.TLSv1_3
        else:
            context.options |= (ssl.OP_NO_TLSv1 | ssl.OP_NO_TLSv1_1
                                | ssl.OP_NO_TLSv1_2)
    return context


def wants_read(call, *args):
    """Run ``call``; True when it completed, False on SSLWantReadError."""
    try:
        call(*args)
    except ssl.SSLWantReadError:
        return False
    return True


class Pair(object):
    """A client and a server SSLObject joined by four MemoryBIOs."""

    def __init__(self, client_ctx=None, server_ctx=None,
                 server_hostname="localhost", session=None,
                 use_method=False):
        """``use_method``: create the objects with ``context.wrap_bio()``
        rather than ``sslbio.wrap_bio(context, ...)``."""
        self.client_ctx = client_ctx or client_context()
        self.server_ctx = server_ctx or server_context()
        self.cin, self.cout, self.sin, self.sout = [
            sslbio.MemoryBIO() for _ in range(4)]
        if use_method:
            client_wrap = self.client_ctx.wrap_bio
            server_wrap = self.server_ctx.wrap_bio
        else:
            client_wrap = lambda *a, **k: sslbio.wrap_bio(  # noqa: E731
                self.client_ctx, *a, **k)
            server_wrap = lambda *a, **k: sslbio.wrap_bio(  # noqa: E731
                self.server_ctx, *a, **k)
        self.client = client_wrap(self.cin, self.cout,
                                  server_hostname=server_hostname,
                                  session=session)
        self.server = server_wrap(self.sin, self.sout, server_side=True)

    def to_server(self):
        data = self.cout.read()
        if data:
            self.sin.write(data)
        return len(data)

    def to_client(self):
        data = self.sout.read()
        if data:
            self.cin.write(data)
        return len(data)

    def handshake(self, rounds=10):
        """Run both handshakes to completion (errors propagate)."""
        client_done = server_done = False
        for _ in range(rounds):
            if not client_done:
                client_done = wants_read(self.client.do_handshake)
            self.to_server()
            if not server_done:
                server_done = wants_read(self.server.do_handshake)
            self.to_client()
            if client_done and server_done:
                return self
        raise AssertionError("the handshake did not complete")

    def client_sends(self, data):
        self.client.write(data)
        self.to_server()
        return self.server.read(len(data) + 1024)

    def server_sends(self, data):
        self.server.write(data)
        self.to_client()
        return self.client.read(len(data) + 1024)


def connected_pair(*args, **kwargs):
    """A Pair whose handshake is complete and whose client has processed
    the server's TLS 1.3 session tickets (they follow the handshake)."""
    pair = Pair(*args, **kwargs).handshake()
    assert pair.server_sends(b"ping") == b"ping"
    return pair


# -- subprocesses -------------------------------------------------------------

def run_python(code, executable=None, env=None, timeout=60):
    """Run ``code`` (dedented) in a fresh interpreter (this one by default)
    with a deadline: (rc, stdout, stderr) as text; rc is None when the
    deadline killed it."""
    executable = executable or sys.executable
    result = subproc.run([executable, "-c", textwrap.dedent(code)],
                         timeout=timeout, cwd=TESTS,
                         env=subproc.python_env(executable, env))
    if result.timed_out:
        raise AssertionError("subprocess timed out; %s" % result.describe())
    return result.returncode, result.out, result.err


def run_clean(code, executable=None, env=None, timeout=60):
    """Run ``code`` in a subprocess; it must exit 0 and print NOTHING on
    stderr (a crash, an ignored exception in ``__del__`` or a warning all
    fail).  Returns stdout."""
    rc, out, err = run_python(code, executable, env, timeout)
    assert rc == 0 and err == "", (
        "subprocess failed: exit code %r\n--- stdout ---\n%s\n"
        "--- stderr ---\n%s" % (rc, out, err))
    return out


def last_json(out):
    """The JSON document on the last non-empty line of ``out``."""
    lines = [line for line in out.splitlines() if line.strip()]
    return json.loads(lines[-1])
