"""The portable engine: Python 3's in-memory TLS API from the standard
library alone.

Every CPython 2.7.9+ has ``ssl.SSLContext`` and the native object it wraps
sockets in (``context._wrap_socket()``).  This engine gives each
``SSLObject`` one of those native objects, built around one end of a
private connected socket pair, and moves bytes between its ``MemoryBIO``\\ s
and the other end itself.  It needs no ctypes and no knowledge of object
layouts, so it serves where the ctypes engine cannot (Windows builds of 2.7,
builds without ``_ctypes``, layouts that do not validate), and what a caller
can observe is the same as with the ctypes engine: Python 3.11's.  The
native side gets the peer's bytes one TLS record at a time, and only when a
call needs them: OpenSSL reads no further than the record it is working on,
so ``incoming.pending`` after a call is what an OpenSSL memory BIO would
hold.

What 2.7's ``_ssl`` cannot do is done from the bytes sslbio sees (the host
name check on the peer's certificate, ``_hostmatch``; the TLS 1.2
certificate and the server's resumption verdict from the clear-text
handshake, ``_plaintext``) or refused; ``_LIMITS`` below declares every
difference.  docs/portable-engine.md explains each, and how bytes move
(output after every call, failures, end of file).

The package's modules: ``sockets`` (the pair), ``bytequeue`` (the
``MemoryBIO``), ``feeder`` (records into the native side), ``hostcheck``,
``state`` (where a connection stands) and ``sslobject`` (the object).
"""

import ssl

import _socket
import _ssl

from ..._context_features import NoContextBackend
from .. import EngineUnavailable, serve

__all__ = ["ENGINE", "NAME", "MemoryBIO", "SSLObject", "SSLSession"]

NAME = "portable"

# What this engine cannot do that Python 3.11 does (its context backend's
# part is derived from the backend).
_LIMITS = dict(
    hostname_checked_late=True,
    hostname_failure_reads_flight=True,
    chain_failure_without_verify_code=True,
    resumes_sessions=False,
    refused_calls=[("shared_ciphers", "on the server side"),
                   ("verify_client_post_handshake", "")],
    answers_after_unwrap_alert=True,
    descriptors_per_object=2,
)

# Python 3.11's context attributes this engine serves without reaching the
# SSL_CTX (the others raise NotImplementedError; see _context_features).
CONTEXT_BACKEND = NoContextBackend(
    NAME, "2.7's _ssl gives Python no access to the context's SSL_CTX",
    features=("sni_callback", "protocol_tls_client_server"))

if not hasattr(ssl, "SSLContext") or \
        not hasattr(_ssl._SSLContext, "_wrap_socket"):
    raise EngineUnavailable("this Python's ssl module has no SSLContext "
                            "(2.7.9 or later is needed)")

from .bytequeue import MemoryBIO  # noqa: E402
from .sslobject import SSLObject, SSLSession  # noqa: E402


def describe():
    """What the engine bound to and checked, in order, for ``python -m
    sslbio check``: ``[(what, what was found), ...]``."""
    return [
        ("_ssl module", getattr(_ssl, "__file__", None) or
         "built into the interpreter"),
        ("OpenSSL", "%s, reached only through _ssl" % _ssl.OPENSSL_VERSION),
        ("socket pair", "socket.socketpair(), 2 descriptors per SSLObject"
         if hasattr(_socket, "socketpair") else
         "loopback TCP, 2 descriptors per SSLObject"),
    ]


# Other copies of sslbio in this process accept these classes' objects as
# their own (see _shared): same engine (NAME), same private attributes.  The
# self-test proves that this _ssl takes a socket pair's end as this engine
# gives it.
ENGINE = serve(NAME, NAME, MemoryBIO, SSLObject, SSLSession, CONTEXT_BACKEND,
               describe, _LIMITS)
