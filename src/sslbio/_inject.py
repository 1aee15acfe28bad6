"""``inject_into_ssl()`` / ``extract_from_ssl()``: the API inside ``ssl``.

After injection, Python-3-style code that looks for ``ssl.MemoryBIO``,
``ssl.SSLObject``, ``ssl.SSLSession``, ``ssl.SSLCertVerificationError`` or
``ssl.SSLContext.wrap_bio`` finds sslbio's, and ``ssl.CertificateError`` is
``SSLCertVerificationError`` as in Python 3.7+ (a subclass of 2.7's own
``CertificateError``, so existing ``except`` clauses still match).  Both
calls are idempotent; ``extract_from_ssl()`` restores exactly what was there.
"""

import ssl
import threading

from . import _context, _engine

__all__ = ["inject_into_ssl", "extract_from_ssl"]

_MISSING = object()
_lock = threading.Lock()
_saved = {}


def _replacements():
    return [
        (ssl, "MemoryBIO", _engine.MemoryBIO),
        (ssl, "SSLObject", _engine.SSLObject),
        (ssl, "SSLSession", _engine.SSLSession),
        (ssl, "SSLCertVerificationError", _engine.SSLCertVerificationError),
        (ssl, "CertificateError", _engine.SSLCertVerificationError),
        (ssl.SSLContext, "wrap_bio", _context.wrap_bio_method),
        (ssl.SSLContext, "sslobject_class", _engine.SSLObject),
        (ssl.SSLContext, "set_servername_callback",
         _context.set_servername_callback),
    ]


def inject_into_ssl():
    """Put sslbio's in-memory TLS API into the standard ``ssl`` module."""
    with _lock:
        if _saved:
            return
        for owner, name, value in _replacements():
            _saved[(owner, name)] = owner.__dict__.get(name, _MISSING)
            setattr(owner, name, value)


def extract_from_ssl():
    """Undo ``inject_into_ssl()``; does nothing when it was not injected."""
    with _lock:
        for (owner, name), value in _saved.items():
            if value is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, value)
        _saved.clear()
