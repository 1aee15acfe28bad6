"""Engine choice on Python 2.7: the ctypes engine, or a clear refusal.

Importing this module never fails.  When the interpreter cannot be served
(no shared OpenSSL to bind, an object layout that does not validate, an
OpenSSL older than 1.0.2), ``ENGINE`` is ``"unavailable"``,
``UNAVAILABLE_REASON`` says why, and creating a ``MemoryBIO`` raises
``EngineUnavailableError`` with that reason.
"""

import ssl

from . import _context_features, _shared
from ._errors import SSLCertVerificationError

__all__ = ["ENGINE", "UNAVAILABLE_REASON", "EngineUnavailableError",
           "MemoryBIO", "SSLObject", "SSLSession", "SSLContext",
           "SSLCertVerificationError", "wrap_bio", "CONTEXT_FEATURES"]


class EngineUnavailableError(RuntimeError):
    """sslbio cannot provide the in-memory TLS API on this interpreter."""


# What the engine checked before serving this interpreter, in order, as
# (what, what was found) for ``python -m sslbio check``.  The engine goes by
# these capabilities, never by the version number: 2.7.5 with PEP 466's
# backported SSLContext is served if they hold, a 2.7.18 is refused if not.
CHECKS = []


def _load():
    """Bind OpenSSL, validate the object layout, build the classes."""
    import ctypes
    import _socket
    import _ssl

    from ._openssl import Binding, SymbolTable
    from ._layout import Layout
    from ._bio import make_memory_bio_class
    from ._sslobject import make_sslobject_classes

    path = getattr(_ssl, "__file__", None)
    CHECKS.append(("_ssl module", path or "built into the interpreter"))
    # dlsym on the _ssl module's handle searches the libraries it was
    # linked against, so this finds exactly the libssl that _ssl uses; a
    # built-in _ssl lives in the interpreter itself.
    holding = ctypes.PyDLL(path) if path else ctypes.pythonapi
    releasing = ctypes.CDLL(path) if path else ctypes.CDLL(None)
    table = SymbolTable(holding, releasing)
    lib = Binding(table)
    CHECKS.append(("libssl bound", table.file_of("SSL_new") or
                   "the library _ssl is linked with"))
    CHECKS.append(("OpenSSL", "%d.%d.%d (0x%08x), every function the engine "
                   "needs is exported" % (lib.version + (lib.version_number,))))
    layout = Layout(lib)
    MemoryBIO = make_memory_bio_class(lib, layout, ctypes.pythonapi)

    # One never-connected socket shared by every object: timeout 0.0 makes
    # _ssl treat I/O as non-blocking and never poll the descriptor.
    dummy = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    dummy.settimeout(0.0)
    SSLObject, SSLSession = make_sslobject_classes(lib, layout, dummy,
                                                   MemoryBIO)
    # Other copies of sslbio in this process accept these classes' objects
    # as their own (see _shared); the memory BIO method table identifies
    # the loaded OpenSSL.
    _shared.mark(lib.BIO_s_mem(), MemoryBIO, SSLObject, SSLSession)
    _self_test(layout, MemoryBIO, SSLObject)
    from ._context_ctypes import CtypesContextBackend
    backend = CtypesContextBackend(lib, layout, _keylog_writers())
    return lib, MemoryBIO, SSLObject, SSLSession, backend


def _keylog_writers():
    # {SSL_CTX address: key log writer}, shared by every copy of sslbio:
    # whichever copy's callback OpenSSL calls finds the context's file.
    shared = _shared.state()
    with shared["lock"]:
        return shared.setdefault("keylog_writers", {})


def _self_test(layout, MemoryBIO, SSLObject):
    """Validate the context layout, then build one client object and check
    that its first flight lands in the outgoing BIO: proves the pointers and
    the BIO swap before anyone relies on them."""
    context = ssl.SSLContext(ssl.PROTOCOL_SSLv23)
    layout.validate_context(context)
    CHECKS.append(("layout", "validated, " + layout.describe()))
    incoming, outgoing = MemoryBIO(), MemoryBIO()
    obj = SSLObject._create(incoming, outgoing, context=context)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = outgoing.read()
    if not hello.startswith(b"\x16\x03"):
        raise RuntimeError("self-test: no ClientHello in the outgoing BIO")
    CHECKS.append(("self-test", "a ClientHello (%d bytes) came out of the "
                   "outgoing MemoryBIO" % len(hello)))


try:
    _lib, MemoryBIO, SSLObject, SSLSession, _backend = _load()
except Exception as exc:  # any failure means "cannot serve", never a crash
    ENGINE = "unavailable"
    UNAVAILABLE_REASON = "%s: %s" % (type(exc).__name__, exc)
    _lib = None
    _backend = _context_features.NoContextBackend(ENGINE, UNAVAILABLE_REASON)

    class _Unavailable(object):
        def __init__(self, *args, **kwargs):
            raise EngineUnavailableError(
                "sslbio cannot provide in-memory TLS on this interpreter: "
                + UNAVAILABLE_REASON)

    class MemoryBIO(_Unavailable):
        """Unavailable on this interpreter; see ``sslbio.UNAVAILABLE_REASON``."""

    class SSLObject(_Unavailable):
        """Unavailable on this interpreter; see ``sslbio.UNAVAILABLE_REASON``."""

        @classmethod
        def _create(cls, *args, **kwargs):
            cls()

    class SSLSession(_Unavailable):
        """Unavailable on this interpreter; see ``sslbio.UNAVAILABLE_REASON``."""
else:
    ENGINE = "ctypes"
    UNAVAILABLE_REASON = None

from ._context import (  # noqa: E402
    SSLContext, wrap_bio, bind_sslobject_class, bind_context_features)

bind_sslobject_class(SSLObject)
bind_context_features(_backend)
# Names of FEATURES (see _context_features) this engine serves here.
CONTEXT_FEATURES = _backend.features
