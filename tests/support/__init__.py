"""Helpers shared by the tests: test certificates and external programs.

Everything here is 2/3-compatible so the same tests drive sslbio on
Python 2.7 and the standard library on Python 3.
"""

import os
import ssl

try:
    from shutil import which
except ImportError:  # Python 2.7 (distutils is gone from 3.12 on)
    from distutils.spawn import find_executable as which

HERE = os.path.dirname(os.path.abspath(__file__))
CERTS = os.path.join(os.path.dirname(HERE), "certs")


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
    with 2.7's IP addresses spelt as Python 3 spells them and PyPy's text in
    CPython 2.7's types (sslbio's job)."""
    from sslbio._certdict import as_python3_cert, with_cpython27_types
    return as_python3_cert(with_cpython27_types(
        ssl._ssl._test_decode_cert(cert(name))))


def der_cert(name):
    with open(cert(name)) as f:
        return ssl.PEM_cert_to_DER_cert(f.read())


def openssl_binary():
    """Path of the openssl command-line tool, or None."""
    return which("openssl")
