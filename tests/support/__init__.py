"""Helpers shared by the tests: test certificates and external programs.

Everything here is 2/3-compatible so the same tests drive sslbio on
Python 2.7 and the standard library on Python 3.
"""

import os
import ssl
import subprocess
import sys

try:
    from shutil import which
except ImportError:  # Python 2.7 (distutils is gone from 3.12 on)
    from distutils.spawn import find_executable as which

HERE = os.path.dirname(os.path.abspath(__file__))
CERTS = os.path.join(os.path.dirname(HERE), "certs")

# The newest Python 3 the project treats as its reference (DESIGN.md, 3).
REFERENCE_PYTHON3 = (3, 11)


def cert(name):
    """Path of a file in tests/certs, e.g. cert('server.pem')."""
    return os.path.join(CERTS, name)


def pem_body(name):
    """The base64 lines of a PEM certificate, joined: a form that can be
    looked for in the output of openssl, which re-encodes what it prints."""
    lines = []
    inside = False
    with open(cert(name)) as f:
        for line in f:
            line = line.strip()
            if line.startswith("-----BEGIN CERTIFICATE"):
                inside = True
            elif line.startswith("-----END CERTIFICATE"):
                break
            elif inside:
                lines.append(line)
    return "".join(lines)


def decoded_cert(name):
    """The dict getpeercert() should return for the certificate in `name`,
    decoded by this interpreter's own _ssl, so both lines compare alike, and
    with 2.7's IP addresses spelt as Python 3 spells them (sslbio's job)."""
    from sslbio._certdict import as_python3_cert
    return as_python3_cert(ssl._ssl._test_decode_cert(cert(name)))


def der_cert(name):
    with open(cert(name)) as f:
        return ssl.PEM_cert_to_DER_cert(f.read())


def openssl_binary():
    """Path of the openssl command-line tool, or None."""
    return which("openssl")


def _pyenv_python3():
    pyenv = which("pyenv")
    if pyenv is None:
        return None
    try:
        out = subprocess.check_output([pyenv, "versions", "--bare"])
    except (OSError, subprocess.CalledProcessError):
        return None
    candidates = []
    for name in out.decode("ascii", "replace").split():
        parts = name.split(".")
        if parts[:2] == [str(n) for n in REFERENCE_PYTHON3] and all(
                p.isdigit() for p in parts):
            candidates.append((tuple(int(p) for p in parts), name))
    if not candidates:
        return None
    env = dict(os.environ, PYENV_VERSION=max(candidates)[1])
    try:
        path = subprocess.check_output([pyenv, "which", "python3"], env=env)
    except (OSError, subprocess.CalledProcessError):
        return None
    return path.decode("utf-8").strip() or None


def python3_binary():
    """A Python 3 interpreter for helper servers: pyenv's newest 3.11.x, else
    `python3` on PATH, else this interpreter if it is a Python 3."""
    found = _pyenv_python3() or which("python3")
    if found is None and sys.version_info[0] >= 3:
        found = sys.executable
    return found
