"""Contexts, in-memory client/server pairs and a subprocess runner.

Used by the test modules and by the snippets they run in subprocesses (a
crash there must fail one test, not kill the test run), so this module
imports nothing but the standard library and sslbio.
"""

from __future__ import print_function

import json
import os
import re
import ssl
import subprocess
import sys
import textwrap

import sslbio

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
CERTS = os.path.join(TESTS, "certs")
# The directory the sslbio under test was imported from: subprocesses must
# import the very same package.
SRC = os.path.dirname(os.path.dirname(os.path.abspath(sslbio.__file__)))
# What another interpreter (the Python 3.11 reference) gets instead: SRC may
# be this interpreter's site-packages (scripts/test-all installs sslbio),
# whose 2.7-only modules must not shadow the other one's standard library.
# On Python 3 sslbio only re-exports ssl, so the checkout's copy will do.
_CHECKOUT_SRC = os.path.join(os.path.dirname(TESTS), "src")
FOREIGN_SRC = (_CHECKOUT_SRC
               if os.path.isfile(os.path.join(_CHECKOUT_SRC, "sslbio",
                                              "__init__.py")) else SRC)

PY2 = sys.version_info[0] == 2
ON_ENGINE = sslbio.ENGINE == "ctypes"

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
        context.maximum_version = ssl.TLSVersion.TLSv1_2
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
            context.minimum_version = ssl.TLSVersion.TLSv1_3
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

def subprocess_env(extra=None, foreign=False):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([FOREIGN_SRC if foreign else SRC,
                                         TESTS])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    # glibc fills freed memory with this byte: a use after free reads
    # garbage and is far more likely to crash than to pass silently.
    env["MALLOC_PERTURB_"] = "165"
    env.pop("PYTHONWARNINGS", None)
    # Executables are given by path; a pyenv version pinned for the test
    # run must not redirect them.
    env.pop("PYENV_VERSION", None)
    if extra:
        env.update(extra)
    return env


def run_python(code, executable=None, env=None, timeout=60):
    """Run ``code`` (dedented) in a fresh interpreter: (rc, stdout, stderr)
    as text."""
    executable = executable or sys.executable
    args = [executable, "-c", textwrap.dedent(code)]
    proc = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=TESTS,
        env=subprocess_env(env, foreign=executable != sys.executable))
    if PY2:
        # 2.7's communicate() has no timeout; the snippets are short.
        out, err = proc.communicate()
    else:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            raise AssertionError("subprocess timed out; stdout=%r stderr=%r"
                                 % (out, err))
    return (proc.returncode, out.decode("utf-8", "replace"),
            err.decode("utf-8", "replace"))


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


_python311 = []


def python311():
    """Path of a Python 3.11 interpreter (the reference), or None.

    ``SSLBIO_PYTHON311`` wins, whatever its version: scripts/test-all names
    an older Python 3 there when that is the one on the OpenSSL under test
    (Debian bullseye's 3.9); otherwise pyenv's newest 3.11.x, then
    ``python3.11`` on PATH."""
    if _python311:
        return _python311[0]
    candidates = []
    if os.environ.get("SSLBIO_PYTHON311"):
        candidates.append([os.environ["SSLBIO_PYTHON311"]])
    candidates.append(["pyenv", "which", "python3.11"])
    candidates.append(["python3.11"])
    found = None
    for candidate in candidates:
        env = dict(os.environ)
        env.pop("PYENV_VERSION", None)
        if candidate[0] == "pyenv":
            try:
                versions = subprocess.check_output(
                    ["pyenv", "versions", "--bare"], env=env)
            except (OSError, subprocess.CalledProcessError):
                continue
            v311 = sorted(
                (v for v in versions.decode("ascii", "replace").split()
                 if re.match(r"^3\.11\.\d+$", v)),
                key=lambda v: int(v.split(".")[2]))
            if not v311:
                continue
            env["PYENV_VERSION"] = v311[-1]
            try:
                path = subprocess.check_output(candidate, env=env)
            except (OSError, subprocess.CalledProcessError):
                continue
            path = path.decode("utf-8").strip()
        else:
            path = candidate[0]
        try:
            version = subprocess.check_output(
                [path, "-c", "import sys; print(sys.version_info[:2])"],
                env=env)
        except (OSError, subprocess.CalledProcessError):
            continue
        if version.decode("ascii").strip() == "(3, 11)" or \
                candidate == [os.environ.get("SSLBIO_PYTHON311")]:
            found = path
            break
    _python311.append(found)
    return found


def python_version(python):
    """``(major, minor)`` of the interpreter at ``python``."""
    out = subprocess.check_output(
        [python, "-c", "import sys; print('%d %d' % sys.version_info[:2])"])
    return tuple(int(part) for part in out.decode("ascii").split())


def not_python311(python):
    """Why a comparison held to Python 3.11's exact behaviour cannot use
    ``python`` (what ``python311()`` found), or None when it is 3.11."""
    version = python_version(python)
    if version == (3, 11):
        return None
    return ("the reference (SSLBIO_PYTHON311) is Python %d.%d, not 3.11: its "
            "own differences from 3.11 (tests/conformance/README.md) would "
            "fail this exact comparison" % version)
