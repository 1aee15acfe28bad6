"""Python 3's in-memory TLS API (``ssl.MemoryBIO``, ``ssl.SSLObject``,
``SSLContext.wrap_bio()``, ``ssl.SSLSession``) for CPython 2.7.

On Python 3 every public name here is the standard library's own object.  On
CPython 2.7 the names come from an engine that drives the interpreter's own
``_ssl`` module and OpenSSL; ``ENGINE`` says which one serves this
interpreter, and ``python -m sslbio check`` explains why.
"""

import sys

__version__ = "1.0.0"

__all__ = [
    "ENGINE",
    "UNAVAILABLE_REASON",
    "ENGINE_LIMITATIONS",
    "EngineUnavailableError",
    "MemoryBIO",
    "SSLObject",
    "SSLSession",
    "SSLContext",
    "SSLCertVerificationError",
    "wrap_bio",
    "inject_into_ssl",
    "extract_from_ssl",
    "CONTEXT_FEATURES",
    "TLSVersion",
    "Options",
    "VerifyMode",
    "VerifyFlags",
    "AlertDescription",
    "PROTOCOL_TLS_CLIENT",
    "PROTOCOL_TLS_SERVER",
    "SSLSocket",
    "wrap_socket",
    "inject_into_urllib3",
    "extract_from_urllib3",
]

if sys.version_info[0] >= 3:
    import ssl as _ssl
    from ssl import (  # noqa: F401  (re-exported)
        MemoryBIO,
        SSLObject,
        SSLSession,
        SSLContext,
    )

    # Python 3.6 raises plain SSLError for certificate failures and has no
    # SSLCertVerificationError; its CertificateError is the nearest class.
    SSLCertVerificationError = getattr(_ssl, "SSLCertVerificationError",
                                       _ssl.CertificateError)

    from ssl import (  # noqa: F401  (re-exported)
        Options, VerifyMode, VerifyFlags, AlertDescription,
        PROTOCOL_TLS_CLIENT, PROTOCOL_TLS_SERVER,
    )
    # Python 3.7+; None on 3.6, whose contexts have no version bounds.
    TLSVersion = getattr(_ssl, "TLSVersion", None)

    ENGINE = "stdlib"
    UNAVAILABLE_REASON = None
    # Every SSLContext attribute sslbio knows of is the stdlib's own here.
    from ._releases import FEATURES as _FEATURES
    CONTEXT_FEATURES = frozenset(_FEATURES)
    ENGINE_LIMITATIONS = []

    class EngineUnavailableError(RuntimeError):
        """Never raised on Python 3: the standard library serves it."""

    def wrap_bio(context, incoming, outgoing, server_side=False,
                 server_hostname=None, session=None):
        """Same as ``context.wrap_bio(...)``: returns an ``ssl.SSLObject``."""
        return context.wrap_bio(incoming, outgoing, server_side=server_side,
                                server_hostname=server_hostname,
                                session=session)

    def inject_into_ssl():
        """Nothing to do: Python 3's ``ssl`` already has the in-memory API."""

    def extract_from_ssl():
        """Nothing to do: Python 3's ``ssl`` already has the in-memory API."""

else:
    from ._engine import (  # noqa: F401  (re-exported)
        ENGINE,
        ENGINE_LIMITATIONS,
        UNAVAILABLE_REASON,
        EngineUnavailableError,
        MemoryBIO,
        SSLObject,
        SSLSession,
        SSLContext,
        SSLCertVerificationError,
        wrap_bio,
        CONTEXT_FEATURES,
    )
    from ._engine import CONTEXT_SURFACE as _SURFACE
    _enum = _SURFACE.enum
    TLSVersion = _enum("TLSVersion")
    Options = _enum("Options")
    VerifyMode = _enum("VerifyMode")
    VerifyFlags = _enum("VerifyFlags")
    AlertDescription = _enum("AlertDescription")
    PROTOCOL_TLS_CLIENT = _enum("_SSLMethod").PROTOCOL_TLS_CLIENT
    PROTOCOL_TLS_SERVER = _enum("_SSLMethod").PROTOCOL_TLS_SERVER
    from ._inject import inject_into_ssl, extract_from_ssl  # noqa: F401

# The socket layer over the names above, and urllib3's HTTPS proxies on it
# (Python 2 and 3 alike).
from ._sslsocket import SSLSocket, wrap_socket  # noqa: E402,F401
from ._urllib3 import inject_into_urllib3, extract_from_urllib3  # noqa: E402,F401
