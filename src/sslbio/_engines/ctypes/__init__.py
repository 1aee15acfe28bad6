"""The ctypes engine: CPython 2.7's own ``_ssl`` plus OpenSSL through ctypes.

The fastest engine: a connection is 2.7's native ``_ssl._SSLSocket`` whose
``SSL*`` is rewired to two OpenSSL memory BIOs, driven partly through the
native object and partly through OpenSSL itself (see ``sslobject``).

Parts, each importable alone: ``binding`` (the shared declarations of
``sslbio._engines.openssl_binding`` through ctypes), ``der`` (fields of
encoded sessions 1.0.2 hides), ``layout`` (CPython 2.7 object layout,
validated); and, importable only on
CPython 2.7 where they bind this interpreter's OpenSSL: ``library``,
``bio`` (``MemoryBIO``), ``sslobject`` (``SSLObject``, ``SSLSession``),
``rand`` (OpenSSL's random generator for ``ssl.RAND_bytes()``).

Importing this package on CPython 2.7 binds the library, builds nothing
else (the classes are module-level), marks the classes for the other copies
of sslbio (see ``sslbio._shared``) and runs a self-test; any failure makes
the import fail, which ``sslbio._engine`` reports as "unavailable".  On
Python 3, where no engine runs, it only makes the pure parts importable (the
tests check them against Python 3's OpenSSL).
"""

import platform
import sys

NAME = "ctypes"

if sys.version_info[0] == 2:
    if platform.python_implementation() != "CPython":
        from .. import EngineUnavailable
        raise EngineUnavailable(
            "needs CPython's object layout; this is %s"
            % platform.python_implementation())

    import ssl

    from .. import serve
    from .bio import MemoryBIO
    from ..openssl_context import shared_keylog_writers
    from .context import CtypesContextBackend
    from .library import LIBSSL_FILE, SSL_MODULE_FILE, layout, lib
    from .rand import rand
    from .sslobject import SSLObject, SSLSession

    __all__ = ["ENGINE", "NAME", "MemoryBIO", "SSLObject", "SSLSession"]

    def describe():
        """``Engine.describe()``: capabilities, never the version number (a
        2.7.5 with PEP 466's backported SSLContext is served if they hold, a
        2.7.18 is refused if not)."""
        return [
            ("_ssl module", SSL_MODULE_FILE or "built into the interpreter"),
            ("libssl bound", LIBSSL_FILE or "the library _ssl is linked with"),
            ("OpenSSL", "%d.%d.%d (0x%08x), every function the engine needs "
                        "is exported" % (lib.version + (lib.version_number,))),
            ("layout", "validated, " + layout.describe()),
        ]

    # The layout, validated on a context before any object is built on it.
    layout.validate_context(ssl.SSLContext(ssl.PROTOCOL_SSLv23))
    # The memory BIO method table identifies the loaded OpenSSL to the other
    # copies of sslbio (see serve()).  The context backend serves every
    # context attribute this OpenSSL release has, and nothing else is
    # missing: no limits.
    ENGINE = serve(NAME, lib.BIO_s_mem(), MemoryBIO, SSLObject, SSLSession,
                   CtypesContextBackend(lib, layout, shared_keylog_writers()),
                   describe, rand=rand)
